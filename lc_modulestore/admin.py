"""Operators' view of the project's tables: what is bound, compiled, failing, and flagged."""

from django.contrib import admin

from .models import (
    CompiledStructure,
    CompileFailure,
    CourseBinding,
    CourseFlagOverride,
    CourseIndex,
    OrgFlagOverride,
)


@admin.register(CourseBinding)
class CourseBindingAdmin(admin.ModelAdmin):
    list_display = ("course_key", "learning_package", "created")
    search_fields = ("course_key",)
    readonly_fields = ("course_key", "learning_package", "root", "created")


@admin.register(CourseIndex)
class CourseIndexAdmin(admin.ModelAdmin):
    list_display = ("binding", "publish_log", "published_structure", "draft_structure", "last_update")
    search_fields = ("binding__course_key",)
    readonly_fields = [f.name for f in CourseIndex._meta.fields]


@admin.register(CompiledStructure)
class CompiledStructureAdmin(admin.ModelAdmin):
    list_display = (
        "binding",
        "branch",
        "object_id",
        "publish_log",
        "draft_change_log",
        "block_count",
        "created",
    )
    list_filter = ("branch",)
    exclude = ("data",)
    readonly_fields = (
        "binding", "branch", "object_id", "publish_log", "draft_change_log", "block_count", "created",
    )  # fmt: skip


@admin.register(CompileFailure)
class CompileFailureAdmin(admin.ModelAdmin):
    """Compiles that failed: the previous structure kept serving; the message says what to fix."""

    list_display = ("binding", "branch", "publish_log_id", "draft_change_log_id", "created", "message")
    list_filter = ("branch", "created")
    search_fields = ("binding__course_key", "message")
    readonly_fields = ("binding", "branch", "publish_log_id", "draft_change_log_id", "message", "created")


@admin.register(CourseFlagOverride)
class CourseFlagOverrideAdmin(admin.ModelAdmin):
    list_display = ("flag_name", "course_key", "enabled", "changed", "note")
    list_filter = ("flag_name", "enabled")
    search_fields = ("course_key",)


@admin.register(OrgFlagOverride)
class OrgFlagOverrideAdmin(admin.ModelAdmin):
    list_display = ("flag_name", "org", "enabled", "changed", "note")
    list_filter = ("flag_name", "enabled")
    search_fields = ("org",)
