"""
The Celery tasks used when ``LC_MODULESTORE_COMPILE_ASYNC`` is on (``pip install lc-modulestore[celery]``).

Each publish queues one task naming its PublishLog, and each draft change one naming its
DraftChangeLog; both follow the same rules. A task whose PublishLog is no longer the
package's newest does nothing: the newest publish queued its own task, and a compile always reads
the latest published state, so a burst of publishes queued faster than the worker drains them
compiles once, for the newest (a draft task likewise skips when a newer DraftChangeLog queued its
own). A transient database error (a deadlock, a lock wait timeout, a lost
connection) is retried with exponential backoff; any other error is recorded as a
``CompileFailure`` (the previous structure keeps serving) and not retried, since it would fail
again the same way.

The LMS's Celery app finds the task through autodiscovery (``lc_modulestore.tasks``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Task, shared_task
from django.db import OperationalError, connection

from compile.snapshot import SnapshotError

from .. import conf
from ..courses.models import CourseBinding
from .compile_draft import compile_bound_drafts
from .compile_publish import CompileReport, compile_bound_course
from .draft_state import latest_draft_logs
from .published_state import PublishLogs, latest_publish_logs

__all__ = [
    "DRAFT_TASK_NAME",
    "TASK_NAME",
    "compile_course_task",
    "compile_drafts_task",
    "is_transient",
    "retry_countdown",
]

TASK_NAME = "lc_modulestore.compile_course"
DRAFT_TASK_NAME = "lc_modulestore.compile_course_drafts"

# MySQL/MariaDB error codes worth another try: lock wait timeout, deadlock, "server has gone
# away", lost connection during a query, cannot connect.
TRANSIENT_MYSQL_CODES = frozenset({1205, 1213, 2006, 2013, 2003})
MAX_BACKOFF_SECONDS = 300


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the same compile later can succeed (the error is the database's, not the course's)."""
    if not isinstance(exc, OperationalError):
        return False
    code = exc.args[0] if exc.args else None
    if isinstance(code, int):
        return code in TRANSIENT_MYSQL_CODES
    return "database is locked" in str(exc)  # SQLite's busy timeout ran out


def retry_countdown(retries: int) -> int:
    """Seconds before retry number ``retries + 1``: 1, 2, 4, ... capped at five minutes."""
    return int(min(2**retries, MAX_BACKOFF_SECONDS))


def _newest_log_id(latest: Callable[[CourseBinding], PublishLogs], binding: CourseBinding) -> int | None:
    try:
        return int(latest(binding).latest.id)
    except SnapshotError:
        return None


def _result(report: CompileReport) -> dict[str, Any]:
    """What the task returns (JSON, for a result backend and for Flower)."""
    return {
        "course_key": report.course_key,
        "publish_log_id": report.publish_log_id,
        "structure_id": report.structure_id,
        "blocks": report.blocks,
        "seconds": round(report.seconds, 3),
        "skipped": report.skipped,
        "error": report.error,
    }


@shared_task(bind=True, name=TASK_NAME)  # type: ignore[untyped-decorator]  # Celery is untyped
def compile_course_task(self: Task, binding_id: int, publish_log_id: int | None = None) -> dict[str, Any]:
    return _run(self, binding_id, publish_log_id, latest_publish_logs, compile_bound_course)


@shared_task(bind=True, name=DRAFT_TASK_NAME)  # type: ignore[untyped-decorator]  # Celery is untyped
def compile_drafts_task(self: Task, binding_id: int, change_log_id: int | None = None) -> dict[str, Any]:
    return _run(self, binding_id, change_log_id, latest_draft_logs, compile_bound_drafts)


def _run(
    task: Task,
    binding_id: int,
    log_id: int | None,
    latest: Callable[[CourseBinding], PublishLogs],
    compile_branch: Callable[[CourseBinding], CompileReport],
) -> dict[str, Any]:
    """One branch's compile, skipped when superseded, retried when the database's error is transient."""
    binding = CourseBinding.objects.filter(pk=binding_id).first()
    if binding is None:  # the package was deleted since the change
        return {"binding_id": binding_id, "skipped": "the course is no longer bound"}
    key = str(binding.course_key)
    newest = _newest_log_id(latest, binding)
    if log_id is not None and newest is not None and newest > log_id:
        return {"course_key": key, "log_id": log_id, "skipped": f"superseded by {newest}"}
    try:
        report = compile_branch(binding)
    except Exception as exc:
        retries = int(task.request.retries or 0)
        if is_transient(exc) and retries < conf.COMPILE_RETRIES.value:
            if not connection.in_atomic_block:  # a lost connection is reopened by the next query
                connection.close_if_unusable_or_obsolete()
            raise task.retry(exc=exc, countdown=retry_countdown(retries), max_retries=None) from exc
        # Recorded as a CompileFailure by the compile itself; retrying would fail the same way.
        return {"course_key": key, "log_id": newest, "error": f"{type(exc).__name__}: {exc}"}
    return _result(report)
