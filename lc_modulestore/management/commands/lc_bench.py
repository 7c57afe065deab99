"""
``manage.py lc_bench [--blocks N ...] [--course PATH] [--runs N] [--json FILE]``: how fast courses
import, compile, load and serve, on the configured database. Use a scratch database
(``--settings settings.bench``, as ``make bench`` does): the bench imports courses and leaves them.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from lc_modulestore.bench.generator import generate_course
from lc_modulestore.bench.measure import CourseFigures, bench_course, ratios

# (name, unit) in the order of the printed table.
COLUMNS = [
    ("import_s", "s"), ("compile_cold_s", "s"), ("compile_full_s", "s"), ("compile_incremental_s", "s"),
    ("learning_core_publish_s", "s"), ("compile_draft_full_s", "s"), ("compile_draft_incremental_s", "s"),
    ("compile_draft_after_publish_s", "s"),
    ("load_cold_ms", "ms"), ("load_warm_ms", "ms"), ("decode_floor_ms", "ms"), ("prototype_load_ms", "ms"),
    ("get_course_full_ms", "ms"), ("get_item_warm_ms", "ms"), ("get_items_category_ms", "ms"),
]  # fmt: skip
VALUES = [
    "structure_bytes", "bytes_per_block", "definition_rows", "peak_rss_mb",
    "draft_structure_bytes", "draft_extra_storage_pct", "draft_serving_mb", "draft_compiling_mb",
]  # fmt: skip


class Command(BaseCommand):
    help = "Benchmark import, compile and read speed on synthetic courses (and optionally a real one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--blocks", type=int, nargs="*", default=[1000, 5000, 10000, 20000])
        parser.add_argument("--course", type=Path, help="also bench this OLX export (folder or .tar.gz)")
        parser.add_argument("--runs", type=int, default=5, help="runs per figure (the median is reported)")
        parser.add_argument("--json", type=Path, help="write every figure (median, min, max, runs) here")

    def handle(self, *args: Any, **options: Any) -> None:
        results: list[CourseFigures] = []
        stamp = time.strftime("%H%M%S")
        with tempfile.TemporaryDirectory(prefix="lc-bench-") as tmp:
            for size in options["blocks"]:
                course = generate_course(Path(tmp) / f"n{size}", size, run=f"N{size}_{stamp}")
                self.stderr.write(f"benching {course.course_key} ({size} blocks) ...")
                results.append(
                    bench_course(course.path, course.course_key, f"synthetic-{size}", options["runs"])
                )
            if options["course"]:
                key = f"course-v1:LCBench+Real+R{stamp}"
                self.stderr.write(f"benching {options['course']} as {key} ...")
                results.append(bench_course(options["course"], key, options["course"].name, options["runs"]))
        summary = ratios(results)
        self._table(results, summary)
        if options["json"]:
            document = {
                "machine": _machine(),
                "database": connection.vendor,
                "courses": [r.as_json() for r in results],
                "ratios": summary,
            }
            options["json"].write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
            self.stderr.write(f"wrote {options['json']}")

    def _table(self, results: list[CourseFigures], summary: dict[str, Any]) -> None:
        labels = [r.label for r in results]
        width = max(len(label) for label in labels) + 2
        self.stdout.write(f"database: {connection.vendor}   machine: {_machine()}")
        self.stdout.write(f"{'figure (median)':<24}" + "".join(f"{label:>{width}}" for label in labels))
        self.stdout.write(f"{'blocks':<24}" + "".join(f"{r.blocks:>{width}}" for r in results))
        for name, _unit in COLUMNS:
            self.stdout.write(
                f"{name:<24}" + "".join(f"{r.figures[name].median:>{width}.3f}" for r in results)
            )
        for name in VALUES:
            self.stdout.write(f"{name:<24}" + "".join(f"{r.values[name]:>{width}}" for r in results))
        for label, figures in summary["per_course"].items():
            self.stdout.write(f"{label}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
        for name, value in summary.items():
            if name != "per_course":
                self.stdout.write(f"{name}: {value}")


def _machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB,"
        f" Python {platform.python_version()}, {platform.system()}"
    )
