"""``manage.py lc_compile COURSE_KEY ... | --all``: compile courses' latest publishes now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from lc_modulestore.api import CourseNotFound, compile_course
from lc_modulestore.models import CourseBinding


class Command(BaseCommand):
    help = "Compile the latest Learning Core publish of courses into Split documents."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course_keys", nargs="*", metavar="COURSE_KEY")
        parser.add_argument("--all", action="store_true", help="every course bound to a learning package")
        parser.add_argument("--full", action="store_true", help="rebuild from scratch instead of patching")

    def handle(self, *args: Any, **options: Any) -> None:
        keys = list(options["course_keys"])
        if options["all"]:
            keys += [
                str(k)
                for k in CourseBinding.objects.order_by("course_key").values_list("course_key", flat=True)
            ]
        if not keys:
            raise CommandError("name at least one COURSE_KEY, or --all")
        failures = 0
        self.stdout.write(f"{'course':<50} {'blocks':>7} {'bytes':>10} {'seconds':>8}  result")
        for key in tqdm(keys, unit="course", disable=len(keys) < 2 or not self.stderr.isatty()):
            try:
                report = compile_course(key, full=options["full"])
            except CourseNotFound as exc:
                failures += 1
                self.stdout.write(self.style.ERROR(f"{key:<50} {'-':>7} {'-':>10} {'-':>8}  {exc}"))
                continue
            except Exception as exc:  # recorded as a CompileFailure; the old structure keeps serving
                failures += 1
                self.stdout.write(self.style.ERROR(f"{key:<50} {'-':>7} {'-':>10} {'-':>8}  failed: {exc}"))
                continue
            result = (
                report.skipped
                or ("incremental" if report.incremental else "full") + f" @ {report.publish_log_id}"
            )
            self.stdout.write(
                f"{key:<50} {report.blocks:>7} {report.structure_bytes:>10} {report.seconds:>8.3f}  {result}"
            )
        summary = f"{len(keys) - failures} compiled, {failures} failed"
        if failures:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
