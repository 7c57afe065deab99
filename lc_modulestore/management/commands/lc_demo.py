"""
``manage.py lc_demo``: the README's demo. Import the bundled sample course into Learning Core,
compile it, and print what the LMS would see.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from lc_modulestore.api import compile_course, compiled_course, import_olx

from .lc_show import write_outline

SAMPLE_COURSE = Path(__file__).resolve().parents[2] / "sample_course"


class Command(BaseCommand):
    help = "Import the bundled sample course, compile it and print its outline."

    def handle(self, *args: Any, **options: Any) -> None:
        result = import_olx(SAMPLE_COURSE)
        self.stdout.write(
            f"Imported {result.course_key}: {result.blocks} blocks, "
            + (
                f"published as PublishLog {result.publish_log_id}"
                if result.publish_log_id
                else "already up to date"
            )
        )
        report = compile_course(result.course_key)  # normally already done by the publish signal
        self.stdout.write(f"Compiled structure {report.structure_id} ({report.structure_bytes} bytes)\n")
        write_outline(self.stdout.write, compiled_course(result.course_key))
