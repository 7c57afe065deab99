"""
Writing and reading :class:`ImportReport`: one per import, successful or refused.

A successful import's report is written in the import's own transaction, so it exists exactly
when the import does. A refused one is written after the rollback, in a transaction of its own:
the refusal changed nothing else, and the report is how an operator (or a Celery log reader)
later sees why. Old reports are pruned per course as new ones arrive
(``LC_MODULESTORE_IMPORT_REPORTS_KEPT``): a course re-imported nightly would otherwise grow the
table without end, and a report can hold thousands of problems.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.db import DatabaseError, transaction

from compile.import_report import ERROR, ImportProblem
from compile.olx_export import OlxError

from .. import conf
from ..courses.models import CourseBinding
from .models import ImportReport

if TYPE_CHECKING:
    from .importer import ImportResult

__all__ = [
    "ImportAttempt",
    "last_report",
    "record_imported",
    "record_refused",
    "refusal_problem",
    "report_key",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ImportAttempt:
    """What the caller asked for, known before the export is read."""

    source: str
    user_id: int | None
    strict: bool


def record_imported(attempt: ImportAttempt, result: ImportResult) -> ImportReport:
    report = _new(attempt, str(result.course_key), ImportReport.IMPORTED, result.problems)
    report.publish_log_id = result.publish_log_id
    report.created, report.changed = result.created, result.changed
    report.unchanged, report.deleted = result.unchanged, result.deleted
    report.save()
    _prune(report.course_key)
    return report


def record_refused(
    attempt: ImportAttempt, course_key: str, error: OlxError, problems: list[ImportProblem]
) -> ImportReport | None:
    """
    Called after the rollback; ``problems`` is what the report lists (see :func:`refusal_problem`),
    ``course_key`` the key as given or read (maybe not a valid one, or ``""``).
    """
    report = _new(attempt, report_key(course_key)[:255], ImportReport.REFUSED, problems)
    report.message = str(error)
    try:
        with transaction.atomic():
            report.save()
            _prune(report.course_key)
    except DatabaseError:  # the refusal is what the caller must see, not a failure to log it
        log.exception("Could not record the refused import of %s", attempt.source)
        return None
    return report


def refusal_problem(error: OlxError) -> ImportProblem:
    """The error that refused an import, as the report's last problem (``--strict`` lists its own)."""
    return ImportProblem(
        ERROR, error.file, error.line or 0, error.key or "", error.message, "import refused, nothing changed"
    )


def last_report(course_key: str) -> ImportReport | None:
    """The course's newest report, refused or not, whatever the case of ``course_key``."""
    return ImportReport.objects.filter(course_key=report_key(course_key)).order_by("-finished", "-id").first()


def report_key(course_key: str) -> str:
    """The key as an existing course spells it (keys match case-insensitively), else as given."""
    binding = CourseBinding.matching(course_key).first() if course_key else None
    return str(binding.course_key) if binding is not None else course_key


def _new(
    attempt: ImportAttempt, course_key: str, outcome: str, problems: list[ImportProblem]
) -> ImportReport:
    report = ImportReport(
        course_key=course_key,
        finished=datetime.now(tz=UTC),
        user_id=attempt.user_id,
        source=attempt.source[:1024],
        strict=attempt.strict,
        outcome=outcome,
    )
    report.set_problems(problems)
    return report


def _prune(course_key: str) -> None:
    kept = conf.IMPORT_REPORTS_KEPT.value
    if kept is None:
        return
    old = ImportReport.objects.filter(course_key=course_key).order_by("-finished", "-id")[max(kept, 1) :]
    ImportReport.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()
