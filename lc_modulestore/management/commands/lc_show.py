"""``manage.py lc_show COURSE_KEY [--json]``: print a course as the compiled documents hold it."""

from __future__ import annotations

from typing import Any

import orjson
from django.core.management.base import CommandError, CommandParser
from opaque_keys.edx.keys import CourseKey

from lc_modulestore.api import BlockView, CourseNotFound, CourseView, compiled_course
from lc_modulestore.management.base import OperatorCommand


class Command(OperatorCommand):
    help = (
        "Print a compiled course as an outline, or as JSON with --json (every block's fields,"
        " children and definition). Exits 1 for a course that is not compiled."
    )
    examples = """
lc_show course-v1:OpenedX+DemoX+DemoCourse                  # the outline
lc_show course-v1:OpenedX+DemoX+DemoCourse --json > compiled.json
lc_show course-v1:OpenedX+DemoX+DemoCourse --json --source store > served.json   # what the LMS gets
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

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            course = compiled_course(options["course_key"])
        except CourseNotFound as exc:
            raise CommandError(str(exc)) from exc
        if options["source"] == "store":
            from lc_modulestore.serving.inspect import course_through_store

            served = course_through_store(CourseKey.from_string(course.course_key))
            served["publish_log_id"] = course.publish_log_id
            if options["json"]:
                self.stdout.write(orjson.dumps(served, option=_JSON, default=str).decode())
            else:
                write_outline(self.stdout.write, _view(served))
            self._summary(_view(served), "through LearningCoreModuleStore", options["json"])
            return
        if options["json"]:
            self.stdout.write(orjson.dumps(course.as_json(), option=_JSON).decode())
        else:
            write_outline(self.stdout.write, course)
        self._summary(course, "compiled", options["json"])

    def _summary(self, course: CourseView, source: str, as_json: bool) -> None:
        self.summary(
            f"{course.course_key}: {len(course.blocks)} blocks {source}, structure {course.structure_id},"
            f" PublishLog {course.publish_log_id}",
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
    return CourseView(served["course_key"], served["structure_id"], served["publish_log_id"], blocks)


def write_outline(write: Any, course: CourseView) -> None:
    for line in course.outline():
        write(line)
