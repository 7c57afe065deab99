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


def test_broken_xml_names_file_and_line(sample_copy: Path) -> None:
    break_file(sample_copy / "vertical/hw1_vert.xml", "</vertical>", "</vertikal>")
    before = database_state()
    with pytest.raises(OlxImportError) as error:
        import_olx(sample_copy)
    assert error.value.where.startswith("vertical/hw1_vert.xml:")
    assert int(error.value.where.rsplit(":", 1)[1]) > 1
    assert "malformed XML" in str(error.value)
    assert database_state() == before


def test_missing_pointer_file_names_the_pointer(sample_copy: Path) -> None:
    (sample_copy / "problem/hw1_numeric.xml").unlink()
    before = database_state()
    with pytest.raises(OlxImportError, match=r"problem/hw1_numeric\.xml, which does not exist") as error:
        import_olx(sample_copy)
    assert error.value.where.startswith("vertical/hw1_vert.xml:")
    assert database_state() == before


def test_missing_html_body_file(sample_copy: Path) -> None:
    (sample_copy / "html/summary_html.html").unlink()
    with pytest.raises(OlxImportError, match=r"html/summary_html\.html, which does not exist"):
        import_olx(sample_copy)


def test_unknown_url_name_in_policy(sample_copy: Path) -> None:
    policy_path = sample_copy / "policies/2026/policy.json"
    policy = json.loads(policy_path.read_text())
    policy["sequential/no_such_sequence"] = {"graded": True}
    policy_path.write_text(json.dumps(policy, indent=4))
    with pytest.raises(OlxImportError, match=r"no_such_sequence.*no such block") as error:
        import_olx(sample_copy)
    line = int(error.value.where.rsplit(":", 1)[1])
    assert error.value.where.startswith("policies/2026/policy.json:")
    assert "no_such_sequence" in policy_path.read_text().splitlines()[line - 1]


def test_malformed_policy_json(sample_copy: Path) -> None:
    break_file(sample_copy / "policies/2026/policy.json", "{", "{,")
    with pytest.raises(OlxImportError, match=r"policies/2026/policy\.json:1: malformed JSON"):
        import_olx(sample_copy)


def test_block_used_twice_is_refused(sample_copy: Path) -> None:
    break_file(
        sample_copy / "vertical/summary_vert.xml",
        '<html url_name="summary_html"/>',
        '<html url_name="summary_html"/><html url_name="summary_html"/>',
    )
    with pytest.raises(OlxImportError, match="html/summary_html appears twice"):
        import_olx(sample_copy)


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
        match=r"sequential/intro_seq\.xml:\d+: sequential/intro_seq: .*chapter\.stray.*cannot be added",
    ):
        import_olx(sample_copy)
    assert database_state() == before
    assert published_course(KEY).as_json() == served
