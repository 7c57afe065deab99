"""
The compiled documents: structures keyed on the PublishLog they came from, definitions, the
course index that says which structure is live, the compiles that failed, and the components the
live structure serves as error blocks.
"""

from __future__ import annotations

from django.db import models
from openedx_content.models_api import PublishableEntity, PublishLog

from compile.vocabulary import PUBLISHED_BRANCH

from ..courses.models import CourseBinding

__all__ = ["CompileFailure", "CompiledDefinition", "CompiledErrorBlock", "CompiledStructure", "CourseIndex"]


class CompiledStructure(models.Model):
    """
    One compiled structure document, keyed on the PublishLog it was compiled from. One live row
    per (course, branch); a republish inserts the new one and supersedes this one (``branch`` null,
    ``superseded_at`` set), which stays readable a while for reads in flight (storage.writes).
    """

    binding = models.ForeignKey(CourseBinding, on_delete=models.CASCADE, related_name="structures")
    publish_log = models.ForeignKey(PublishLog, on_delete=models.CASCADE, related_name="+")
    branch = models.CharField(max_length=32, default=PUBLISHED_BRANCH, null=True)  # null: superseded
    superseded_at = models.DateTimeField(null=True)
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
    the definitions that are new. One the live structure no longer names is superseded, then
    deleted once readers in flight are done with it (storage.writes).
    """

    binding = models.ForeignKey(CourseBinding, on_delete=models.CASCADE, related_name="definitions")
    object_id = models.CharField(max_length=24, unique=True)
    block_type = models.CharField(max_length=64)
    data = models.BinaryField()
    superseded_at = models.DateTimeField(null=True)  # no longer named by the live structure since

    class Meta:
        indexes = [models.Index(fields=["binding", "superseded_at"], name="lc_definition_superseded")]

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
    # Whether ``course_published`` was sent for this publish. Set after the commit, by the sender:
    # a compile that finds it unset (the send failed, or the process died first) sends it again.
    announced = models.BooleanField(default=True)

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


class CompiledErrorBlock(models.Model):
    """
    A component the live structure serves as an error block, because its block.xml could not be
    compiled; the rest of the course compiled and is live. One row per component while it stays
    broken, for operators: what to fix, and why (the message names the version and the line).
    """

    binding = models.ForeignKey(CourseBinding, on_delete=models.CASCADE, related_name="error_blocks")
    entity = models.ForeignKey(PublishableEntity, on_delete=models.CASCADE, related_name="+")
    block_type = models.CharField(max_length=64)
    block_id = models.CharField(max_length=255)
    publish_log_id = models.BigIntegerField()  # the compile that found it broken
    message = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entity"], name="lc_error_block_one_per_entity")]

    def __str__(self) -> str:
        return f"{self.binding} {self.block_type}/{self.block_id}: {self.message[:80]}"
