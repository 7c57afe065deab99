"""
Store one compile: the one place that writes compiled documents.

Called inside the compile's transaction, with the course's binding row locked. It caches newly
parsed component fields, inserts the new definitions, puts the new structure in the superseded
one's row, repoints the index, and deletes every definition no live structure references: after
it, the rows stored for a course are exactly those its live structures name.

A course has a live structure per branch: the published one, and the draft one (keyed on a
DraftChangeLog) while drafts are compiled. The branches share definitions (they are per entity
version), so a compile of one branch deletes only what the other does not reference either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from compile.fields import PARSER_VERSION
from compile.ids import PublishLogId
from compile.snapshot import CourseSnapshot
from compile.structure import CompiledCourse, course_index
from compile.vocabulary import DRAFT_BRANCH, PUBLISHED_BRANCH

from .. import conf
from ..courses.models import CourseBinding, VersionFieldData
from .codec import StructureEncoder, encode
from .models import CompiledDefinition, CompiledStructure, CourseIndex
from .recent import previous_structure

__all__ = ["LiveStructure", "StoredCompile", "drop_branch", "live_structure", "store_compile"]

# The index's pointer to each branch's live structure.
_POINTERS = {PUBLISHED_BRANCH: "published_structure", DRAFT_BRANCH: "draft_structure"}


@dataclass(frozen=True, slots=True)
class LiveStructure:
    """The course's live structure of one branch, as a compile needs it (the bytes are not read)."""

    row_id: int
    object_id: str
    publish_log_id: PublishLogId  # on the draft branch: of the published structure it was compared with
    block_count: int
    index_edited_on: datetime  # when the course was first compiled: the index keeps it
    draft_change_log_id: PublishLogId | None = None  # the draft branch's key


@dataclass(frozen=True, slots=True)
class StoredCompile:
    """What :func:`store_compile` wrote."""

    structure_id: str
    blocks: int
    structure_bytes: int
    definitions_written: int
    definitions_deleted: int


def live_structure(binding: CourseBinding, branch: str = PUBLISHED_BRANCH) -> LiveStructure | None:
    """The structure of ``branch`` the index serves now, or None before its first compile."""
    pointer = _POINTERS[branch]
    row = (
        CourseIndex.objects.filter(binding=binding, **{f"{pointer}__isnull": False})
        .values_list(
            f"{pointer}_id",
            f"{pointer}__object_id",
            f"{pointer}__publish_log_id",
            f"{pointer}__block_count",
            "edited_on",
            f"{pointer}__draft_change_log_id",
        )
        .first()
    )
    if row is None:
        return None
    row_id, object_id, publish_log_id, block_count, edited_on, draft_change_log_id = row
    return LiveStructure(
        row_id,
        object_id,
        PublishLogId(publish_log_id),
        block_count,
        edited_on,
        PublishLogId(draft_change_log_id) if draft_change_log_id is not None else None,
    )


def store_compile(
    binding: CourseBinding,
    live: LiveStructure | None,
    snapshot: CourseSnapshot,
    compiled: CompiledCourse,
    previous: dict[str, Any] | None,
    encoder: StructureEncoder,
    *,
    compared_with: PublishLogId | None = None,
) -> StoredCompile:
    """
    Write ``compiled`` (compiled from ``snapshot``, patching ``previous`` when given) as the
    course's live structure of ``snapshot.branch``. Must run in the transaction that locked the
    binding. A draft structure names the PublishLog of the published structure it was compared
    with (``compared_with``), and needs that published structure live.
    """
    branch = snapshot.branch
    if branch == DRAFT_BRANCH and compared_with is None:
        raise ValueError("a draft structure is compared with a published one: name its PublishLog")
    now = datetime.now(tz=UTC)
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
    new, unreferenced = _definition_changes(binding, compiled, previous, branch)
    CompiledDefinition.objects.bulk_create(new, batch_size=batch, ignore_conflicts=True)
    structure_data = encoder.encode(compiled.structure)
    structure_id = str(compiled.structure_id)
    block_count = len(compiled.structure["blocks"])
    # One live row per (course, branch): the new structure takes the superseded one's place, so
    # the old document is gone in the same statement that stores the new one.
    drafts = branch == DRAFT_BRANCH
    values: dict[str, Any] = {
        "publish_log_id": compared_with if drafts else snapshot.publish_log_id,
        "draft_change_log_id": snapshot.publish_log_id if drafts else None,
        "object_id": structure_id,
        "block_count": block_count,
        "data": structure_data,
        "created": now,
    }
    live_rows = CompiledStructure.objects.filter(binding=binding, branch=branch)
    structure_pk = live_rows.values_list("pk", flat=True).first()
    if structure_pk is None or not live_rows.update(**values):
        structure_pk = CompiledStructure.objects.create(binding=binding, branch=branch, **values).pk
    if drafts:
        if not CourseIndex.objects.filter(binding=binding).update(draft_structure_id=structure_pk):
            raise RuntimeError(f"{binding.course_key}: a draft structure needs a live published one")
    else:
        _index_published(binding, live, snapshot, compiled, structure_pk, now)
    if unreferenced:
        CompiledDefinition.objects.filter(binding=binding, object_id__in=unreferenced).delete()
    return StoredCompile(structure_id, block_count, len(structure_data), len(new), len(unreferenced))


def _index_published(
    binding: CourseBinding,
    live: LiveStructure | None,
    snapshot: CourseSnapshot,
    compiled: CompiledCourse,
    structure_pk: int,
    now: datetime,
) -> None:
    """Point the course index at a new published structure (creating the index on the first)."""
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
    }
    if not CourseIndex.objects.filter(binding=binding).update(**index_values):
        CourseIndex.objects.create(binding=binding, **index_values)


def drop_branch(binding: CourseBinding, branch: str) -> bool:
    """
    Remove the course's live ``branch`` structure (the draft one: the published one is what the
    course is served from) and the definitions only it referenced. False when there was none.
    Must run in a transaction that locked the binding.
    """
    if branch == PUBLISHED_BRANCH:
        raise ValueError("the published structure is removed with its course, never on its own")
    live = live_structure(binding, branch)
    if live is None:
        return False
    structure, _ = previous_structure(live.row_id, live.object_id)
    CourseIndex.objects.filter(binding=binding).update(**{f"{_POINTERS[branch]}_id": None})
    CompiledStructure.objects.filter(pk=live.row_id).delete()
    if structure is not None:
        dropped = {str(block["definition"]) for block in structure["blocks"]}
        kept = _referenced_by_other_branch(binding, branch, dropped)
        if kept is not None:
            CompiledDefinition.objects.filter(binding=binding, object_id__in=dropped - kept).delete()
    return True


def _referenced_by_other_branch(binding: CourseBinding, branch: str, candidates: set[str]) -> set[str] | None:
    """
    Which of ``candidates`` (definition ids) the course's live structure of the other branch
    references; None when that cannot be told (it is stored in an older format).
    """
    other = DRAFT_BRANCH if branch == PUBLISHED_BRANCH else PUBLISHED_BRANCH
    live = live_structure(binding, other)
    if live is None or not candidates:
        return set()
    structure, _ = previous_structure(live.row_id, live.object_id)
    if structure is None:
        return None
    wanted = {ObjectId(candidate) for candidate in candidates}
    return {str(block["definition"]) for block in structure["blocks"] if block["definition"] in wanted}


def _definition_changes(
    binding: CourseBinding, compiled: CompiledCourse, previous: dict[str, Any] | None, branch: str
) -> tuple[list[CompiledDefinition], set[str]]:
    """
    The definition rows to insert and the ids to delete so that the stored rows are exactly those
    the course's live structures name. Incrementally, from the previous structure of the branch
    (the stored rows are exactly what the live structures name, the invariant every compile
    keeps); for a full compile, from the table. Either way a definition the other branch still
    references stays (when that cannot be told, every candidate stays: never delete what is used).
    """
    needed = compiled.definition_ids()
    added: set[ObjectId]
    if previous is not None:
        before: set[ObjectId] = {block["definition"] for block in previous["blocks"]}
        added, removed = needed - before, {str(oid) for oid in before - needed}
    else:
        stored = set(CompiledDefinition.objects.filter(binding=binding).values_list("object_id", flat=True))
        added = {oid for oid in needed if str(oid) not in stored}
        removed = stored - {str(oid) for oid in needed}
    if removed:
        kept = _referenced_by_other_branch(binding, branch, removed)
        removed = (removed - kept) if kept is not None else set()
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
    return rows, removed
