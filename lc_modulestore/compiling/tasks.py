"""
The Celery task used when ``LC_MODULESTORE_COMPILE_ASYNC`` is on (``pip install lc-modulestore[celery]``).

Each publish queues one task naming its PublishLog. A task whose PublishLog is no longer the
package's newest does nothing: the newest publish queued its own task, and a compile always reads
the latest published state, so a burst of publishes queued faster than the worker drains them
compiles once, for the newest. A transient database error (a deadlock, a lock wait timeout, a lost
connection) is retried with exponential backoff; any other error is recorded as a
``CompileFailure`` (the previous structure keeps serving) and not retried, since it would fail
again the same way.

The LMS's Celery app finds the task through autodiscovery (``lc_modulestore.tasks``).
"""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.db import OperationalError, connection

from compile.snapshot import SnapshotError

from .. import conf
from ..courses.models import CourseBinding
from .compile_publish import CompileReport, compile_bound_course
from .published_state import latest_publish_logs

__all__ = ["TASK_NAME", "compile_course_task", "is_transient", "retry_countdown"]

TASK_NAME = "lc_modulestore.compile_course"

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


def _newest_publish_log_id(binding: CourseBinding) -> int | None:
    try:
        return latest_publish_logs(binding).latest.id
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
    binding = CourseBinding.objects.filter(pk=binding_id).first()
    if binding is None:  # the package was deleted since the publish
        return {"binding_id": binding_id, "skipped": "the course is no longer bound"}
    key = str(binding.course_key)
    newest = _newest_publish_log_id(binding)
    if publish_log_id is not None and newest is not None and newest > publish_log_id:
        return {"course_key": key, "publish_log_id": publish_log_id, "skipped": f"superseded by {newest}"}
    try:
        report = compile_bound_course(binding)
    except Exception as exc:
        retries = int(self.request.retries or 0)
        if is_transient(exc) and retries < conf.COMPILE_RETRIES.value:
            if not connection.in_atomic_block:  # a lost connection is reopened by the next query
                connection.close_if_unusable_or_obsolete()
            raise self.retry(exc=exc, countdown=retry_countdown(retries), max_retries=None) from exc
        # Recorded as a CompileFailure by compile_bound_course; retrying would fail the same way.
        return {"course_key": key, "publish_log_id": newest, "error": f"{type(exc).__name__}: {exc}"}
    return _result(report)
