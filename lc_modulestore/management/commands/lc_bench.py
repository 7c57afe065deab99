"""
``manage.py lc_bench [--blocks N ...] [--course PATH] [--files N] [--only files] [--runs N] [--json FILE]``:
how fast courses import, compile, load and serve, and their files are found and linked, on the
configured database. Use a scratch database (``--settings settings.bench``, as ``make bench`` does):
the bench imports courses and leaves them.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from django.core.management.base import CommandParser
from django.db import connection

from lc_modulestore.bench import platform as edx_platform
from lc_modulestore.bench.generator import generate_course
from lc_modulestore.management.base import OperatorCommand

if TYPE_CHECKING:
    from lc_modulestore.bench.course_files import FilesFigures
    from lc_modulestore.bench.measure import CourseFigures

# (name, unit) in the order of the printed table.
COLUMNS = [
    ("import_s", "s"), ("reimport_unchanged_s", "s"), ("reimport_one_change_s", "s"), ("import_floor_s", "s"),
    ("compile_cold_s", "s"), ("compile_full_s", "s"), ("compile_incremental_s", "s"),
    ("learning_core_publish_s", "s"), ("compile_draft_full_s", "s"), ("compile_draft_incremental_s", "s"),
    ("compile_draft_after_publish_s", "s"),
    ("load_cold_ms", "ms"), ("load_warm_ms", "ms"), ("decode_floor_ms", "ms"), ("prototype_load_ms", "ms"),
    ("get_course_full_ms", "ms"), ("split_get_course_full_ms", "ms"), ("xblock_floor_ms", "ms"),
    ("get_item_warm_ms", "ms"), ("get_items_category_ms", "ms"),
]  # fmt: skip
VALUES = [
    "import_queries_per_block", "import_over_floor", "reimport_unchanged_queries",
    "reimport_one_change_queries",
    "structure_bytes", "bytes_per_block", "definition_rows", "peak_rss_mb",
    "draft_structure_bytes", "draft_extra_storage_pct", "draft_serving_mb", "draft_compiling_mb",
]  # fmt: skip


class Command(OperatorCommand):
    help = (
        "Benchmark import, compile and read speed on synthetic courses (and optionally a real one),"
        " on a scratch database: it imports courses and leaves them."
    )
    examples = """
lc_bench --settings settings.bench --blocks 1000 10000 --json var/bench.json
lc_bench --settings settings.bench --blocks 200 --runs 1 --course path/to/export.tar.gz
lc_bench --settings settings.bench --only files --files 200 --json var/bench-files.json
"""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--blocks", type=int, nargs="*", default=[1000, 5000, 10000, 20000])
        parser.add_argument("--course", type=Path, help="also bench this OLX export (folder or .tar.gz)")
        parser.add_argument("--runs", type=int, default=5, help="runs per figure (the median is reported)")
        parser.add_argument("--json", type=Path, help="write every figure (median, min, max, runs) here")
        parser.add_argument(
            "--files", type=int, default=200,
            help="course files of the course-files figures (edx-platform's code needed; 0: none)",
        )  # fmt: skip
        parser.add_argument(
            "--only",
            choices=["files", "import"],
            help="only the course-files figures (no --blocks, no --course), or only the import figures",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._platform()
        from lc_modulestore.bench.measure import bench_course, ratios  # after the platform, if any

        results: list[CourseFigures] = []
        files: FilesFigures | None = None
        files_note = "not measured (--files 0)"
        stamp = time.strftime("%H%M%S")
        only_files = options["only"] == "files"
        only_import = options["only"] == "import"
        with tempfile.TemporaryDirectory(prefix="lc-bench-") as tmp:
            for size in [] if only_files else options["blocks"]:
                course = generate_course(Path(tmp) / f"n{size}", size, run=f"N{size}_{stamp}")
                self.stderr.write(f"benching {course.course_key} ({size} blocks) ...")
                results.append(
                    bench_course(
                        course.path, course.course_key, f"synthetic-{size}", options["runs"], only_import
                    )
                )
            if options["course"] and not only_files:
                key = f"course-v1:LCBench+Real+R{stamp}"
                self.stderr.write(f"benching {options['course']} as {key} ...")
                results.append(
                    bench_course(options["course"], key, options["course"].name, options["runs"], only_import)
                )
            if options["files"] > 0 and not only_import:
                files, files_note = self._files(Path(tmp), options["files"], options["runs"], stamp)
        summary = {"per_course": {}} if only_import else ratios(results)
        if results:
            self._table(results, summary)
        self._files_table(files, files_note)
        if options["json"]:
            document = {
                "machine": _machine(),
                "database": connection.vendor,
                "courses": [r.as_json() for r in results],
                "ratios": summary,
                "course_files": files.as_json() if files is not None else {"skipped": files_note},
            }
            options["json"].write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
            self.stderr.write(f"wrote {options['json']}")
        shown = "import_s" if only_import else "load_cold_ms"
        figures = [f"{r.label} {shown} {r.figures[shown].median:.3f}" for r in results]
        if files is not None:
            figures.append(f"{files.label} rewrite {files.values['asset_rewrite_over_dict']}x dict")
        self.summary(f"benched {len(results)} course(s) on {connection.vendor}: " + ", ".join(figures))

    def _files(self, tmp: Path, count: int, runs: int, stamp: str) -> tuple[FilesFigures | None, str]:
        """The course-files figures, or None and why not (they run edx-platform's own code)."""
        from lc_modulestore.bench.course_files import bench_course_files, skip_reason

        if reason := skip_reason():
            self.stderr.write(reason)
            return None, reason
        self.stderr.write(f"benching course files ({count} files) ...")
        return bench_course_files(tmp, count, runs, stamp), ""

    def _platform(self) -> None:
        """Real Split to measure against, when ../shared/platform is there (and can still be loaded)."""
        try:
            if edx_platform.install():
                self.stderr.write(f"real Split and mixins from {edx_platform.PLATFORM_DIR}")
                return
            self.stderr.write(f"{edx_platform.PLATFORM_DIR} is absent: no split_get_course_full_ms, no R5")
        except (RuntimeError, ImportError) as exc:
            self.stderr.write(
                f"edx-platform's read path not loaded ({exc}): no split_get_course_full_ms, no R5"
            )

    def _table(self, results: list[CourseFigures], summary: dict[str, Any]) -> None:
        labels = [r.label for r in results]
        width = max(len(label) for label in labels) + 2
        self.stdout.write(f"database: {connection.vendor}   machine: {_machine()}")
        self.stdout.write(f"{'figure (median)':<24}" + "".join(f"{label:>{width}}" for label in labels))
        self.stdout.write(f"{'blocks':<24}" + "".join(f"{r.blocks:>{width}}" for r in results))
        for name, _unit in COLUMNS:
            cells = (
                f"{r.figures[name].median:>{width}.3f}" if name in r.figures else f"{'n/a':>{width}}"
                for r in results
            )
            self.stdout.write(f"{name:<24}" + "".join(cells))
        for name in VALUES:
            self.stdout.write(
                f"{name:<24}" + "".join(f"{r.values.get(name, 'n/a'):>{width}}" for r in results)
            )
        for result in results:
            if "walk_setup" in result.values:
                self.stdout.write(f"{result.label}: walks {result.values['walk_setup']}")
        for label, figures in summary["per_course"].items():
            self.stdout.write(f"{label}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
        for name, value in summary.items():
            if name != "per_course":
                self.stdout.write(f"{name}: {value}")

    def _files_table(self, files: FilesFigures | None, note: str) -> None:
        from lc_modulestore.bench.course_files import COLUMNS as FILE_COLUMNS
        from lc_modulestore.bench.course_files import FIND_WARM_GOAL_MS, REWRITE_GOAL

        if files is None:
            self.stdout.write(f"course files: {note}")
            return
        v = files.values
        self.stdout.write(
            f"course files ({files.label}: {files.files} files, {v['large_files']} of them 2 MB,"
            f" {v['html_bodies']} html bodies, {v['links']} /static/ links)"
        )
        for name, _unit in FILE_COLUMNS:
            f = files.figures[name]
            spread = f"(min {f.min:.4f}, max {f.max:.4f}, {f.runs} runs)"
            self.stdout.write(f"{name:<24}{f.median:>12.4f}   {spread}")
        self.stdout.write(
            f"asset_find_cold_queries {v['asset_find_cold_queries']}, import_file_write_ms"
            f" {v['import_file_write_ms']} per file; asset_find_warm goal <= {FIND_WARM_GOAL_MS} ms"
        )
        self.stdout.write(
            f"asset_rewrite_over_dict={v['asset_rewrite_over_dict']} (goal <= {REWRITE_GOAL}),"
            f" asset_rewrite_mongo_over_dict={v['asset_rewrite_mongo_over_dict']}"
        )


def _machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB,"
        f" Python {platform.python_version()}, {platform.system()}"
    )
