"""
Compile a bound course's drafts into its live draft-branch structure (the LMS preview's).

The draft branch follows the published one: a draft structure is compiled from the drafts and
compared with the live published structure (which blocks have unpublished changes, for Split's
``has_changes``), so it is compiled after every draft change and after every publish that made
a published structure live. Like a publish's compile: one transaction under the course's row
lock, incremental from the last draft structure (what the DraftChangeLogs since touched, side
effects included), never back to an older DraftChangeLog, and a failure rolls back (the previous
draft structure keeps serving) and is recorded in :class:`CompileFailure`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from compile.broken_components import PresentKeys
from compile.draft import compile_draft, draft_structure_id
from compile.ids import PublishLogId
from compile.snapshot import CourseSnapshot
from compile.structure import CompiledCourse
from compile.vocabulary import DRAFT_BRANCH

from .. import conf
from ..courses.models import CourseBinding
from ..storage.codec import StructureEncoder
from ..storage.id_generations import ids_in_use, lock_course, next_id_generation
from ..storage.recent import previous_structure, remember_compile
from ..storage.writes import LiveStructure, drop_branch, live_structure, store_compile
from .compile_publish import CompileReport, compile_published, record_failure
from .draft_state import latest_draft_logs, read_draft_changes_since, read_draft_state
from .published_state import PublishLogs

__all__ = ["DraftCompileReport", "compile_bound_drafts", "course_drafts_compiled", "drop_drafts"]

log = logging.getLogger(__name__)

# Sent after a draft structure becomes live, with ``course_key``, ``structure_id`` and
# ``draft_change_log_id``. Nothing of the LMS listens: its caches hold published content only.
course_drafts_compiled = Signal()

OFF = "draft compiles are off (LC_MODULESTORE_COMPILE_DRAFTS)"


@dataclass(slots=True)
class DraftCompileReport(CompileReport):
    """A draft compile: ``publish_log_id`` is that of the published structure it was compared with."""

    draft_change_log_id: PublishLogId | None = None
    branch: str = DRAFT_BRANCH


def compile_bound_drafts(
    binding: CourseBinding, /, *, full: bool = False, raise_errors: bool = True
) -> DraftCompileReport:
    """
    Bring the course's draft structure up to its latest DraftChangeLog and live published
    structure. ``full`` rebuilds it from all the drafts instead of patching the previous one.
    """
    key = str(binding.course_key)
    if not conf.COMPILE_DRAFTS.value:
        return DraftCompileReport(key, None, None, skipped=OFF)
    started = time.perf_counter()
    try:
        with transaction.atomic():
            report = _compile_locked(binding, full)
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        log.exception("Compiling the drafts of %s failed; the previous draft structure keeps serving", key)
        published, last = _latest_ids(binding)
        record_failure(
            binding, message, branch=DRAFT_BRANCH, publish_log_id=published, draft_change_log_id=last
        )
        if raise_errors:
            raise
        return DraftCompileReport(key, published, None, error=message, draft_change_log_id=last)
    report.seconds = time.perf_counter() - started
    return report


def drop_drafts(binding: CourseBinding, /) -> bool:
    """Remove the course's draft structure (drafts turned off); False when it had none."""
    with transaction.atomic():
        lock_course(binding)
        return drop_branch(binding, DRAFT_BRANCH)


def _latest_ids(binding: CourseBinding) -> tuple[PublishLogId | None, PublishLogId | None]:
    """The live published structure's PublishLog and the latest DraftChangeLog, as far as known."""
    published = live_structure(binding)
    try:
        last: PublishLogId | None = PublishLogId(latest_draft_logs(binding).latest.id)
    except Exception:  # no draft yet, or the package is gone: nothing more to say
        last = None
    return (published.publish_log_id if published is not None else None), last


def _up_to_date(live: LiveStructure | None, published: LiveStructure, latest: PublishLogId) -> bool:
    return (
        live is not None
        and live.draft_change_log_id is not None
        and live.draft_change_log_id >= latest
        and live.publish_log_id == published.publish_log_id
    )


def _of_this_generation(binding: CourseBinding, live: LiveStructure | None) -> bool:
    """Whether ``live`` (the live draft structure) was compiled in the course's id generation."""
    if live is None or live.draft_change_log_id is None:
        return True
    wanted = draft_structure_id(
        binding.learning_package.uuid, live.draft_change_log_id, live.publish_log_id, binding.id_generation
    )
    return live.object_id == str(wanted)


def _compile(
    binding: CourseBinding, logs: PublishLogs, published: LiveStructure, live: LiveStructure | None
) -> tuple[CourseSnapshot, CompiledCourse, dict[str, Any] | None, StructureEncoder]:
    """
    The drafts compiled against the live ``published`` structure: patching ``live`` (the live
    draft structure) with what changed since it, or from all the drafts when None.
    """
    published_structure, published_encoder = previous_structure(published.row_id, published.object_id)
    if published_structure is None:
        raise RuntimeError("the published structure is stored in an older format: recompile it with --full")
    previous, encoder = (
        previous_structure(live.row_id, live.object_id) if live is not None else (None, StructureEncoder())
    )
    positions = None
    if previous is not None and live is not None and live.draft_change_log_id is not None:
        positions = encoder.positions(previous)
        snapshot = read_draft_changes_since(binding, live.draft_change_log_id, PresentKeys(positions), logs)
    else:
        previous = None
        snapshot = read_draft_state(binding, logs)
    compiled = compile_draft(
        snapshot,
        previous,
        published_structure,
        published.publish_log_id,
        same_published=previous is not None
        and live is not None
        and live.publish_log_id == published.publish_log_id,
        positions=positions,
        published_positions=published_encoder.positions(published_structure),
    )
    return snapshot, compiled, previous, encoder


def _compile_locked(binding: CourseBinding, full: bool) -> DraftCompileReport:
    lock_course(binding)  # both branches' compiles of this course queue here
    key = str(binding.course_key)
    published = live_structure(binding)
    if published is None:
        return DraftCompileReport(key, None, None, skipped="no published structure yet: drafts follow it")
    logs = latest_draft_logs(binding)
    latest = PublishLogId(logs.latest.id)
    live = live_structure(binding, DRAFT_BRANCH)
    # A draft structure of an older id generation names other definitions than the published
    # one for the same versions: compared with it block by block, all would look changed.
    full = full or not _of_this_generation(binding, live)
    if _up_to_date(live, published, latest) and not full:
        assert live is not None
        return DraftCompileReport(
            key,
            live.publish_log_id,
            live.object_id,
            blocks=live.block_count,
            skipped="already up to date",
            draft_change_log_id=live.draft_change_log_id,
        )
    snapshot, compiled, previous, encoder = _compile(binding, logs, published, None if full else live)
    if ids_in_use(binding, compiled):
        # Other documents than those stored under these ids (a new parse of a version): the
        # course moves to new ids, its published structure first (the two share definitions).
        next_id_generation(binding)
        compile_published(binding, full=True)
        published = live_structure(binding)
        assert published is not None
        snapshot, compiled, previous, encoder = _compile(binding, logs, published, None)
    stored = store_compile(
        binding, live, snapshot, compiled, previous, encoder, compared_with=published.publish_log_id
    )
    report = DraftCompileReport(
        course_key=key,
        publish_log_id=published.publish_log_id,
        incremental=previous is not None,
        draft_change_log_id=snapshot.publish_log_id,
        **asdict(stored),  # what was written, under the same names
    )
    transaction.on_commit(lambda: _announce(binding, report))
    transaction.on_commit(lambda: remember_compile(compiled.structure, encoder))
    return report


def _announce(binding: CourseBinding, report: DraftCompileReport) -> None:
    course_drafts_compiled.send_robust(
        sender=DraftCompileReport,
        course_key=binding.course_key,
        structure_id=report.structure_id,
        draft_change_log_id=report.draft_change_log_id,
    )
