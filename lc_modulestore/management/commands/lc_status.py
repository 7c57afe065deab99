"""
``manage.py lc_status [COURSE_KEY ...] [--json]``: where courses stand. Per course: bound or not,
compiled from which PublishLog, served or not and which override decides, its published course
files (count and bytes), the last compile, import and failure. With no key: every bound course,
one line each, and the counts.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from lc_modulestore.management.base import OperatorCommand, on_terminal
from lc_modulestore.operations.status import CourseStatus, Summary, course_status, summarize
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME


class Command(OperatorCommand):
    help = (
        "Say where courses stand: bound to Learning Core, compiled, served (and which flag override"
        " decides), published files and their bytes, last compile, import and failure. Exits 1 when"
        " a named course has a problem."
    )
    examples = """
lc_status                                          # every bound course, one line each
lc_status course-v1:OpenedX+DemoX+DemoCourse       # one course, in full
lc_status course-v1:OpenedX+DemoX+DemoCourse --json | jq .courses[0].served
"""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course_keys", nargs="*", metavar="COURSE_KEY")
        parser.add_argument("--json", action="store_true", help="print the status as JSON")
        parser.add_argument(
            "--flag", default=DEFAULT_FLAG_NAME, help=f"flag name (default {DEFAULT_FLAG_NAME})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keys: list[str] = options["course_keys"]
        as_json: bool = options["json"]
        try:
            if keys:
                found = Summary(
                    [course_status(k, options["flag"]) for k in tqdm(keys, disable=not on_terminal())]
                )
            else:
                found = summarize(options["flag"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if as_json:
            self.write_json(found.as_json())
        elif keys:
            for status in found.courses:
                self._detail(status)
        else:
            for status in found.courses:
                self._line(status)
        counts = found.counts()
        line = (
            f"{len(found.courses)} course(s): {counts['bound']} bound, {counts['compiled']} compiled,"
            f" {counts['served']} served from Learning Core, {counts['behind']} behind,"
            f" {counts['with_problems']} with problems"
        )
        problems = [s for s in found.courses if s.problems or (keys and not s.bound)]
        if keys and problems:
            self.summary(line, as_json=as_json, ok=False)
            raise CommandError(
                f"{len(problems)} course(s) need attention: " + ", ".join(s.course_key for s in problems)
            )
        self.summary(line, as_json=as_json)

    def _line(self, status: CourseStatus) -> None:
        compiled = f"@ {status.compiled_publish_log_id}" if status.compiled else "not compiled"
        served = "served" if status.served else "fallback"
        notes = f"  ! {'; '.join(status.problems)}" if status.problems else ""
        imported = status.last_import
        problems = f"  import: {imported['problem_count']} problem(s)" if imported else ""
        files = f"  {_files(status)}" if status.files is not None else ""
        self.stdout.write(
            f"{status.course_key:<50} {compiled:<14} {served:<8} flag {status.flag}{files}{problems}{notes}"
        )

    def _detail(self, status: CourseStatus) -> None:
        write = self.stdout.write
        write(status.course_key)
        if status.bound:
            self._bound(status)
        else:
            write(f"  bound:     no\n  flag:      {status.flag}\n  served:    no, {status.reason}")
            self._import(status)
        for problem in status.problems:
            write(self.style.WARNING(f"  problem:   {problem}"))

    def _bound(self, status: CourseStatus) -> None:
        write = self.stdout.write
        write(f"  bound:     yes, learning package {status.learning_package}")
        write(f"  published: PublishLog {status.latest_publish_log_id}")
        if status.compiled:
            seconds = f" in {status.compile_seconds:.3f}s" if status.compile_seconds is not None else ""
            when = f"{status.compiled_at:%Y-%m-%d %H:%M:%S}"
            write(
                f"  compiled:  PublishLog {status.compiled_publish_log_id}"
                f" -> structure {status.structure_id}, {status.blocks} blocks,"
                f" {status.structure_bytes} bytes, at {when}{seconds}"
                f"{_currency(status)}"
            )
        else:
            write("  compiled:  no")
        write(f"  files:     {_files(status)} published (lc_show lists them)")
        write(f"  flag:      {status.flag}")
        write(f"  served:    {'yes' if status.served else 'no'}, {status.reason}")
        self._import(status)
        failure = status.last_failure
        if failure:
            fixed = "" if failure["after_live"] else " (fixed since: a later compile succeeded)"
            when, log_id = failure["created"][:19], failure["publish_log_id"]
            write(f"  failure:   {when} PublishLog {log_id}{fixed}: {failure['message']}")

    def _import(self, status: CourseStatus) -> None:
        imp = status.last_import
        if imp:
            when, source, outcome = imp["finished"][:19], imp["source"], imp["outcome"]
            self.stdout.write(
                f"  imported:  {when} from {source}, {outcome}: {imp['summary']} (lc_show lists them)"
            )


def _files(status: CourseStatus) -> str:
    return f"{status.files} file(s), {status.file_bytes or 0} bytes"


def _currency(status: CourseStatus) -> str:
    if not status.current:
        return " (behind)"
    if status.only_files_since:
        return " (current: the publishes since changed course files only)"
    return ""
