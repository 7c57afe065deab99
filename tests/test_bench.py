"""
A smoke run of ``lc_bench`` on a 200-block course, to keep it working. It asserts that every
figure is there and sane, never how fast anything is: speed is for the benchmark to report.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command

from lc_modulestore.bench import platform
from lc_modulestore.bench.course_files import COLUMNS as FILE_COLUMNS
from lc_modulestore.management.commands.lc_bench import COLUMNS, VALUES

PROJECT = Path(__file__).resolve().parents[1]

# The incremental figure needs real commits (the compile runs in the publish's on_commit).
pytestmark = pytest.mark.django_db(transaction=True)


def test_bench_smoke_run_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    call_command("lc_bench", "--blocks", "200", "--runs", "2", "--json", str(out))
    document = orjson.loads(out.read_bytes())
    [course] = document["courses"]
    assert course["blocks"] >= 200
    for name, _unit in COLUMNS:
        if name == "split_get_course_full_ms" and name not in course:
            continue  # only with edx-platform's read path loaded (make test-platform runs that)
        figure = course[name]
        assert figure["min"] <= figure["median"] <= figure["max"], name
        assert figure["runs"] >= 1 and figure["min"] > 0, name
    for name in VALUES:
        assert course[name] > 0, name
    assert course["definition_rows"] == course["blocks"]
    ratios = document["ratios"]["per_course"]["synthetic-200"]
    assert set(ratios) - {"R5_split_over_ours"} == {
        "R1_incremental_over_full",
        "R2_load_cold_over_floor",
        "R3_prototype_over_load_cold",
        "R6_ours_over_xblock_floor",
        "R7_draft_incremental_over_full",
    }
    assert ("R5_split_over_ours" in ratios) == ("split_get_course_full_ms" in course)
    assert course["draft_only_definition_bytes"] == 0  # drafts equal published: definitions shared
    assert document["database"] in {"sqlite", "mysql"}
    if not platform.installed():  # edx-platform's code is not loaded first in this process
        assert "skipped" in document["course_files"]


def test_bench_course_files_figures(tmp_path: Path) -> None:
    """
    The course-files figures run edx-platform's own code, which must be importable before
    lc_modulestore is (as in an LMS): a process of its own, on a scratch database in ``tmp_path``.
    """
    if not platform.present():
        pytest.skip(f"{platform.PLATFORM_DIR} is absent (../shared/platform comes with CI, not a bare clone)")
    env = {name: value for name, value in os.environ.items() if not name.startswith(("LC_", "DJANGO_"))}
    env["LC_VAR_DIR"] = str(tmp_path)
    out = tmp_path / "bench.json"
    for args in (
        ["migrate", "--verbosity", "0"],
        ["lc_bench", "--only", "files", "--files", "10", "--runs", "2", "--json", str(out)],
    ):
        run = subprocess.run(
            [sys.executable, "manage.py", *args, "--settings", "settings.bench"],
            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert run.returncode == 0, f"{args[0]} failed:\n{run.stdout}\n{run.stderr}"
    document = orjson.loads(out.read_bytes())
    assert document["courses"] == []
    files = document["course_files"]
    assert files["files"] == 11  # and one large file
    for name, _unit in FILE_COLUMNS:
        figure = files[name]
        assert figure["min"] <= figure["median"] <= figure["max"], name
        # A difference of two import times (with and without the files) can come out below zero on a
        # busy machine: only the measured figures must be positive (the direct write time: below).
        assert name == "import_per_file_ms" or figure["min"] > 0, name
    assert files["asset_find_warm_ms"]["runs"] >= 11 * 5
    for name in ("asset_rewrite_over_dict", "asset_rewrite_mongo_over_dict", "import_file_write_ms", "links"):
        assert files[name] > 0, name
    assert files["asset_find_cold_queries"] >= 1
