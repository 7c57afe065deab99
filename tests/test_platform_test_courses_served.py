"""
The facts Open edX's own tests assert about its importer test courses, as the LMS reads them
(``../shared/olx/platform-test-courses/README.md``, numbered as there), checked on what the store
serves after an import here. The derived ids (hashed names, error blocks) and the children
lists holding them are those Open edX's own reader gives the same exports (``tests/reader_ids.py``).
Skipped, saying why, where ``../shared`` is absent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from opaque_keys.edx.keys import CourseKey
from xblock.fields import Scope

from lc_modulestore.serving.modulestore import LearningCoreModuleStore

from .conftest import SHARED
from .reader_ids import children, generated, only

pytestmark = pytest.mark.django_db

COURSES = SHARED / "olx" / "platform-test-courses"


@pytest.fixture(autouse=True)
def error_blocks(settings: Any) -> None:
    """
    The platform's tests read with XMLModuleStore's default mode (load_error_blocks=True): its facts
    about error blocks are that mode's (Studio's own leaving out: tests/test_broken_children.py).
    """
    settings.LC_MODULESTORE_IMPORT_ERROR_BLOCKS = True


def course_path(name: str) -> Path:
    path = COURSES / name
    if not (path / "course.xml").is_file():
        pytest.skip(f"{path} is absent: Open edX's importer test courses are not here")
    return path


class Served:
    """One imported course, read through the store with its flag on."""

    def __init__(self, result: Any) -> None:
        self.result = result
        self.key = CourseKey.from_string(str(result.course_key))
        self.store = LearningCoreModuleStore()

    def item(self, block_type: str, block_id: str) -> Any:
        with self.store.flag.forced_on():
            return self.store.get_item(self.key.make_usage_key(block_type, block_id))

    def children(self, block_type: str, block_id: str) -> list[str]:
        return [f"{c.block_type}/{c.block_id}" for c in self.item(block_type, block_id).children]

    def parent(self, block_type: str, block_id: str) -> str | None:
        with self.store.flag.forced_on():
            parent = self.store.get_parent_location(self.key.make_usage_key(block_type, block_id))
        return None if parent is None else f"{parent.block_type}/{parent.block_id}"

    def problems(self, severity: str) -> list[Any]:
        return [p for p in self.result.problems if p.severity == severity]


@pytest.fixture
def served(run_import: Any) -> Any:
    return lambda name: Served(run_import(course_path(name)))


def test_two_toys_policy_names_and_grading(served: Any) -> None:
    course = served("two_toys")
    assert str(course.key) == "course-v1:edX+toy+TT_2012_Fall"  # 20: the run is the url_name
    assert course.item("chapter", "Overview").display_name == "Two Toy Overview"  # 21: from policy only
    assert course.item("course", "course").grading_policy["GRADE_CUTOFFS"]["C"] == 0.5999  # 22
    assert course.item("video", "Welcome").youtube_id_1_0 == "p2Q6BrNhdh9"  # 23
    # The legacy sequence keeps its tag; the policy entries for blocks the course lacks are noted.
    assert course.children("chapter", "Overview") == ["videosequence/Toy_Videos", "video/Welcome"]
    noted = " ".join(p.key + p.message for p in course.problems("note"))
    assert "sequential/Toy_Videos" in noted and "html/toylab" in noted


def test_simple_inline_course_names_blocks_as_the_platform(served: Any) -> None:
    course = served("simple")
    assert str(course.key) == "course-v1:edX+simple+2012_Fall"  # 24
    chapters = course.children("course", "course")
    assert chapters == ["chapter/Overview", "chapter/chapter_2"]
    # A video straight in the chapter, sequentials named by display_name, a nameless video hashed.
    assert course.children("chapter", "Overview") == [
        "video/Welcome",
        "sequential/A_simple_sequence",
        "sequential/Lecture_2",
    ]
    assert course.children("sequential", "A_simple_sequence") == ["html/toylab", "video/S0V1_Video_Resources"]
    lecture_2 = course.children("sequential", "Lecture_2")
    # The nameless video, hashed; problem/L1_Problem_1 points (filename=) to a file the export
    # lacks: an error block, reported. Both ids as Open edX's reader makes them.
    assert lecture_2 == children("simple", "sequential/Lecture_2")
    assert set(lecture_2) <= generated("simple")
    assert any("L1_Problem_1" in p.message for p in course.problems("error"))
    assert course.children("sequential", "Problem_Set_1") == ["problem/ps01-simple"]
    assert "video/Lost_Video" in course.children("chapter", "chapter_2")
    assert course.item("html", "toylab").display_name == "toylab"


def test_xml_dag_shares_one_block_between_two_verticals(served: Any) -> None:
    course = served("xml_dag")
    # The html body file is absent from this copy: the shared html is one error block (E2),
    # listed by both verticals (31), its one reported parent the least key (30).
    shared = only(generated("xml_dag"), "error")
    assert shared in course.children("vertical", "vertical_test")
    assert shared in course.children("vertical", "zeta")
    assert course.parent("error", shared.split("/")[1]) == "vertical/vertical_test"
    # 29: the discussion defined twice is imported, with the platform's warning.
    assert "discussion/duplicate_def" in course.children("vertical", "zeta")
    warned = [p for p in course.result.problems if "more than one definition" in p.message]
    assert [p.key for p in warned] == ["discussion/duplicate_def"]


def test_word_cloud_named_by_name(served: Any) -> None:
    course = served("word_cloud")
    chapters = course.children("course", "course")
    assert len(course.children(*chapters[0].split("/"))) == 1  # 37: one section
    assert course.children("vertical", "test_vertical") == ["word_cloud/cloud1"]
    cloud = course.item("word_cloud", "cloud1")
    assert (cloud.num_inputs, cloud.num_top_words) == (5, 250)
    assert not cloud.has_children or cloud.children == []


def test_conditional_course_from_slug_and_names(served: Any) -> None:
    course = served("conditional")
    assert str(course.key) == "course-v1:edX+cond_test+2012_Fall"
    assert course.children("course", "course") == ["chapter/Problems_with_Condition"]
    first, second = course.children("chapter", "Problems_with_Condition")
    # The reader's (less the error block it makes of a comment the platform cannot parse, E6).
    reader = [k for k in children("conditional", "chapter/Problems_with_Condition") if "error/" not in k]
    assert [first, second] == reader
    choice, conditional = course.children(*second.split("/"))
    assert [choice, conditional] == children("conditional", second)  # the problem file absent: an error block
    assert choice.startswith("error/") and conditional == "conditional/condone"
    # 40: a reference to another course's block is kept as written, not rewritten into this
    # course (``sources=`` stays in xml_attributes, where ConditionalBlock reads it).
    sources = course.item("conditional", "condone").xml_attributes["sources"]
    assert "i4x://edX/different_course/html/for_testing_import_rewrites" in sources


def test_split_test_module_gets_the_platform_hashed_ids(served: Any) -> None:
    course = served("split_test_module")
    # From the root down to the split_test's groups, every list as Open edX's reader has it.
    parents = ["course/course"]
    compared = 0
    while parents:
        parent = parents.pop()
        expected = children("split_test_module", parent)
        if expected:  # a parent in the reader's tree (a leaf has no children list to compare)
            assert course.children(*parent.split("/")) == expected, parent
        parents.extend(expected)
        compared += len(expected)
    assert compared == 10  # every block but the root
    assert len(generated("split_test_module")) == 7  # 7 of them named by a hash


def test_due_date_inherits(served: Any) -> None:
    course = served("due_date")
    problem = course.item("problem", "d392c80f5c044e45a4a5f2d62f94efc5")
    assert "due" not in problem.get_explicitly_set_fields_by_scope(Scope.settings)
    subsection = course.item("sequential", "c804fa32227142a1bd9d5bc183d4a20d")
    assert problem.due == subsection.due == datetime(2013, 9, 18, 11, 30, tzinfo=UTC)
