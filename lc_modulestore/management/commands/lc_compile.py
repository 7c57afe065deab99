"""
``manage.py lc_compile COURSE_KEY ... | --all [--full] [--json] [--branch published|draft|both]``:
compile courses' latest publishes (and, on the draft branch, their latest drafts) now.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from lc_modulestore.api import DRAFT_BRANCH, PUBLISHED_BRANCH, CompileReport, CourseNotFound, compile_course
from lc_modulestore.management.base import OperatorCommand, on_terminal
from lc_modulestore.models import CourseBinding
from lc_modulestore.parsing.records import stale_readings

_BRANCHES = {
    "published": (PUBLISHED_BRANCH,),
    "draft": (DRAFT_BRANCH,),
    "both": (PUBLISHED_BRANCH, DRAFT_BRANCH),
}


class Command(OperatorCommand):
    help = (
        "Compile the latest Learning Core publish of courses into Split documents (a no-op for a"
        " course already current, unless --full). Exits 1 if any course failed; a failed compile"
        " changes nothing that is served and is recorded as a CompileFailure."
    )
    examples = """
lc_compile course-v1:OpenedX+DemoX+DemoCourse
lc_compile course-v1:OpenedX+DemoX+DemoCourse --branch draft   # the LMS preview's structure
lc_compile --all --full                  # after upgrading lc-modulestore
lc_compile --all --stale-parsers         # after installing or upgrading an XBlock
lc_compile --all --json | jq '.[] | select(.error != "")'
"""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course_keys", nargs="*", metavar="COURSE_KEY")
        parser.add_argument("--all", action="store_true", help="every course bound to a learning package")
        parser.add_argument("--full", action="store_true", help="rebuild from scratch instead of patching")
        parser.add_argument("--json", action="store_true", help="print one report per course as JSON")
        parser.add_argument(
            "--stale-parsers",
            action="store_true",
            help="only the courses (of those named, or --all) holding components this process would"
            " read with another parser (an XBlock class installed or upgraded since): compiled --full",
        )
        parser.add_argument(
            "--branch",
            choices=sorted(_BRANCHES),
            default="published",
            help="the published structure (default; the draft one follows it), the draft one"
            " (the drafts, for the LMS preview), or both",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keys = list(options["course_keys"])
        if options["all"]:
            keys += [
                str(k)
                for k in CourseBinding.objects.order_by("course_key").values_list("course_key", flat=True)
            ]
        if not keys:
            raise CommandError("name at least one COURSE_KEY, or --all")
        if options["stale_parsers"]:
            keys = _stale(keys)
            options["full"] = True
        as_json: bool = options["json"]
        branches = _BRANCHES[options["branch"]]
        failed: set[str] = set()
        reports: list[dict[str, Any]] = []
        if not as_json:
            self.stdout.write(f"{'course':<50} {'blocks':>7} {'bytes':>10} {'seconds':>8}  result")
        for key in tqdm(keys, unit="course", disable=len(keys) < 2 or not on_terminal()):
            for branch in branches:
                try:
                    report = compile_course(key, full=options["full"], branch=branch)
                except CourseNotFound as exc:
                    failed.add(key)
                    reports.append({"course_key": key, "branch": branch, "error": str(exc)})
                    self._row(as_json, self.style.ERROR(f"{key:<50} {'-':>7} {'-':>10} {'-':>8}  {exc}"))
                    break
                except Exception as exc:  # recorded as a CompileFailure; the old structure keeps serving
                    failed.add(key)
                    reports.append(
                        {"course_key": key, "branch": branch, "error": f"{type(exc).__name__}: {exc}"}
                    )
                    message = f"{_label(branch)}failed: {exc}"
                    self._row(as_json, self.style.ERROR(f"{key:<50} {'-':>7} {'-':>10} {'-':>8}  {message}"))
                    continue
                reports.append({**asdict(report), "branch": branch})
                size = f"{report.blocks:>7} {report.structure_bytes:>10} {report.seconds:>8.3f}"
                self._row(as_json, f"{key:<50} {size}  {_label(branch)}{report.skipped or _compiled(report)}")
        if as_json:
            self.write_json(reports)
        failures = len(failed)
        summary = f"{len(keys) - failures} compiled, {failures} failed"
        self.summary(summary, as_json=as_json, ok=not failures)
        if failures:
            raise CommandError(summary)

    def _row(self, as_json: bool, text: str) -> None:
        if not as_json:
            self.stdout.write(text)


def _stale(keys: list[str]) -> list[str]:
    """The courses among ``keys`` whose cached component readings a full compile would redo."""
    bindings = CourseBinding.objects.filter(course_key__in=keys)
    stale = {str(binding.course_key) for binding in stale_readings(bindings)}
    return [key for key in keys if key in stale]


def _label(branch: str) -> str:
    return "drafts: " if branch == DRAFT_BRANCH else ""


def _compiled(report: CompileReport) -> str:
    done = "incremental" if report.incremental else "full"
    draft_log = getattr(report, "draft_change_log_id", None)
    if draft_log is not None:
        return f"{done} @ DraftChangeLog {draft_log}, against PublishLog {report.publish_log_id}"
    return f"{done} @ {report.publish_log_id}"
