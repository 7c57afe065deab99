"""
Split's query language over one structure (``get_items``' ``qualifiers`` and ``settings``, and
``_block_matches``): ``$exists``, ``$in``, ``$nin``, regular expressions, callables, list targets,
in structure order, orphans left out unless asked for.
"""

from __future__ import annotations

from typing import Any

from compile.vocabulary import DETACHED_TYPES

from ..storage.split_types import BlockKey
from .structure_info import StructureInfo

__all__ = ["matches", "matching_keys"]


def matches(values: dict[str, Any], criteria: dict[str, Any]) -> bool:
    """Split's ``_block_matches`` on a dict: ``$exists``, ``$in``, ``$nin``, regex, callable, list targets."""
    for name, criterion in criteria.items():
        if isinstance(criterion, dict) and "$exists" in criterion:
            if (name in values) != criterion["$exists"]:
                return False
            continue
        if name not in values or not _value_matches(values[name], criterion):
            return False
    return True


def _value_matches(target: Any, criterion: Any) -> bool:
    if isinstance(target, list):
        return any(_value_matches(item, criterion) for item in target)
    if hasattr(criterion, "search") and isinstance(target, str):
        return criterion.search(target) is not None
    if callable(criterion) and not isinstance(criterion, type):
        return bool(criterion(target))
    if isinstance(criterion, dict) and "$in" in criterion:
        return target in criterion["$in"]
    if isinstance(criterion, dict) and "$nin" in criterion:
        return target not in criterion["$nin"]
    return bool(target == criterion)


def matching_keys(
    info: StructureInfo, qualifiers: dict[str, Any], settings: dict[str, Any], include_orphans: bool
) -> list[Any]:
    """Split's ``get_items`` selection over the structure, in structure order."""
    blocks = info.structure["blocks"]

    def block_matches(key: Any, criteria: dict[str, Any]) -> bool:
        data = blocks[key]
        record = {"block_type": data.block_type, "definition": data.definition, "fields": data.fields,
                  "defaults": data.defaults, "asides": data.asides, "edit_info": data.edit_info}  # fmt: skip
        return matches(record, criteria) and matches(data.fields, settings)

    if "name" in qualifiers:
        name = qualifiers.pop("name")
        names = {name} if isinstance(name, str) else set(name)
        return [k for k in blocks if k[1] in names and block_matches(k, qualifiers)]
    if "category" in qualifiers:
        qualifiers["block_type"] = qualifiers.pop("category")
    if "children" in qualifiers:
        settings["children"] = qualifiers.pop("children")
    keys = [k for k in blocks if block_matches(k, qualifiers)]
    if not include_orphans:
        root = BlockKey(*info.structure["root"])
        keys = [k for k in keys if k[0] in DETACHED_TYPES or _reaches(k, root, info.parent_map)]
    return keys


def _reaches(key: Any, root: Any, parents: dict[Any, Any]) -> bool:
    while key is not None:
        if key == root:
            return True
        key = parents.get(key)
    return False
