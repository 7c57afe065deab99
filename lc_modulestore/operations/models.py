"""
What the last compile and the last import of a course did, one row each per course, kept for
operators (``lc_status``, the admin): the compiled tables say what is live, not how long it took.
"""

from __future__ import annotations

from django.db import models

from ..courses.models import CourseBinding

__all__ = ["LastCompile", "LastImport"]


class LastCompile(models.Model):
    """The course's last compile that stored a structure (skipped compiles leave it as it was)."""

    binding = models.OneToOneField(
        CourseBinding, on_delete=models.CASCADE, primary_key=True, related_name="last_compile"
    )
    finished = models.DateTimeField()
    seconds = models.FloatField()
    publish_log_id = models.BigIntegerField()
    structure_id = models.CharField(max_length=24)
    incremental = models.BooleanField()
    blocks = models.PositiveIntegerField()
    structure_bytes = models.PositiveBigIntegerField()
    definitions_written = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.binding} compiled @ {self.publish_log_id} in {self.seconds:.3f}s"


class LastImport(models.Model):
    """The course's last OLX import through ``lc_import_olx`` (or ``lc_demo``)."""

    binding = models.OneToOneField(
        CourseBinding, on_delete=models.CASCADE, primary_key=True, related_name="last_import"
    )
    finished = models.DateTimeField()
    source = models.CharField(max_length=1024)
    publish_log_id = models.BigIntegerField(null=True)  # None: the export matched what was published
    created = models.PositiveIntegerField()
    changed = models.PositiveIntegerField()
    unchanged = models.PositiveIntegerField()
    deleted = models.PositiveIntegerField()
    notes = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.binding} imported from {self.source}"
