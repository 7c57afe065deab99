"""
Unreadable values never widen access. A value its field cannot read is a warning of the import
(naming the file, the line, the block and the field, shown by ``lc_import_olx``), its raw text is
kept in ``xml_attributes``, and for the fields that restrict access it fails closed: an unreadable
``group_access`` or ``visible_to_staff_only`` leaves the block to staff only, an unreadable
``hide_from_toc`` hides it, an unreadable ``start`` is a date that never comes (FAR_FUTURE), and
no later value (policy.json on top of an attribute) reopens it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from opaque_keys.edx.keys import CourseKey

from compile.fields.rules import FAR_FUTURE
from lc_modulestore.api import compiled_course
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore

pytestmark = pytest.mark.django_db
KEY = "course-v1:LCDemo+LC101+2026"
NEVER = datetime.fromisoformat(FAR_FUTURE)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def edit_policy(export: Path, key: str, values: dict[str, Any]) -> None:
    path = export / "policies/2026/policy.json"
    policy = json.loads(path.read_text())
    policy.setdefault(key, {}).update(values)
    path.write_text(json.dumps(policy, indent=4))


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


@pytest.fixture
def unreadable(sample_copy: Path) -> Path:
    """The sample course with one unreadable value for each access field, and one harmless one."""
    edit(sample_copy / "html/summary_html.xml", 'editor="visual"', "editor=\"visual\" group_access='{bad'")
    edit(sample_copy / "sequential/intro_seq.xml", "<sequential ", '<sequential start="not a date" ')
    edit(sample_copy / "chapter/week1.xml", "<chapter ", "<chapter group_access='{\"x\": [1]}' ")
    edit_policy(sample_copy, "chapter/week1", {"visible_to_staff_only": False})  # cannot reopen it
    edit_policy(sample_copy, "chapter/week2", {"visible_to_staff_only": "maybe"})
    edit_policy(sample_copy, "html/course_map_html", {"hide_from_toc": "sometimes"})
    edit(sample_copy / "problem/hw1_mcq.xml", 'weight="1.0"', 'weight="heavy"')
    return sample_copy


def test_each_unreadable_value_is_a_warning_naming_its_place(unreadable: Path, run_import: Any) -> None:
    result = run_import(unreadable)
    policy = unreadable / "policies/2026/policy.json"
    week2 = f"policies/2026/policy.json:{line_of(policy, '"chapter/week2"')}"
    course_map = f"policies/2026/policy.json:{line_of(policy, '"html/course_map_html"')}"
    staff_only = "visible_to_staff_only is set to true"
    expected = {
        "html/summary_html.xml:1: html/summary_html: group_access='{bad'": staff_only,
        "sequential/intro_seq.xml:1: sequential/intro_seq: start='not a date'": 'start is set to "2999-01-01',
        "chapter/week1.xml:1: chapter/week1: group_access": staff_only,
        f"{week2}: chapter/week2: visible_to_staff_only='maybe'": staff_only,
        f"{course_map}: html/course_map_html: hide_from_toc": "hide_from_toc is set to true",
        "problem/hw1_mcq.xml:1: problem/hw1_mcq: weight='heavy' is not a valid float": "keeps its default",
    }
    warnings = [p for p in result.problems if p.severity == "warning"]
    assert len(warnings) == len(expected), warnings
    for start, consequence in expected.items():
        matching = [p for p in warnings if f"{p.where}: {p.key}: {p.message}".startswith(start)]
        assert len(matching) == 1, (start, warnings)
        assert consequence in matching[0].action


def test_access_fields_fail_closed_in_what_is_served(unreadable: Path, run_import: Any) -> None:
    run_import(unreadable)
    blocks = compiled_course(KEY).blocks
    assert blocks["html/summary_html"].fields["visible_to_staff_only"] is True
    assert blocks["html/summary_html"].fields["xml_attributes"] == {
        "group_access": "{bad",
        "filename": ["html/summary_html.xml", "html/summary_html.xml"],  # the file it was read from
    }
    assert "group_access" not in blocks["html/summary_html"].fields
    assert blocks["chapter/week1"].fields["visible_to_staff_only"] is True  # policy's false did not reopen it
    assert blocks["chapter/week2"].fields["visible_to_staff_only"] is True
    assert blocks["html/course_map_html"].fields["hide_from_toc"] is True
    assert blocks["sequential/intro_seq"].fields["start"] == NEVER

    set_course_override(DEFAULT_FLAG_NAME, KEY, True)
    store = LearningCoreModuleStore()
    course_key = CourseKey.from_string(KEY)
    assert store.get_item(course_key.make_usage_key("html", "summary_html")).visible_to_staff_only is True
    # Inherited: what the sequential holds starts never, not with the course.
    video_unit = store.get_item(course_key.make_usage_key("vertical", "video_vert"))
    assert video_unit.start == NEVER.replace(tzinfo=UTC)


def test_lc_import_olx_shows_the_warnings(unreadable: Path, django_capture_on_commit_callbacks: Any) -> None:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("lc_import_olx", str(unreadable), stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.startswith("warning: ")]
    assert len(lines) == 6
    assert any("html/summary_html.xml:1: html/summary_html: group_access='{bad'" in line for line in lines)
    assert "6 warning(s)" in out.getvalue().splitlines()[-1]  # the summary counts them


def test_a_clean_export_has_no_warnings(sample_copy: Path, run_import: Any) -> None:
    assert [p.severity for p in run_import(sample_copy).problems] == ["note"]  # drafts/ ignored
