# Over 400 lines: every table's admin page, in the one module Django's admin autodiscovers.
"""
Operators' view of the project's tables: what is bound, compiled, failing, and flagged, with
actions to turn courses on and off, and each course's files. Everything compiled or imported is
read-only here: compiles and imports change it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from compile.vocabulary import PUBLISHED_BRANCH

from .api import CourseNotFound, compiled_course, last_import_report
from .models import (
    CompiledErrorBlock,
    CompiledStructure,
    CompileFailure,
    CourseBinding,
    CourseFile,
    CourseFlagOverride,
    CourseIndex,
    ImportReport,
    OrgFlagOverride,
)
from .operations.course_files import with_file_totals, with_published_flag
from .serving.flags import DEFAULT_FLAG_NAME, set_course_override, set_org_override

RECENT = timedelta(days=7)


class ReadOnly(admin.ModelAdmin):
    """Rows a compile or an import writes: shown, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _flag_action(value: bool | None, label: str) -> Callable[..., None]:
    """An action setting (or, with None, clearing) the course override of each selected course."""

    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        rows = {(getattr(row, "flag_name", DEFAULT_FLAG_NAME), str(row.course_key)) for row in queryset}
        keys = sorted(key for _, key in rows)
        for flag_name, key in sorted(rows):
            set_course_override(flag_name, key, value, note=f"admin: {request.user}")
        modeladmin.message_user(
            request, f"Learning Core {label} for {len(keys)} course(s): {', '.join(keys)}"
        )

    action.__name__ = f"serve_{label.replace(' ', '_')}"
    description = f"Learning Core: {label} (course override)"
    return admin.action(description=description, permissions=["course_override"])(action)


class OverrideActions:
    """
    Who may use the on/off/unset actions: whoever may add, change and delete the override rows they
    write (an action offered to a user without them is not listed, and not run if posted anyway).
    """

    def has_course_override_permission(self, request: HttpRequest) -> bool:
        return _may_write(request, CourseFlagOverride)

    def has_org_override_permission(self, request: HttpRequest) -> bool:
        return _may_write(request, OrgFlagOverride)


def _may_write(request: HttpRequest, model: type[Any]) -> bool:
    opts = model._meta
    return request.user.has_perms(
        [f"{opts.app_label}.{action}_{opts.model_name}" for action in ("add", "change", "delete")]
    )


turn_on = _flag_action(True, "on")
turn_off = _flag_action(False, "off")
unset = _flag_action(None, "unset")


@admin.register(CourseBinding)
class CourseBindingAdmin(OverrideActions, ReadOnly):
    list_display = (
        "course_key", "learning_package", "live_publish_log", "compiled_at", "compile_seconds",
        "structure_size", "block_count", "file_count", "file_bytes", "recent_failures",
    )  # fmt: skip
    search_fields = ("course_key",)
    list_select_related = ("learning_package", "last_compile")
    actions = (turn_on, turn_off, unset)
    readonly_fields = (
        "course_key", "learning_package", "created", "live_publish_log", "compiled_at", "compile_seconds",
        "structure_size", "block_count", "file_count", "file_bytes", "last_import_report", "failures",
    )  # fmt: skip
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[CourseBinding]:
        live = CompiledStructure.objects.filter(binding=OuterRef("pk"), branch=PUBLISHED_BRANCH)
        return with_file_totals(super().get_queryset(request)).annotate(
            lc_size=Subquery(live.annotate(n=Length("data")).values("n")[:1]),
            lc_blocks=Subquery(live.values("block_count")[:1]),
            lc_failures=Count(
                "compile_failures", filter=Q(compile_failures__created__gte=timezone.now() - RECENT)
            ),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deleting the learning package removes the binding and everything compiled

    @admin.display(description="live PublishLog per branch")
    def live_publish_log(self, binding: CourseBinding) -> str:
        rows = CompiledStructure.objects.filter(binding=binding, superseded_at__isnull=True).values_list(
            "branch", "publish_log_id"
        )
        return ", ".join(f"{branch}: {log_id}" for branch, log_id in sorted(rows)) or "not compiled"

    @admin.display(description="last compile")
    def compiled_at(self, binding: CourseBinding) -> Any:
        last = getattr(binding, "last_compile", None)
        return last.finished if last is not None else "-"

    @admin.display(description="seconds")
    def compile_seconds(self, binding: CourseBinding) -> str:
        last = getattr(binding, "last_compile", None)
        if last is None:
            return "-"
        return f"{last.seconds:.3f} ({'incremental' if last.incremental else 'full'})"

    @admin.display(description="structure bytes")
    def structure_size(self, binding: CourseBinding) -> Any:
        return getattr(binding, "lc_size", None) or "-"

    @admin.display(description="blocks")
    def block_count(self, binding: CourseBinding) -> Any:
        return getattr(binding, "lc_blocks", None) or "-"

    @admin.display(description="files")
    def file_count(self, binding: CourseBinding) -> Any:
        """The published files (what the LMS's contentstore serves), linked to the course's list."""
        count = getattr(binding, "lc_files", 0)
        url = reverse("admin:lc_modulestore_coursefile_changelist") + f"?binding__id__exact={binding.pk}"
        return format_html('<a href="{}">{}</a>', url, count)

    @admin.display(description="file bytes")
    def file_bytes(self, binding: CourseBinding) -> Any:
        return getattr(binding, "lc_file_bytes", 0)

    @admin.display(description=f"failures ({RECENT.days} days)")
    def recent_failures(self, binding: CourseBinding) -> Any:
        count = getattr(binding, "lc_failures", 0)
        if not count:
            return 0
        url = reverse("admin:lc_modulestore_compilefailure_changelist") + f"?binding__id__exact={binding.pk}"
        return format_html('<a href="{}">{}</a>', url, count)

    @admin.display(description="last import")
    def last_import_report(self, binding: CourseBinding) -> str:
        report = last_import_report(str(binding.course_key))
        if report is None:
            return "no import recorded"
        one = reverse("admin:lc_modulestore_importreport_change", args=[report.pk])
        every = (
            reverse("admin:lc_modulestore_importreport_changelist")
            + "?"
            + urlencode({"course_key": str(binding.course_key)})
        )
        return format_html(
            '<a href="{}">{} {} from {}</a>: {} (<a href="{}">every import</a>)',
            one,
            f"{report.finished:%Y-%m-%d %H:%M:%S}",
            report.outcome,
            report.source,
            report.counts_text(),
            every,
        )

    @admin.display(description="recent failures")
    def failures(self, binding: CourseBinding) -> str:
        rows = binding.compile_failures.order_by("-created")[:5]
        return (
            format_html_join(
                "", "<p>{} (PublishLog {}): {}</p>", ((f.created, f.publish_log_id, f.message) for f in rows)
            )
            or "none"
        )


@admin.register(ImportReport)
class ImportReportAdmin(ReadOnly):
    """Every import kept (refused ones too: they changed nothing else), with every problem found."""

    list_display = (
        "finished", "course_key", "outcome", "strict", "source", "publish_log_id", "errors", "warnings",
        "notes",
    )  # fmt: skip
    list_filter = ("outcome", "strict", "finished")
    search_fields = ("course_key", "source", "message")
    readonly_fields = (
        "course_key", "course", "finished", "user_id", "source", "strict", "outcome", "message",
        "publish_log_id", "created", "changed", "unchanged", "deleted", "errors", "warnings", "notes",
        "problem_table",
    )  # fmt: skip
    fields = readonly_fields

    @admin.display(description="course")
    def course(self, report: ImportReport) -> str:
        binding = CourseBinding.matching(report.course_key).first() if report.course_key else None
        if binding is None:
            return "not bound (no import of it succeeded)"
        url = reverse("admin:lc_modulestore_coursebinding_change", args=[binding.pk])
        return format_html('<a href="{}">{}</a>', url, binding.course_key)

    @admin.display(description="problems")
    def problem_table(self, report: ImportReport) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((p.severity, p.where, p.key, p.message, p.action) for p in report.problems),
        )
        if not rows:
            return "none"
        return format_html(
            "<table><tr><th>severity</th><th>where</th><th>block</th><th>problem</th>"
            "<th>what the import did</th></tr>{}</table>",
            rows,
        )


@admin.register(CourseFile)
class CourseFileAdmin(ReadOnly):
    """
    A course's files, as the import wrote them: the facts kept beside the bytes. A file deleted by a
    re-import keeps its row (importing it again continues its history) and shows as not published.
    """

    list_display = (
        "legacy_path", "binding", "published", "size", "content_type", "locked", "md5", "import_path",
    )  # fmt: skip
    list_filter = ("locked",)
    list_select_related = ("binding",)
    search_fields = ("binding__course_key", "legacy_path", "display_name")
    ordering = ("binding__course_key", "legacy_path")
    readonly_fields = (
        "binding", "legacy_path", "published", "display_name", "import_path", "content_type", "locked",
        "size", "md5", "entity", "media",
    )  # fmt: skip
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[CourseFile]:
        return with_published_flag(super().get_queryset(request))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the row is the file's asset name: a re-import deletes files, not the admin

    @admin.display(description="published", boolean=True)
    def published(self, row: CourseFile) -> bool:
        return bool(getattr(row, "lc_published", False))


@admin.register(CourseIndex)
class CourseIndexAdmin(ReadOnly):
    list_display = ("binding", "publish_log", "published_structure", "draft_structure", "last_update")
    search_fields = ("binding__course_key",)
    readonly_fields = [f.name for f in CourseIndex._meta.fields]


@admin.register(CompiledStructure)
class CompiledStructureAdmin(ReadOnly):
    list_display = (
        "binding",
        "branch",
        "object_id",
        "publish_log",
        "draft_change_log",
        "block_count",
        "size",
        "created",
        "outline",
    )
    list_filter = ("branch",)
    list_select_related = ("binding",)
    search_fields = ("binding__course_key", "object_id")
    exclude = ("data",)
    readonly_fields = list_display

    def get_queryset(self, request: HttpRequest) -> QuerySet[CompiledStructure]:
        return super().get_queryset(request).annotate(lc_size=Length("data"))

    @admin.display(description="bytes")
    def size(self, structure: CompiledStructure) -> Any:
        return getattr(structure, "lc_size", None)

    @admin.display(description="outline")
    def outline(self, structure: CompiledStructure) -> str:
        url = reverse("admin:lc_modulestore_compiledstructure_outline", args=[structure.pk])
        return format_html('<a href="{}">outline</a>', url)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.outline_view)
        return [
            path("<int:pk>/outline/", view, name="lc_modulestore_compiledstructure_outline"),
            *super().get_urls(),
        ]

    def outline_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The course as its live structure lays it out (what ``lc_show`` prints), to who may view it."""
        structure = get_object_or_404(CompiledStructure.objects.select_related("binding"), pk=pk)
        if not self.has_view_permission(request, structure):
            raise PermissionDenied
        try:
            lines = compiled_course(
                str(structure.binding.course_key),
                definitions=False,
                branch=structure.branch or PUBLISHED_BRANCH,
            ).outline()
        except CourseNotFound as exc:
            lines = [str(exc)]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Outline of {structure.binding} @ {structure.object_id}",
            "opts": self.model._meta,
            "original": structure,
            "outline": "\n".join(lines),
        }
        return TemplateResponse(request, "admin/lc_modulestore/outline.html", context)


@admin.register(CompileFailure)
class CompileFailureAdmin(ReadOnly):
    """Compiles that failed: the previous structure kept serving; the message says what to fix."""

    list_display = ("binding", "branch", "publish_log_id", "draft_change_log_id", "created", "message")
    list_filter = ("branch", "created")
    search_fields = ("binding__course_key", "message")
    readonly_fields = ("binding", "branch", "publish_log_id", "draft_change_log_id", "message", "created")


@admin.register(CompiledErrorBlock)
class CompiledErrorBlockAdmin(ReadOnly):
    """Components the live structure serves as error blocks: the course compiled around them."""

    list_display = ("binding", "block_type", "block_id", "publish_log_id", "created", "message")
    list_filter = ("binding",)
    search_fields = ("binding__course_key", "block_id", "message")
    readonly_fields = list_display


class OverrideAdmin(admin.ModelAdmin):
    """Overrides are written through the flag module, which logs them and clears the request cache."""

    list_filter = ("flag_name", "enabled")
    target = ""  # the field naming what the override is for

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Changing what an existing override is for would be a second override: add one instead.
        return ("changed",) if obj is None else ("flag_name", self.target, "changed")

    def _saved(self, obj: Any, change: Any) -> None:
        """Point the admin's object at the row the flag module wrote (the next page links to it)."""
        model = type(obj)
        rows = model.objects.filter(flag_name=change.flag_name, **{f"{self.target}__iexact": change.target})
        obj.pk = rows.values_list("pk", flat=True).first()


@admin.register(CourseFlagOverride)
class CourseFlagOverrideAdmin(OverrideActions, OverrideAdmin):
    list_display = ("flag_name", "course_key", "enabled", "changed", "note")
    search_fields = ("course_key",)
    actions = (turn_on, turn_off, unset)
    target = "course_key"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        self._saved(obj, set_course_override(obj.flag_name, obj.course_key, obj.enabled, note=obj.note))


def _org_action(value: bool | None, label: str) -> Callable[..., None]:
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        rows = list(queryset)
        for row in rows:
            set_org_override(row.flag_name, row.org, value, note=f"admin: {request.user}")
        orgs = ", ".join(sorted(row.org for row in rows))
        modeladmin.message_user(request, f"Learning Core {label} for org(s) {orgs}", messages.SUCCESS)

    action.__name__ = f"org_{label}"
    description = f"Learning Core: {label} for the org's courses (org override)"
    return admin.action(description=description, permissions=["org_override"])(action)


@admin.register(OrgFlagOverride)
class OrgFlagOverrideAdmin(OverrideActions, OverrideAdmin):
    list_display = ("flag_name", "org", "enabled", "changed", "note")
    search_fields = ("org",)
    actions = (_org_action(True, "on"), _org_action(False, "off"), _org_action(None, "unset"))
    target = "org"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        self._saved(obj, set_org_override(obj.flag_name, obj.org, obj.enabled, note=obj.note))
