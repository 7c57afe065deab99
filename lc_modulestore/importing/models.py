"""
What each OLX import did, kept per course for operators: the counts, the publish, and every
problem the export had, refused imports included (they change nothing else, so this row is the
only trace of why a course did not update).

Reports are keyed by the course key as text, not by the binding: the first import of a course
can be refused, and then there is no binding to attach the report to.
"""

from __future__ import annotations

from typing import Any, NewType

import orjson
from django.db import models
from django.db.models import Q
from openedx_django_lib.id_fields import TypedBigAutoField

from compile.import_report import ERROR, NOTE, WARNING, ImportProblem

__all__ = ["ImportReport", "problem_summary"]


class ImportReport(models.Model):
    """One import of one export: ``imported`` (and maybe published) or ``refused`` (nothing changed)."""

    ImportReportID = NewType("ImportReportID", int)
    type ID = ImportReportID

    class IDField(TypedBigAutoField[ID]):  # Learning Core's typed-id pattern
        pass

    IMPORTED = "imported"
    REFUSED = "refused"
    OUTCOMES = ((IMPORTED, "imported"), (REFUSED, "refused"))

    id = IDField(primary_key=True)
    course_key = models.CharField(max_length=255)  # "" when the export named no valid course key
    finished = models.DateTimeField()
    user_id = models.IntegerField(null=True, blank=True)  # who ran it, when known
    source = models.CharField(max_length=1024)  # the path as given
    strict = models.BooleanField(default=False)
    outcome = models.CharField(max_length=8, choices=OUTCOMES)
    message = models.TextField(blank=True)  # why it was refused
    publish_log_id = models.BigIntegerField(null=True, blank=True)  # None: nothing was published
    created = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    # Counted once here so lists (lc_status, the admin) need not decode every report's problems.
    errors = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    notes = models.PositiveIntegerField(default=0)
    problems_json = models.TextField(default="[]")  # ImportProblem.as_json() each, orjson-encoded

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["imported", "refused"]), name="lc_import_report_outcome"
            ),
            # A refused import changed nothing: it cannot have published.
            models.CheckConstraint(
                condition=Q(outcome="imported") | Q(publish_log_id__isnull=True),
                name="lc_import_report_refused_unpublished",
            ),
        ]
        indexes = [models.Index(fields=["course_key", "-finished"], name="lc_import_report_course")]

    def __str__(self) -> str:
        return f"{self.course_key or '?'} {self.outcome} from {self.source}"

    @property
    def problems(self) -> list[ImportProblem]:
        return [ImportProblem.from_json(value) for value in orjson.loads(self.problems_json)]

    def set_problems(self, problems: list[ImportProblem]) -> None:
        self.problems_json = orjson.dumps([problem.as_json() for problem in problems]).decode()
        counts = {ERROR: 0, WARNING: 0, NOTE: 0}
        for problem in problems:
            counts[problem.severity] += 1
        self.errors, self.warnings, self.notes = counts[ERROR], counts[WARNING], counts[NOTE]

    @property
    def problem_count(self) -> int:
        return self.errors + self.warnings + self.notes

    def counts_text(self) -> str:
        """One line for lists: what changed, and how many problems of each severity."""
        if self.outcome == self.REFUSED:
            changes = "nothing changed"
        else:
            published = f"PublishLog {self.publish_log_id}" if self.publish_log_id else "nothing published"
            changes = (
                f"{self.created} new, {self.changed} changed, {self.unchanged} unchanged,"
                f" {self.deleted} deleted; {published}"
            )
        return f"{changes}; {problem_summary(self.errors, self.warnings, self.notes)}"

    def as_json(self, *, problems: bool = True) -> dict[str, Any]:
        document = {
            "id": self.id,
            "course_key": self.course_key,
            "finished": self.finished.isoformat(),
            "user_id": self.user_id,
            "source": self.source,
            "strict": self.strict,
            "outcome": self.outcome,
            "message": self.message,
            "publish_log_id": self.publish_log_id,
            "created": self.created,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "counts": {ERROR: self.errors, WARNING: self.warnings, NOTE: self.notes},
        }
        if problems:
            document["problems"] = [problem.as_json() for problem in self.problems]
        return document


def problem_summary(errors: int, warnings: int, notes: int) -> str:
    return (
        f"{errors + warnings + notes} problem(s): {errors} error(s), {warnings} warning(s), {notes} note(s)"
    )
