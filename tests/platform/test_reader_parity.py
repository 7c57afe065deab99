"""
Every course of ``../shared/olx`` read by Open edX's own OLX reader (``XMLModuleStore``, as Studio's
import task runs it: ``load_error_blocks=False``) and served by the store from the same export,
compared block by block (:mod:`.reader_parity`): the class, the children in order, every field set
in ``Scope.settings`` and ``Scope.content`` as ``to_json`` values. Only what Studio's importer
itself changes when it writes into Split is excused (docs/READER_PARITY.md, "Excused").

What still differs is not excused: it is listed here, per course, by block type and field
(:data:`KNOWN_GAPS`), each kind with its reason (:data:`WHY`), so the test fails when a gap closes
(update the table) as much as when anything else starts to differ. README.rst gives each course's
exact/total figure ("Parity with Open edX's reader"), checked here too.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from .loader import skip_reason

if reason := skip_reason():
    pytest.skip(reason, allow_module_level=True)

from . import olx_reader
from .harness import make_lc_store
from .reader_parity import CourseParity, as_served, as_split_stores, compare

COURSES_DIR = olx_reader.PLATFORM_DIR.parent / "olx"
README = Path(__file__).resolve().parents[2] / "README.rst"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore"),  # the platform's own deprecation noise, thousands per course
]


def corpus() -> list[Path]:
    if not COURSES_DIR.is_dir():
        return []
    folders = [p for p in COURSES_DIR.iterdir() if (p / "course.xml").is_file()]
    tests = COURSES_DIR / "platform-test-courses"
    folders += [p for p in tests.iterdir() if (p / "course.xml").is_file()] if tests.is_dir() else []
    return sorted(folders)


COURSES = corpus()

# Why each remaining kind of difference remains: the field (or "children") and the reason.
WHY: dict[str, str] = {
    "xml_attributes": (
        "a block type no installed class reads (cpsx, gradefetcher) is a HiddenBlock to Studio, which keeps "
        "its attributes there; the rule table reads them as the fields of the class a site may install"
    ),
    "edx_video_id": (
        "the reader's VAL import gives a video with transcripts and no id a new one; the store has no VAL"
    ),
    "data": (
        "a block type no installed class reads (cpsx, gradefetcher, and videosequence, which edx-platform "
        "no longer registers) keeps its element as data; a pointed-to file's url_name "
        "(and an inline block's filename=) stay in the reader's data, which the export reader removes from "
        "block.xml (docs/READER_PARITY.md)"
    ),
    "missing": "a block the reader holds that the store does not serve",
}
# Per course: what still differs, "<block type> <scope>.<field>" (or "children", "missing") → blocks.
KNOWN_GAPS: dict[str, dict[str, int]] = {
    "cpsx-demo-course": {
        "cpsx content.data": 3,
        "cpsx settings.xml_attributes": 3,
    },
    "demo-course": {
        "video settings.edx_video_id": 6,
    },
    "dhis2-v2-customization": {
        "gradefetcher content.data": 5,
        "gradefetcher settings.xml_attributes": 5,
        "video settings.edx_video_id": 2,
    },
    "dhis2-v2-data-analysis": {
        "video settings.edx_video_id": 1,
    },
    "dhis2-v2-data-capture-and-validation": {
        "video settings.edx_video_id": 2,
    },
    "openedx-demo-test-course": {
        "video settings.edx_video_id": 3,
    },
    "simple": {
        "problem content.data": 1,
        "video settings.edx_video_id": 4,
    },
    "two_toys": {
        "video settings.edx_video_id": 1,
        "videosequence content.data": 1,
    },
    "word_cloud": {
        "word_cloud content.data": 1,
    },
}


def difference_kinds(parity: CourseParity) -> Counter[str]:
    return Counter(f"{d.block_type} {d.kind}" for d in parity.differences)


def readme_parity_table() -> dict[str, tuple[int, int]]:
    """README.rst's table: course folder → (exact blocks, blocks)."""
    text = README.read_text(encoding="utf-8")
    section = text.split("Parity with Open edX's reader", 1)[-1]
    rows: dict[str, tuple[int, int]] = {}
    for match in re.finditer(r"^``([\w.-]+)``\s+(\d+)\s+(\d+)\s*$", section, re.MULTILINE):
        rows.setdefault(match.group(1), (int(match.group(2)), int(match.group(3))))
    return rows


def measure(path: Path, run_import: Any, fs_root: Path) -> CourseParity:
    result = run_import(path)
    with olx_reader.platform_classes():
        course, blocks = olx_reader.read_course(path, load_error_blocks=False)
        reader = as_split_stores(course, blocks, result.course_key)
        store = make_lc_store(fs_root, mixins=olx_reader.mixins())
        with store.flag.forced_on():
            served = as_served(store, result.course_key, iter(reader))
    return compare(reader, served)


@pytest.mark.skipif(not COURSES, reason=f"{COURSES_DIR} is absent: the real course corpus is not here")
@pytest.mark.parametrize("path", COURSES, ids=[p.name for p in COURSES])
def test_every_block_is_what_open_edx_reads(path: Path, run_import: Any, fs_root: Path) -> None:
    parity = measure(path, run_import, fs_root)
    found = difference_kinds(parity)
    known = Counter(KNOWN_GAPS.get(path.name, {}))
    for kind in found:
        field_name = kind.split(" ", 1)[1].rsplit(".", 1)[-1]
        assert field_name in WHY, kind
    details = "\n".join(
        str(d)
        for d in parity.differences
        if found[f"{d.block_type} {d.kind}"] != known[f"{d.block_type} {d.kind}"]
    )
    assert found == known, f"{path.name}: differences changed (new, or a gap closed):\n{details}"
    assert readme_parity_table().get(path.name) == (parity.exact, parity.total), (
        f"README.rst's parity table: {path.name} {parity.exact} {parity.total}"
    )
