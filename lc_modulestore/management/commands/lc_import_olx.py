"""
``manage.py lc_import_olx PATH [--course-key KEY] [--strict] [--json]``: import (or re-import) an
OLX export, listing every problem it has; ``--strict`` refuses one with errors or warnings.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.management.base import CommandError, CommandParser

from lc_modulestore.api import FileCounts, OlxImportError, import_olx
from lc_modulestore.management.base import OperatorCommand, on_terminal
from lc_modulestore.management.problems import problem_counts, write_problems


class Command(OperatorCommand):
    help = (
        "Import an OLX course export (a folder or a .tar.gz) into Learning Core and publish it; the"
        " publish compiles it. Every problem of the export is listed (severity, file:line, block, what"
        " was done) and stored with the import's report (lc_show). A malformed export, or with"
        " --strict one with any error or warning, changes nothing and exits 1, naming file and line."
    )
    examples = """
lc_import_olx path/to/course-export                       # a folder holding course.xml
lc_import_olx course.tar.gz --course-key course-v1:Org+Num+Run
lc_import_olx course.tar.gz --json | jq .publish_log_id
lc_import_olx course.tar.gz --strict                      # refuse it if any error or warning
"""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="export folder (holding course.xml) or .tar.gz of one")
        parser.add_argument("--course-key", help="course key to import as (default: the export's own)")
        parser.add_argument("--user-id", type=int, help="user recorded as author and publisher")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="refuse the export (changing nothing) if it has any problem of severity error or warning",
        )
        parser.add_argument(
            "--json", action="store_true", help="print what was imported, its problems included, as JSON"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = import_olx(
                options["path"],
                options["course_key"],
                user_id=options["user_id"],
                progress=on_terminal(),
                strict=options["strict"],
            )
        except OlxImportError as exc:
            raise CommandError(f"Import failed, nothing was changed. {exc}") from exc
        if options["json"]:
            self.write_json({**asdict(result), "course_key": str(result.course_key), "blocks": result.blocks})
        else:
            write_problems(self.stdout.write, self.style, result.problems)
        published = (
            f"published as PublishLog {result.publish_log_id}"
            if result.publish_log_id
            else "nothing changed, nothing published"
        )
        self.summary(
            f"{result.course_key}: {result.blocks} blocks ({result.created} new,"
            f" {result.changed} changed, {result.unchanged} unchanged,"
            f" {result.deleted} deleted); {_files(result.files)}; {published};"
            f" {problem_counts(result.problems)}",
            as_json=options["json"],
        )


def _files(files: FileCounts) -> str:
    """The course files (static/) in the summary: what changed, and how many bytes were stored."""
    total = files.created + files.changed + files.unchanged
    return (
        f"{total} files ({files.created} new, {files.changed} changed, {files.unchanged} unchanged,"
        f" {files.deleted} deleted; {files.bytes_written:,} bytes stored)"
    )
