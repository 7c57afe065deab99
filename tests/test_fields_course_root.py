"""
The course root's fields as Studio's import leaves them in Split (``compile.fields.course``), each
checked against what the platform's ``CourseBlock`` and importer do (docs/READER_PARITY.md §3); the
platform test mode compares the whole corpus with Open edX's own reader
(tests/platform/test_reader_parity.py).
"""

from __future__ import annotations

import copy

import pytest

from compile.fields.course import course_root_fields, general_topic_id
from compile.lenient_json import DEFAULT_GRADING_POLICY

KEY = ("edX", "cond_test", "2012_Fall")


def root(settings: dict[str, object] | None = None, content: dict[str, object] | None = None) -> tuple:
    return course_root_fields(settings or {}, content or {}, KEY, DEFAULT_GRADING_POLICY)


def test_wiki_slug_is_content_from_the_wiki_element() -> None:
    settings, content = root(content={"wiki_slug": "my.wiki"})
    assert content["wiki_slug"] == "my.wiki"
    assert "wiki_slug" not in settings  # Split keeps content fields in the definition only


@pytest.mark.parametrize("given", [None, "cond_test", "edX.cond_test.2012_Fall"])
def test_a_wiki_slug_naming_the_course_is_org_course_run(given: str | None) -> None:
    # CourseBlock.__init__: no slug → location.course; static_updater: the course's → org.course.run.
    content = {} if given is None else {"wiki_slug": given}
    assert root(content=content)[1]["wiki_slug"] == "edX.cond_test.2012_Fall"


def test_a_wiki_slug_a_structure_kept_in_its_settings_moves_to_the_content() -> None:
    _, content = root(settings={"wiki_slug": "other"})
    assert content["wiki_slug"] == "other"


def test_general_discussion_topic_is_the_course_locations_html_id() -> None:
    assert root()[0]["discussion_topics"] == {"General": {"id": "i4x-edX-cond_test-course-2012_Fall"}}
    assert general_topic_id("Org X", "C.1", "run:a") == "i4x-Org_X-C_1-course-run_a"
    own = {"General": {"id": "i4x-edX-due_date-course-2013_fall"}, "Other": {"id": "x"}}
    assert root(settings={"discussion_topics": own})[0]["discussion_topics"] == own


def test_the_default_grading_policy_is_not_stored() -> None:
    assert "grading_policy" not in root(content={"grading_policy": copy.deepcopy(DEFAULT_GRADING_POLICY)})[1]
    own = {**DEFAULT_GRADING_POLICY, "GRADE_CUTOFFS": {"A": 0.9}}
    assert root(content={"grading_policy": own})[1]["grading_policy"] == own


@pytest.mark.parametrize("value", [False, "false", "False", "no"])
def test_show_timezone_false_becomes_the_date_time_format(value: object) -> None:
    settings, _ = root(settings={"show_timezone": value})
    assert "show_timezone" not in settings
    assert settings["due_date_display_format"] == "DATE_TIME"


@pytest.mark.parametrize(
    "settings",
    [
        {"show_timezone": True},
        {"show_timezone": "true"},
        {"show_timezone": False, "due_date_display_format": "%d"},
    ],
)
def test_show_timezone_is_kept_otherwise(settings: dict[str, object]) -> None:
    assert root(settings=dict(settings))[0].items() >= settings.items()
