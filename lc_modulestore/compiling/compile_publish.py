"""
Compile a bound course's latest publish and make it live.

One transaction per compile: read what was published (:mod:`.published_state`), compile it with
the pure ``compile`` package, store it (:mod:`lc_modulestore.storage.writes`). Compiles of one
course are serialized by a row lock and never move the index back to an older PublishLog. A
failure rolls all of that back (the previous structure keeps serving) and is recorded in
:class:`~lc_modulestore.storage.models.CompileFailure`.

What runs after the commit (this process's caches told, ``course_published`` sent) can fail too,
but the new structure is live by then: such a failure is logged, never recorded as a failed
compile. The index says whether the publish was announced (``CourseIndex.announced``, set once
the signal went out), and the next compile of the course sends a signal that was not, even when
it finds nothing new to compile.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from compile.broken_components import PresentKeys
from compile.ids import PublishLogId
from compile.structure import compile_snapshot

from ..courses.models import CourseBinding
from ..storage.codec import StructureEncoder
from ..storage.id_generations import ids_in_use, lock_course, next_id_generation
from ..storage.index_cache import forget_course_indexes
from ..storage.models import CompileFailure, CourseIndex
from ..storage.recent import previous_structure, remember_compile
from ..storage.writes import live_structure, store_compile
from .published_state import latest_publish_logs, read_changes_since, read_published_state

__all__ = [
    "CompileReport",
    "compile_bound_course",
    "compile_finished",
    "compile_published",
    "course_published",
    "record_failure",
]

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
            report = compile_published(binding, full=full)
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        log.exception("Compiling %s failed; the previous structure keeps serving", binding.course_key)
        last = _latest_publish_log_id(binding)
        record_failure(binding, message, publish_log_id=last)
        if raise_errors:
            raise
        return CompileReport(str(binding.course_key), last, None, error=message)
    report.seconds = time.perf_counter() - started
    if not report.skipped:
        compile_finished.send_robust(sender=CompileReport, binding=binding, report=report)
    return report


def record_failure(binding: CourseBinding, message: str, /, **logs: Any) -> None:
    """
    Record a failed compile of either branch (``logs``: the PublishLog and DraftChangeLog ids it
    was for), unless the database itself is failing, in which case the log is all there is.
    """
    try:
        CompileFailure.objects.create(binding=binding, message=message, **logs)
    except Exception:
        log.exception("Could not record the failed compile of %s", binding.course_key)


def _latest_publish_log_id(binding: CourseBinding) -> PublishLogId | None:
    try:
        return PublishLogId(latest_publish_logs(binding).latest.id)
    except Exception:  # nothing published, or the package is gone: nothing more to say
        return None


def compile_published(binding: CourseBinding, /, *, full: bool) -> CompileReport:
    """
    :func:`compile_bound_course`'s work, inside the caller's transaction: a failure propagates
    (and rolls that transaction back) unrecorded. The draft compile calls it to move the course's
    published structure to a new id generation before its own.
    """
    lock_course(binding)  # every compile of this course queues here
    live = live_structure(binding)
    logs = latest_publish_logs(binding)
    key = str(binding.course_key)
    if live is not None and live.publish_log_id >= logs.latest.id and not full:
        skipped = CompileReport(
            key, live.publish_log_id, live.object_id, blocks=live.block_count, skipped="already up to date"
        )
        if not live.announced:  # the compile that made it live could not send the signal
            transaction.on_commit(lambda: _after_commit(binding, skipped), robust=True)
        return skipped
    previous, encoder = (
        previous_structure(live.row_id, live.object_id)
        if live is not None and not full
        else (None, StructureEncoder())
    )
    positions = encoder.positions(previous) if previous is not None else None
    if positions is not None and live is not None:
        snapshot = read_changes_since(binding, live.publish_log_id, PresentKeys(positions), logs)
    else:
        snapshot = read_published_state(binding, logs)
    compiled = compile_snapshot(snapshot, previous, positions)
    if ids_in_use(binding, compiled):  # other documents than those stored under these ids: all new ids
        next_id_generation(binding)
        previous, encoder = None, StructureEncoder()
        snapshot = read_published_state(binding, logs)
        compiled = compile_snapshot(snapshot)
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
    transaction.on_commit(lambda: _after_commit(binding, report, compiled.structure, encoder), robust=True)
    return report


def _after_commit(
    binding: CourseBinding,
    report: CompileReport,
    structure: dict[str, Any] | None = None,
    encoder: StructureEncoder | None = None,
) -> None:
    """
    The new structure is live: forget this process's cached indexes (a store here sees it now),
    keep the structure for the next incremental compile, and announce it. Nothing here raises.
    """
    try:
        forget_course_indexes()
        if structure is not None and encoder is not None:
            remember_compile(structure, encoder)
    except Exception:  # caches: a store re-reads its index within a second, a compile reads the row
        log.warning(
            "Could not update this process's caches after compiling %s", report.course_key, exc_info=True
        )
    _announce(binding, report)


def _announce(binding: CourseBinding, report: CompileReport) -> bool:
    """
    Tell the LMS caches (course overviews, block structures) that the course changed, then mark
    the index announced. False (logged) when a receiver failed or the signal could not be sent:
    the index stays unannounced and the next compile of the course sends it again.
    """
    try:
        responses = list(
            course_published.send_robust(
                sender=CompileReport,
                course_key=binding.course_key,
                structure_id=report.structure_id,
                publish_log_id=report.publish_log_id,
            )
        )
        try:
            from xmodule.modulestore.django import SignalHandler
        except ImportError:  # running outside edx-platform
            pass
        else:
            responses += SignalHandler.course_published.send_robust(
                sender=SignalHandler, course_key=binding.course_key
            )
        failed = [(receiver, result) for receiver, result in responses if isinstance(result, Exception)]
        if failed:
            log.warning(
                "course_published for %s (PublishLog %s): %d receiver(s) failed (%s); the next compile"
                " sends it again",
                report.course_key,
                report.publish_log_id,
                len(failed),
                "; ".join(f"{receiver!r}: {result!r}" for receiver, result in failed),
            )
            return False
        CourseIndex.objects.filter(binding=binding, publish_log_id=report.publish_log_id).update(
            announced=True
        )
    except Exception:
        log.exception(
            "course_published for %s (PublishLog %s) could not be sent; the next compile sends it again",
            report.course_key,
            report.publish_log_id,
        )
        return False
    return True
