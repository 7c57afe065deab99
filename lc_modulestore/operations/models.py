"""
What the last compile of a course did, one row per course, kept for operators (``lc_status``, the
admin): the compiled tables say what is live, not how long it took. Imports keep their own
reports (``importing.models.ImportReport``), written by the import itself.
"""

from __future__ import annotations

from django.db import models

from ..courses.models import CourseBinding

__all__ = ["LastCompile"]


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
