"""
Compile a bound course's latest publish and swap it in: the storage side of the compiler.

One transaction per compile: cache newly parsed component fields, insert the new definitions and
structure, repoint the index, delete the superseded structure and every definition no live
structure references. Compiles of one course are serialized by a row lock and never move the
index back to an older PublishLog. A failure rolls all of that back (the previous structure keeps
serving) and is recorded in :class:`~lc_modulestore.models.CompileFailure`.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from openedx_content.models_api import PublishLogRecord

from compile.codec import StructureEncoder, decode_structure, encode
from compile.fields import PARSER_VERSION
from compile.snapshot import CourseSnapshot, EntitySnapshot
from compile.structure import CompiledCourse, compile_course, course_index

from .models import (
    PUBLISHED_BRANCH,
    CompiledDefinition,
    CompiledStructure,
    CompileFailure,
    CourseBinding,
    CourseIndex,
    VersionFieldData,
)
from .snapshot import block_key_of, make_snapshot, publish_logs, read_entities, read_snapshot

__all__ = ["CompileReport", "compile_bound_course", "course_published"]

log = logging.getLogger(__name__)
# Rows per INSERT: a cold compile caches fields for thousands of versions, html bodies included,
# and one statement for all of them exceeds MySQL's max_allowed_packet (16 MB by default).
_BATCH = 200

# Sent after a compiled structure becomes live, with ``course_key``, ``structure_id`` and
# ``publish_log_id``. edx-platform's ``SignalHandler.course_published`` is sent too when present.
course_published = Signal()


@dataclass(slots=True)
class CompileReport:
    course_key: str
    publish_log_id: int | None
    structure_id: str | None
    incremental: bool = False
    blocks: int = 0
    structure_bytes: int = 0
    definitions_written: int = 0
    definitions_deleted: int = 0
    seconds: float = 0.0
    skipped: str = ""  # why nothing was compiled (already up to date, nothing published...)
    error: str = ""


def compile_bound_course(
    binding: CourseBinding, *, full: bool = False, raise_errors: bool = True
) -> CompileReport:
    """
    Bring the course's compiled structure up to its latest publish. ``full`` rebuilds from the
    whole published state instead of patching the previous structure with what changed.
    """
    started = time.perf_counter()
    try:
        with transaction.atomic():
            report = _compile_locked(binding, full)
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        log.exception("Compiling %s failed; the previous structure keeps serving", binding.course_key)
        last = _latest_publish_log_id(binding)
        CompileFailure.objects.create(binding=binding, publish_log_id=last, message=message)
        if raise_errors:
            raise
        return CompileReport(str(binding.course_key), last, None, error=message)
    report.seconds = time.perf_counter() - started
    return report


def _latest_publish_log_id(binding: CourseBinding) -> int | None:
    try:
        return publish_logs(binding)[0].id
    except Exception:  # nothing published, or the package is gone: nothing more to say
        return None


def _compile_locked(binding: CourseBinding, full: bool) -> CompileReport:
    # The binding row is the course's lock: every compile of this course queues here.
    CourseBinding.objects.select_for_update().filter(pk=binding.pk).first()
    index = (
        CourseIndex.objects.select_related("published_structure")
        .defer("published_structure__data")
        .filter(binding=binding)
        .first()
    )
    logs = publish_logs(binding)
    last = logs[0]
    key = str(binding.course_key)
    if index is not None and index.publish_log_id >= last.id and not full:
        structure = index.published_structure
        return CompileReport(
            key,
            index.publish_log_id,
            structure.object_id,
            blocks=structure.block_count,
            skipped="already up to date",
        )
    previous, encoder = (
        _previous_structure(index.published_structure) if index is not None and not full else (None, None)
    )
    encoder = encoder or StructureEncoder()
    if previous is not None and index is not None:
        snapshot = _changes_since(binding, index.publish_log_id, previous, logs)
    else:
        snapshot = read_snapshot(binding, logs)
    compiled = compile_course(snapshot, previous)
    report = _store(binding, index, snapshot, compiled, previous, encoder)
    report.incremental = previous is not None
    transaction.on_commit(lambda: _announce(binding, report))
    transaction.on_commit(lambda: _remember(compiled.structure, encoder))
    return report


# The structures this process compiled last, in stored form, with the encoder that stored them: the
# next incremental compile of the course starts from them instead of fetching and decoding the row,
# and re-encodes only what changed. Never mutated (the compiler builds new block lists), and keyed
# on structure ids, which are never reused.
_recent: OrderedDict[str, tuple[dict[str, Any], StructureEncoder]] = OrderedDict()
_RECENT_SIZE = 8


def _previous_structure(row: CompiledStructure) -> tuple[dict[str, Any] | None, StructureEncoder | None]:
    """The live structure to patch (None: compile in full, it is in an older stored format)."""
    recent = _recent.get(row.object_id)
    if recent is not None:
        return recent
    data = CompiledStructure.objects.filter(pk=row.pk).values_list("data", flat=True).get()
    try:
        return decode_structure(bytes(data)), None
    except ValueError:
        log.warning("Structure %s is in an older format; compiling %s in full", row.object_id, row.binding_id)
        return None, None


def _remember(structure: dict[str, Any], encoder: StructureEncoder) -> None:
    _recent[str(structure["_id"])] = (structure, encoder)
    while len(_recent) > _RECENT_SIZE:
        _recent.popitem(last=False)


def _changes_since(
    binding: CourseBinding, since: int, previous: dict[str, Any], logs: tuple[Any, int | None, int]
) -> CourseSnapshot:
    """
    What the publishes after ``since`` changed, as a partial snapshot: the entities their records
    name (ancestors included, through side-effect records), and the block keys of their children.
    A child the previous structure lacks (re-attached after being orphaned) is read and built
    with its whole subtree.
    """
    last = logs[0]
    records = PublishLogRecord.objects.filter(
        publish_log__learning_package_id=binding.learning_package_id,
        publish_log_id__gt=since,
        publish_log_id__lte=last.id,
    ).values_list("entity_id", flat=True)
    changed = set(records)
    entities = read_entities(binding, changed)
    known = {(b["block_type"], b["block_id"]) for b in previous["blocks"]}
    rebuild = set(entities)
    child_keys: dict[int, tuple[str, str]] = {}
    pending = _missing_children(entities, entities.keys())
    while pending:
        keys = block_key_of(binding, pending)
        child_keys.update(keys)
        found = read_entities(binding, {e for e, key in keys.items() if key not in known})
        entities.update(found)
        rebuild |= found.keys()
        pending = _missing_children(entities, found.keys()) - child_keys.keys()
    deleted = changed - entities.keys()
    return make_snapshot(
        binding,
        logs,
        entities,
        changed=frozenset(rebuild),
        deleted=frozenset(block_key_of(binding, deleted).values()) if deleted else frozenset(),
        child_keys=child_keys,
    )


def _missing_children(entities: dict[int, EntitySnapshot], parents: Collection[int]) -> set[int]:
    return {c for p in parents for c in entities[p].children if c not in entities}


def _definition_changes(
    binding: CourseBinding, compiled: CompiledCourse, previous: dict[str, Any] | None
) -> tuple[list[CompiledDefinition], set[str]]:
    """
    The definition rows to insert and the ids to delete so that the stored rows are exactly those
    the new structure names. Incrementally, from the previous structure (the stored rows are
    exactly its definitions, the invariant every compile keeps); for a full compile, from the table.
    """
    needed = compiled.definition_ids()
    if previous is not None:
        before = {block["definition"] for block in previous["blocks"]}
        added, removed = needed - before, {str(oid) for oid in before - needed}
    else:
        stored = set(CompiledDefinition.objects.filter(binding=binding).values_list("object_id", flat=True))
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
    return rows, removed


def _store(
    binding: CourseBinding,
    index: CourseIndex | None,
    snapshot: CourseSnapshot,
    compiled: CompiledCourse,
    previous: dict[str, Any] | None,
    encoder: StructureEncoder,
) -> CompileReport:
    now = datetime.now(tz=UTC)
    if compiled.realized:
        VersionFieldData.objects.filter(version_id__in=compiled.realized).delete()  # stale parser versions
        rows = [
            VersionFieldData(
                version_id=v, settings=f.settings, content=f.content, parser_version=PARSER_VERSION
            )
            for v, f in compiled.realized.items()
        ]
        VersionFieldData.objects.bulk_create(rows, batch_size=_BATCH)
    new, unreferenced = _definition_changes(binding, compiled, previous)
    CompiledDefinition.objects.bulk_create(new, batch_size=_BATCH, ignore_conflicts=True)
    structure_data = encoder.encode(compiled.structure)
    structure_id = str(compiled.structure_id)
    # One live row per (course, branch): the new structure takes the superseded one's place, so
    # the old document is gone in the same statement that stores the new one.
    values: dict[str, Any] = {
        "publish_log_id": snapshot.publish_log_id,
        "object_id": structure_id,
        "block_count": len(compiled.structure["blocks"]),
        "data": structure_data,
        "created": now,
    }
    live = CompiledStructure.objects.filter(binding=binding, branch=PUBLISHED_BRANCH)
    structure_pk = live.values_list("pk", flat=True).first()
    if structure_pk is None or not live.update(**values):
        structure_pk = CompiledStructure.objects.create(binding=binding, branch=PUBLISHED_BRANCH, **values).pk
    document = course_index(snapshot, compiled.structure, index.edited_on if index is not None else now)
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
    if unreferenced:
        CompiledDefinition.objects.filter(binding=binding, object_id__in=unreferenced).delete()
    return CompileReport(
        course_key=str(binding.course_key),
        publish_log_id=snapshot.publish_log_id,
        structure_id=structure_id,
        blocks=values["block_count"],
        structure_bytes=len(structure_data),
        definitions_written=len(new),
        definitions_deleted=len(unreferenced),
    )


def _announce(binding: CourseBinding, report: CompileReport) -> None:
    """Tell the LMS caches (course overviews, block structures) that the course changed."""
    course_published.send_robust(
        sender=CompileReport,
        course_key=binding.course_key,
        structure_id=report.structure_id,
        publish_log_id=report.publish_log_id,
    )
    try:
        from xmodule.modulestore.django import SignalHandler  # type: ignore[import-not-found]
    except ImportError:  # running outside edx-platform
        return
    SignalHandler.course_published.send_robust(sender=SignalHandler, course_key=binding.course_key)
