"""
The refusals issue 10 lists, each on a small export written for this project: Open edX imports
every one of these courses, so the importer must too, and serve what Split serves for them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db.models import F
from openedx_content.models_api import PublishLogRecord

from lc_modulestore.api import ImportResult, OlxImportError, published_course
from lc_modulestore.models import BlockEntity

from .db_counts import table_counts
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


def test_a_missing_html_body_is_left_out(tmp_path: Path, run_import: Importer) -> None:
    export = write_export(
        tmp_path,
        outline(
            '<vertical url_name="v1"><html url_name="gone"/><html url_name="here">ok</html></vertical>',
            {"html/gone.xml": '<html filename="gone"/>'},
        ),
    )
    [problem] = run_import(export).problems
    assert (problem.severity, problem.file, problem.key) == ("error", "html/gone.xml", "html/gone")
    assert problem.action.startswith("left out of vertical/v1, as Studio's import leaves it")
    assert published_course(KEY).blocks["vertical/v1"].children == ["html/here"]


def test_a_missing_html_body_is_an_error_block_when_asked(
    tmp_path: Path, run_import: Importer, settings: Any
) -> None:
    settings.LC_MODULESTORE_IMPORT_ERROR_BLOCKS = True
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
    # The default policy, which Split stores as nothing: CourseBlock reads its field's default
    # (CourseBlock.set_grading_policy assigns it, XBlock saves only a value that differs).
    assert "grading_policy" not in published_course(KEY).blocks["course/course"].definition


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
    assert course.blocks["chapter/c2"].children == []  # the renamed pointer names no file


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


STRICT_REFUSED = {
    "a missing html body": (
        outline(
            '<vertical url_name="v1"><html url_name="gone"/></vertical>',
            {"html/gone.xml": '<html filename="gone"/>'},
        ),
        "html/gone.xml:1",
    ),
    "invalid grading JSON": (
        outline(
            '<vertical url_name="v1"/>',
            {
                "vertical/v1.xml": "<vertical/>",
                "policies/2026/grading_policy.json": '{"GRADER": [{"weight" : .02}]}',
            },
        ),
        "policies/2026/grading_policy.json:1",
    ),
    "the same sequential under two chapters": (
        {
            "course/2026.xml": '<course><chapter url_name="c1"/><chapter url_name="c2"/></course>',
            "chapter/c1.xml": '<chapter><sequential url_name="s1"/></chapter>',
            "chapter/c2.xml": '<chapter><sequential url_name="s1"/></chapter>',
            "sequential/s1.xml": '<sequential><vertical url_name="v1"/></sequential>',
            "vertical/v1.xml": "<vertical/>",
        },
        "chapter/c2.xml:1",
    ),
}


@pytest.mark.parametrize("case", list(STRICT_REFUSED))
def test_strict_refuses_what_studio_would_import_naming_file_and_line(
    case: str, tmp_path: Path, run_import: Importer
) -> None:
    """``--strict``: every warning or error refuses, naming where; the database keeps what it served."""
    good = outline('<vertical url_name="v1"/>', {"vertical/v1.xml": "<vertical/>"})
    run_import(write_export(tmp_path / "good", good))
    served_before = published_course(KEY).as_json()
    files, where = STRICT_REFUSED[case]
    before = table_counts()
    with pytest.raises(OlxImportError) as refused:
        run_import(write_export(tmp_path / "bad", files), strict=True)
    assert where in str(refused.value)
    assert table_counts() == before
    assert published_course(KEY).as_json() == served_before


def test_reimport_after_the_fix_replaces_the_error_block_and_publishes_only_that(
    tmp_path: Path, run_import: Importer, settings: Any
) -> None:
    """With error blocks (XMLModuleStore's mode); Studio's own, the block comes back: test_broken_children."""
    settings.LC_MODULESTORE_IMPORT_ERROR_BLOCKS = True
    files = outline(
        '<vertical url_name="v1"><html url_name="gone"/></vertical>'
        '<vertical url_name="v2"><html url_name="kept">ok</html></vertical>',
        {"html/gone.xml": '<html filename="gone"/>'},
    )
    export = write_export(tmp_path, files)
    first = run_import(export)
    [error_key] = published_course(KEY).blocks["vertical/v1"].children
    assert error_key.startswith("error/") and first.problems[0].severity == "error"
    (export / "html/gone.html").write_text("<p>back</p>", encoding="utf-8")
    fixed = run_import(export)
    assert fixed.problems == []
    course = published_course(KEY)
    assert course.blocks["vertical/v1"].children == ["html/gone"]
    assert course.blocks["html/gone"].definition["data"] == "<p>back</p>"
    assert error_key not in course.blocks
    # The publish's new versions: the fixed block, the error block's removal and the unit that
    # lists them (the unit's ancestors are recorded as side effects, with their version unchanged).
    records = PublishLogRecord.objects.filter(publish_log_id=fixed.publish_log_id).exclude(
        old_version=F("new_version")
    )
    mapped = BlockEntity.objects.filter(entity_id__in=records.values("entity_id"))
    changed = set(mapped.values_list("block_type", "block_id"))
    assert changed == {("html", "gone"), tuple(error_key.split("/")), ("vertical", "v1")}
    assert (fixed.created, fixed.changed, fixed.deleted) == (1, 1, 1)
