# Over 400 lines: full and incremental compiles in one class, so an incremental one equals a full one.
"""
Compile a course snapshot into Split documents: one structure, one definition per block, the index.

Pure: a :class:`~compile.snapshot.CourseSnapshot` in, plain dicts out, in Split's stored form
(docs/SPLIT_CONTRACT.md §1: ``blocks`` a list, ids ``bson.ObjectId``, dates aware UTC datetimes).

The same code does full and incremental compiles. A full compile builds every entity of the
snapshot into an empty structure; an incremental one starts from the previous structure and
rebuilds only the entities the PublishLog names. Both then keep what the root reaches (plus the
detached pages) in one canonical order, so an incremental compile equals a full one exactly.

A component that cannot be compiled (its block.xml does not parse, is not text, is missing)
does not stop the course: it becomes an error block (:mod:`compile.broken_components`) and every
other block compiles as usual.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count
from typing import Any
from uuid import UUID

from bson import ObjectId
from lxml import etree

from .broken_components import error_fields, error_key, errored_key, is_detached, present_key
from .fields import (
    PARSER_VERSION,
    FieldParser,
    ParserFailure,
    RealizedFields,
    cached_reading_fresh,
    installed_parser,
    resolve_xml_filename,
    show_sources,
    to_structure_value,
)
from .fields.course import course_root_fields
from .gc_pause import without_gc
from .ids import EntityId
from .implicit_containers import is_implicit
from .lenient_json import DEFAULT_GRADING_POLICY
from .snapshot import CourseSnapshot, EntitySnapshot, SnapshotError
from .vocabulary import (
    BLOCK_TYPES_WITH_CHILDREN,
    CONTAINER_TYPES,
    NON_BLOCK_CHILDREN,
    PUBLISHED_BRANCH,
    ROOT_KEY,
    UNKNOWN_USER_ID,
    BlockKeyTuple,
)
from .walk import Cycle, depth_first

__all__ = [
    "CompiledCourse",
    "compile_snapshot",
    "course_index",
    "definition_id",
    "id_prefix",
    "structure_id",
]

_PARSER = etree.XMLParser(strip_cdata=False, resolve_entities=False)
_HAS_CHILDREN = CONTAINER_TYPES | BLOCK_TYPES_WITH_CHILDREN

type Block = dict[str, Any]


def _object_id(*parts: object) -> ObjectId:
    """A deterministic ObjectId: recompiling the same publish gives the same ids."""
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=12).digest()
    return ObjectId(digest)


def _prefix(*parts: object) -> bytes:
    return hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=4).digest()


def id_prefix(namespace: str, package_uuid: UUID, generation: int = 0, *more: object) -> bytes:
    """
    The 4 bytes every id of one kind of a course starts with. ``generation`` (the course's, see
    :attr:`~compile.snapshot.CourseSnapshot.id_generation`) is a namespace of its own, so a course
    recompiled into other documents gets ids nothing was ever served under; generation 0 adds
    nothing (the ids compiled before generations existed).
    """
    parts = (namespace, package_uuid, *more)
    return _prefix(*parts, f"generation {generation}") if generation else _prefix(*parts)


def structure_id(
    package_uuid: UUID, publish_log_id: int, branch: str = PUBLISHED_BRANCH, generation: int = 0
) -> ObjectId:
    """
    4 bytes for the package, 8 for the PublishLog: new for every publish, the same on a recompile
    that gives the same documents. On the draft branch the log is a DraftChangeLog, under a prefix
    of its own (the two id sequences overlap).
    """
    namespace = "structure" if branch == PUBLISHED_BRANCH else f"structure:{branch}"
    return ObjectId(id_prefix(namespace, package_uuid, generation) + publish_log_id.to_bytes(8, "big"))


def definition_id(package_uuid: UUID, version_id: int, index: int, generation: int = 0) -> ObjectId:
    """
    Derived from the entity version it was compiled from: 4 bytes for the package, the rule
    table's version and the generation, 6 for the PublishableEntityVersion, 2 for the block's place
    in that version's OLX (0 for the component itself, then its inline children in document order).
    Sequential ids compress to a few bytes each in a stored structure, where random ones cost twelve.
    """
    if not 0 <= index < 1 << 16:
        raise SnapshotError(f"entity version {version_id} holds more than 65535 blocks")
    prefix = id_prefix("definition", package_uuid, generation, PARSER_VERSION)
    return ObjectId(prefix + version_id.to_bytes(6, "big") + index.to_bytes(2, "big"))


@dataclass(slots=True)
class CompiledCourse:
    structure: dict[str, Any]
    # Definitions built by this compile (every one for a full compile; the rebuilt blocks' for an
    # incremental one). The structure names all it needs; see ``definition_ids``.
    definitions: dict[ObjectId, dict[str, Any]] = field(default_factory=dict)
    # Component fields parsed by this compile, per entity version, for the field-data cache.
    realized: dict[int, RealizedFields] = field(default_factory=dict)
    # Which parser read each of ``realized`` (compile.fields.parser: the rule table or a class).
    parsers: dict[int, str] = field(default_factory=dict)
    # Components this compile turned into error blocks: entity → (its block key, why).
    errors: dict[EntityId, tuple[BlockKeyTuple, str]] = field(default_factory=dict)
    # Each block's place in ``structure["blocks"]``. The very object given as the previous
    # structure's when the outline kept its shape (same blocks in the same order).
    positions: dict[BlockKeyTuple, int] = field(default_factory=dict)
    # When the outline kept its shape: the places whose block this compile replaced (every other
    # place holds the previous structure's very block). None when the blocks moved.
    replaced: list[int] | None = None

    @property
    def structure_id(self) -> ObjectId:
        structure_id: ObjectId = self.structure["_id"]
        return structure_id

    def definition_ids(self) -> set[ObjectId]:
        return {block["definition"] for block in self.structure["blocks"]}


@without_gc
def compile_snapshot(
    snapshot: CourseSnapshot,
    previous: dict[str, Any] | None = None,
    positions: dict[BlockKeyTuple, int] | None = None,
    parser: FieldParser | None = None,
) -> CompiledCourse:
    """
    The structure for ``snapshot.publish_log_id``. With ``previous`` (the stored form compiled for
    an earlier publish), only ``snapshot.changed`` is rebuilt; the result is the same either way.
    ``positions`` (each of ``previous``'s blocks' place in its list) lets a change that keeps the
    outline's shape patch the previous block list in place instead of walking the whole outline.
    ``parser`` reads components' OLX (default: the installed one, compile.fields.parser).
    """
    return _Compiler(snapshot, parser or installed_parser()).compile(previous, positions)


def course_index(snapshot: CourseSnapshot, compiled: CompiledCourse, created: datetime) -> dict[str, Any]:
    """
    The course index ("active_versions") document, v1 schema, pointing at ``compiled``'s
    structure. Its ``search_targets`` hold the root's ``wiki_slug`` (a content field: the root's
    definition) when this compile built that definition, and nothing when the root's definition
    is the previous structure's: its slug is the one the index already holds.
    """
    structure = compiled.structure
    org, course, run = _course_key_parts(snapshot.course_key)
    root = next(b for b in structure["blocks"] if (b["block_type"], b["block_id"]) == ROOT_KEY)
    definition = compiled.definitions.get(root["definition"])
    return {
        "_id": _object_id("index", snapshot.package_uuid),
        "org": org,
        "course": course,
        "run": run,
        "edited_by": structure["edited_by"],
        "edited_on": created,
        "last_update": structure["edited_on"],
        "versions": {PUBLISHED_BRANCH: structure["_id"]},
        "schema_version": 1,
        "search_targets": {"wiki_slug": definition["fields"].get("wiki_slug", "")} if definition else {},
    }


class _Compiler:
    def __init__(self, snapshot: CourseSnapshot, parser: FieldParser) -> None:
        self.snapshot = snapshot
        self.parser = parser
        self.uuid = snapshot.package_uuid
        self.result = CompiledCourse(structure={})
        self._edits: dict[tuple[Any, ...], dict[str, Any]] = {}

    def compile(
        self, previous: dict[str, Any] | None, positions: dict[BlockKeyTuple, int] | None = None
    ) -> CompiledCourse:
        snapshot = self.snapshot
        changed = snapshot.entities.keys() if snapshot.changed is None else snapshot.changed
        built = {
            entity_id: (entity, self.entity_blocks(entity))
            for entity_id in changed
            if (entity := snapshot.entities.get(entity_id)) is not None
        }
        if previous is not None and positions is not None:
            patched = self.patch(previous["blocks"], positions, built)
            if patched is not None:
                self.result.structure = self.document(patched)
                self.result.positions = positions
                return self.result
        blocks: dict[BlockKeyTuple, Block] = {}
        if previous is not None:
            blocks = {(b["block_type"], b["block_id"]): b for b in previous["blocks"]}
            blocks = {
                key: block
                for key, block in blocks.items()
                if key not in snapshot.deleted and errored_key(key) not in snapshot.deleted
            }
        for entity, entity_blocks in built.values():
            if entity.is_component:  # what it compiled to before, working or not, is replaced
                blocks.pop(entity.key, None)
                blocks.pop(error_key(entity.key), None)
            for key, block in entity_blocks:
                blocks[key] = block
        ordered = _outline_order(ROOT_KEY, blocks)
        ordered += sorted(key for key in blocks if is_detached(key))
        self.result.structure = self.document([blocks[key] for key in ordered])
        self.result.positions = dict(zip(ordered, range(len(ordered)), strict=True))
        return self.result

    def patch(
        self,
        old: list[Block],
        positions: dict[BlockKeyTuple, int],
        built: dict[EntityId, tuple[EntitySnapshot, list[tuple[BlockKeyTuple, Block]]]],
    ) -> list[Block] | None:
        """
        The previous block list with the rebuilt blocks put in their places, when the change keeps
        the outline's shape: nothing deleted, every rebuilt block already there under the same key
        with the same children (a component's inline ones included). The order the outline walk
        gives is then the previous one, so the walk is not needed. None when the shape may change.
        """
        snapshot = self.snapshot
        if snapshot.deleted or len(built) != len(snapshot.changed or ()):
            return None
        replaced: dict[int, Block] = {}
        for entity, entity_blocks in built.values():
            if entity.is_component and len(entity_blocks) != _subtree_size(old, positions, entity.key):
                return None  # inline children added or removed, or the component's key changed
            for key, block in entity_blocks:
                position = positions.get(key)
                if position is None or old[position]["fields"].get("children") != block["fields"].get(
                    "children"
                ):
                    return None
                replaced[position] = block
        blocks = list(old)
        for position, block in replaced.items():
            blocks[position] = block
        self.result.replaced = sorted(replaced)
        return blocks

    def document(self, blocks: list[Block]) -> dict[str, Any]:
        """The structure document holding ``blocks``, in that order."""
        snapshot = self.snapshot
        return {
            "_id": self.structure_id(snapshot.publish_log_id),
            "root": list(ROOT_KEY),
            "previous_version": (
                self.structure_id(snapshot.previous_publish_log_id)
                if snapshot.previous_publish_log_id is not None
                else None
            ),
            "original_version": self.structure_id(snapshot.first_publish_log_id),
            "edited_by": _user(snapshot.published_by),
            "edited_on": snapshot.published_at,
            "schema_version": 1,
            "blocks": blocks,
        }

    # --- one entity -> its blocks ---------------------------------------------------------

    def entity_blocks(self, entity: EntitySnapshot) -> list[tuple[BlockKeyTuple, Block]]:
        edit_info = self.edit_info(entity)
        if not entity.is_component:  # a container: fields from the importer, children from Learning Core
            if is_implicit(entity.key):
                return []  # flattened into the containers listing it
            children = self.listed_children(entity, ())
            fields = RealizedFields(settings=entity.settings or {}, content=entity.content or {})
            return [(entity.key, self.block(entity, entity.key, 0, fields, children, edit_info))]
        try:
            return list(self.component_blocks(entity, edit_info))
        except ParserFailure:
            raise  # not the OLX's fault: the compile fails and is retried
        except _Unreadable as exc:
            message = str(exc)
        except Exception as exc:  # anything else one component's OLX can break stays in that component
            message = f"{entity.block_type}/{entity.block_id} (version {entity.version_num}): {exc!r}"
        self.result.realized.pop(entity.version_id, None)
        self.result.parsers.pop(entity.version_id, None)
        return [self.error_block(entity, message, edit_info)]

    def listed_children(self, entity: EntitySnapshot, path: tuple[EntityId, ...]) -> list[BlockKeyTuple]:
        """
        The container's children as Split lists them: an implicit container's place taken by its
        own children (recursively), so the OLX parent and order come back exactly.
        """
        children: list[BlockKeyTuple] = []
        for child in entity.children:
            key = self.snapshot.key_of(child)
            if not is_implicit(key):
                children.append(key)
                continue
            implicit = self.snapshot.entities.get(child)
            if implicit is None or child in path:
                raise SnapshotError(
                    f"{entity.block_type}/{entity.block_id}: its implicit container {key[0]}/{key[1]}"
                    + (" contains itself" if implicit is not None else " was not read")
                )
            children += self.listed_children(implicit, (*path, entity.entity_id))
        return children

    def error_block(
        self, entity: EntitySnapshot, message: str, edit_info: dict[str, Any]
    ) -> tuple[BlockKeyTuple, Block]:
        self.result.errors[entity.entity_id] = (entity.key, message)
        key = error_key(entity.key)
        fields = RealizedFields(*error_fields(entity.title or entity.block_id, entity.olx, message))
        return key, self.block(entity, key, 0, fields, None, edit_info)

    def component_blocks(
        self, entity: EntitySnapshot, edit_info: dict[str, Any]
    ) -> Iterator[tuple[BlockKeyTuple, Block]]:
        if entity.olx_error is not None:
            raise _Unreadable(
                f"{entity.block_type}/{entity.block_id} (version {entity.version_num}): {entity.olx_error}"
            )
        if entity.block_type in BLOCK_TYPES_WITH_CHILDREN:
            yield from self.element_blocks(entity, self.parse(entity), entity.key, edit_info, count())
            return
        identity = self.parser.identity(entity.block_type)
        if entity.settings is not None and cached_reading_fresh(identity, entity.parser_version):
            fields = RealizedFields(settings=entity.settings, content=entity.content or {})
        else:
            fields = self.parser.realize(entity.block_type, self.parse(entity))
            self.result.realized[entity.version_id] = fields
            self.result.parsers[entity.version_id] = identity
        yield entity.key, self.block(entity, entity.key, 0, fields, None, edit_info)

    def element_blocks(
        self,
        entity: EntitySnapshot,
        element: etree._Element,
        key: BlockKeyTuple,
        edit_info: dict[str, Any],
        numbering: Iterator[int],
    ) -> Iterator[tuple[BlockKeyTuple, Block]]:
        """A block kept whole in one component's block.xml, expanded with its inline children."""
        fields = self.parser.realize(key[0], element)
        if key == entity.key:
            self.result.realized[entity.version_id] = fields
            self.result.parsers[entity.version_id] = self.parser.identity(key[0])
        child_elements = [c for c in element if _is_block(c)] if key[0] in _HAS_CHILDREN else []
        child_keys = [
            (str(c.tag), c.get("url_name") or _inline_id(key, index))
            for index, c in enumerate(child_elements)
        ]
        children = child_keys if key[0] in _HAS_CHILDREN else None
        if key[0] == "conditional":
            children = _conditional_children(element, child_keys)
        yield key, self.block(entity, key, next(numbering), fields, children, edit_info)
        for child, child_key in zip(child_elements, child_keys, strict=True):
            yield from self.element_blocks(entity, child, child_key, edit_info, numbering)

    def parse(self, entity: EntitySnapshot) -> etree._Element:
        try:
            return etree.fromstring((entity.olx or "").encode(), _PARSER)
        except etree.XMLSyntaxError as exc:
            raise _Unreadable(
                f"{entity.block_type}/{entity.block_id} (version {entity.version_num}): block.xml line"
                f" {exc.lineno}: {exc.msg}"
            ) from exc

    def block(
        self,
        entity: EntitySnapshot,
        key: BlockKeyTuple,
        index: int,
        fields: RealizedFields,
        children: list[BlockKeyTuple] | None,
        edit_info: dict[str, Any],
    ) -> Block:
        if key == ROOT_KEY:  # what CourseBlock and Studio's import set (compile.fields.course)
            root_settings, root_content = course_root_fields(
                fields.settings,
                fields.content,
                _course_key_parts(self.snapshot.course_key),
                DEFAULT_GRADING_POLICY,
            )
            fields = RealizedFields(root_settings, root_content, fields.unreadable)
        recorded = entity.xml_filenames.get(f"{key[0]}/{key[1]}")
        settings = {
            name: to_structure_value(name, value)
            for name, value in resolve_xml_filename(key[0], fields.settings, recorded).items()
        }
        if children is not None:
            settings["children"] = [list(child) for child in children]
        definition = definition_id(self.uuid, entity.version_id, index, self.snapshot.id_generation)
        self.result.definitions[definition] = {
            "_id": definition,
            "block_type": key[0],
            "fields": {name: to_structure_value(name, value) for name, value in fields.content.items()},
            "edit_info": {  # Split's: when the definition was made, as the version it comes from
                "edited_by": _user(entity.version_created_by)
                if entity.version_created is not None
                else edit_info["edited_by"],
                "edited_on": entity.version_created or edit_info["edited_on"],
                "previous_version": None,
                "original_version": definition,
            },
            "schema_version": 1,
        }
        return {
            "block_type": key[0],
            "block_id": key[1],
            "definition": definition,
            "fields": settings,
            "defaults": {},
            "asides": {},
            "edit_info": edit_info,
        }

    def structure_id(self, log_id: int) -> ObjectId:
        """The id of the structure compiled for ``log_id`` on this branch, in this generation."""
        return structure_id(self.uuid, log_id, self.snapshot.branch, self.snapshot.id_generation)

    def edit_info(self, entity: EntitySnapshot) -> dict[str, Any]:
        """
        One dict per distinct edit: the blocks a publish changed share it (documents are never
        mutated), which lets the codec store each edit once, found by identity.
        """
        snapshot = self.snapshot
        log_id = entity.edit_publish_log_id or snapshot.publish_log_id
        previous = entity.previous_edit_publish_log_id
        edited_on = entity.edited_on or snapshot.published_at
        edited_by = _user(entity.edited_by if entity.edit_publish_log_id else snapshot.published_by)
        key = (log_id, previous, edited_on, edited_by)
        edit_info = self._edits.get(key)
        if edit_info is None:
            edit_info = self._edits[key] = {
                "edited_on": edited_on,
                "edited_by": edited_by,
                "update_version": self.structure_id(log_id),
                "previous_version": self.structure_id(previous) if previous is not None else None,
                "source_version": None,
                "original_usage": None,
                "original_usage_version": None,
            }
        return edit_info


class _Unreadable(SnapshotError):
    """One component's block.xml cannot be compiled: it becomes an error block."""


def _outline_order(root: BlockKeyTuple, blocks: dict[BlockKeyTuple, Block]) -> list[BlockKeyTuple]:
    """
    The blocks the root reaches, depth first in children order, each once (a child several
    parents list, rule S1, comes where it is first reached); anything else is an orphan. A
    conditional's show targets are reached only where the course holds them: naming a block does
    not put it in the course (see :func:`_list_show_targets`). A block that contains itself is an
    error naming the cycle. A parent listing a component that is now an error block (or an error
    block whose component is fixed) gets its children list rewritten, in a copy: documents of a
    previous structure are shared and never mutated.
    """
    shows: dict[BlockKeyTuple, None] = {}
    order = _walk(root, lambda key: _present_children(key, blocks, shows))
    if shows:
        _list_show_targets(root, order, blocks, shows)
    return order


def _walk(
    root: BlockKeyTuple, children: Callable[[BlockKeyTuple], list[BlockKeyTuple]]
) -> list[BlockKeyTuple]:
    try:
        return [key for key, entering in depth_first([root], children) if entering]
    except Cycle as cycle:
        names = " > ".join(f"{t}/{i}" for t, i in cycle.nodes)
        raise SnapshotError(f"a block contains itself: {names}") from None


def _present_children(
    key: BlockKeyTuple, blocks: dict[BlockKeyTuple, Block], shows: dict[BlockKeyTuple, None]
) -> list[BlockKeyTuple]:
    """
    The block's children as ``blocks`` holds them (a component or the error block for it). A
    conditional's show targets are left out, and the conditional noted in ``shows``: ``blocks``
    may hold a block the course no longer reaches (an incremental compile's previous structure, an
    unpublished orphan), which a target must not bring back. A conditional's inline blocks are
    compiled with it, so its only children that may be missing are targets; any other block's
    missing child is a compile bug.
    """
    block = blocks.get(key)
    if block is None:
        raise SnapshotError(f"{key[0]}/{key[1]} is a child in the course but was not compiled")
    children = block["fields"].get("children")
    if not children:
        return []
    listed = [(child[0], child[1]) for child in children]
    if block["block_type"] == "conditional":
        inline = [child for child in listed if _compiled_with(blocks.get(child), block)]
        if len(inline) != len(listed):
            shows[key] = None
            return inline
    keys = [present_key(child, blocks) for child in listed]
    if keys != listed:
        _relist(key, blocks, keys)
    return keys


def _list_show_targets(
    root: BlockKeyTuple,
    order: list[BlockKeyTuple],
    blocks: dict[BlockKeyTuple, Block],
    shows: dict[BlockKeyTuple, None],
) -> None:
    """
    The conditionals' show targets named as the course holds them, once it is known (``order``
    and the detached pages). A target the course does not hold stays listed under the key its
    ``<show>`` gives: Split stores it, and the LMS skips a child that does not load
    (``XModuleMixin.get_child``); so do the store's reads. A cycle through a target is an error,
    as any other: every walk of the children (Split's, the LMS's) would never end.
    """
    reached = {*order, *(key for key in blocks if is_detached(key))}
    for key in shows:
        listed = [(child[0], child[1]) for child in blocks[key]["fields"]["children"]]
        keys = [_show_target(child, reached) for child in listed]
        if keys != listed:
            _relist(key, blocks, keys)
    _walk(root, lambda key: [c for c in _listed(blocks[key]) if c in reached])


def _show_target(child: BlockKeyTuple, reached: set[BlockKeyTuple]) -> BlockKeyTuple:
    """A listed child as the course holds it; one it does not hold, under the component's own key."""
    key = present_key(child, reached)
    return key if key in reached else (errored_key(key) or key)


def _compiled_with(child: Block | None, block: Block) -> bool:
    """
    Whether ``child`` was compiled from the same entity version as ``block``, i.e. is one of its
    inline blocks rather than a show target: their definition ids share the first 10 bytes
    (:func:`definition_id`).
    """
    return child is not None and child["definition"].binary[:10] == block["definition"].binary[:10]


def _listed(block: Block) -> list[BlockKeyTuple]:
    return [(child[0], child[1]) for child in block["fields"].get("children", ())]


def _relist(key: BlockKeyTuple, blocks: dict[BlockKeyTuple, Block], children: list[BlockKeyTuple]) -> None:
    """The block ``key`` listing ``children``, in a copy (a previous structure's blocks are shared)."""
    block = blocks[key]
    blocks[key] = {**block, "fields": {**block["fields"], "children": [list(child) for child in children]}}


def _subtree_size(blocks: list[Block], positions: dict[BlockKeyTuple, int], key: BlockKeyTuple) -> int:
    """How many blocks the block ``key`` and its descendants are (0 when it is not there)."""
    position = positions.get(key)
    if position is None:
        return 0
    size, pending = 0, [blocks[position]]
    while pending:
        block = pending.pop()
        size += 1
        for child in block["fields"].get("children", ()):
            child_position = positions.get((child[0], child[1]))
            if child_position is None:
                return -1  # cannot be told: the caller walks
            pending.append(blocks[child_position])
    return size


def _is_block(element: etree._Element) -> bool:
    """A child element that is a block (not a comment, nor an element its parent reads itself)."""
    return isinstance(element.tag, str) and element.tag not in NON_BLOCK_CHILDREN


def _conditional_children(element: etree._Element, inline: list[BlockKeyTuple]) -> list[BlockKeyTuple]:
    """
    A conditional's children as ``ConditionalBlock.definition_from_xml`` lists them, which Split
    then stores: its inline blocks (``inline``) and every ``<show>``'s targets, in document order,
    a target listed as often as it is named. A target is a block elsewhere in the course (listed
    by two parents, rule S1) or none at all (see :func:`_outline_order`).
    """
    keys = iter(inline)
    children: list[BlockKeyTuple] = []
    for child in element:
        if child.tag == "show":
            children += [(block_type, block_id) for block_type, block_id in show_sources(child)[0]]
        elif _is_block(child):
            children.append(next(keys))
    return children


def _inline_id(parent: BlockKeyTuple, index: int) -> str:
    return f"{parent[1]}_{index}"


def _user(user_id: int | None) -> int:
    return user_id if user_id is not None else UNKNOWN_USER_ID


def _course_key_parts(course_key: str) -> tuple[str, str, str]:
    """``course-v1:ORG+COURSE+RUN`` → its three parts (the compiler stays free of opaque-keys)."""
    org, course, run = course_key.split(":", 1)[1].split("+")[:3]
    return org, course, run
