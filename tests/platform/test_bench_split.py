"""
``lc_bench`` with edx-platform's read path loaded: the whole-course walk is also timed through
real Split, and R5 reported (tests/test_bench.py keeps the rest of the command working). A smoke
run on 200 blocks: the figures are there and sane, never how fast anything is.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from django.core.management import call_command

from .loader import skip_reason

if reason := skip_reason():
    pytest.skip(reason, allow_module_level=True)

pytestmark = pytest.mark.django_db(transaction=True)


def test_bench_measures_real_split(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    # Course files at their smallest (tests/test_bench.py checks their figures): here, that they run
    # in the platform test mode too, whose settings install the platform's apps already.
    call_command("lc_bench", "--blocks", "200", "--runs", "2", "--files", "10", "--json", str(out))
    [course] = orjson.loads(out.read_bytes())["courses"]
    assert orjson.loads(out.read_bytes())["course_files"]["asset_rewrite_ms"]["median"] > 0
    assert course["walk_setup"].startswith("as in an LMS")
    for name in ("get_course_full_ms", "split_get_course_full_ms", "xblock_floor_ms"):
        assert 0 < course[name]["min"] <= course[name]["median"] <= course[name]["max"], name
    ratios = orjson.loads(out.read_bytes())["ratios"]["per_course"]["synthetic-200"]
    assert ratios["R5_split_over_ours"] > 0 and ratios["R6_ours_over_xblock_floor"] > 0
