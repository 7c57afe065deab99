"""
The refusals issue 10 lists, each on a small export written for this project: Open edX imports
every one of these courses, so the importer must too, and serve what Split serves for them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from compile.lenient_json import DEFAULT_GRADING_POLICY
from lc_modulestore.api import ImportResult, published_course

from .olx_cases import write_export

pytestmark = pytest.mark.django_db
KEY = "course-v1:LCTest+T1+2026"
Importer = Callable[..., ImportResult]


def outline(verticals: str, extra: dict[str, str | bytes]) -> dict[str, str | bytes]:
    return {
        "course/2026.xml": '<course><chapter url_name="c1"/></course>',
        "chapter/c1.xml": '<chapter><sequential url_name="s1"/></chapter>',
        "sequential/s1.xml": f"<sequential>{verticals}</sequential>",
        **extra,
    }


def test_a_missing_html_body_is_an_error_block(tmp_path: Path, run_import: Importer) -> None:
    export = write_export(
        tmp_path,
        outline(
            '<vertical url_name="v1"><html url_name="gone"/><html url_name="here">ok</html></vertical>',
            {"html/gone.xml": '<html filename="gone"/>'},
        ),
    )
    result = run_import(export)
    [problem] = result.problems
    assert (problem.severity, problem.file, problem.key) == ("error", "html/gone.xml", "html/gone")
    course = published_course(KEY)
    [error_id, html_id] = course.blocks["vertical/v1"].children
    assert html_id == "html/here" and error_id == problem.action.removeprefix("became error block ")
    error = course.blocks[error_id]
    assert error.definition["contents"] == '<html url_name="gone"/>'
    assert error.definition["error_msg"].startswith("Error loading from xml. Unable to load file contents")


def test_invalid_grading_json_uses_the_default_policy(tmp_path: Path, run_import: Importer) -> None:
    export = write_export(
        tmp_path,
        outline(
            '<vertical url_name="v1"/>',
            {
                "vertical/v1.xml": "<vertical/>",
                "policies/2026/grading_policy.json": '{"GRADER": [{"type": "Homework", "weight" : .02}]}',
            },
        ),
    )
    result = run_import(export)
    assert [(p.severity, p.file) for p in result.problems] == [
        ("warning", "policies/2026/grading_policy.json")
    ]
    assert (
        published_course(KEY).blocks["course/course"].definition["grading_policy"] == DEFAULT_GRADING_POLICY
    )


def test_legacy_html_filenames_resolve(tmp_path: Path, run_import: Importer) -> None:
    export = write_export(
        tmp_path,
        outline(
            '<vertical url_name="v1"><html url_name="intro" filename="lectures/week1/intro"/>'
            '<html url_name="toy" filename="toy.html"/></vertical>',
            {"lectures/week1/intro.html": "<p>intro</p>", "html/toy.html": "<p>toy</p>"},
        ),
    )
    assert run_import(export).problems == []
    course = published_course(KEY)
    assert course.blocks["html/intro"].definition["data"] == "<p>intro</p>"
    assert course.blocks["html/toy"].definition["data"] == "<p>toy</p>"


# Learning Core's Section holds only Subsections, and the compiled structure gives a block one
# parent: an error block in a chapter and a DAG are what the dag part of issue 10 builds.
def test_the_same_sequential_under_two_chapters(tmp_path: Path, run_import: Importer) -> None:
    export = write_export(
        tmp_path,
        {
            "course/2026.xml": '<course><chapter url_name="c1"/><chapter url_name="c2"/></course>',
            "chapter/c1.xml": '<chapter><sequential url_name="s1"/></chapter>',
            "chapter/c2.xml": '<chapter><sequential url_name="s1"/></chapter>',
            "sequential/s1.xml": '<sequential><vertical url_name="v1"/></sequential>',
            "vertical/v1.xml": "<vertical/>",
        },
    )
    result = run_import(export)
    assert [p.severity for p in result.problems] == ["warning", "error"]
    course = published_course(KEY)
    assert course.blocks["chapter/c1"].children == ["sequential/s1"]
    [second] = course.blocks["chapter/c2"].children
    assert second.startswith("error/")


def test_one_component_in_two_verticals_is_shared(tmp_path: Path, run_import: Importer) -> None:
    export = write_export(
        tmp_path,
        outline(
            '<vertical url_name="v1"><html url_name="shared"/></vertical>'
            '<vertical url_name="v2"><html url_name="shared"/></vertical>',
            {"html/shared.xml": "<html>both</html>"},
        ),
    )
    assert run_import(export).problems == []
    course = published_course(KEY)
    assert course.blocks["vertical/v1"].children == course.blocks["vertical/v2"].children == ["html/shared"]
    assert course.blocks["html/shared"].definition["data"] == "both"


def test_a_cdata_body_inside_a_split_test_keeps_its_characters(tmp_path: Path, run_import: Importer) -> None:
    export = write_export(
        tmp_path,
        outline(
            '<vertical url_name="v1"><split_test url_name="st" user_partition_id="0"'
            ' group_id_to_child=\'{"0": "i4x://LCTest/T1/html/h"}\'>'
            '<html url_name="h"><![CDATA[<p>ć</p>]]></html></split_test></vertical>',
            {},
        ),
    )
    run_import(export)
    assert published_course(KEY).blocks["html/h"].definition["data"] == "<p>ć</p>"


def test_crlf_in_an_html_file_is_stored_byte_for_byte(tmp_path: Path, run_import: Importer) -> None:
    body = "<p>one</p>\r\n<p>two</p>\r\n"
    export = write_export(
        tmp_path,
        outline(
            '<vertical url_name="v1"><html url_name="h" filename="h"/></vertical>', {"html/h.html": body}
        ),
    )
    run_import(export)
    assert published_course(KEY).blocks["html/h"].definition["data"] == body
