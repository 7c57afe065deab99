"""
The facts Open edX's own tests assert about its importer test courses (docs/IMPORT_RULES.md
section 9, ../shared/olx/platform-test-courses/README.md) that concern ids, names, policies and
error blocks, checked on what this project's reader makes of the same courses. Generated ids
(hashes, error blocks) are those Open edX's own reader gives (``tests/reader_ids.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compile.fields import realize_fields
from compile.olx_export import OlxBlock, OlxCourse, read_course_export

from .conftest import SHARED
from .reader_ids import children, generated, only

COURSES = SHARED / "olx" / "platform-test-courses"


def course(name: str) -> OlxCourse:
    path = COURSES / name
    if not (path / "course.xml").is_file():
        pytest.skip(f"{path} is not present (../shared/olx comes with CI, not with a bare clone)")
    # The platform's tests read with XMLModuleStore's default mode (load_error_blocks=True): the
    # facts about error blocks are that mode's (Studio's own leaving out: test_broken_children.py).
    return read_course_export(path, error_blocks=True)


def blocks(olx: OlxCourse) -> dict[tuple[str, str], OlxBlock]:
    return {block.key: block for block in olx.blocks()}


def messages(olx: OlxCourse, severity: str) -> list[str]:
    return [p.message for p in olx.problems if p.severity == severity]


def test_two_toys_policies() -> None:
    olx = course("two_toys")
    assert olx.run == "TT_2012_Fall"  # fact 20
    tree = blocks(olx)
    overview = tree[("chapter", "Overview")]
    assert "display_name" not in overview.element.attrib
    assert overview.display_name == "Two Toy Overview"  # fact 21, from the policy only
    assert olx.grading_policy["GRADE_CUTOFFS"]["C"] == 0.5999  # fact 22
    welcome = realize_fields("video", tree[("video", "Welcome")].element)
    assert welcome.settings["youtube_id_1_0"] == "p2Q6BrNhdh9"  # fact 23
    assert ("videosequence", "Toy_Videos") in [c.key for c in overview.children]
    ignored = {p.key for p in olx.problems if p.severity == "note"}
    assert {"sequential/Toy_Videos", "html/toylab"} <= ignored


def test_simple_names() -> None:
    olx = course("simple")
    assert (olx.org, olx.course, olx.run) == ("edX", "simple", "2012_Fall")  # fact 24
    keys = set(blocks(olx))
    expected = {
        ("chapter", "Overview"),
        ("video", "Welcome"),
        ("video", "Lost_Video"),
        ("sequential", "Lecture_2"),
        ("sequential", "A_simple_sequence"),
        ("html", "toylab"),
        tuple(only(generated("simple"), "video").split("/")),
    }
    assert expected <= keys
    assert ("problem", "L1_Problem_1") not in keys  # its file is absent: an error block
    errors = [p for p in olx.problems if p.severity == "error"]
    assert [p.key for p in errors] == ["problem/L1_Problem_1"]
    # The platform's error block for it (its id: a hash of the element), where the problem stood.
    assert errors[0].action == f"became error block {children('simple', 'sequential/Lecture_2')[1]}"


def test_xml_dag_shares_the_html_and_keeps_the_last_definition() -> None:
    olx = course("xml_dag")
    assert "discussion/duplicate_def has more than one definition" in messages(olx, "warning")  # fact 29
    tree = blocks(olx)
    error_key = tuple(only(generated("xml_dag"), "error").split("/"))
    # facts 30-31: the html (an error block here: its body is absent) is under both verticals.
    test_child = next(c for c in tree[("vertical", "vertical_test")].children if c.key == error_key)
    zeta_child = next(c for c in tree[("vertical", "zeta")].children if c.key == error_key)
    assert test_child is zeta_child
    assert messages(olx, "error")[0].startswith("Unable to load file contents at path html/toyhtml.html.html")


def test_word_cloud_named_by_name() -> None:
    olx = course("word_cloud")
    tree = blocks(olx)
    chapters = tree[("course", "course")].children
    assert len(chapters[0].children) == 1  # fact 37
    cloud = tree[("word_cloud", "cloud1")]
    fields = realize_fields("word_cloud", cloud.element)
    assert (fields.settings["num_inputs"], fields.settings["num_top_words"]) == (5, 250)
    assert ("vertical", "test_vertical") in tree
    assert {b.key[0] for b in olx.detached} >= {"about"}  # about/2013_Spring/ (L4)


def test_conditional_ids_and_error_block() -> None:
    olx = course("conditional")
    assert olx.run == "2012_Fall"
    keys = set(blocks(olx))
    hashed = {tuple(key.split("/")) for key in generated("conditional") if key.startswith("sequential/")}
    assert len(hashed) == 2
    assert {("chapter", "Problems_with_Condition"), *hashed} <= keys
    assert [p.key for p in olx.problems if p.severity == "error"] == ["problem/choiceprob"]
    assert any("comment" in m for m in messages(olx, "note"))  # E6


def test_split_test_module_hashed_ids() -> None:
    olx = course("split_test_module")
    keys = set(blocks(olx))
    split_tests = [b for b in olx.blocks() if b.block_type == "split_test"]
    inline = {(c.tag, c.get("url_name")) for b in split_tests for c in b.element.iter()}
    # Every id the reader generates for this course, the outline's and the split_test's inline blocks.
    hashed = {tuple(key.split("/")) for key in generated("split_test_module")}
    assert len(hashed) == 7
    outline = {key for key in hashed if key[0] in ("chapter", "sequential", "vertical")}
    assert outline <= keys and len(outline) == 3
    assert hashed - outline <= inline


def test_every_platform_course_reads(tmp_path: Path) -> None:
    if not COURSES.is_dir():
        pytest.skip(f"{COURSES} is not present")
    for folder in sorted(p for p in COURSES.iterdir() if (p / "course.xml").is_file()):
        assert read_course_export(folder).root.block_id == "course"
