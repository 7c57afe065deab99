"""Serving-flag overrides (:mod:`lc_modulestore.serving.flags`; managed with ``manage.py lc_flag``)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from opaque_keys.edx.django.models import CourseKeyField

__all__ = ["CourseFlagOverride", "OrgFlagOverride"]


class CourseFlagOverride(models.Model):
    """
    Forces a named serving flag on or off for one course, whatever its org and the global waffle
    flag say (edx-platform's CourseWaffleFlag precedence). No row means "unset": the org override,
    then the global flag decide. Rows are deleted rather than disabled, so the table is the state.

    Keys are stored without branch or version (the flag is about the course, not one of its
    versions) and compared case-insensitively, as Split compares course keys.
    """

    flag_name = models.CharField(max_length=255)
    course_key = CourseKeyField(max_length=255)
    enabled = models.BooleanField()
    changed = models.DateTimeField(auto_now=True)
    note = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["flag_name", "course_key"], name="lc_flag_course_uniq"),
            # As CourseBinding's: SQLite/PostgreSQL need the expression, MariaDB's collation does it.
            models.UniqueConstraint("flag_name", Lower("course_key"), name="lc_flag_course_uniq_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.flag_name} {'on' if self.enabled else 'off'} for {self.course_key}"


class OrgFlagOverride(models.Model):
    """
    Forces a named serving flag on or off for every course of one org that has no course override
    of its own. No row means "unset". Orgs are compared case-insensitively, like the course keys
    they come from.
    """

    flag_name = models.CharField(max_length=255)
    org = models.CharField(max_length=255)
    enabled = models.BooleanField()
    changed = models.DateTimeField(auto_now=True)
    note = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["flag_name", "org"], name="lc_flag_org_uniq"),
            models.UniqueConstraint("flag_name", Lower("org"), name="lc_flag_org_uniq_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.flag_name} {'on' if self.enabled else 'off'} for org {self.org}"
