"""
A block that cannot be read, as Studio's import treats it (``import_olx`` reads with
``load_error_blocks=False``): the loaders of the outline (``SequenceBlock``, ``VerticalBlock``),
``SplitTestBlock`` and ``ConditionalBlock`` catch the failure, log it and go on without the child;
an item bank lets it through and is left out of its own parent; the course element's failure fails
the import. This project's report names every one. ``LC_MODULESTORE_IMPORT_ERROR_BLOCKS`` keeps
``XMLModuleStore``'s default instead: an error block in the child's place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compile.olx_export import OlxCourse, OlxError, read_course_export
from lc_modulestore.api import compiled_course

from .olx_cases import write_export

KEY = "course-v1:LCTest+T1+2026"


def export(vertical_body: str, **extra: str) -> dict[str, str | bytes]:
    return {
        "course/2026.xml": '<course><chapter url_name="c1"/><chapter url_name="gone_chapter"/></course>',
        "chapter/c1.xml": '<chapter><sequential url_name="s1"/></chapter>',
        "sequential/s1.xml": (
            '<sequential><vertical url_name="v1"/><vertical url_name="gone_unit"/></sequential>'
        ),
        "vertical/v1.xml": f"<vertical>{vertical_body}</vertical>",
        "html/ok.xml": "<html>fine</html>",
        **extra,
    }


BODY = (
    '<html url_name="ok"/>'
    '<html url_name="missing_file"/>'
    '<split_test url_name="ab" user_partition_id="0"><html url_name="arm_ok">a</html>'
    '<problem url_name="arm_missing"/></split_test>'
    '<conditional url_name="cond" sources="i4x://LCTest/T1/html/ok"><html url_name="shown">s</html>'
    '<problem url_name="cond_missing"/></conditional>'
    '<library_content url_name="bank"><problem url_name="bank_missing"/></library_content>'
)


def read(tmp_path: Path, *, error_blocks: bool = False) -> OlxCourse:
    return read_course_export(write_export(tmp_path, export(BODY)), error_blocks=error_blocks)


def children(course: OlxCourse) -> dict[str, list[str]]:
    found = {}
    for block in course.blocks():
        found[f"{block.block_type}/{block.block_id}"] = [
            f"{c.block_type}/{c.block_id}" for c in block.children
        ]
    return found


def test_a_broken_child_is_left_out_of_its_parent_and_reported(tmp_path: Path) -> None:
    course = read(tmp_path)
    outline = children(course)
    assert outline["course/course"] == ["chapter/c1"]
    assert outline["sequential/s1"] == ["vertical/v1"]
    # The item bank failed as a whole, with its broken child; the others lost only the child.
    assert outline["vertical/v1"] == ["html/ok", "split_test/ab", "conditional/cond"]
    kept = {f"{b.block_type}/{b.block_id}": b for b in course.blocks()}
    assert [c.get("url_name") for c in kept["split_test/ab"].element] == ["arm_ok"]
    assert [c.get("url_name") for c in kept["conditional/cond"].element if c.tag != "show"] == ["shown"]
    assert not any(b.block_type == "error" for b in course.blocks())
    left_out = {(p.key, p.action.split(",")[0]) for p in course.problems if p.severity == "error"}
    assert left_out == {
        ("chapter/gone_chapter", "left out of course/course"),
        ("vertical/gone_unit", "left out of sequential/s1"),
        ("html/missing_file", "left out of vertical/v1"),
        ("problem/arm_missing", "left out of split_test/ab"),
        ("problem/cond_missing", "left out of conditional/cond"),
        ("library_content/bank", "left out of vertical/v1"),
    }
    bank = next(p for p in course.problems if p.key == "library_content/bank")
    assert bank.message.startswith("problem/bank_missing: ") and "problem/bank_missing.xml" in bank.message


def test_error_blocks_take_their_place_when_asked(tmp_path: Path) -> None:
    outline = children(read(tmp_path, error_blocks=True))
    assert [c.split("/")[0] for c in outline["vertical/v1"]] == [
        "html",
        "error",
        "split_test",
        "conditional",
        "library_content",
    ]
    assert [c.split("/")[0] for c in outline["course/course"]] == ["chapter", "error"]


def test_a_course_element_that_cannot_be_read_refuses_the_import(tmp_path: Path) -> None:
    with pytest.raises(OlxError, match=r"course/2026\.xml"):
        read_course_export(
            write_export(tmp_path, {"course.xml": '<course url_name="2026" org="A" course="B"/>'})
        )


@pytest.mark.django_db
def test_the_served_course_has_no_trace_of_it_but_the_report_does(
    tmp_path: Path, run_import: Callable[..., Any]
) -> None:
    result = run_import(write_export(tmp_path / "a", export(BODY)))
    blocks = compiled_course(KEY).blocks
    assert blocks["vertical/v1"].children == ["html/ok", "split_test/ab", "conditional/cond"]
    assert not [name for name in blocks if name.startswith("error/")]
    assert {p.key for p in result.problems if p.severity == "error"} >= {
        "html/missing_file",
        "library_content/bank",
    }
    # Mended, re-imported: the child comes back where the export lists it.
    fixed = run_import(
        write_export(tmp_path / "b", export(BODY, **{"html/missing_file.xml": "<html>back</html>"}))
    )
    assert fixed.created >= 1
    assert compiled_course(KEY).blocks["vertical/v1"].children[:2] == ["html/ok", "html/missing_file"]


@pytest.mark.django_db
def test_the_setting_keeps_error_blocks(
    tmp_path: Path, run_import: Callable[..., Any], settings: Any
) -> None:
    settings.LC_MODULESTORE_IMPORT_ERROR_BLOCKS = True
    run_import(write_export(tmp_path, export(BODY)))
    unit = compiled_course(KEY).blocks["vertical/v1"].children
    assert [name.split("/")[0] for name in unit] == [
        "html",
        "error",
        "split_test",
        "conditional",
        "library_content",
    ]
