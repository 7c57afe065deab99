"""
``manage.py lc_demo``: the README's demo. Import the bundled sample course into Learning Core,
compile it, and print what the LMS would see through ``LearningCoreModuleStore``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from xblock.core import XBlock
from xblock.fields import Scope

from lc_modulestore.api import compile_course, import_olx
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore

SAMPLE_COURSE = Path(__file__).resolve().parents[2] / "sample_course"


class Command(BaseCommand):
    help = "Import the bundled sample course, compile it and print it as the LMS reads it."

    def handle(self, *args: Any, **options: Any) -> None:
        result = import_olx(SAMPLE_COURSE)
        published = (
            f"published as PublishLog {result.publish_log_id}"
            if result.publish_log_id
            else "nothing new to publish"
        )
        self.stdout.write(
            f"1. Imported {result.course_key} into Learning Core: {result.blocks} entities, {published}"
        )
        report = compile_course(result.course_key)  # normally already done by the publish signal
        self.stdout.write(
            f"2. Compiled into Split documents: structure {report.structure_id}, {report.blocks} blocks,"
            f" {report.structure_bytes} bytes"
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

    def _print(self, block: XBlock, depth: int) -> None:
        usage = block.scope_ids.usage_id
        explicit = block.get_explicitly_set_fields_by_scope(Scope.settings)
        dates = "".join(f"  {name}={explicit[name][:10]}" for name in ("start", "due") if explicit.get(name))
        self.stdout.write(f"{'  ' * depth}{usage.block_type:<16} {block.display_name or ''}{dates}")
        for child in block.get_children() if block.has_children else []:
            self._print(child, depth + 1)
