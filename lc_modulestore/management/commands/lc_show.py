"""
``manage.py lc_show COURSE_KEY [--json] [--branch draft]``: print a course as the compiled documents
hold it (its published structure, or with ``--branch draft`` its draft one), its published files
(what the LMS's contentstore serves: name, size, content type, locked, md5), and its last import's
report (every problem the export had, or why the import was refused).
"""

from __future__ import annotations

from typing import Any

import orjson
from django.core.management.base import CommandError, CommandParser
from opaque_keys.edx.keys import CourseKey

from lc_modulestore.api import (
    DRAFT_BRANCH,
    PUBLISHED_BRANCH,
    BlockView,
    CourseNotFound,
    CourseView,
    ImportReport,
    compiled_course,
    get_binding,
    last_import_report,
)
from lc_modulestore.management.base import OperatorCommand
from lc_modulestore.management.problems import write_problems
from lc_modulestore.operations.course_files import course_file_list, file_json
from lc_modulestore.parsing.records import BlockParser, block_parsers
from lc_modulestore.storage.course_files import FileRecord

_BRANCHES = {"published": PUBLISHED_BRANCH, "draft": DRAFT_BRANCH}


class Command(OperatorCommand):
    help = (
        "Print a compiled course as an outline, or as JSON with --json (every block's fields,"
        " children and definition), then its published files (name, size, content type, locked,"
        " md5) and its last import's report with every problem."
        " Exits 1 for a course that is not compiled (after its last import's report, if any)."
    )
    examples = """
lc_show course-v1:OpenedX+DemoX+DemoCourse                  # the outline
lc_show course-v1:OpenedX+DemoX+DemoCourse --json > compiled.json
lc_show course-v1:OpenedX+DemoX+DemoCourse --json --source store > served.json   # what the LMS gets
lc_show course-v1:OpenedX+DemoX+DemoCourse --json | jq .last_import.problems
lc_show course-v1:OpenedX+DemoX+DemoCourse --json | jq '.files[] | select(.locked) | .name'
"""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course_key")
        parser.add_argument(
            "--json", action="store_true", help="every block's fields, children and definition"
        )
        parser.add_argument(
            "--source",
            choices=["compiled", "store"],
            default="compiled",
            help="read the compiled documents directly (default), or walk the course through"
            " LearningCoreModuleStore as the LMS would, with its flag forced on for this call",
        )
        parser.add_argument(
            "--branch",
            choices=sorted(_BRANCHES),
            default="published",
            help="the published structure (default), or the draft one (what the LMS preview shows)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        branch = _BRANCHES[options["branch"]]
        as_json = options["json"]
        report = last_import_report(options["course_key"])
        try:
            course = compiled_course(options["course_key"], branch=branch)
        except CourseNotFound as exc:
            if report is not None and as_json:
                self.stdout.write(orjson.dumps({"last_import": report.as_json()}, option=_JSON).decode())
            elif report is not None:
                self._report(report)
            raise CommandError(str(exc)) from exc
        if options["source"] == "store":
            from lc_modulestore.serving.inspect import course_through_store

            served = course_through_store(CourseKey.from_string(course.course_key), branch=branch)
            served["publish_log_id"] = course.publish_log_id
            if branch == DRAFT_BRANCH:
                served["draft_change_log_id"] = course.draft_change_log_id
            shown, source = _view(served), "through LearningCoreModuleStore"
            document = served
        else:
            shown, source = course, "compiled"
            document = course.as_json()
        files = course_file_list(course.course_key)  # published: the same on either branch
        parsers = block_parsers(get_binding(course.course_key))
        if as_json:
            document = {
                **document,
                "files": [file_json(record) for record in files],
                "parsers": [parser.as_json() for parser in parsers],
                "last_import": report.as_json() if report is not None else None,
            }
            self.stdout.write(orjson.dumps(document, option=_JSON, default=str).decode())
        else:
            write_outline(self.stdout.write, shown)
            write_files(self.stdout.write, files)
            write_parsers(self.stdout.write, parsers)
            if report is not None:
                self._report(report)
        self._summary(shown, source, as_json, files)

    def _report(self, report: ImportReport) -> None:
        write = self.stdout.write
        strict = ", --strict" if report.strict else ""
        who = f" by user {report.user_id}" if report.user_id is not None else ""
        write(f"last import: {report.finished:%Y-%m-%d %H:%M:%S} from {report.source}{who}{strict}")
        write(f"  {report.outcome}: {report.counts_text()}")
        if report.message:
            write(self.style.ERROR(f"  {report.message.splitlines()[0]}"))
        write_problems(lambda line: write(f"  {line}"), self.style, report.problems)

    def _summary(self, course: CourseView, source: str, as_json: bool, files: list[FileRecord]) -> None:
        self.summary(
            f"{course.course_key}: {len(course.blocks)} blocks {source}, structure {course.structure_id},"
            f" PublishLog {course.publish_log_id}; {len(files)} file(s),"
            f" {sum(record.length for record in files)} bytes",
            as_json=as_json,
        )


_JSON = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS


def _view(served: dict[str, Any]) -> CourseView:
    blocks = {
        key: BlockView(
            key.split("/", 1)[0],
            key.split("/", 1)[1],
            block["fields"],
            block["children"],
            block["definition"],
        )
        for key, block in served["blocks"].items()
    }
    view = CourseView(served["course_key"], served["structure_id"], served["publish_log_id"], blocks)
    if "draft_change_log_id" in served:
        view.branch, view.draft_change_log_id = DRAFT_BRANCH, served["draft_change_log_id"]
    return view


def write_outline(write: Any, course: CourseView) -> None:
    for line in course.outline():
        write(line)


def write_parsers(write: Any, parsers: list[BlockParser]) -> None:
    """
    Who read each third-party XBlock's fields: its own class (distribution and version) or the
    rule table, and whether a full compile would read it again (a class installed or upgraded since).
    """
    if not parsers:
        return
    write(f"XBlocks not built in: {len(parsers)} (who read their fields)")
    for parser in parsers:
        stale = f"  STALE, now: {parser.now} (lc_compile --stale-parsers)" if parser.stale else ""
        write(f"  {parser.block_type}/{parser.block_id}: {parser.parser or 'not compiled yet'}{stale}")
        if parser.parser.startswith("rules/") and not parser.stale:
            write(f"    {parser.now}")


def write_files(write: Any, files: list[FileRecord]) -> None:
    """One line per published file: name, size, content type, locked or not, md5 ("-": none known)."""
    total = sum(record.length for record in files)
    write(f"files: {len(files)} published, {total} bytes")
    width = max((len(record.name) for record in files), default=0)
    for record in files:
        write(
            f"  {record.name:<{width}}  {record.length:>10} bytes  {record.content_type or '-'}"
            f"  {'locked' if record.locked else 'unlocked'}  md5 {record.content_digest or '-'}"
        )
