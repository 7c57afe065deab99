"""
Split's query language over one structure (``get_items``' ``qualifiers``, ``settings`` and
``content``, ``ModuleStoreReadBase._block_matches``): ``$exists``, ``$in``, ``$nin``, regular
expressions, callables, list targets, in structure order, orphans left out unless asked for.

The rules are Split's to the letter, malformed queries included: a caller's mistake (a ``name``
that is not a string or a collection, an ``$in`` that is not a list, a regex against a non-string)
fails here exactly as it fails in Split, with the same exception type.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from compile.vocabulary import DETACHED_TYPES

from .structure_info import StructureInfo

__all__ = ["has_path_to_root", "matches", "matching_keys"]

_ROOT_TYPES = ("course", "library")


def matches(values: Any, criteria: Any) -> bool:
    """``_block_matches`` over a dict of values (a block's attributes, its fields, its definition)."""
    for name, criterion in criteria.items():
        is_set = name in values
        if isinstance(criterion, dict) and "$exists" in criterion and criterion["$exists"] == is_set:
            continue
        if not is_set or not _value_matches(values[name], criterion):
            return False
    return True


def _value_matches(target: Any, criterion: Any) -> Any:
    if isinstance(target, list):
        return any(_value_matches(item, criterion) for item in target)
    if isinstance(criterion, re.Pattern):
        return criterion.search(target) is not None
    if callable(criterion):
        return criterion(target)
    if isinstance(criterion, dict) and "$in" in criterion:
        return any(_value_matches(target, option) for option in criterion["$in"])
    if isinstance(criterion, dict) and "$nin" in criterion:
        return not any(_value_matches(target, option) for option in criterion["$nin"])
    return criterion == target


def matching_keys(
    info: StructureInfo,
    qualifiers: Any,
    settings: Any,
    include_orphans: bool,
    content: Any = None,
    definitions: Callable[[list[Any]], Callable[[Any], dict[str, Any]]] | None = None,
) -> list[Any]:
    """
    Split's ``get_items`` selection over the structure, in structure order. ``settings`` is the
    caller's dict and, as in Split, receives a ``children`` qualifier. ``definitions`` loads the
    definitions of the blocks selected so far (in one read) and returns a reader of their fields,
    for the ``content`` criteria.
    """
    blocks = info.structure["blocks"]
    qualifiers = qualifiers.copy() if qualifiers else {}
    if settings is None:
        settings = {}

    def block_matches(data: Any) -> bool:
        return matches(data.__dict__, qualifiers) and matches(data.fields, settings)

    if "name" in qualifiers:  # a lookup by block id: other criteria apply, orphans included
        name = qualifiers.pop("name")
        keys = [
            key
            for key in blocks
            if (key.id == name if isinstance(name, str) else key.id in name) and block_matches(blocks[key])
        ]
    else:
        if "category" in qualifiers:
            qualifiers["block_type"] = qualifiers.pop("category")
        if "children" in qualifiers:
            settings["children"] = qualifiers.pop("children")
        keys = [key for key in blocks if block_matches(blocks[key])]
        if not include_orphans:
            known: dict[Any, bool] = {}
            keys = [
                k for k in keys if k.type in DETACHED_TYPES or has_path_to_root(k, info.all_parents, known)
            ]
    if content and definitions is not None and keys:
        fields_of = definitions(keys)
        keys = [key for key in keys if matches(fields_of(blocks[key].definition), content)]
    return keys


def has_path_to_root(key: Any, parents: dict[Any, list[Any]], known: dict[Any, bool] | None = None) -> bool:
    """
    Split's ``has_path_to_root``: some chain of parents reaches a parentless course (or library)
    block. Iterative, and memoized in ``known`` across calls.
    """
    known = {} if known is None else known
    stack = [key]
    while stack:
        current = stack[-1]
        if current in known:
            stack.pop()
            continue
        above = parents.get(current, ())
        if not above:
            known[current] = current.type in _ROOT_TYPES
            stack.pop()
            continue
        pending = [p for p in above if p not in known and p not in stack]
        if pending:
            stack.extend(pending)
            continue
        known[current] = any(known.get(p, False) for p in above)
        stack.pop()
    return known[key]
