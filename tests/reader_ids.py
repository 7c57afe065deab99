"""
Block ids as Open edX's own OLX reader makes them, for the tests that expect generated ids (hashed
names, error blocks, renamed duplicates): ``tests/data/reader_ids/reader_ids.json``, written from
``XMLModuleStore`` by ``tests/platform/test_reader_ids.py`` (which checks, in the platform mode,
that the file is still what the reader gives). Never computed with this project's code, so a change
of its naming rule cannot pass by changing both sides.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from .conftest import SHARED

READER_IDS_FILE = Path(__file__).parent / "data" / "reader_ids" / "reader_ids.json"
PLATFORM_TEST_COURSES = SHARED / "olx" / "platform-test-courses"
# The importer test courses whose generated ids the tests use, and the snippets of test_naming.py.
EXPORTS = ("simple", "conditional", "split_test_module", "xml_dag")
SNIPPETS = (
    "video_non_ascii",
    "video_whitespace_tail",
    "html_empty_url_name",
    "unnamed_vertical",
    "second_vertical_abc",
    "second_sequential_s1",
    "second_problem_abc",
)
_GENERATED = re.compile(r"_[0-9a-f]{12}$")


def platform_course(name: str) -> Path:
    path = PLATFORM_TEST_COURSES / name
    if not (path / "course.xml").is_file():
        pytest.skip(f"{path} is not present (../shared/olx comes with CI, not with a bare clone)")
    return path


@cache
def _recorded() -> dict[str, Any]:
    return json.loads(READER_IDS_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def snippet_id(name: str) -> str:
    """The id (``block_id``) the reader gives the snippet ``name`` (see ``SNIPPETS``)."""
    return str(_recorded()["snippets"][name].split("/", 1)[1])


def reader_tree(course: str) -> dict[str, list[str]]:
    """The reader's blocks of an importer test course, ``type/id`` → children (the root: ``course/<run>``)."""
    platform_course(course)
    return dict(_recorded()["exports"][course])


def children(course: str, key: str) -> list[str]:
    """The reader's children of ``key`` (``type/id``; ``course/course`` is the root, as Split keys it)."""
    tree = reader_tree(course)
    if key == "course/course":
        key = next(k for k in tree if k.startswith("course/"))
    return list(tree[key])


def generated(course: str) -> set[str]:
    """The blocks whose ids the reader generated: a hash of their XML (``tag_…<12 hex>``) or error blocks."""
    return {
        key
        for key in reader_tree(course)
        if key.startswith("error/") or _GENERATED.search(key.split("/", 1)[1])
    }


def only(keys: set[str] | list[str], block_type: str) -> str:
    """The one key of ``block_type`` among ``keys`` (a test's way to name a generated id it expects)."""
    found = [key for key in keys if key.split("/", 1)[0] == block_type]
    assert len(found) == 1, (block_type, sorted(keys))
    return found[0]
