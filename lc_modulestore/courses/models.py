"""
The tables this project keeps next to Learning Core's, shared by the import and the compile.

Learning Core 1.15 has no course root and stores only a title on containers, and its entity codes
cannot hold every Split block id; these tables fill those gaps without writing Learning Core's own.
"""

from __future__ import annotations

from typing import override

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from opaque_keys.edx.django.models import CourseKeyField
from openedx_content.models_api import (
    Container,
    ContainerVersion,
    LearningPackage,
    Media,
    PublishableEntity,
    PublishableEntityVersion,
)

__all__ = [
    "BlockEntity",
    "CourseBinding",
    "CourseFile",
    "CourseOutline",
    "CourseOutlineVersion",
    "VersionFieldData",
]


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
    # The namespace of the course's structure and definition ids (compile.snapshot.CourseSnapshot):
    # moved on when a compile gives other documents than were stored under its ids (a repaired
    # block.xml, a new parser), never back, so no id ever names two documents.
    id_generation = models.PositiveIntegerField(default=0)

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
        return cls.objects.filter(Exact(Lower("course_key"), course_key.lower()))


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
    # The export files the entity's blocks were last imported from, as Open edX's reader records
    # them (``xml_attributes["filename"]``, the source file of Studio's git links): "type/id" ->
    # ``[path, name]``, for the block and, in a component kept whole (split_test, ...), its inline
    # children. Kept per block, not per version, as Split keeps a block's settings across edits;
    # the importer makes a new version when only this changes, so the compile sees the change.
    xml_filenames = models.JSONField(default=dict, blank=True)

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
    ``block.xml`` once and keeps the result here, tagged with the parser that read it (the rule
    table's version, or the XBlock class's identity: a new install or upgrade reads it again).
    """

    version = models.OneToOneField(
        PublishableEntityVersion, on_delete=models.CASCADE, primary_key=True, related_name="lc_field_data"
    )
    settings = models.JSONField(default=dict)
    content = models.JSONField(default=dict)
    parser_version = models.PositiveIntegerField(default=0)
    # Who read a component's fields when not the rule table: its XBlock class, distribution and
    # version (lc_modulestore.parsing); parser_version is then that identity's number.
    parser = models.CharField(max_length=255, blank=True, default="")

    def __str__(self) -> str:
        return f"fields of version {self.version_id}"


class CourseFile(models.Model):
    """
    A course file's facts that are not versioned: one row per asset component (ADR 0013), with the
    name the course's ``/static/`` links and asset keys use (``legacy_path``, ADR 0014), and what
    Open edX keeps beside the bytes (display name, ``locked``, content type, the md5 its versioned
    URLs carry). The bytes are the component's Learning Core file media; ``media`` is the one the
    md5 was computed for, so a version written by another tool is served without a stale digest.
    The row outlives a deleted file: importing the file again gives the same component a new version.
    """

    entity = models.OneToOneField(
        PublishableEntity, on_delete=models.CASCADE, primary_key=True, related_name="lc_course_file"
    )
    binding = models.ForeignKey(CourseBinding, on_delete=models.CASCADE, related_name="files")
    legacy_path = models.CharField(max_length=255)
    import_path = models.CharField(max_length=1000)
    display_name = models.CharField(max_length=1000)
    content_type = models.CharField(max_length=255, null=True, blank=True)
    locked = models.BooleanField(default=False)
    md5 = models.CharField(max_length=32)
    size = models.PositiveBigIntegerField()
    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["binding", "legacy_path"], name="lc_file_uniq_legacy_path"),
        ]

    def __str__(self) -> str:
        return self.legacy_path
