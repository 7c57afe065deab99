"""
Store one compile: the one place that writes compiled documents.

Called inside the compile's transaction, with the course's binding row locked. It caches newly
parsed component fields, inserts the new definitions and the new structure, repoints the index,
and marks superseded the structure it replaces and every definition the new one no longer
names. After it, the live rows of a course (structure ``branch`` set, definition
``superseded_at`` null) are exactly those its live structure names.

Superseded rows are not deleted at once: a reader that looked the index up just before the
commit (a request keeps the index it first read for its whole duration) still finds the
structure and the definitions it was given, for :data:`SUPERSEDED_GRACE`. The first compile of
the course after that deletes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from bson import ObjectId

from compile.broken_components import errored_key
from compile.fields import PARSER_VERSION
from compile.ids import EntityId, PublishLogId
from compile.snapshot import CourseSnapshot
from compile.structure import CompiledCourse, course_index
from compile.vocabulary import PUBLISHED_BRANCH

from .. import conf
from ..courses.models import CourseBinding, VersionFieldData
from .codec import StructureEncoder, encode
from .models import CompiledDefinition, CompiledErrorBlock, CompiledStructure, CourseIndex

__all__ = ["SUPERSEDED_GRACE", "LiveStructure", "StoredCompile", "live_structure", "store_compile"]

# How long superseded documents stay readable: longer than any request reading the course (and
# far longer than a store outside a request keeps an index, backend.INDEX_MAX_AGE_OUTSIDE_REQUEST).
SUPERSEDED_GRACE: Final = timedelta(minutes=5)


def _now() -> datetime:  # replaced by tests, which must not sleep
    return datetime.now(tz=UTC)


@dataclass(frozen=True, slots=True)
class LiveStructure:
    """The course's live published structure, as a compile needs it (the bytes are not read)."""

    row_id: int
    object_id: str
    publish_log_id: PublishLogId
    block_count: int
    index_edited_on: datetime  # when the course was first compiled: the index keeps it
    announced: bool  # whether course_published was sent for it


@dataclass(frozen=True, slots=True)
class StoredCompile:
    """What :func:`store_compile` wrote."""

    structure_id: str
    blocks: int
    structure_bytes: int
    definitions_written: int
    definitions_deleted: int  # no longer named by the live structure (superseded, deleted later)


def live_structure(binding: CourseBinding) -> LiveStructure | None:
    """The structure the index serves now, or None before the first compile."""
    row = (
        CourseIndex.objects.filter(binding=binding)
        .values_list(
            "published_structure_id",
            "published_structure__object_id",
            "publish_log_id",
            "published_structure__block_count",
            "edited_on",
            "announced",
            named=True,
        )
        .first()
    )
    if row is None:
        return None
    return LiveStructure(
        row.published_structure_id,
        row.published_structure__object_id,
        PublishLogId(row.publish_log_id),
        row.published_structure__block_count,
        row.edited_on,
        row.announced,
    )


def store_compile(
    binding: CourseBinding,
    live: LiveStructure | None,
    snapshot: CourseSnapshot,
    compiled: CompiledCourse,
    previous: dict[str, Any] | None,
    encoder: StructureEncoder,
) -> StoredCompile:
    """
    Write ``compiled`` (compiled from ``snapshot``, patching ``previous`` when given) as the
    course's live structure. Must run in the transaction that locked the binding.
    """
    now = _now()
    batch = conf.INSERT_BATCH_SIZE.value
    if compiled.realized:
        VersionFieldData.objects.filter(version_id__in=compiled.realized).delete()  # stale parser versions
        VersionFieldData.objects.bulk_create(
            [
                VersionFieldData(
                    version_id=version, settings=f.settings, content=f.content, parser_version=PARSER_VERSION
                )
                for version, f in compiled.realized.items()
            ],
            batch_size=batch,
        )
    new, added, unreferenced = _definition_changes(binding, compiled, previous)
    CompiledDefinition.objects.bulk_create(new, batch_size=batch, ignore_conflicts=True)
    if added:  # named again (a block re-attached, a recompile): live again if it was superseded
        CompiledDefinition.objects.filter(
            binding=binding, object_id__in=added, superseded_at__isnull=False
        ).update(superseded_at=None)
    structure_data = encoder.encode(compiled.structure)
    structure_id = str(compiled.structure_id)
    block_count = len(compiled.structure["blocks"])
    # One live row per (course, branch); the one it replaces stays, superseded, for readers in flight.
    values: dict[str, Any] = {
        "publish_log_id": snapshot.publish_log_id,
        "object_id": structure_id,
        "block_count": block_count,
        "data": structure_data,
        "created": now,
    }
    live_rows = CompiledStructure.objects.filter(binding=binding, branch=PUBLISHED_BRANCH)
    if live is not None and live.object_id == structure_id:  # the same publish compiled again
        live_rows.update(**values)
        structure_pk = live.row_id
    else:
        live_rows.update(branch=None, superseded_at=now)
        structure_pk = CompiledStructure.objects.create(binding=binding, branch=PUBLISHED_BRANCH, **values).pk
    document = course_index(snapshot, compiled.structure, live.index_edited_on if live is not None else now)
    index_values = {
        "object_id": str(document["_id"]),
        "org": document["org"],
        "published_structure_id": structure_pk,
        "publish_log_id": snapshot.publish_log_id,
        "wiki_slug": document["search_targets"]["wiki_slug"],
        "edited_by": document["edited_by"],
        "edited_on": document["edited_on"],
        "last_update": document["last_update"],
        "announced": False,  # until course_published has been sent, after the commit
    }
    if not CourseIndex.objects.filter(binding=binding).update(**index_values):
        CourseIndex.objects.create(binding=binding, **index_values)
    if unreferenced:
        CompiledDefinition.objects.filter(binding=binding, object_id__in=unreferenced).update(
            superseded_at=now
        )
    expired = now - SUPERSEDED_GRACE
    CompiledStructure.objects.filter(binding=binding, superseded_at__lt=expired).delete()
    CompiledDefinition.objects.filter(binding=binding, superseded_at__lt=expired).delete()
    _record_error_blocks(binding, snapshot, compiled)
    return StoredCompile(structure_id, block_count, len(structure_data), len(new), len(unreferenced))


def _definition_changes(
    binding: CourseBinding, compiled: CompiledCourse, previous: dict[str, Any] | None
) -> tuple[list[CompiledDefinition], set[str], set[str]]:
    """
    The definition rows to insert, the ids the new structure names that the live rows lack
    (inserted, or revived if superseded), and the live ids it no longer names (to supersede), so
    that the live rows are exactly those the new structure names. Incrementally, from the previous
    structure (the live rows are exactly its definitions, the invariant every compile keeps); for
    a full compile, from the table.
    """
    needed = compiled.definition_ids()
    added: set[ObjectId]
    if previous is not None:
        before: set[ObjectId] = {block["definition"] for block in previous["blocks"]}
        added, removed = needed - before, {str(oid) for oid in before - needed}
    else:
        stored = set(
            CompiledDefinition.objects.filter(binding=binding, superseded_at__isnull=True).values_list(
                "object_id", flat=True
            )
        )
        added = {oid for oid in needed if str(oid) not in stored}
        removed = stored - {str(oid) for oid in needed}
    missing = added - compiled.definitions.keys()
    if missing:
        raise RuntimeError(f"compiled structure names {len(missing)} definitions that were never built")
    rows = [
        CompiledDefinition(
            binding=binding, object_id=str(oid), block_type=doc["block_type"], data=encode(doc)
        )
        for oid, doc in compiled.definitions.items()
        if oid in added
    ]
    return rows, {str(oid) for oid in added}, removed


def _record_error_blocks(binding: CourseBinding, snapshot: CourseSnapshot, compiled: CompiledCourse) -> None:
    """
    Keep :class:`CompiledErrorBlock` equal to the error blocks of the new structure: the ones this
    compile made replace their rows, and the rows of components fixed or gone since are deleted.
    """
    live = {
        key
        for block in compiled.structure["blocks"]
        if (key := errored_key((block["block_type"], block["block_id"])))
    }
    stale = [
        pk
        for pk, entity_id, block_type, block_id in CompiledErrorBlock.objects.filter(
            binding=binding
        ).values_list("pk", "entity_id", "block_type", "block_id")
        if EntityId(entity_id) in compiled.errors or (block_type, block_id) not in live
    ]
    if stale:
        CompiledErrorBlock.objects.filter(pk__in=stale).delete()
    CompiledErrorBlock.objects.bulk_create(
        [
            CompiledErrorBlock(
                binding=binding,
                entity_id=entity_id,
                block_type=key[0],
                block_id=key[1],
                publish_log_id=snapshot.publish_log_id,
                message=message,
            )
            for entity_id, (key, message) in compiled.errors.items()
            if key in live  # not one its parent dropped in the same publish
        ]
    )
