"""
Store one compile: the one place that writes compiled documents.

Called inside the compile's transaction, with the course's binding row locked. It caches newly
parsed component fields, inserts the new definitions and the new structure, repoints the index,
and marks superseded the structure it replaces and every definition no live structure names any
more. After it, the live rows of a course (structure ``branch`` set, definition ``superseded_at``
null) are exactly those its live structures name.

A course has a live structure per branch: the published one, and the draft one (keyed on a
DraftChangeLog) while drafts are compiled. The branches share definitions (they are per entity
version), so a compile of one branch supersedes only what the other does not reference either.

Superseded rows are not deleted at once: a reader that looked the index up just before the
commit (a request keeps the index it first read for its whole duration) still finds the
structure and the definitions it was given, for :data:`SUPERSEDED_GRACE`, on either branch. The
first compile of the course (of either branch) after that deletes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from bson import ObjectId

from compile.broken_components import error_key, errored_key
from compile.fields import RULE_TABLE_PARSER, RealizedFields, parser_number
from compile.ids import EntityId, PublishLogId
from compile.snapshot import CourseSnapshot
from compile.structure import CompiledCourse, course_index
from compile.vocabulary import DRAFT_BRANCH, PUBLISHED_BRANCH, BlockKeyTuple

from .. import conf
from ..courses.models import CourseBinding, VersionFieldData
from .codec import StructureEncoder, encode
from .models import CompiledDefinition, CompiledErrorBlock, CompiledStructure, CourseIndex
from .recent import previous_structure

__all__ = [
    "SUPERSEDED_GRACE",
    "LiveStructure",
    "StoredCompile",
    "drop_branch",
    "live_structure",
    "store_compile",
]

# How long superseded documents stay readable: longer than any request reading the course (and
# far longer than a store outside a request keeps an index, backend.INDEX_MAX_AGE_OUTSIDE_REQUEST).
SUPERSEDED_GRACE: Final = timedelta(minutes=5)

# The index's pointer to each branch's live structure.
_POINTERS = {PUBLISHED_BRANCH: "published_structure", DRAFT_BRANCH: "draft_structure"}


def _now() -> datetime:  # replaced by tests, which must not sleep
    return datetime.now(tz=UTC)


@dataclass(frozen=True, slots=True)
class LiveStructure:
    """The course's live structure of one branch, as a compile needs it (the bytes are not read)."""

    row_id: int
    object_id: str
    publish_log_id: PublishLogId  # on the draft branch: of the published structure it was compared with
    block_count: int
    index_edited_on: datetime  # when the course was first compiled: the index keeps it
    announced: bool  # whether course_published was sent for the published structure
    draft_change_log_id: PublishLogId | None = None  # the draft branch's key


@dataclass(frozen=True, slots=True)
class StoredCompile:
    """What :func:`store_compile` wrote."""

    structure_id: str
    blocks: int
    structure_bytes: int
    definitions_written: int
    definitions_deleted: int  # no longer named by a live structure (superseded, deleted later)


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
            "announced",
            f"{pointer}__draft_change_log_id",
        )
        .first()
    )
    if row is None:
        return None
    row_id, object_id, publish_log_id, block_count, edited_on, announced, draft_change_log_id = row
    return LiveStructure(
        row_id,
        object_id,
        PublishLogId(publish_log_id),
        block_count,
        edited_on,
        announced,
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
    now = _now()
    batch = conf.INSERT_BATCH_SIZE.value
    if compiled.realized:
        VersionFieldData.objects.filter(version_id__in=compiled.realized).delete()  # stale parser versions
        VersionFieldData.objects.bulk_create(
            [
                _field_data(version, fields, compiled.parsers.get(version, RULE_TABLE_PARSER))
                for version, fields in compiled.realized.items()
            ],
            batch_size=batch,
        )
    new, added, unreferenced = _definition_changes(binding, compiled, previous, branch)
    CompiledDefinition.objects.bulk_create(new, batch_size=batch, ignore_conflicts=True)
    if added:  # named again (a block re-attached, a recompile): live again if it was superseded
        CompiledDefinition.objects.filter(
            binding=binding, object_id__in=added, superseded_at__isnull=False
        ).update(superseded_at=None)
    structure_data = encoder.encode(compiled.structure, compiled.positions)
    structure_id = str(compiled.structure_id)
    block_count = len(compiled.structure["blocks"])
    # One live row per (course, branch); the one it replaces stays, superseded, for readers in flight.
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
    if live is not None and live.object_id == structure_id:  # the same state compiled again
        live_rows.update(**values)
        structure_pk = live.row_id
    else:
        live_rows.update(branch=None, superseded_at=now)
        structure_pk = CompiledStructure.objects.create(binding=binding, branch=branch, **values).pk
    if drafts:
        if not CourseIndex.objects.filter(binding=binding).update(draft_structure_id=structure_pk):
            raise RuntimeError(f"{binding.course_key}: a draft structure needs a live published one")
    else:
        _index_published(binding, live, snapshot, compiled, structure_pk, now)
    if unreferenced:
        CompiledDefinition.objects.filter(binding=binding, object_id__in=unreferenced).update(
            superseded_at=now
        )
    _delete_expired(binding, now)
    if not drafts:  # operators' list: what the LMS serves as error blocks
        _record_error_blocks(binding, snapshot, compiled)
    return StoredCompile(structure_id, block_count, len(structure_data), len(new), len(unreferenced))


def _field_data(version: int, fields: RealizedFields, parser: str) -> VersionFieldData:
    """
    A version's cached reading, tagged with the parser that made it (``compile.fields.parser``):
    an XBlock class's identity, or none for the rule table, whose number is ``PARSER_VERSION``.
    """
    return VersionFieldData(
        version_id=version,
        settings=fields.settings,
        content=fields.content,
        parser="" if parser == RULE_TABLE_PARSER else parser,
        parser_version=parser_number(parser),
    )


def _index_published(
    binding: CourseBinding,
    live: LiveStructure | None,
    snapshot: CourseSnapshot,
    compiled: CompiledCourse,
    structure_pk: int,
    now: datetime,
) -> None:
    """Point the course index at a new published structure (creating the index on the first)."""
    document = course_index(snapshot, compiled, live.index_edited_on if live is not None else now)
    index_values = {
        "object_id": str(document["_id"]),
        "org": document["org"],
        "published_structure_id": structure_pk,
        "publish_log_id": snapshot.publish_log_id,
        **document["search_targets"],  # the wiki_slug, unless the root's definition is unchanged
        "edited_by": document["edited_by"],
        "edited_on": document["edited_on"],
        "last_update": document["last_update"],
        "announced": False,  # until course_published has been sent, after the commit
    }
    if not CourseIndex.objects.filter(binding=binding).update(**index_values):
        CourseIndex.objects.create(binding=binding, **index_values)


def _delete_expired(binding: CourseBinding, now: datetime) -> None:
    """Delete the course's rows superseded longer than :data:`SUPERSEDED_GRACE` ago (both branches)."""
    expired = now - SUPERSEDED_GRACE
    # Looked for first: a delete fetches whole rows (the index protects structures), most often none.
    structures = CompiledStructure.objects.filter(binding=binding, superseded_at__lt=expired)
    if structures.values_list("pk", flat=True)[:1]:
        structures.delete()
    CompiledDefinition.objects.filter(binding=binding, superseded_at__lt=expired).delete()


def drop_branch(binding: CourseBinding, branch: str) -> bool:
    """
    Take the course's live ``branch`` structure out of service (the draft one: the published one
    is what the course is served from): unpointed, superseded with the definitions only it named,
    deleted after :data:`SUPERSEDED_GRACE` like any other. False when there was none. Must run in
    a transaction that locked the binding.
    """
    if branch == PUBLISHED_BRANCH:
        raise ValueError("the published structure is removed with its course, never on its own")
    live = live_structure(binding, branch)
    if live is None:
        return False
    now = _now()
    structure, _ = previous_structure(live.row_id, live.object_id)
    CourseIndex.objects.filter(binding=binding).update(**{f"{_POINTERS[branch]}_id": None})
    CompiledStructure.objects.filter(pk=live.row_id).update(branch=None, superseded_at=now)
    if structure is not None:
        dropped = {str(block["definition"]) for block in structure["blocks"]}
        kept = _referenced_by_other_branch(binding, branch, dropped)
        if kept is not None:
            CompiledDefinition.objects.filter(
                binding=binding, object_id__in=dropped - kept, superseded_at__isnull=True
            ).update(superseded_at=now)
    _delete_expired(binding, now)
    return True


def _referenced_by_other_branch(
    binding: CourseBinding, branch: str, candidates: set[str], keys: dict[str, BlockKeyTuple] | None = None
) -> set[str] | None:
    """
    Which of ``candidates`` (definition ids) the course's live structure of the other branch
    references; None when that cannot be told (it is stored in an older format). With ``keys``
    (the block each candidate was named by), only those blocks of the other branch are looked at:
    a definition comes from one entity version, which is the same block on both branches (or the
    error block standing in for it).
    """
    other = DRAFT_BRANCH if branch == PUBLISHED_BRANCH else PUBLISHED_BRANCH
    live = live_structure(binding, other)
    if live is None or not candidates:
        return set()
    structure, encoder = previous_structure(live.row_id, live.object_id)
    if structure is None:
        return None
    blocks = structure["blocks"]
    if keys is not None:
        positions = encoder.positions(structure)
        found = set()
        for candidate in candidates:
            key = keys[candidate]
            for variant in (key, error_key(key), errored_key(key)):
                position = positions.get(variant) if variant is not None else None
                if position is not None and str(blocks[position]["definition"]) == candidate:
                    found.add(candidate)
        return found
    wanted = {ObjectId(candidate) for candidate in candidates}
    return {str(block["definition"]) for block in blocks if block["definition"] in wanted}


def _definition_changes(
    binding: CourseBinding, compiled: CompiledCourse, previous: dict[str, Any] | None, branch: str
) -> tuple[list[CompiledDefinition], set[str], set[str]]:
    """
    The definition rows to insert, the ids the new structure names that the live rows may lack
    (inserted, or revived if superseded), and the live ids no live structure names any more (to
    supersede), so that the live rows are exactly those the course's live structures name.
    Incrementally, from the previous structure of the branch (the live rows are exactly what the
    live structures name, the invariant every compile keeps); for a full compile, from the table.
    Either way a definition the other branch still references stays live (when that cannot be
    told, every candidate stays: never supersede what is used).
    """
    added: set[ObjectId]
    keys: dict[str, BlockKeyTuple] | None = None
    if previous is not None and compiled.replaced is not None:
        # Patched in place: the other places hold the previous blocks, and a definition is named
        # by one block of a structure (it comes from one entity version), so only the replaced
        # places can add or drop one.
        old = [previous["blocks"][position] for position in compiled.replaced]
        after = {compiled.structure["blocks"][position]["definition"] for position in compiled.replaced}
        before = {block["definition"] for block in old}
        added, removed = after - before, {str(oid) for oid in before - after}
        keys = {str(b["definition"]): (b["block_type"], b["block_id"]) for b in old}
    elif previous is not None:
        needed = compiled.definition_ids()
        before = {block["definition"] for block in previous["blocks"]}
        added, removed = needed - before, {str(oid) for oid in before - needed}
    else:
        needed = compiled.definition_ids()
        stored = set(
            CompiledDefinition.objects.filter(binding=binding, superseded_at__isnull=True).values_list(
                "object_id", flat=True
            )
        )
        added = {oid for oid in needed if str(oid) not in stored}
        removed = stored - {str(oid) for oid in needed}
    if removed:
        kept = _referenced_by_other_branch(binding, branch, removed, keys)
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
    return rows, {str(oid) for oid in added}, removed


def _record_error_blocks(binding: CourseBinding, snapshot: CourseSnapshot, compiled: CompiledCourse) -> None:
    """
    Keep :class:`CompiledErrorBlock` equal to the error blocks of the new structure: the ones this
    compile made replace their rows, and the rows of components fixed or gone since are deleted.
    """
    positions = compiled.positions  # the error block of component ``key`` is ``error_key(key)``
    stale = [
        pk
        for pk, entity_id, block_type, block_id in CompiledErrorBlock.objects.filter(
            binding=binding
        ).values_list("pk", "entity_id", "block_type", "block_id")
        if EntityId(entity_id) in compiled.errors or error_key((block_type, block_id)) not in positions
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
            if error_key(key) in positions  # not one its parent dropped in the same publish
        ]
    )
