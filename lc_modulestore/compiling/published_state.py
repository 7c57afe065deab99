# Over 400 lines: the one reader of Learning Core's published state, every query a compile needs.
"""
The one reader of a bound course's published state in Learning Core: whole (a full compile) or
only what the publishes since the last compile touched (an incremental one). The drafts have the
same shape (Draft rows changed by DraftChangeLogs where Published rows are changed by
PublishLogs), so the same reader serves the draft branch, given :data:`PUBLISHED`'s twin
(``compiling.draft_state``).

Walking containers through the public ``get_*_in_*`` helpers costs about two queries per container
and one per component (thousands for a real course); the read-only ``models_api`` lets us read the
same state in a constant number of queries, whatever the course size
(docs/LEARNING_CORE_NOTES.md §12).
"""

from __future__ import annotations

from collections import abc
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NamedTuple, cast

from django.db.models import Exists, F, Min, OuterRef
from openedx_content.models_api import (
    ComponentVersionMedia,
    Container,
    EntityListRow,
    Media,
    PublishableEntity,
    Published,
    PublishLog,
    PublishLogRecord,
)

from compile.ids import EntityId, EntityListId, PublishLogId, UserId, VersionId
from compile.snapshot import CourseSnapshot, EntitySnapshot, SnapshotError
from compile.vocabulary import (
    ASSET_COMPONENT_NAMESPACE,
    ASSET_COMPONENT_TYPE,
    DETACHED_TYPES,
    PUBLISHED_BRANCH,
    BlockKeyTuple,
)

from ..courses.models import BlockEntity, CourseBinding, VersionFieldData

__all__ = [
    "PUBLISHED",
    "PublishLogs",
    "StateSide",
    "latest_publish_logs",
    "read_changes_since",
    "read_published_state",
]

type Fields = dict[str, Any]


@dataclass(frozen=True, slots=True)
class StateSide:
    """
    Which of a package's two states a snapshot reads: what is published, or the drafts. Learning
    Core keeps both the same way: a row per entity pointing at a version (Published, Draft), and
    logs of the changes to those rows (PublishLog, DraftChangeLog) with one record per entity.
    """

    branch: str  # the Split branch this state compiles into
    pointer: str  # the entity's one-to-one relation to its state row ("published", "draft")
    state: Any  # the state rows' model
    log: Any  # the change logs' model
    record: Any  # the change log records' model
    log_field: str  # a record's foreign key to its log
    at_field: str  # when a log's change was made
    by_field: str  # the id of the user who made it
    nothing: str  # what it means that the package has no log yet


PUBLISHED = StateSide(
    PUBLISHED_BRANCH,
    "published",
    Published,
    PublishLog,
    PublishLogRecord,
    "publish_log",
    "published_at",
    "published_by_id",
    "nothing has been published yet",
)


@dataclass(frozen=True, slots=True)
class PublishLogs:
    """
    The package's latest PublishLog, and the ids Split's version chain needs (on the draft side,
    the same for its DraftChangeLogs).
    """

    latest: Any  # a PublishLog (a DraftChangeLog on the draft side)
    previous_id: PublishLogId | None  # the one before the latest: Split's previous_version
    first_id: PublishLogId  # the package's first: Split's original_version


class _KeyColumns(NamedTuple):
    """What names an entity as a block: the project's key map, else its Learning Core type and code."""

    mapped_type: str | None
    mapped_id: str | None
    component_type: str | None
    component_code: str | None
    container_type: str | None
    container_code: str | None


# _KeyColumns' lookups, from PublishableEntity.
_KEY_LOOKUPS = (
    "lc_block__block_type",
    "lc_block__block_id",
    "component__component_type__name",
    "component__component_code",
    "container__container_type__type_code",
    "container__container_code",
)


class _PublishedRow(NamedTuple):
    entity_id: EntityId
    version_id: VersionId
    version_num: int
    title: str
    keys: _KeyColumns
    entity_list_id: EntityListId | None  # containers only
    settings: Fields | None  # cached field data (always there for importer-made versions)
    content: Fields | None
    parser_version: int | None
    created: datetime  # the version's: its definition's edit info, the same on both branches
    created_by: UserId | None
    xml_filenames: dict[str, list[str | None]] | None  # the key map's: what the importer read

    @property
    def is_component(self) -> bool:
        return self.keys.component_type is not None

    @property
    def is_container(self) -> bool:
        return self.keys.container_type is not None


# Course files are components too (asset components): neither blocks nor anyone's children, they are
# served by the contentstore (lc_modulestore.contentstore), never compiled into a structure.
_COURSE_FILE: Final = {
    "entity__component__component_type__namespace": ASSET_COMPONENT_NAMESPACE,
    "entity__component__component_type__name": ASSET_COMPONENT_TYPE,
}

# One query for every published version of the course: _PublishedRow's columns, from Published.
_PUBLISHED_LOOKUPS = (
    "entity_id",
    "version_id",
    "version__version_num",
    "version__title",
    *(f"entity__{lookup}" for lookup in _KEY_LOOKUPS),
    "version__containerversion__entity_list_id",
    "version__lc_field_data__settings",
    "version__lc_field_data__content",
    "version__lc_field_data__parser_version",
    "version__created",
    "version__created_by_id",
    "entity__lc_block__xml_filenames",
)


def _published_row(values: tuple[Any, ...]) -> _PublishedRow:
    entity_id, version_id, version_num, title, *rest = values
    keys, (entity_list_id, settings, content, parser_version, created, created_by, filenames) = (
        _KeyColumns(*rest[:6]),
        rest[6:],
    )
    return _PublishedRow(
        entity_id,
        version_id,
        version_num,
        title,
        keys,
        entity_list_id,
        settings,
        content,
        parser_version,
        created,
        UserId(created_by) if created_by is not None else None,
        filenames,
    )


class _EditInfo(NamedTuple):
    edited_on: datetime
    edited_by: UserId | None
    publish_log_id: PublishLogId
    previous_publish_log_id: PublishLogId | None


def latest_publish_logs(binding: CourseBinding, side: StateSide = PUBLISHED) -> PublishLogs:
    """
    The package's latest PublishLog that changed a block, and its neighbours' ids; SnapshotError
    when none exists. A publish of course files only is not one: the structure it would compile is
    the one already live, so the course stays compiled from the publish before it (same structure id,
    every cache keyed on it still good), whether compiled incrementally or from scratch.
    """
    block_records = side.record.objects.filter(**{f"{side.log_field}_id": OuterRef("id")}).exclude(
        **_COURSE_FILE
    )
    logs = side.log.objects.filter(learning_package_id=binding.learning_package_id).filter(
        Exists(block_records)
    )
    latest = list(logs.order_by("-id")[:2])
    if not latest:
        raise SnapshotError(f"{binding.course_key}: {side.nothing}")
    first_id = logs.aggregate(first=Min("id"))["first"]
    previous_id = PublishLogId(latest[1].id) if len(latest) > 1 else None
    return PublishLogs(latest[0], previous_id, PublishLogId(first_id))


def read_published_state(
    binding: CourseBinding, logs: PublishLogs | None = None, side: StateSide = PUBLISHED
) -> CourseSnapshot:
    """
    The course as published now: the blocks reachable from its root plus its detached pages.

    Six queries in all. Raises :class:`SnapshotError` when a child is pinned to a version (a
    Split structure holds only the published one), naming it.
    """
    logs = logs or latest_publish_logs(binding, side)
    entities = _read_entities(binding, side)
    root = _root_id(binding)
    if root not in entities:
        raise SnapshotError(f"{binding.course_key}: the course root is not {side.pointer}")
    kept = _reachable(root, entities)
    kept.update(e.entity_id for e in entities.values() if e.block_type in DETACHED_TYPES)
    return _snapshot(binding, logs, side, {entity_id: entities[entity_id] for entity_id in sorted(kept)})


def read_changes_since(
    binding: CourseBinding,
    since: PublishLogId,
    known: abc.Container[BlockKeyTuple],
    logs: PublishLogs,
    side: StateSide = PUBLISHED,
) -> CourseSnapshot:
    """
    What the publishes after ``since`` changed, as a partial snapshot: the entities their records
    name (ancestors included, through side-effect records), and the block keys of their children.
    ``known`` are the blocks of the structure compiled for ``since``: a child it lacks (re-attached
    after being orphaned) is read and built with its whole subtree.
    """
    records = (
        side.record.objects.filter(
            **{
                f"{side.log_field}__learning_package_id": binding.learning_package_id,
                f"{side.log_field}_id__gt": since,
                f"{side.log_field}_id__lte": logs.latest.id,
            }
        )
        .exclude(**_COURSE_FILE)
        .values_list("entity_id", flat=True)
    )
    changed = {EntityId(entity_id) for entity_id in records}
    entities = _read_entities(binding, side, changed)
    rebuild = set(entities)
    child_keys: dict[EntityId, BlockKeyTuple] = {}
    pending = _missing_children(entities, entities.keys())
    while pending:
        keys = _block_keys(binding, pending)
        child_keys.update(keys)
        unknown = {e for e, key in keys.items() if key not in known}
        found = _read_entities(binding, side, unknown) if unknown else {}
        entities.update(found)
        rebuild |= found.keys()
        pending = _missing_children(entities, found.keys()) - child_keys.keys()
    deleted = changed - entities.keys()
    return _snapshot(
        binding,
        logs,
        side,
        entities,
        changed=frozenset(rebuild),
        deleted=frozenset(_block_keys(binding, deleted).values()) if deleted else frozenset(),
        child_keys=child_keys,
    )


def _root_id(binding: CourseBinding) -> EntityId:
    return EntityId(binding.root_id or 0)


def _snapshot(
    binding: CourseBinding,
    logs: PublishLogs,
    side: StateSide,
    entities: dict[EntityId, EntitySnapshot],
    *,
    changed: frozenset[EntityId] | None = None,
    deleted: frozenset[BlockKeyTuple] = frozenset(),
    child_keys: dict[EntityId, BlockKeyTuple] | None = None,
) -> CourseSnapshot:
    latest = logs.latest
    by = getattr(latest, side.by_field)
    return CourseSnapshot(
        course_key=str(binding.course_key),
        package_uuid=binding.learning_package.uuid,
        publish_log_id=PublishLogId(latest.id),
        published_at=getattr(latest, side.at_field),
        published_by=UserId(by) if by is not None else None,
        root_entity_id=_root_id(binding),
        first_publish_log_id=logs.first_id,
        previous_publish_log_id=logs.previous_id,
        entities=entities,
        changed=changed,
        deleted=deleted,
        child_keys=child_keys or {},
        branch=side.branch,
        id_generation=binding.id_generation,
    )


def _read_entities(
    binding: CourseBinding, side: StateSide, entity_ids: Collection[EntityId] | None = None
) -> dict[EntityId, EntitySnapshot]:
    """
    The published version of every entity of the course (or of ``entity_ids`` only), with its
    block key, block.xml or children, cached fields and edit info: four queries.
    """
    published = side.state.objects.filter(
        entity__learning_package_id=binding.learning_package_id, version__isnull=False
    ).exclude(**_COURSE_FILE)
    if entity_ids is not None:
        published = published.filter(entity_id__in=entity_ids)
    rows = [_published_row(values) for values in published.values_list(*_PUBLISHED_LOOKUPS)]
    children = _children(
        binding, side, {row.entity_list_id for row in rows if row.entity_list_id is not None}
    )
    olx = _block_xml([row.version_id for row in rows if row.is_component])
    edits = _edit_info(binding, side, entity_ids)
    inherited = _inherited_fields(
        {row.entity_id for row in rows if row.is_container and row.settings is None}
    )
    snapshots: dict[EntityId, EntitySnapshot] = {}
    for row in rows:
        block_type, block_id = _block_key(row.keys)
        edit = edits.get(row.entity_id)
        settings, content = row.settings, row.content
        if row.entity_id in inherited:  # a container version made outside the importer
            settings, content = inherited[row.entity_id]
            settings = {**settings, "display_name": row.title}
        snapshots[row.entity_id] = EntitySnapshot(
            entity_id=row.entity_id,
            block_type=block_type,
            block_id=block_id,
            version_id=row.version_id,
            version_num=row.version_num,
            title=row.title,
            olx=olx.get(row.version_id, _NO_BLOCK_XML)[0] if row.is_component else None,
            olx_error=olx.get(row.version_id, _NO_BLOCK_XML)[1] if row.is_component else None,
            children=tuple(children.get(row.entity_list_id, ())) if row.entity_list_id is not None else (),
            settings=settings,
            content=content,
            parser_version=row.parser_version,
            edited_on=edit.edited_on if edit else None,
            edited_by=edit.edited_by if edit else None,
            edit_publish_log_id=edit.publish_log_id if edit else None,
            previous_edit_publish_log_id=edit.previous_publish_log_id if edit else None,
            version_created=row.created,
            version_created_by=row.created_by,
            xml_filenames=row.xml_filenames or {},
        )
    _refuse_shared_keys(binding, snapshots, {row.entity_id for row in rows if row.keys.mapped_type is None})
    return snapshots


def _refuse_shared_keys(
    binding: CourseBinding, snapshots: dict[EntityId, EntitySnapshot], unmapped: set[EntityId]
) -> None:
    """
    One block key, one entity. An entity written outside the importer is named by its type and
    code, which may be another block's key (a component ``course/course``, a ``vertical`` coded like
    an imported unit): compiled, it would replace that block, the course root included. Refused
    instead (SnapshotError: the compile fails, is recorded, the previous structure keeps serving),
    naming both entities; one query, for the unmapped entities only.
    """
    owners: dict[BlockKeyTuple, EntityId] = {}
    for entity in snapshots.values():
        owner = owners.setdefault(entity.key, entity.entity_id)
        if owner != entity.entity_id:
            _refuse(binding, entity.key, owner, entity.entity_id)
    keys = {snapshots[entity_id].key: entity_id for entity_id in unmapped}
    if not keys:
        return
    taken = BlockEntity.objects.filter(
        binding=binding, block_type__in={t for t, _ in keys}, block_id__in={i for _, i in keys}
    ).values_list("block_type", "block_id", "entity_id")
    for block_type, block_id, owner_id in taken:
        intruder, owner = keys.get((block_type, block_id)), EntityId(owner_id)
        if intruder is not None and intruder != owner:
            _refuse(binding, (block_type, block_id), owner, intruder)


def _refuse(binding: CourseBinding, key: BlockKeyTuple, owner: EntityId, intruder: EntityId) -> None:
    raise SnapshotError(
        f"{binding.course_key}: entity {intruder} (written outside the import) would be block"
        f" {key[0]}/{key[1]}, which is entity {owner}'s; refused, the course keeps serving its previous"
        " structure (give the newcomer another code)"
    )


_NO_BLOCK_XML: tuple[str | None, str | None] = (None, "the component version has no block.xml")


def _block_xml(version_ids: list[VersionId]) -> dict[VersionId, tuple[str | None, str | None]]:
    """
    Each component version's block.xml as text, or why it cannot be read. Learning Core keeps
    small text in the row; media stored as a file only (``text`` null) is read and decoded, so that
    it compiles as what it says rather than as an empty block.
    """
    found: dict[VersionId, tuple[str | None, str | None]] = {}
    files: dict[int, VersionId] = {}
    for version_id, text, media_id in ComponentVersionMedia.objects.filter(
        component_version_id__in=version_ids, path="block.xml"
    ).values_list("component_version_id", "media__text", "media_id"):
        if text is not None:
            found[VersionId(version_id)] = (text, None)
        else:
            files[media_id] = VersionId(version_id)
    for media in Media.objects.filter(pk__in=files).select_related("learning_package"):
        found[files[media.pk]] = _media_text(media)
    return found


def _media_text(media: Media) -> tuple[str | None, str | None]:
    try:
        with media.read_file() as file:
            data = file.read()
    except Exception as exc:  # a missing or unreadable file in Learning Core's storage
        return None, f"block.xml is stored as a file that cannot be read ({type(exc).__name__}: {exc})"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"block.xml is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"


def _block_keys(binding: CourseBinding, entity_ids: Collection[EntityId]) -> dict[EntityId, BlockKeyTuple]:
    """Block keys of entities, published or not (deleted ones too): one query."""
    rows = PublishableEntity.objects.filter(
        learning_package_id=binding.learning_package_id, id__in=entity_ids
    ).values_list("id", *_KEY_LOOKUPS)
    return {EntityId(entity_id): _block_key(_KeyColumns(*keys)) for entity_id, *keys in rows}


def _block_key(columns: _KeyColumns) -> BlockKeyTuple:
    """
    The project's key map wins; an entity created outside the importer (authored directly in
    Learning Core) is named by its type and code, as the platform's Learning Core runtime does.
    """
    if columns.mapped_type is not None and columns.mapped_id is not None:
        return columns.mapped_type, columns.mapped_id
    if columns.component_type is not None and columns.component_code is not None:
        return columns.component_type, columns.component_code
    container_class = Container.subclass_for_type_code(cast(str, columns.container_type))
    return str(container_class.olx_tag_name), cast(str, columns.container_code)


def _children(
    binding: CourseBinding, side: StateSide, entity_list_ids: set[EntityListId]
) -> dict[EntityListId, list[EntityId]]:
    """Published children per entity list; unpinned rows follow the child's published version."""
    rows = cast(
        "Iterable[tuple[EntityListId, EntityId, int | None, int | None]]",
        EntityListRow.objects.filter(entity_list_id__in=entity_list_ids)
        .order_by("entity_list_id", "order_num")
        .values_list(
            "entity_list_id", "entity_id", "entity_version_id", f"entity__{side.pointer}__version_id"
        ),
    )
    children: dict[EntityListId, list[EntityId]] = {}
    for list_id, child_id, pinned_version, published_version in rows:
        if pinned_version is not None:
            raise SnapshotError(
                f"{binding.course_key}: entity {child_id} is pinned to version {pinned_version} in a"
                " container; a Split structure can only hold the published version"
            )
        # Deleted or never published children are not part of the published course.
        if published_version is not None:
            children.setdefault(list_id, []).append(child_id)
    return children


def _inherited_fields(container_ids: set[EntityId]) -> dict[EntityId, tuple[Fields, Fields]]:
    """
    Settings for container versions that have none of their own: made in Learning Core directly
    (a rename or reorder through its API stores only a title). They keep the settings of the
    entity's latest version that had some, so an edit outside the importer loses nothing.
    """
    if not container_ids:
        return {}
    fields: dict[EntityId, tuple[Fields, Fields]] = {entity_id: ({}, {}) for entity_id in container_ids}
    for entity_id, settings, content in (
        VersionFieldData.objects.filter(version__entity_id__in=container_ids)
        .order_by("version__version_num")
        .values_list("version__entity_id", "settings", "content")
    ):
        fields[EntityId(entity_id)] = (settings, content)
    return fields


def _edit_info(
    binding: CourseBinding, side: StateSide, entity_ids: Collection[EntityId] | None
) -> dict[EntityId, _EditInfo]:
    """
    When and by whom each entity's current version was published, and the publish before that
    which changed it: Split's ``edit_info``. Side-effect records (old == new) do not count, as
    Split keeps the edit info of ancestors when only a descendant changes.
    """
    log = side.log_field
    records = side.record.objects.filter(
        **{f"{log}__learning_package_id": binding.learning_package_id}, new_version__isnull=False
    ).exclude(old_version_id=F("new_version_id"))
    if entity_ids is not None:
        records = records.filter(entity_id__in=entity_ids)
    info: dict[EntityId, _EditInfo] = {}
    for entity_id, log_id, published_at, published_by in records.order_by(f"{log}_id").values_list(
        "entity_id", f"{log}_id", f"{log}__{side.at_field}", f"{log}__{side.by_field}"
    ):
        key = EntityId(entity_id)
        previous = info.get(key)
        info[key] = _EditInfo(
            published_at,
            UserId(published_by) if published_by is not None else None,
            PublishLogId(log_id),
            previous.publish_log_id if previous else None,
        )
    return info


def _missing_children(entities: dict[EntityId, EntitySnapshot], parents: Iterable[EntityId]) -> set[EntityId]:
    return {c for p in parents for c in entities[p].children if c not in entities}


def _reachable(root: EntityId, entities: dict[EntityId, EntitySnapshot]) -> set[EntityId]:
    """
    Entities under the root, each once: a child several containers list (rule S1) is one block
    that Split serves under each of them; a cycle is the compiler's to name.
    """
    stack = [root]
    seen = {root}
    while stack:
        for child in entities[stack.pop()].children:
            if child in entities and child not in seen:
                seen.add(child)
                stack.append(child)
    return seen
