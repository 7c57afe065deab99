"""
``manage.py lc_demo``: the README's demo. Import the bundled sample course into Learning Core,
compile it, print what the LMS would see through ``LearningCoreModuleStore``, and follow one
course file from its ``/static/`` link to the bytes the contentserver would send.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from opaque_keys.edx.keys import CourseKey
from xblock.core import XBlock
from xblock.fields import Scope

from lc_modulestore.api import ImportResult, compile_course, import_olx
from lc_modulestore.management.base import OperatorCommand, on_terminal
from lc_modulestore.operations.asset_urls import contentserver_answer, lms_asset_url
from lc_modulestore.operations.course_files import course_file_list
from lc_modulestore.operations.status import course_status
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore

SAMPLE_COURSE = Path(__file__).resolve().parents[2] / "sample_course"
DEMO_FILE = "/static/notes.txt"  # a link the sample course's pages could hold


def display_name(block: XBlock) -> str:
    """
    The name the LMS shows (``display_name_with_default``): the display name, which is the block
    class's default when none is set, else the block id with underscores as spaces.
    """
    named = getattr(block, "display_name_with_default", None)
    if named:
        return str(named)
    name = block.display_name
    return str(name) if name is not None else str(block.scope_ids.usage_id.block_id).replace("_", " ")


class Command(OperatorCommand):
    help = (
        "Import the bundled sample course, compile it and print it as the LMS reads it, then one of"
        " its files as the LMS links and serves it (run 'migrate' first; make demo does both, on"
        " var/lc_modulestore.sqlite3)."
    )
    examples = """
lc_demo
"""

    def handle(self, *args: Any, **options: Any) -> None:
        result = import_olx(SAMPLE_COURSE, progress=on_terminal())
        published = (
            f"published as PublishLog {result.publish_log_id}"
            if result.publish_log_id
            else "nothing new to publish"
        )
        self.stdout.write(
            f"1. Imported {result.course_key} into Learning Core: {result.blocks} entities, {published}"
        )
        report = compile_course(result.course_key)
        status = course_status(result.course_key)
        if not status.compiled:
            raise CommandError(f"the sample course did not compile: {status.last_failure}")
        if not report.skipped:
            how = f"now ({'incremental' if report.incremental else 'full'})"
        elif result.publish_log_id is not None:
            how = "by the publish signal, right after the import committed"
        else:
            how = "by an earlier run (nothing new was published)"
        seconds = f" in {status.compile_seconds:.3f}s" if status.compile_seconds is not None else ""
        self.stdout.write(
            f"2. Compiled into Split documents {how}{seconds}: PublishLog {status.compiled_publish_log_id}"
            f" -> structure {status.structure_id}, {status.blocks} blocks, {status.structure_bytes} bytes"
            " compressed"
        )
        set_course_override(DEFAULT_FLAG_NAME, result.course_key, True)
        store = LearningCoreModuleStore()
        course = store.get_course(result.course_key, depth=None)
        self.stdout.write(
            "3. Served through LearningCoreModuleStore.get_course(depth=None), the course flag on:\n"
        )
        self._print(course, 0)
        pages = store.get_items(
            result.course_key, qualifiers={"category": {"$in": ["about", "course_info", "static_tab"]}}
        )
        self.stdout.write("\nDetached pages: " + ", ".join(sorted(str(p.location.block_id) for p in pages)))
        problem = store.get_items(result.course_key, qualifiers={"name": "hw1_numeric"})[0]
        self.stdout.write(
            f"Problem hw1_numeric inherits from its subsection: graded={problem.graded}, due={problem.due}"
        )
        self._file(result)
        self.summary(
            f"{result.course_key}: served from Learning Core, structure {status.structure_id}"
            f" (PublishLog {status.compiled_publish_log_id}, {status.blocks} blocks)"
        )

    def _file(self, result: ImportResult) -> None:
        """Step 4: the course files imported, and one followed from its link to its bytes."""
        files = result.files
        published = course_file_list(str(result.course_key))
        self.stdout.write(
            f"\n4. Course files: {len(published)} imported from static/ ({files.created} new,"
            f" {files.changed} changed, {files.unchanged} unchanged, {files.deleted} deleted;"
            f" {files.bytes_written} bytes written), {sum(r.length for r in published)} bytes published"
        )
        record = next((r for r in published if r.name == DEMO_FILE.removeprefix("/static/")), None)
        url = lms_asset_url(CourseKey.from_string(str(result.course_key)), DEMO_FILE, record)
        self.stdout.write(f"   {DEMO_FILE} in a page becomes {url}")
        answer = contentserver_answer(url)
        if answer.status != 200:
            raise CommandError(f"the contentserver would answer {answer.status} for {url}")
        self.stdout.write(f"   The contentserver answers {answer.status}:")
        for name in ("Content-Type", "Content-Length", "Last-Modified"):
            self.stdout.write(f"     {name}: {answer.headers.get(name, '-')}")
        if answer.record is not None and answer.record.locked:
            policy = f"{answer.headers['Cache-Control']} (locked: never from the CDN)"
        else:
            policy = "none sent (unlocked: cacheable, 'public, max-age=N' once a course asset TTL is set)"
        self.stdout.write(f"     Cache-Control: {policy}")
        self.stdout.write(f"     first bytes: {answer.first_bytes[:44]!r}")

    def _print(self, block: XBlock, depth: int) -> None:
        usage = block.scope_ids.usage_id
        explicit = block.get_explicitly_set_fields_by_scope(Scope.settings)
        dates = "".join(f"  {name}={explicit[name][:10]}" for name in ("start", "due") if explicit.get(name))
        self.stdout.write(f"{'  ' * depth}{usage.block_type:<16} {display_name(block)}{dates}")
        for child in block.get_children() if block.has_children else []:
            self._print(child, depth + 1)
