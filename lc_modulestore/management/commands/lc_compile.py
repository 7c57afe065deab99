"""``manage.py lc_compile COURSE_KEY ... | --all [--full] [--json]``: compile latest publishes now."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from lc_modulestore.api import CourseNotFound, compile_course
from lc_modulestore.management.base import OperatorCommand, on_terminal
from lc_modulestore.models import CourseBinding


class Command(OperatorCommand):
    help = (
        "Compile the latest Learning Core publish of courses into Split documents (a no-op for a"
        " course already current, unless --full). Exits 1 if any course failed; a failed compile"
        " changes nothing that is served and is recorded as a CompileFailure."
    )
    examples = """
lc_compile course-v1:OpenedX+DemoX+DemoCourse
lc_compile --all --full                  # after upgrading lc-modulestore
lc_compile --all --json | jq '.[] | select(.error != "")'
"""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course_keys", nargs="*", metavar="COURSE_KEY")
        parser.add_argument("--all", action="store_true", help="every course bound to a learning package")
        parser.add_argument("--full", action="store_true", help="rebuild from scratch instead of patching")
        parser.add_argument("--json", action="store_true", help="print one report per course as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        keys = list(options["course_keys"])
        if options["all"]:
            keys += [
                str(k)
                for k in CourseBinding.objects.order_by("course_key").values_list("course_key", flat=True)
            ]
        if not keys:
            raise CommandError("name at least one COURSE_KEY, or --all")
        as_json: bool = options["json"]
        failures = 0
        reports: list[dict[str, Any]] = []
        if not as_json:
            self.stdout.write(f"{'course':<50} {'blocks':>7} {'bytes':>10} {'seconds':>8}  result")
        for key in tqdm(keys, unit="course", disable=len(keys) < 2 or not on_terminal()):
            try:
                report = compile_course(key, full=options["full"])
            except CourseNotFound as exc:
                failures += 1
                reports.append({"course_key": key, "error": str(exc)})
                self._row(as_json, self.style.ERROR(f"{key:<50} {'-':>7} {'-':>10} {'-':>8}  {exc}"))
                continue
            except Exception as exc:  # recorded as a CompileFailure; the old structure keeps serving
                failures += 1
                reports.append({"course_key": key, "error": f"{type(exc).__name__}: {exc}"})
                self._row(as_json, self.style.ERROR(f"{key:<50} {'-':>7} {'-':>10} {'-':>8}  failed: {exc}"))
                continue
            reports.append(asdict(report))
            result = (
                report.skipped
                or ("incremental" if report.incremental else "full") + f" @ {report.publish_log_id}"
            )
            self._row(
                as_json,
                f"{key:<50} {report.blocks:>7} {report.structure_bytes:>10} {report.seconds:>8.3f}  {result}",
            )
        if as_json:
            self.write_json(reports)
        summary = f"{len(keys) - failures} compiled, {failures} failed"
        self.summary(summary, as_json=as_json, ok=not failures)
        if failures:
            raise CommandError(summary)

    def _row(self, as_json: bool, text: str) -> None:
        if not as_json:
            self.stdout.write(text)
