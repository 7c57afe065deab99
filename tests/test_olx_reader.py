"""
The reader takes what Open edX's importer takes, the way it takes it (docs/IMPORT_RULES.md):
names, shared blocks, error blocks, lenient policies, legacy layouts, exact bodies, and every
problem reported at once. Small exports written for these tests; no database.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from compile.fields import realize_fields
from compile.lenient_json import DEFAULT_GRADING_POLICY
from compile.olx_export import OlxBlock, OlxCourse, OlxError, read_course_export, serialize_element

from .olx_cases import write_export


def read(tmp_path: Path, files: dict[str, str | bytes], *, error_blocks: bool = False) -> OlxCourse:
    return read_course_export(write_export(tmp_path, files), error_blocks=error_blocks)


def by_key(course: OlxCourse) -> dict[tuple[str, str], OlxBlock]:
    return {block.key: block for block in course.blocks()}


def one_vertical(body: str, extra: dict[str, str | bytes] | None = None) -> dict[str, str | bytes]:
    return {
        "course/2026.xml": '<course><chapter url_name="c1"/></course>',
        "chapter/c1.xml": '<chapter><sequential url_name="s1"/></chapter>',
        "sequential/s1.xml": '<sequential><vertical url_name="v1"/></sequential>',
        "vertical/v1.xml": f"<vertical>{body}</vertical>",
        **(extra or {}),
    }


def test_missing_html_body_becomes_an_error_block_and_the_rest_is_read(tmp_path: Path) -> None:
    """XMLModuleStore's default mode; Studio's import leaves it out (tests/test_broken_children.py)."""
    course = read(
        tmp_path,
        one_vertical(
            '<html url_name="gone"/><html url_name="kept"/>',
            {
                "html/gone.xml": '<html filename="gone"/>',
                "html/kept.xml": '<html filename="kept"/>',
                "html/kept.html": "<p>kept</p>",
            },
        ),
        error_blocks=True,
    )
    children = by_key(course)[("vertical", "v1")].children
    assert [c.block_type for c in children] == ["error", "html"]
    error = children[0]
    fields = realize_fields("error", error.element)
    assert fields.content["contents"] == '<html url_name="gone"/>'
    assert fields.content["error_msg"].startswith(
        "Error loading from xml. Unable to load file contents at path html/gone.html:"
    )
    assert "display_name" not in fields.settings
    [problem] = [p for p in course.problems if p.severity == "error"]
    assert (problem.file, problem.key) == ("html/gone.xml", "html/gone")
    assert problem.action == f"became error block error/{error.block_id}"
    assert len(error.block_id) == 40


def test_invalid_grading_json_is_a_warning_and_the_default_applies(tmp_path: Path) -> None:
    course = read(
        tmp_path,
        one_vertical(
            "",
            {"policies/2026/grading_policy.json": '{"GRADER": [{"type": "HW", "weight" : .02}]}'},
        ),
    )
    assert course.grading_policy == DEFAULT_GRADING_POLICY
    [problem] = course.problems
    assert (problem.severity, problem.file, problem.line) == (
        "warning",
        "policies/2026/grading_policy.json",
        1,
    )
    assert "default grading policy" in problem.action


def test_grading_policy_is_laid_over_the_default(tmp_path: Path) -> None:
    course = read(tmp_path, one_vertical("", {"grading_policy.json": '{"GRADE_CUTOFFS": {"A": 0.9}}'}))
    assert course.grading_policy["GRADE_CUTOFFS"] == {"A": 0.9}
    assert course.grading_policy["GRADER"] == DEFAULT_GRADING_POLICY["GRADER"]


def test_invalid_policy_json_is_a_warning_and_the_legacy_file_is_used(tmp_path: Path) -> None:
    course = read(
        tmp_path,
        one_vertical(
            "",
            {
                "policies/2026/policy.json": '{"chapter/c1": {"display_name": "x",}}',
                "policies/2026.json": '{"chapter/c1": {"display_name": "From 2012"}}',
            },
        ),
    )
    assert by_key(course)[("chapter", "c1")].display_name == "From 2012"
    assert [(p.severity, p.file) for p in course.problems] == [("warning", "policies/2026/policy.json")]


def test_policy_for_an_absent_block_is_a_note(tmp_path: Path) -> None:
    course = read(tmp_path, one_vertical("", {"policies/2026/policy.json": '{\n"html/nope": {"x": 1}\n}'}))
    [problem] = course.problems
    assert (problem.severity, problem.where, problem.key) == (
        "note",
        "policies/2026/policy.json:2",
        "html/nope",
    )


def test_policy_entry_that_is_not_an_object_fails_only_its_block(tmp_path: Path) -> None:
    files = one_vertical("", {"policies/2026/policy.json": '{"vertical/v1": "oops"}'})
    course = read(tmp_path, files)
    assert by_key(course)[("sequential", "s1")].children == []
    [problem] = [p for p in course.problems if p.severity == "error"]
    assert (problem.key, problem.action.split(",")[0]) == ("vertical/v1", "left out of sequential/s1")
    course = read(tmp_path / "again", files, error_blocks=True)
    assert [c.block_type for c in by_key(course)[("sequential", "s1")].children] == ["error"]


def test_legacy_2013_html_filenames_resolve_through_the_fallbacks(tmp_path: Path) -> None:
    course = read(
        tmp_path,
        one_vertical(
            '<html url_name="a" filename="lectures/week1/intro"/><html url_name="c" filename="c.html"/>',
            {
                "lectures/week1/intro.html": "<p>from the course root</p>",
                "html/c.html": "<p>c</p>",
            },
        ),
    )
    blocks = by_key(course)
    assert blocks[("html", "a")].element.text == "<p>from the course root</p>"
    assert blocks[("html", "c")].element.text == "<p>c</p>"
    assert "filename" not in blocks[("html", "a")].element.attrib
    assert course.problems == []


def test_problem_filename_is_read_with_its_fallbacks_and_attributes_laid_over(tmp_path: Path) -> None:
    course = read(
        tmp_path,
        one_vertical(
            '<problem url_name="p1" filename="p1" weight="2"/>',
            {"problems/p1.xml": '<problem weight="1" max_attempts="3"><p>Q</p></problem>'},
        ),
    )
    element = by_key(course)[("problem", "p1")].element
    assert (element.get("weight"), element.get("max_attempts"), element.get("filename")) == ("2", "3", None)
    assert element.find("p").text == "Q"


def test_the_same_sequential_under_two_chapters_is_renamed_and_its_pointer_fails(tmp_path: Path) -> None:
    course = read(
        tmp_path,
        {
            "course/2026.xml": '<course><chapter url_name="c1"/><chapter url_name="c2"/></course>',
            "chapter/c1.xml": '<chapter><sequential url_name="s1"/></chapter>',
            "chapter/c2.xml": '<chapter><sequential url_name="s1"/></chapter>',
            "sequential/s1.xml": "<sequential/>",
        },
    )
    blocks = by_key(course)
    assert [c.key for c in blocks[("chapter", "c1")].children] == [("sequential", "s1")]
    assert blocks[("chapter", "c2")].children == []  # its pointer names a file that does not exist
    renamed = [p for p in course.problems if p.severity == "warning"]
    assert renamed[0].key == "sequential/sequential_s1_838172d128ec"
    failed = next(p for p in course.problems if p.severity == "error")
    assert "sequential/sequential_s1_838172d128ec.xml" in failed.message


def test_one_component_in_two_verticals_is_one_shared_block(tmp_path: Path) -> None:
    course = read(
        tmp_path,
        {
            "course/2026.xml": '<course><chapter url_name="c1"/></course>',
            "chapter/c1.xml": '<chapter><sequential url_name="s1"/></chapter>',
            "sequential/s1.xml": (
                '<sequential><vertical url_name="v1"/><vertical url_name="v2"/></sequential>'
            ),
            "vertical/v1.xml": '<vertical><html url_name="shared"/></vertical>',
            "vertical/v2.xml": '<vertical><problem url_name="p"/><html url_name="shared"/></vertical>',
            "html/shared.xml": "<html>shared</html>",
            "problem/p.xml": "<problem/>",
        },
    )
    blocks = by_key(course)
    first = blocks[("vertical", "v1")].children[0]
    assert first is blocks[("vertical", "v2")].children[1]
    assert [b.key for b in course.blocks()].count(("html", "shared")) == 1
    assert course.problems == []


def test_a_shared_block_keeps_its_last_definition_with_a_warning(tmp_path: Path) -> None:
    course = read(
        tmp_path,
        one_vertical('<discussion slug="d" discussion_id="one"/><discussion slug="d" discussion_id="two"/>'),
    )
    [first, second] = by_key(course)[("vertical", "v1")].children
    assert first is second and first.element.get("discussion_id") == "two"
    [problem] = course.problems
    assert problem.message == "discussion/d has more than one definition"


def test_a_block_that_contains_itself_is_refused_naming_the_blocks(tmp_path: Path) -> None:
    with pytest.raises(OlxError, match=r"wrapper/w contains itself: wrapper/w → wrapper/w"):
        read(
            tmp_path,
            one_vertical(
                '<wrapper url_name="w"/>', {"wrapper/w.xml": '<wrapper><wrapper url_name="w"/></wrapper>'}
            ),
        )


def test_names_come_from_name_slug_and_display_name(tmp_path: Path) -> None:
    course = read(
        tmp_path,
        one_vertical(
            '<word_cloud name="cloud 1"/><html slug="s1">x</html>'
            '<video display_name="Lost Video"/><html>y</html>'
        ),
    )
    keys = [c.key for c in by_key(course)[("vertical", "v1")].children]
    assert keys[:3] == [("word_cloud", "cloud_1"), ("html", "s1"), ("video", "Lost_Video")]
    assert keys[3][1].startswith("html_") and len(keys[3][1]) == len("html_") + 12
    assert "slug" not in by_key(course)[("html", "s1")].element.attrib


def test_a_course_named_only_by_name_reads_no_policy(tmp_path: Path) -> None:
    course = read(
        tmp_path,
        {
            "course.xml": '<course org="O" course="C" name="Fall 2012"><chapter url_name="c"/></course>',
            "chapter/c.xml": "<chapter/>",
            "policies/Fall_2012/policy.json": '{"chapter/c": {"display_name": "never read"}}',
        },
    )
    assert course.run == "Fall_2012"
    assert by_key(course)[("chapter", "c")].display_name == "c"
    assert course.problems[0].message.startswith("'name' is deprecated")


def test_broken_xml_and_comments_in_containers(tmp_path: Path) -> None:
    course = read(
        tmp_path,
        one_vertical(
            '<!-- a note --><problem url_name="bad"/><html url_name="ok">fine</html>',
            {"problem/bad.xml": "<problem>"},
        ),
    )
    children = by_key(course)[("vertical", "v1")].children
    assert [c.block_type for c in children] == ["html"]
    assert [p.severity for p in course.problems] == ["note", "error"]
    assert "malformed XML" in course.problems[1].message


def test_an_exported_error_block_is_unwrapped_on_reimport(tmp_path: Path) -> None:
    broken = '<sequential display_name="oops"><video url="hi"></sequential>'
    element = etree.Element("error")
    element.text = broken
    etree.SubElement(element, "error_msg").text = "it broke"
    course = read(tmp_path, one_vertical(etree.tostring(element, encoding="unicode")))
    [error] = by_key(course)[("vertical", "v1")].children
    assert error.block_id == "852bc34c2f1922c6badf36521d496efb7c98413b"
    assert realize_fields("error", error.element).content == {"contents": broken, "error_msg": "it broke"}


def test_legacy_sequence_tags_are_containers_keeping_their_tag(tmp_path: Path) -> None:
    course = read(
        tmp_path,
        {
            "course/2026.xml": '<course><chapter url_name="c1"/></course>',
            "chapter/c1.xml": '<chapter><videosequence url_name="vs"/><problemset url_name="ps"/></chapter>',
            "videosequence/vs.xml": (
                '<videosequence><videoalpha url_name="va" youtube_id_1_0="x"/></videosequence>'
            ),
            "problemset/ps.xml": '<problemset><problem url_name="p">x</problem></problemset>',
        },
    )
    blocks = by_key(course)
    assert blocks[("videosequence", "vs")].is_container and blocks[("problemset", "ps")].is_container
    assert [c.key for c in blocks[("videosequence", "vs")].children] == [("videoalpha", "va")]


def test_extra_content_run_folder_overrides_and_field_files(tmp_path: Path) -> None:
    course = read(
        tmp_path,
        one_vertical(
            "",
            {
                "about/overview.html": "<p>general</p>",
                "about/2026/overview.html": "<p>this run</p>",
                "about/effort.txt": "3 hours",
                "about/effort.txt~": "backup",
                "info/updates.html": "<ol/>",
                "info/updates.items.json": '[{"id": 1}]',
            },
        ),
    )
    pages = {b.key: b for b in course.detached}
    assert pages[("about", "overview")].element.text == "<p>this run</p>"
    assert pages[("about", "effort")].element.text == "3 hours"
    assert pages[("course_info", "updates")].element.get("items") == '[{"id": 1}]'
    assert len(pages) == 3


def test_unicode_in_a_cdata_body_inside_a_split_test_stays_literal(tmp_path: Path) -> None:
    course = read(
        tmp_path,
        one_vertical(
            '<split_test url_name="st" user_partition_id="0" group_id_to_child=\'{"0": "h"}\'>'
            '<html url_name="h"><![CDATA[<p>ć</p>]]></html></split_test>'
        ),
    )
    olx = serialize_element(by_key(course)[("split_test", "st")].element)
    assert "ć" in olx and "&#263;" not in olx
    inner = etree.fromstring(olx).find("html")
    assert realize_fields("html", inner).content["data"] == "<p>ć</p>"


def test_crlf_in_an_html_file_is_kept_byte_for_byte(tmp_path: Path) -> None:
    body = "<p>one</p>\r\n<p>ć two</p>\r\n"
    course = read(tmp_path, one_vertical('<html url_name="h" filename="h"/>', {"html/h.html": body}))
    stored = serialize_element(by_key(course)[("html", "h")].element)
    # What the compiler reads back from block.xml: the file's text, line ends included.
    reread = etree.fromstring(stored.encode(), etree.XMLParser(strip_cdata=False, resolve_entities=False))
    assert realize_fields("html", reread).content["data"] == body


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    course = read(
        tmp_path,
        one_vertical(
            '<html url_name="a" filename="a"/><problem url_name="b"/>',
            {"grading_policy.json": "{,}", "policies/2026/policy.json": '{"html/zzz": {}}'},
        ),
    )
    assert [p.severity for p in course.problems] == ["warning", "error", "error", "note"]
