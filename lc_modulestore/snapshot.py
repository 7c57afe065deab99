"""
Read the published state of one bound course from Learning Core, in bulk.

Walking containers through the public ``get_*_in_*`` helpers costs about two queries per container
and one per component (thousands for a real course); the read-only ``models_api`` lets us read the
same state in a constant number of queries, whatever the course size (Learning Core notes §12).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import F, Min
from openedx_content.models_api import (
    ComponentVersionMedia,
    Container,
    EntityListRow,
    PublishableEntity,
    Published,
    PublishLog,
    PublishLogRecord,
)

from compile.olx_export import DETACHED_TYPES
from compile.snapshot import BlockKeyTuple, CourseSnapshot, EntitySnapshot, SnapshotError

from .models import CourseBinding, VersionFieldData

__all__ = ["block_key_of", "make_snapshot", "publish_logs", "read_entities", "read_snapshot"]

_PUBLISHED_COLUMNS = (
    "entity_id",
    "version_id",
    "version__version_num",
    "version__title",
    "entity__lc_block__block_type",
    "entity__lc_block__block_id",
    "entity__component__component_type__name",
    "entity__component__component_code",
    "entity__container__container_type__type_code",
    "entity__container__container_code",
    "version__containerversion__entity_list_id",
    "version__lc_field_data__settings",
    "version__lc_field_data__content",
    "version__lc_field_data__parser_version",
)


def read_snapshot(
    binding: CourseBinding, logs: tuple[PublishLog, int | None, int] | None = None
) -> CourseSnapshot:
    """
    The course as published now: the blocks reachable from its root plus its detached pages.

    Six queries in all. Raises :class:`SnapshotError` when the published graph is not a tree
    (a block with two parents, or a pinned child), naming the blocks involved.
    """
    logs = logs or publish_logs(binding)
    entities = read_entities(binding)
    if binding.root_id not in entities:
        raise SnapshotError(f"{binding.course_key}: the course root is not published")
    kept = _reachable(binding.root_id, entities)
    kept.update(e.entity_id for e in entities.values() if e.block_type in DETACHED_TYPES)
    return make_snapshot(binding, logs, {entity_id: entities[entity_id] for entity_id in sorted(kept)})


def make_snapshot(
    binding: CourseBinding,
    logs: tuple[PublishLog, int | None, int],
    entities: dict[int, EntitySnapshot],
    **partial: Any,
) -> CourseSnapshot:
    """A snapshot as of the latest of ``logs`` (:func:`publish_logs`); ``partial`` for incremental ones."""
    last, previous_id, first_id = logs
    return CourseSnapshot(
        course_key=str(binding.course_key),
        package_uuid=binding.learning_package.uuid,
        publish_log_id=last.id,
        published_at=last.published_at,
        published_by=last.published_by_id,
        root_entity_id=binding.root_id or 0,
        first_publish_log_id=first_id,
        previous_publish_log_id=previous_id,
        entities=entities,
        **partial,
    )


def read_entities(
    binding: CourseBinding, entity_ids: Collection[int] | None = None
) -> dict[int, EntitySnapshot]:
    """
    The published version of every entity of the course (or of ``entity_ids`` only), with its
    block key, block.xml or children, cached fields and edit info: four queries.
    """
    published = Published.objects.filter(
        entity__learning_package_id=binding.learning_package_id, version__isnull=False
    )
    if entity_ids is not None:
        published = published.filter(entity_id__in=entity_ids)
    rows = list(published.values_list(*_PUBLISHED_COLUMNS))
    children = _children(binding, {row[10] for row in rows if row[10] is not None})
    olx = dict(
        ComponentVersionMedia.objects.filter(
            component_version_id__in=[row[1] for row in rows if row[6] is not None], path="block.xml"
        ).values_list("component_version_id", "media__text")
    )
    edits = _edit_info(binding, entity_ids)
    inherited = _inherited_fields({row[0] for row in rows if row[8] is not None and row[11] is None})
    snapshots: dict[int, EntitySnapshot] = {}
    for row in rows:
        (
            entity_id,
            version_id,
            version_num,
            title,
            *key_columns,
            entity_list_id,
            settings,
            content,
            parser_version,
        ) = row
        block_type, block_id = _block_key(tuple(key_columns))
        edited_on, edited_by, edit_log, previous_edit_log = edits.get(entity_id, (None, None, None, None))
        if entity_id in inherited:  # a container version made outside the importer
            settings, content = inherited[entity_id]
            settings = {**settings, "display_name": title}
        snapshots[entity_id] = EntitySnapshot(
            entity_id=entity_id,
            block_type=block_type,
            block_id=block_id,
            version_id=version_id,
            version_num=version_num,
            title=title,
            olx=olx.get(version_id) if key_columns[2] is not None else None,
            children=tuple(children.get(entity_list_id, ())) if entity_list_id is not None else (),
            settings=settings,
            content=content,
            parser_version=parser_version,
            edited_on=edited_on,
            edited_by=edited_by,
            edit_publish_log_id=edit_log,
            previous_edit_publish_log_id=previous_edit_log,
        )
    return snapshots


def block_key_of(binding: CourseBinding, entity_ids: Collection[int]) -> dict[int, BlockKeyTuple]:
    """Block keys of entities, published or not (deleted ones too): one query."""
    rows = PublishableEntity.objects.filter(
        learning_package_id=binding.learning_package_id, id__in=entity_ids
    ).values_list("id", *(column.removeprefix("entity__") for column in _PUBLISHED_COLUMNS[4:10]))
    return {row[0]: _block_key(row[1:]) for row in rows}


def _block_key(columns: tuple[Any, ...]) -> BlockKeyTuple:
    """
    The project's key map wins; an entity created outside the importer (authored directly in
    Learning Core) is named by its type and code, as the platform's Learning Core runtime does.
    """
    mapped_type, mapped_id, component_type, component_code, container_type, container_code = columns
    if mapped_type is not None:
        return mapped_type, mapped_id
    if component_type is not None:
        return component_type, component_code
    return Container.subclass_for_type_code(container_type).olx_tag_name, container_code


def publish_logs(binding: CourseBinding) -> tuple[PublishLog, int | None, int]:
    """The package's latest PublishLog, the id of the one before it, and the id of its first."""
    logs = PublishLog.objects.filter(learning_package_id=binding.learning_package_id)
    latest = list(logs.order_by("-id")[:2])
    if not latest:
        raise SnapshotError(f"{binding.course_key}: nothing has been published yet")
    first_id = logs.aggregate(first=Min("id"))["first"]
    return latest[0], latest[1].id if len(latest) > 1 else None, first_id


def _children(binding: CourseBinding, entity_list_ids: set[int]) -> dict[int, list[int]]:
    """Published children per entity list; unpinned rows follow the child's published version."""
    rows = (
        EntityListRow.objects.filter(entity_list_id__in=entity_list_ids)
        .order_by("entity_list_id", "order_num")
        .values_list("entity_list_id", "entity_id", "entity_version_id", "entity__published__version_id")
    )
    children: dict[int, list[int]] = {}
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


def _inherited_fields(container_ids: set[int]) -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
    """
    Settings for container versions that have none of their own: made in Learning Core directly
    (a rename or reorder through its API stores only a title). They keep the settings of the
    entity's latest version that had some, so an edit outside the importer loses nothing.
    """
    if not container_ids:
        return {}
    fields: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {
        entity_id: ({}, {}) for entity_id in container_ids
    }
    for entity_id, settings, content in (
        VersionFieldData.objects.filter(version__entity_id__in=container_ids)
        .order_by("version__version_num")
        .values_list("version__entity_id", "settings", "content")
    ):
        fields[entity_id] = (settings, content)
    return fields


def _edit_info(
    binding: CourseBinding, entity_ids: Collection[int] | None
) -> dict[int, tuple[Any, Any, int, int | None]]:
    """
    When and by whom each entity's current version was published, and the publish before that
    which changed it: Split's ``edit_info``. Side-effect records (old == new) do not count, as
    Split keeps the edit info of ancestors when only a descendant changes.
    """
    records = PublishLogRecord.objects.filter(
        publish_log__learning_package_id=binding.learning_package_id, new_version__isnull=False
    ).exclude(old_version_id=F("new_version_id"))
    if entity_ids is not None:
        records = records.filter(entity_id__in=entity_ids)
    info: dict[int, tuple[Any, Any, int, int | None]] = {}
    for entity_id, log_id, published_at, published_by in records.order_by("publish_log_id").values_list(
        "entity_id", "publish_log_id", "publish_log__published_at", "publish_log__published_by_id"
    ):
        previous = info.get(entity_id)
        info[entity_id] = (published_at, published_by, log_id, previous[2] if previous else None)
    return info


def _reachable(root: int, entities: dict[int, EntitySnapshot]) -> set[int]:
    """Entities under the root; a second parent is an error Split cannot represent."""
    parent: dict[int, int] = {}
    stack = [root]
    seen = {root}
    while stack:
        entity_id = stack.pop()
        for child in entities[entity_id].children:
            if child in parent:
                first, second = entities[parent[child]], entities[entity_id]
                raise SnapshotError(
                    f"{'/'.join(entities[child].key)} is a child of both {'/'.join(first.key)}"
                    f" and {'/'.join(second.key)}; a Split structure gives each block one parent"
                )
            parent[child] = entity_id
            if child in entities and child not in seen:
                seen.add(child)
                stack.append(child)
    return seen
