"""Malformed exports: a clear error naming file and line, and nothing changed in the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openedx_content.models_api import LearningPackage, PublishableEntityVersion, PublishLog

from lc_modulestore.api import OlxImportError, import_olx, published_course
from lc_modulestore.models import BlockEntity, CourseBinding, VersionFieldData

pytestmark = pytest.mark.django_db
KEY = "course-v1:LCDemo+LC101+2026"


def database_state() -> tuple[int, ...]:
    return (
        LearningPackage.objects.count(),
        PublishLog.objects.count(),
        PublishableEntityVersion.objects.count(),
        CourseBinding.objects.count(),
        BlockEntity.objects.count(),
        VersionFieldData.objects.count(),
    )


def break_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def found(result: Any) -> list[Any]:
    """What the import reported about the broken file: the sample's ``drafts/`` note left out."""
    return [problem for problem in result.problems if problem.file != "drafts"]


def left_out(problem: Any, parent: str, child: str) -> None:
    """Studio's import leaves the child out of its parent, and the report says so (test_broken_children)."""
    assert problem.key == child and problem.action.startswith(f"left out of {parent}")
    assert child not in published_course(KEY).blocks[parent].children


def test_broken_xml_is_left_out_naming_file_and_line(run_import: Any, sample_copy: Path) -> None:
    """Open edX cannot load a block whose XML does not parse (rule E1)."""
    break_file(sample_copy / "vertical/hw1_vert.xml", "</vertical>", "</vertikal>")
    [problem] = found(run_import(sample_copy))
    assert problem.severity == "error" and problem.file == "vertical/hw1_vert.xml" and problem.line > 1
    assert "malformed XML" in problem.message
    left_out(problem, "sequential/hw1_seq", "vertical/hw1_vert")


def test_broken_xml_is_an_error_block_when_asked(run_import: Any, sample_copy: Path, settings: Any) -> None:
    """XMLModuleStore's default mode: an error block holding the element, where the block stood."""
    settings.LC_MODULESTORE_IMPORT_ERROR_BLOCKS = True
    break_file(sample_copy / "vertical/hw1_vert.xml", "</vertical>", "</vertikal>")
    [problem] = found(run_import(sample_copy))
    assert problem.action.startswith("became error block error/")
    course = published_course(KEY)
    [error] = [
        course.blocks[c] for c in course.blocks["sequential/hw1_seq"].children if c.startswith("error/")
    ]
    assert error.definition["contents"] == '<vertical url_name="hw1_vert"/>'


def test_missing_pointer_file_is_left_out(run_import: Any, sample_copy: Path) -> None:
    (sample_copy / "problem/hw1_numeric.xml").unlink()
    [problem] = found(run_import(sample_copy))
    assert (problem.file, problem.key) == ("vertical/hw1_vert.xml", "problem/hw1_numeric")
    assert "resource 'problem/hw1_numeric.xml' not found" in problem.message
    left_out(problem, "vertical/hw1_vert", "problem/hw1_numeric")


def test_missing_html_body_file_is_left_out(run_import: Any, sample_copy: Path) -> None:
    (sample_copy / "html/summary_html.html").unlink()
    [problem] = found(run_import(sample_copy))
    assert problem.message.startswith("Unable to load file contents at path html/summary_html.html")
    left_out(problem, "vertical/summary_vert", "html/summary_html")


def test_unknown_url_name_in_policy_is_a_note(run_import: Any, sample_copy: Path) -> None:
    policy_path = sample_copy / "policies/2026/policy.json"
    policy = json.loads(policy_path.read_text())
    policy["sequential/no_such_sequence"] = {"graded": True}
    policy_path.write_text(json.dumps(policy, indent=4))
    [problem] = found(run_import(sample_copy))
    assert (problem.severity, problem.file, problem.key) == (
        "note",
        "policies/2026/policy.json",
        "sequential/no_such_sequence",
    )
    assert "no_such_sequence" in policy_path.read_text().splitlines()[problem.line - 1]


def test_malformed_policy_json_is_a_warning(run_import: Any, sample_copy: Path) -> None:
    break_file(sample_copy / "policies/2026/policy.json", "{", "{,")
    [problem] = found(run_import(sample_copy))
    assert (problem.severity, problem.where) == ("warning", "policies/2026/policy.json:1")


def test_block_used_twice_is_shared(run_import: Any, sample_copy: Path) -> None:
    break_file(
        sample_copy / "vertical/summary_vert.xml",
        '<html url_name="summary_html"/>',
        '<html url_name="summary_html"/><html url_name="summary_html"/>',
    )
    assert found(run_import(sample_copy)) == []
    children = published_course(KEY).blocks["vertical/summary_vert"].children
    assert children.count("html/summary_html") == 2


def test_not_an_export(tmp_path: Path) -> None:
    with pytest.raises(OlxImportError, match=r"no course\.xml"):
        import_olx(tmp_path)
    with pytest.raises(OlxImportError, match=r"no such file"):
        import_olx(tmp_path / "missing.tar.gz")


def test_failure_while_writing_rolls_back_and_keeps_the_served_course(
    run_import: Any, sample_copy: Path
) -> None:
    """Learning Core refuses a section inside a subsection; the first import must stay intact."""
    run_import(sample_copy)
    before = database_state()
    served = published_course(KEY).as_json()
    summary = sample_copy / "html/summary_html.html"
    summary.write_text("<p>changed</p>")  # a change that would be written before the failure
    break_file(
        sample_copy / "sequential/intro_seq.xml",
        '<vertical url_name="welcome_vert"/>',
        '<vertical url_name="welcome_vert"/>'
        '<chapter url_name="stray"><sequential url_name="stray_s" display_name="S"/></chapter>',
    )
    with pytest.raises(
        OlxImportError,
        match=r"sequential/intro_seq\.xml:\d+: sequential/intro_seq: chapter/stray cannot be a child of a"
        r" sequential",
    ):
        import_olx(sample_copy)
    assert database_state() == before
    assert published_course(KEY).as_json() == served
