"""
Listings across the store and its fallback when the fallback holds the served courses too, as
Split does while a course moves to Learning Core: every course is listed once.

Regression (issue 9): on 8d9236c the loop that generated the write methods in
``store/modulestore.py`` rebound the module's ``_course_key_of``, so the fallback's answers were
filtered with a function that always answered None, and every served course came back twice.
"""

from __future__ import annotations

from typing import Any

import pytest
from opaque_keys.edx.keys import CourseKey
from opaque_keys.edx.locator import CourseLocator

from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.store.modulestore import LearningCoreModuleStore

from .conftest import SAMPLE_COURSE

pytestmark = pytest.mark.django_db
SERVED = CourseKey.from_string("course-v1:LCDemo+LC101+2026")
ONLY_IN_SPLIT = CourseLocator("Other", "X101", "2025")
WIKI = "LCDemo.LC101.2026"


class Block:
    """A course root as Split returns it from get_courses: located in the published branch."""

    def __init__(self, key: CourseLocator) -> None:
        self.id = key.for_branch("published-branch")
        self.location = self.id.make_usage_key("course", "course")


class Summary:
    def __init__(self, key: CourseLocator) -> None:
        self.id, self.display_name = key, str(key)


class SplitHoldingTheSameCourses:
    """The fallback Split: it still holds the course Learning Core serves, and one of its own."""

    def get_courses(self, **kwargs: Any) -> list[Any]:
        return [Block(SERVED), Block(ONLY_IN_SPLIT)]

    def get_course_summaries(self, **kwargs: Any) -> list[Any]:
        return [Summary(SERVED), Summary(ONLY_IN_SPLIT)]

    def get_courses_for_wiki(self, wiki_slug: str, **kwargs: Any) -> list[Any]:
        return [SERVED, ONLY_IN_SPLIT] if wiki_slug == WIKI else []


@pytest.fixture
def store(run_import: Any) -> LearningCoreModuleStore:
    run_import(SAMPLE_COURSE)
    set_course_override(DEFAULT_FLAG_NAME, SERVED, True)
    return LearningCoreModuleStore(fallback=SplitHoldingTheSameCourses())


def _course_keys(items: list[Any]) -> list[str]:
    def key(item: Any) -> Any:
        if isinstance(item, CourseKey):
            return item
        return item.location.course_key if hasattr(item, "location") else item.id

    return sorted(str(key(item).for_branch(None).version_agnostic()) for item in items)


def test_each_course_listed_once(store: LearningCoreModuleStore) -> None:
    expected = sorted([str(SERVED), str(ONLY_IN_SPLIT)])
    assert _course_keys(store.get_courses()) == expected
    assert _course_keys(store.get_course_summaries()) == expected
    assert _course_keys(store.get_courses_for_wiki(WIKI)) == expected


def test_a_served_course_is_listed_from_learning_core(store: LearningCoreModuleStore) -> None:
    served = [c for c in store.get_courses() if c.location.course_key.for_branch(None) == SERVED]
    assert len(served) == 1 and type(served[0]).__name__ != "Block"  # ours, not the fallback's copy
    set_course_override(DEFAULT_FLAG_NAME, SERVED, False)
    assert sorted(type(c).__name__ for c in store.get_courses()) == ["Block", "Block"]  # flag off: Split's
