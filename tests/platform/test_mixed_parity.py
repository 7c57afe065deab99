"""
The store inside a real ``MixedModuleStore`` configured exactly as README.rst's "Serving courses to
the LMS" tells operators (our store named ``split``, with Split's own configuration as its
``fallback``, a real ``DraftVersioningModuleStore`` that holds the same courses), against the LMS
as it was before: Mixed over that Split alone. Mixed's whole read surface answers the same, with
the course's flag on (Learning Core serves it) and off (the fallback does).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .loader import skip_reason

if reason := skip_reason():
    pytest.skip(reason, allow_module_level=True)

from opaque_keys.edx.locator import BlockUsageLocator, CourseLocator
from xmodule.modulestore import ModuleStoreEnum

from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore

from .conftest import Course
from .harness import (
    CourseFilesInSplit,
    answered,
    comparable_asset,
    describe,
    make_mixed,
    outcome,
    platform_factory,
    readme_settings,
    split_only_settings,
    walk,
)

pytestmark = pytest.mark.django_db
PUBLISHED_ONLY = ModuleStoreEnum.Branch.published_only
DRAFT_PREFERRED = ModuleStoreEnum.Branch.draft_preferred


@pytest.fixture(params=["served", "fallback"])
def serving(request: pytest.FixtureRequest, course: Course, classes: Any) -> str:
    """Learning Core serves the course (flag on), or its fallback does (flag off)."""
    if request.param == "fallback":
        set_course_override(DEFAULT_FLAG_NAME, course.key, False)
    return str(request.param)


@pytest.fixture
def mixed(fs_root: Path, serving: str) -> Iterator[Any]:
    """``modulestore()`` as README.rst configures it; its fallback built the LMS's way, lazily."""
    with platform_factory(CourseFilesInSplit):
        store = make_mixed(readme_settings(fs_root), CourseFilesInSplit)
        [ours] = store.modulestores
        assert isinstance(ours, LearningCoreModuleStore)
        yield store


@pytest.fixture
def before(fs_root: Path, classes: Any) -> Any:
    """
    ``modulestore()`` of the LMS before: Mixed over Split alone, reading the same documents (and
    holding the course files' asset metadata, see :class:`CourseFilesInSplit`).
    """
    return make_mixed(split_only_settings(fs_root), CourseFilesInSplit)


def test_the_readme_configuration_builds_what_it_says(mixed: Any, serving: str, course: Course) -> None:
    [ours] = mixed.modulestores
    assert type(ours.fallback).__name__ == "DraftVersioningModuleStore"
    assert ours.fallback.get_branch_setting() == PUBLISHED_ONLY  # the LMS's, from the platform's factory
    assert ours.serves(course.key) is (serving == "served")


def test_whole_tree_under_mixed(course: Course, mixed: Any, before: Any) -> None:
    """
    Keys come back as Split's do under Mixed: plain, without branch or version, children
    included (fails on the main before issue 9: children carried branch@ and version@).
    """
    theirs = walk(before.get_course(course.key, depth=None))
    mine = walk(mixed.get_course(course.key, depth=None))
    assert mine[1]["location"] == mine[1]["location"].version_agnostic().for_branch(None)
    assert len(mine) == len(theirs)
    for split_block, our_block in zip(theirs, mine, strict=True):
        for name, value in split_block.items():
            assert our_block[name] == value, f"{split_block['location']} {name}"


def test_blocks_queries_and_parents_under_mixed(course: Course, mixed: Any, before: Any) -> None:
    keys = [course.key.make_usage_key(k.type, k.id) for k in course.structure["blocks"]]
    for key in keys[:: max(1, len(keys) // 40)]:
        assert describe(mixed.get_item(key)) == describe(before.get_item(key)), key
        assert mixed.get_parent_location(key) == before.get_parent_location(key), key
        assert mixed.has_item(key) == before.has_item(key), key
    for query in (
        {"qualifiers": {"category": "problem"}},
        {"qualifiers": {"category": "discussion"}, "include_orphans": False},  # the LMS's discussion lookup
        {"qualifiers": {"name": keys[3].block_id}},  # jump_to_id
        {"qualifiers": {"category": {"$in": ["about", "static_tab"]}}},
    ):
        theirs = [b.location for b in before.get_items(course.key, **query)]
        assert [b.location for b in mixed.get_items(course.key, **query)] == theirs, query
    assert set(mixed.get_orphans(course.key)) == set(before.get_orphans(course.key))


def test_every_course_listed_once(course: Course, mixed: Any, before: Any, serving: str) -> None:
    """
    The fallback holds the served courses too (a course moves from Split to Learning Core): each is
    listed once, as Split lists it (Mixed itself does not deduplicate get_courses_for_wiki).
    """
    assert _ids(mixed.get_courses()) == _ids(before.get_courses())
    assert _summaries(mixed.get_course_summaries()) == _summaries(before.get_course_summaries())
    slug = before.get_course(course.key).wiki_slug
    assert mixed.get_courses_for_wiki(slug) == before.get_courses_for_wiki(slug) == [course.key]
    for kwargs in ({"org": course.key.org}, {"course_keys": [course.key]}, {"org": "nobody"}):
        assert _ids(mixed.get_courses(**kwargs)) == _ids(before.get_courses(**kwargs)), kwargs
        theirs = _summaries(before.get_course_summaries(**kwargs))
        assert _summaries(mixed.get_course_summaries(**kwargs)) == theirs, kwargs


def _ids(courses: list[Any]) -> list[Any]:
    return sorted((c.id, c.location, type(c).__name__) for c in courses)


def _assets(answer: Any) -> Any:
    """Asset metadata as values, in order (``AssetMetadata`` has no ``__eq__``)."""
    return (
        [comparable_asset(item) for item in answer] if isinstance(answer, list) else comparable_asset(answer)
    )


def _summaries(summaries: list[Any]) -> list[Any]:
    fields = ("id", "location", "display_name", "display_coursenumber", "display_organization", "end")
    return sorted((tuple(getattr(s, f) for f in fields) for s in summaries), key=str)


def test_branch_settings_and_bulk_operations(course: Course, mixed: Any, before: Any) -> None:
    for setting in (PUBLISHED_ONLY, DRAFT_PREFERRED):
        with mixed.branch_setting(setting, course.key), before.branch_setting(setting, course.key):
            theirs = walk(before.get_course(course.key, depth=2), levels=2)
            assert walk(mixed.get_course(course.key, depth=2), levels=2) == theirs
            assert _ids(mixed.get_courses()) == _ids(before.get_courses())
    with mixed.bulk_operations(course.key), before.bulk_operations(course.key):
        first = mixed.get_course(course.key, depth=2)
        assert walk(first, levels=2) == walk(before.get_course(course.key, depth=2), levels=2)
        chapter = first.get_children()[0]
        assert describe(mixed.get_item(chapter.location)) == describe(before.get_item(chapter.location))
    with mixed.bulk_operations(course.key, emit_signals=False, ignore_case=True):
        assert mixed.has_course(course.key) == before.has_course(course.key)


def test_the_rest_of_the_read_surface(course: Course, mixed: Any, before: Any) -> None:
    """Everything else Mixed exposes answers without error, and as over Split alone."""
    key = course.key
    block = mixed.get_item(key.make_usage_key("course", "course"))
    theirs_block = before.get_item(key.make_usage_key("course", "course"))
    calls: list[tuple[str, tuple[Any, ...]]] = [
        ("make_course_key", (key.org, key.course, key.run)),
        ("make_course_usage_key", (key,)),
        ("fill_in_run", (CourseLocator(key.org, key.course, None, deprecated=True),)),
        ("fill_in_run", (key,)),
        ("get_modulestore_type", (key,)),
        ("has_course", (key,)),
        ("has_course", (CourseLocator(key.org.lower(), key.course, key.run), True)),
        ("has_course", (CourseLocator("No", "Such", "Course"),)),
        ("get_course", (CourseLocator("No", "Such", "Course"),)),
        ("heartbeat", ()),
        ("get_all_asset_metadata", (key, "asset")),
        ("get_all_asset_metadata", (key, None, 0, 10, ("displayname", "ascending"))),
        ("find_asset_metadata", (key.make_asset_key("asset", "notes.txt"),)),
        ("get_errored_courses", ()),
        ("get_library_keys", ()),
        ("get_libraries", ()),
        ("get_library_summaries", ()),
        ("check_supports", (key, "has_changes")),
        ("check_supports", (key, "fill_in_run")),
        ("get_block_original_usage", (key.make_usage_key("course", "course"),)),
    ]
    for name, args in calls:
        mine, theirs = outcome(getattr(mixed, name), *args), outcome(getattr(before, name), *args)
        assert answered(mine, _assets) == answered(theirs, _assets), name
    assert mixed.has_changes(block) == before.has_changes(theirs_block) is False
    assert mixed.has_published_version(block) == before.has_published_version(theirs_block) is True
    mixed.close_all_connections()
    mixed.ensure_indexes()
    assert mixed.get_course(key).location == BlockUsageLocator(key, "course", "course")
