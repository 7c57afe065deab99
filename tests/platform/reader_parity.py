"""
A course as Open edX's own reader holds it next to the same course as the store serves it, block by
block: the pieces of ``test_reader_parity.py`` (docs/READER_PARITY.md says what is compared and
what is excused, with the platform code that makes Split differ).

A block is *exact* when its class, its children in order and every field set on it in
``Scope.settings`` and ``Scope.content`` (``field.is_set_on(block)``, compared as ``field.to_json``
values) are equal. Both sides are read by the same code: the platform's block classes
(:func:`tests.platform.olx_reader.platform_classes`) and the same mixins.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from opaque_keys.edx.keys import CourseKey, UsageKey
from xblock.fields import Scope

SCOPES = (Scope.settings, Scope.content)
# What the importer drops from xml_attributes (``_update_and_import_block``).
DRAFT_WIRING = ("parent_url", "parent_sequential_url", "index_in_children_list")


@dataclass
class Difference:
    """One way a block differs: its kind (``class``, ``children``, ``missing`` or ``<scope>.<field>``)."""

    key: str
    block_type: str
    kind: str
    reader: Any
    store: Any

    def __str__(self) -> str:
        return f"{self.key} {self.kind}: reader {_short(self.reader)} != store {_short(self.store)}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "..."


@dataclass
class CourseParity:
    total: int = 0
    exact: int = 0
    differences: list[Difference] = field(default_factory=list)

    def by_block(self) -> dict[str, list[Difference]]:
        found: dict[str, list[Difference]] = {}
        for difference in self.differences:
            found.setdefault(difference.key, []).append(difference)
        return found


def block_name(key: Any, root_id: str) -> str:
    """``type/id`` as Split names it: the course root is ``course/course`` whatever its url_name."""
    if key.block_type == "course" and key.block_id == root_id:
        return "course/course"
    return f"{key.block_type}/{key.block_id}"


def class_name(block: Any) -> str:
    """The block's own class (the runtime mixes the mixins in on top of it)."""
    cls = type(block)
    own = cls.__bases__[0] if cls.__name__.endswith("WithMixins") else cls
    return f"{own.__module__}.{own.__qualname__}"


def set_fields(block: Any, *, through_split: bool = False) -> dict[str, dict[str, Any]]:
    """
    Every field set on the block, by scope, as ``to_json`` values (what the importer copies).
    ``through_split``: as the LMS reads them back from Split, which stores the ``to_json`` value
    and hands it to ``field.from_json`` on every read (``Field.__get__``): a ``Boolean`` the reader
    holds as ``None`` is stored ``null`` and read ``False``.
    """
    found: dict[str, dict[str, Any]] = {}
    for scope in SCOPES:
        values = found.setdefault(scope.name, {})
        for name, xblock_field in block.fields.items():
            if xblock_field.scope != scope or name == "children" or not xblock_field.is_set_on(block):
                continue
            try:
                value = xblock_field.to_json(xblock_field.read_from(block))
                if through_split:
                    value = xblock_field.to_json(xblock_field.from_json(value))
                values[name] = _references(value)
            except Exception as exc:  # a value the field cannot read is a difference, not a crash
                values[name] = f"<unreadable: {type(exc).__name__}: {exc}>"
    return found


def _references(value: Any) -> Any:
    """
    Reference fields (a split_test's ``group_id_to_child``, a conditional's ``show_tag_list``) as
    Split stores them: a block of the course, ``type/id`` (Split keeps BlockKeys, which the runtime
    turns into keys of whichever course, branch and version it reads; the reader's name its source).
    """
    if isinstance(value, UsageKey):
        return f"{value.block_type}/{value.block_id}"
    if isinstance(value, dict):
        return {key: _references(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_references(item) for item in value]
    return value


def as_split_stores(reader_course: Any, blocks: dict[Any, Any], destination: CourseKey) -> dict[str, Any]:
    """
    The reader's blocks with only what Studio's importer itself changes when it writes them into
    Split (docs/READER_PARITY.md, "Excused"): the root's id, the draft wiring of ``xml_attributes``,
    a ``wiki_slug`` that names the source course, non-portable links in ``data``, default tabs on a
    course that has none. By Split name: ``{"class", "children", "settings", "content"}``.
    """
    from xmodule.modulestore.store_utilities import rewrite_nonportable_content_links
    from xmodule.tabs import CourseTabList

    source = reader_course.id
    root_id = reader_course.location.block_id
    if not reader_course.tabs:
        CourseTabList.initialize_default(reader_course)  # CourseImportManager.static_updater
    found = {}
    for key, block in blocks.items():
        values = set_fields(block, through_split=True)
        settings, content = values["settings"], values["content"]
        attributes = settings.get("xml_attributes")
        if isinstance(attributes, dict):
            attributes = {k: v for k, v in attributes.items() if k not in DRAFT_WIRING}
            settings["xml_attributes"] = attributes
        if key.block_type == "course":
            slug = settings.get("wiki_slug", content.get("wiki_slug"))
            names = (f"{source.org}.{source.course}.{source.run}", source.course)
            if slug in names:
                scope = settings if "wiki_slug" in settings else content
                scope["wiki_slug"] = f"{destination.org}.{destination.course}.{destination.run}"
        if isinstance(content.get("data"), str):
            content["data"] = rewrite_nonportable_content_links(source, destination, content["data"])
        if "edx_video_id" in settings:  # compared as set or not (a random id made by edx-val)
            settings["edx_video_id"] = bool(settings["edx_video_id"])
        found[block_name(key, root_id)] = {
            "class": class_name(block),
            "children": [block_name(child, root_id) for child in block.children]
            if block.has_children
            else None,
            **values,
        }
    return found


def as_served(store: Any, course_key: CourseKey, names: Iterator[str]) -> dict[str, Any]:
    """The store's blocks of those Split names, read as the LMS reads them."""
    found = {}
    for name in names:
        block_type, block_id = name.split("/", 1)
        usage = course_key.make_usage_key(block_type, block_id)
        if not store.has_item(usage):
            continue
        block = store.get_item(usage)
        values = set_fields(block)
        if "edx_video_id" in values["settings"]:
            values["settings"]["edx_video_id"] = bool(values["settings"]["edx_video_id"])
        found[name] = {
            "class": class_name(block),
            "children": [f"{c.block_type}/{c.block_id}" for c in block.children]
            if block.has_children
            else None,
            **values,
        }
    return found


def compare(reader: dict[str, Any], served: dict[str, Any]) -> CourseParity:
    parity = CourseParity(total=len(reader))
    for name, theirs in sorted(reader.items()):
        block_type = name.split("/", 1)[0]
        ours = served.get(name)
        if ours is None:
            parity.differences.append(Difference(name, block_type, "missing", theirs["class"], None))
            continue
        before = len(parity.differences)
        for kind in ("class", "children"):
            if theirs[kind] != ours[kind]:
                parity.differences.append(Difference(name, block_type, kind, theirs[kind], ours[kind]))
        for scope in SCOPES:
            mine, their_values = ours[scope.name], theirs[scope.name]
            for field_name in sorted(set(mine) | set(their_values)):
                if mine.get(field_name, _UNSET) != their_values.get(field_name, _UNSET):
                    parity.differences.append(
                        Difference(
                            name,
                            block_type,
                            f"{scope.name}.{field_name}",
                            copy.deepcopy(their_values.get(field_name, _UNSET)),
                            copy.deepcopy(mine.get(field_name, _UNSET)),
                        )
                    )
        if len(parity.differences) == before:
            parity.exact += 1
    return parity


class _Unset:
    def __repr__(self) -> str:
        return "<not set>"


_UNSET = _Unset()
