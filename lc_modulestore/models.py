"""
Tables this project owns next to Learning Core's.

Learning Core 1.15 has no course root and stores only a title on containers, and its entity codes
cannot hold every Split block id; these tables fill those gaps without writing Learning Core's own.
"""

from __future__ import annotations

from typing import override

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from opaque_keys.edx.django.models import CourseKeyField
from openedx_content.models_api import (
    Container,
    ContainerVersion,
    LearningPackage,
    PublishableEntity,
    PublishableEntityVersion,
    PublishLog,
)

__all__ = [
    "PUBLISHED_BRANCH",
    "BlockEntity",
    "CompileFailure",
    "CompiledDefinition",
    "CompiledStructure",
    "CourseBinding",
    "CourseFlagOverride",
    "CourseIndex",
    "CourseOutline",
    "CourseOutlineVersion",
    "OrgFlagOverride",
    "VersionFieldData",
]


# The only branch compiled: Learning Core's published state (Split's "published-branch").
PUBLISHED_BRANCH = "published-branch"


@Container.register_subclass
class CourseOutline(Container):
    """
    The course root: an ordered list of sections, with the course's settings kept per version in
    :class:`VersionFieldData`. Being a real container, it gets publish side effects for free, so
    every publish of a course lists the root among its records.
    """

    type_code = "lc_modulestore.course"
    olx_tag_name = "course"

    container = models.OneToOneField(Container, on_delete=models.CASCADE, parent_link=True, primary_key=True)

    @override
    @classmethod
    def validate_entity(cls, entity: PublishableEntity) -> None:
        container = getattr(entity, "container", None)
        if container is None or not hasattr(container, "section"):
            raise ValidationError("Only Sections (OLX chapters) can be children of a course")


class CourseOutlineVersion(ContainerVersion):
    container_version = models.OneToOneField(
        ContainerVersion, on_delete=models.CASCADE, parent_link=True, primary_key=True
    )


class CourseBinding(models.Model):
    """
    One course run served from one learning package. The course key is what the LMS asks for; the
    package is where Learning Core keeps its content. Deleting the package removes the binding and,
    through it, everything compiled for the course.
    """

    course_key = CourseKeyField(max_length=255, unique=True)
    learning_package = models.OneToOneField(
        LearningPackage, on_delete=models.CASCADE, related_name="lc_course_binding"
    )
    root = models.OneToOneField(
        PublishableEntity, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Split treats course keys case-insensitively (SplitModulestoreCourseIndex, migration 0004).
            # MariaDB cannot index expressions; there the case-insensitive collation does the same job.
            models.UniqueConstraint(Lower("course_key"), name="lc_binding_uniq_course_key_ci"),
        ]

    def __str__(self) -> str:
        return str(self.course_key)

    @classmethod
    def matching(cls, course_key: str) -> models.QuerySet[CourseBinding]:
        """The binding of ``course_key`` whatever its case (Split matches course keys so too)."""
        return cls.objects.annotate(key_lower=Lower("course_key")).filter(key_lower=course_key.lower())


class BlockEntity(models.Model):
    """
    The block key map: which entity holds block ``type@id`` of a course. Split block ids are kept
    exactly (learner state is keyed on them), which Learning Core codes cannot always express.
    The root is always ``course/course``.
    """

    binding = models.ForeignKey(CourseBinding, on_delete=models.CASCADE, related_name="blocks")
    block_type = models.CharField(max_length=64)
    block_id = models.CharField(max_length=255)
    entity = models.OneToOneField(PublishableEntity, on_delete=models.CASCADE, related_name="lc_block")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["binding", "block_type", "block_id"], name="lc_block_uniq_key"),
            models.UniqueConstraint(fields=["binding", "entity"], name="lc_block_uniq_entity"),
        ]

    def __str__(self) -> str:
        return f"{self.block_type}/{self.block_id}"


class VersionFieldData(models.Model):
    """
    Realized XBlock field data of one entity version, split by scope as Split stores it.

    Versions are immutable, so a row never goes stale: containers get theirs from the importer
    (Learning Core keeps only their title); components get theirs from the compiler, which parses
    ``block.xml`` once and keeps the result here, tagged with the rule table's version.
    """

    version = models.OneToOneField(
        PublishableEntityVersion, on_delete=models.CASCADE, primary_key=True, related_name="lc_field_data"
    )
    settings = models.JSONField(default=dict)
    content = models.JSONField(default=dict)
    parser_version = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"fields of version {self.version_id}"


class CompiledStructure(models.Model):
    """
    One compiled structure document, keyed on the PublishLog it was compiled from. Only the live
    one per (course, branch) is kept: a republish inserts the new row and deletes this one.
    """

    binding = models.ForeignKey(CourseBinding, on_delete=models.CASCADE, related_name="structures")
    publish_log = models.ForeignKey(PublishLog, on_delete=models.CASCADE, related_name="+")
    branch = models.CharField(max_length=32, default=PUBLISHED_BRANCH)
    object_id = models.CharField(max_length=24, unique=True)
    block_count = models.PositiveIntegerField()
    data = models.BinaryField()  # compile.codec: zlib-compressed orjson, Split's stored form
    created = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["binding", "branch"], name="lc_structure_one_live_per_branch"),
        ]

    def __str__(self) -> str:
        return f"{self.binding} {self.branch} @ {self.object_id}"


class CompiledDefinition(models.Model):
    """
    One definition document (a block's content fields). Immutable: its id derives from the
    entity version it came from, so consecutive structures share it and a publish writes only
    the definitions that are new.
    """

    binding = models.ForeignKey(CourseBinding, on_delete=models.CASCADE, related_name="definitions")
    object_id = models.CharField(max_length=24, unique=True)
    block_type = models.CharField(max_length=64)
    data = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.block_type} definition {self.object_id}"


class CourseIndex(models.Model):
    """Split's course index ("active_versions"), one per course: which structure is live."""

    binding = models.OneToOneField(CourseBinding, on_delete=models.CASCADE, related_name="index")
    object_id = models.CharField(max_length=24, unique=True)
    org = models.CharField(max_length=255, db_index=True)
    published_structure = models.OneToOneField(CompiledStructure, on_delete=models.RESTRICT, related_name="+")
    publish_log = models.ForeignKey(PublishLog, on_delete=models.CASCADE, related_name="+")
    wiki_slug = models.CharField(max_length=255, blank=True, db_index=True)
    edited_by = models.IntegerField(null=True)
    edited_on = models.DateTimeField()  # when the course was first compiled (Split: created)
    last_update = models.DateTimeField()

    def __str__(self) -> str:
        return f"index of {self.binding}"


class CompileFailure(models.Model):
    """A compile that failed: the previous structure kept serving; this says why, for operators."""

    binding = models.ForeignKey(CourseBinding, on_delete=models.CASCADE, related_name="compile_failures")
    publish_log_id = models.BigIntegerField(null=True)
    message = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["binding", "-created"], name="lc_failure_binding_created")]

    def __str__(self) -> str:
        return f"{self.binding} @ {self.publish_log_id}: {self.message[:80]}"


# ---------------------------------------------------------------------------------------------
# Serving-flag overrides (lc_modulestore.store.flags; managed with ``manage.py lc_flag``)
# ---------------------------------------------------------------------------------------------


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
