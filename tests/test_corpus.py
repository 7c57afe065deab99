"""
Every course of ``../shared/olx`` imported, compiled and served, and compared with an independent
reading of its files (``tests/corpus_oracle.py``): children and their order, keys where the files
name them, blocks left out where a file is missing, display names after policy, typed settings from
policy, html bodies byte for byte. Skipped, saying why, where ``../shared`` is absent.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from opaque_keys.edx.keys import CourseKey

from compile.vocabulary import DETACHED_TYPES
from lc_modulestore.serving.inspect import course_through_store
from lc_modulestore.serving.modulestore import LearningCoreModuleStore
from lc_modulestore.storage.course_files import course_file_index

from .conftest import SHARED
from .corpus_oracle import Expected, read_expected

pytestmark = pytest.mark.django_db

OLX = SHARED / "olx"
# Typed settings a policy sets that learners' experience depends on: each must be served typed.
TYPED_SETTINGS = ("start", "due", "graded", "format", "visible_to_staff_only", "showanswer", "max_attempts")


def corpus_courses() -> list[Path]:
    """Every export of the corpus that is a course (``demo-content-library`` is a library)."""
    if not OLX.is_dir():
        return []
    folders = [p for p in OLX.iterdir() if (p / "course.xml").is_file()]
    folders += [p for p in (OLX / "platform-test-courses").iterdir() if (p / "course.xml").is_file()]
    return sorted(folders)


COURSES = corpus_courses()
needs_corpus = pytest.mark.skipif(not COURSES, reason=f"{OLX} is absent: the real course corpus is not here")


def readme_corpus_table() -> dict[str, list[int]]:
    """README.rst's corpus table: course folder -> blocks served, files, errors, warnings, notes."""
    text = (Path(__file__).resolve().parents[1] / "README.rst").read_text(encoding="utf-8")
    section = text.split("Every course of the corpus", 1)[1].split("\n\n", 2)[1]
    rows: dict[str, list[int]] = {}
    for line in section.splitlines():
        cells = line.split()
        if len(cells) == 6 and all(cell.isdigit() for cell in cells[1:]):
            rows[cells[0].strip("`")] = [int(cell) for cell in cells[1:]]
    return rows


def served_course(course_key: str) -> dict[str, Any]:
    served: dict[str, Any] = course_through_store(CourseKey.from_string(course_key))["blocks"]
    return served


def compare(
    expected: Expected, key: str, served: dict[str, Any], problems: list[str], seen: set[str]
) -> None:
    """Check the served block ``key`` against what the files say, recursively; collect the differences."""
    got = served[key]
    seen.add(key)
    if not key.startswith("error/"):
        # Settings, or content where the block's class declares it so (poll's).
        display_name = got["fields"].get("display_name", got["definition"].get("display_name"))
        if expected.display_name is not None and display_name != expected.display_name:
            problems.append(f"{key}: display_name {display_name!r} != {expected.display_name!r}")
        if expected.html_body is not None and got["definition"].get("data") != expected.html_body:
            problems.append(f"{key}: the html body is not the file's text ({expected.source})")
    children: list[str] = got["children"]
    # A block the files cannot give is left out of its parent, as Studio's import leaves it; one
    # that may be unreadable (a body the platform may find elsewhere) is either there or left out.
    wanted = [child for child in expected.children if child.block_type != "error"]
    optional = sum(child.may_be_error for child in wanted)
    if not len(wanted) - optional <= len(children) <= len(wanted):
        problems.append(f"{key}: {len(children)} children served, {len(wanted)} in {expected.source}")
        return
    served_children = iter(children)
    child_key = next(served_children, None)
    for child in wanted:
        if child_key is None or not _names(child, child_key):
            if not child.may_be_error:
                problems.append(f"{key}: child {child_key} served where {child.source} has {child.key}")
                return
            continue
        if child_key.startswith("error/"):
            problems.append(f"{child_key}: an error block where {child.source} has {child.key}")
        else:
            compare(child, child_key, served, problems, seen)
        child_key = next(served_children, None)
    if child_key is not None:
        problems.append(f"{key}: {child_key} served where {expected.source} has nothing more")


def _names(child: Expected, child_key: str) -> bool:
    """Whether the served child ``child_key`` is the block the files say comes here."""
    block_type, block_id = child_key.split("/", 1)
    return block_type == child.block_type and (child.block_id is None or block_id == child.block_id)


def typed_setting_differences(course_key: str, policy: dict[str, Any], run: str) -> list[str]:
    """Each policy value of :data:`TYPED_SETTINGS`, typed by the block's own field, as the store serves it."""
    store = LearningCoreModuleStore()
    key = CourseKey.from_string(course_key)
    differences = []
    with store.flag.forced_on():
        for name, values in policy.items():
            if not isinstance(values, dict) or "/" not in name:
                continue
            block_type, block_id = name.split("/", 1)
            usage = key.make_usage_key(
                block_type, "course" if block_type == "course" and block_id == run else block_id
            )
            if not store.has_item(usage):
                continue
            block = store.get_item(usage)
            for field_name in TYPED_SETTINGS:
                if field_name in values and field_name in block.fields:
                    wanted = block.fields[field_name].from_json(values[field_name])
                    if getattr(block, field_name) != wanted:
                        differences.append(
                            f"{name}.{field_name}: {getattr(block, field_name)!r} != {wanted!r}"
                        )
    return differences


@needs_corpus
@pytest.mark.parametrize("path", COURSES, ids=[p.name for p in COURSES])
def test_every_corpus_course_is_served_as_its_files_say(path: Path, run_import: Any) -> None:
    result = run_import(path)
    expected = read_expected(path)
    served = served_course(str(result.course_key))
    problems: list[str] = []
    seen: set[str] = set()
    compare(expected.root, "course/course", served, problems, seen)
    problems += typed_setting_differences(str(result.course_key), expected.policy, expected.run)
    assert problems == []
    # Every block of the outline was compared (error blocks by their place); detached pages aside.
    outline = {k for k in served if k.split("/")[0] not in DETACHED_TYPES}
    assert outline - seen <= {k for k in outline if k.startswith("error/")}
    counts = Counter(p.severity for p in result.problems)
    # The course files imported from static/ are the ones the LMS's contentstore now serves.
    files = course_file_index(str(result.course_key))
    assert result.files.created == len(files) and all(r.content_digest for r in files.values())
    row = [len(served), len(files), counts["error"], counts["warning"], counts["note"]]
    assert readme_corpus_table().get(path.name) == row, f"README.rst's corpus table: {path.name} {row}"
    # Every served error block is in the import's report: the block that failed, and what it became.
    actions = " ".join(p.action for p in result.problems if p.severity == "error")
    assert [k for k in served if k.startswith("error/") and k not in actions] == []


@needs_corpus
def test_the_corpus_is_every_course_the_readme_lists() -> None:
    names = {p.name for p in COURSES}
    assert {"demo-course", "cpsx-demo-course", "carsongee-test-course", "openedx-demo-test-course"} <= names
    assert {
        "two_toys",
        "xml_dag",
        "simple",
        "split_test_module",
        "conditional",
        "word_cloud",
        "due_date",
    } <= names
    assert sum(name.startswith("dhis2-v2-") for name in names) == 4
