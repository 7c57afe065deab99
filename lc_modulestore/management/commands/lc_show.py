"""
``manage.py lc_show COURSE_KEY [--json] [--branch draft]``: print a course as the compiled documents
hold it (its published structure, or with ``--branch draft`` its draft one).
"""

from __future__ import annotations

from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser
from opaque_keys.edx.keys import CourseKey

from lc_modulestore.api import (
    DRAFT_BRANCH,
    PUBLISHED_BRANCH,
    BlockView,
    CourseNotFound,
    CourseView,
    compiled_course,
)

_BRANCHES = {"published": PUBLISHED_BRANCH, "draft": DRAFT_BRANCH}


class Command(BaseCommand):
    help = "Print a compiled course as an outline, or as JSON with --json."

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
        try:
            course = compiled_course(options["course_key"], branch=branch)
        except CourseNotFound as exc:
            raise CommandError(str(exc)) from exc
        if options["source"] == "store":
            from lc_modulestore.serving.inspect import course_through_store

            served = course_through_store(CourseKey.from_string(course.course_key), branch=branch)
            served["publish_log_id"] = course.publish_log_id
            if branch == DRAFT_BRANCH:
                served["draft_change_log_id"] = course.draft_change_log_id
            if options["json"]:
                self.stdout.write(orjson.dumps(served, option=_JSON, default=str).decode())
            else:
                write_outline(self.stdout.write, _view(served))
            return
        if options["json"]:
            self.stdout.write(orjson.dumps(course.as_json(), option=_JSON).decode())
            return
        write_outline(self.stdout.write, course)


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
    """The outline a learner would see, indented by depth, then the detached pages."""
    source = f"PublishLog {course.publish_log_id}"
    if course.branch == DRAFT_BRANCH:
        source = f"{course.branch}: DraftChangeLog {course.draft_change_log_id}, against {source}"
    write(f"{course.course_key}  structure {course.structure_id}  ({source})")

    def visit(key: str, depth: int) -> None:
        block = course.blocks[key]
        write(f"{'  ' * depth}{block.block_type:<16} {block.display_name or ''}  [{block.block_id}]")
        for child in block.children:
            visit(child, depth + 1)

    visit("course/course", 0)
    reachable = _reachable(course)
    detached = [key for key in course.blocks if key not in reachable]
    if detached:
        write("detached: " + ", ".join(detached))


def _reachable(course: CourseView) -> set[str]:
    seen: set[str] = set()
    stack = ["course/course"]
    while stack:
        key = stack.pop()
        seen.add(key)
        stack.extend(course.blocks[key].children)
    return seen
