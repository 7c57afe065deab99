"""
Every course of ``../shared/olx`` imported (publish and compile included) writes into Learning
Core exactly what the snapshot taken before the import was made fast (issue 21) says: entities,
versions, media, container lists, field data, block mapping, course files and publish records
(``tests/import_snapshot.py``). Skipped, saying why, where ``../shared`` is absent.

After an intended change, regenerate and review the diff::

    LC_SNAPSHOT_WRITE=1 .venv/bin/pytest -q tests/test_import_snapshot.py
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

import pytest

from lc_modulestore.models import CourseBinding

from .import_snapshot import snapshot_lines
from .test_corpus import COURSES, needs_corpus

pytestmark = pytest.mark.django_db

SNAPSHOTS = Path(__file__).parent / "data" / "import_snapshot"
WRITE = os.environ.get("LC_SNAPSHOT_WRITE") == "1"


def _differences(expected: list[str], got: list[str], limit: int = 80) -> str:
    diff = list(difflib.unified_diff(expected, got, "snapshot", "this import", lineterm="", n=0))
    shown = "\n".join(diff[:limit])
    more = f"\n... {len(diff) - limit} more diff lines" if len(diff) > limit else ""
    return shown + more


@needs_corpus
@pytest.mark.parametrize("path", COURSES, ids=[p.name for p in COURSES])
def test_import_writes_what_the_snapshot_says(path: Path, run_import: Any) -> None:
    result = run_import(path)
    got = snapshot_lines(CourseBinding.objects.get(course_key=result.course_key))
    stored = SNAPSHOTS / f"{path.name}.txt"
    if WRITE:
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text("\n".join(got) + "\n", encoding="utf-8")
        return
    assert stored.is_file(), f"{stored} is missing: regenerate with LC_SNAPSHOT_WRITE=1"
    expected = stored.read_text(encoding="utf-8").splitlines()
    assert got == expected, f"{path.name} differs from {stored.name}:\n{_differences(expected, got)}"


@needs_corpus
def test_reimporting_an_unchanged_course_writes_nothing(run_import: Any) -> None:
    path = next(p for p in COURSES if p.name == "cpsx-demo-course")
    result = run_import(path)
    binding = CourseBinding.objects.get(course_key=result.course_key)
    before = snapshot_lines(binding)
    again = run_import(path)
    assert (again.created, again.changed, again.deleted, again.publish_log_id) == (0, 0, 0, None)
    assert snapshot_lines(binding) == before
