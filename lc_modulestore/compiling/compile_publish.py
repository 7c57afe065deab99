"""
Compile a bound course's latest publish and make it live.

One transaction per compile: read what was published (:mod:`.published_state`), compile it with
the pure ``compile`` package, store it (:mod:`lc_modulestore.storage.writes`). Compiles of one
course are serialized by a row lock and never move the index back to an older PublishLog. A
failure rolls all of that back (the previous structure keeps serving) and is recorded in
:class:`~lc_modulestore.storage.models.CompileFailure`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.db import transaction
from django.dispatch import Signal

from compile.ids import PublishLogId
from compile.structure import compile_snapshot

from ..courses.models import CourseBinding
from ..storage.codec import StructureEncoder
from ..storage.models import CompileFailure
from ..storage.recent import previous_structure, remember_compile
from ..storage.writes import live_structure, store_compile
from .published_state import latest_publish_logs, read_changes_since, read_published_state

__all__ = ["CompileReport", "compile_bound_course", "compile_finished", "course_published"]

log = logging.getLogger(__name__)

# Sent after a compiled structure becomes live, with ``course_key``, ``structure_id`` and
# ``publish_log_id``. edx-platform's ``SignalHandler.course_published`` is sent too when present.
course_published = Signal()
# Sent when a compile stored a new structure, with ``binding`` and ``report`` (its duration set):
# what operators' tools record about compiles (``lc_modulestore.operations``).
compile_finished = Signal()


@dataclass(slots=True)
class CompileReport:
    course_key: str
    publish_log_id: PublishLogId | None
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
    binding: CourseBinding, /, *, full: bool = False, raise_errors: bool = True
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
    if not report.skipped:
        compile_finished.send_robust(sender=CompileReport, binding=binding, report=report)
    return report


def _latest_publish_log_id(binding: CourseBinding) -> PublishLogId | None:
    try:
        return PublishLogId(latest_publish_logs(binding).latest.id)
    except Exception:  # nothing published, or the package is gone: nothing more to say
        return None


def _compile_locked(binding: CourseBinding, full: bool) -> CompileReport:
    # The binding row is the course's lock: every compile of this course queues here.
    CourseBinding.objects.select_for_update().filter(pk=binding.pk).first()
    live = live_structure(binding)
    logs = latest_publish_logs(binding)
    key = str(binding.course_key)
    if live is not None and live.publish_log_id >= logs.latest.id and not full:
        return CompileReport(
            key, live.publish_log_id, live.object_id, blocks=live.block_count, skipped="already up to date"
        )
    previous, encoder = (
        previous_structure(live.row_id, live.object_id)
        if live is not None and not full
        else (None, StructureEncoder())
    )
    if previous is not None and live is not None:
        known = {(block["block_type"], block["block_id"]) for block in previous["blocks"]}
        snapshot = read_changes_since(binding, live.publish_log_id, known, logs)
    else:
        snapshot = read_published_state(binding, logs)
    compiled = compile_snapshot(snapshot, previous)
    stored = store_compile(binding, live, snapshot, compiled, previous, encoder)
    report = CompileReport(
        course_key=key,
        publish_log_id=snapshot.publish_log_id,
        structure_id=stored.structure_id,
        incremental=previous is not None,
        blocks=stored.blocks,
        structure_bytes=stored.structure_bytes,
        definitions_written=stored.definitions_written,
        definitions_deleted=stored.definitions_deleted,
    )
    transaction.on_commit(lambda: _announce(binding, report))
    transaction.on_commit(lambda: remember_compile(compiled.structure, encoder))
    return report


def _announce(binding: CourseBinding, report: CompileReport) -> None:
    """Tell the LMS caches (course overviews, block structures) that the course changed."""
    course_published.send_robust(
        sender=CompileReport,
        course_key=binding.course_key,
        structure_id=report.structure_id,
        publish_log_id=report.publish_log_id,
    )
    try:
        from xmodule.modulestore.django import SignalHandler
    except ImportError:  # running outside edx-platform
        return
    SignalHandler.course_published.send_robust(sender=SignalHandler, course_key=binding.course_key)
