"""
LearningCoreModuleStore: the read API with Split's semantics, the XBlock runtime, flag routing to
the fallback store, and the guarantee that reads never write.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey
from opaque_keys.edx.locator import BlockUsageLocator, CourseLocator, LibraryLocator
from xblock.core import XBlock
from xblock.fields import Scope, String

from lc_modulestore.api import compiled_course
from lc_modulestore.exceptions import ItemNotFoundError, ReadOnlyModuleStoreError, VersionConflictError
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.inspect import course_through_store
from lc_modulestore.serving.modulestore import LearningCoreModuleStore

from .conftest import SAMPLE_COURSE

pytestmark = pytest.mark.django_db
KEY = CourseKey.from_string("course-v1:LCDemo+LC101+2026")


class RecordingStore:
    """A stand-in for the fallback Split store (no MongoDB here): records every call it gets."""

    instances: list[RecordingStore] = []

    def __init__(self, **kwargs: Any) -> None:
        self.init_kwargs = kwargs
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        RecordingStore.instances.append(self)

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            return {"heartbeat": {"split": True}}.get(name, ("fallback", name))

        return record

    def get_courses(self, **kwargs: Any) -> list[Any]:
        self.calls.append(("get_courses", (), kwargs))
        return []


class ExplodingBlock(XBlock):
    """A default class that cannot be built for html blocks."""

    has_children = True
    display_name = String(scope=Scope.settings)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs["scope_ids"].block_type == "html":
            raise RuntimeError("cannot build this one")
        super().__init__(*args, **kwargs)


@pytest.fixture
def course(run_import: Any) -> CourseKey:
    run_import(SAMPLE_COURSE)
    set_course_override(DEFAULT_FLAG_NAME, KEY, True)
    return KEY


@pytest.fixture
def store() -> LearningCoreModuleStore:
    return LearningCoreModuleStore()


def usage(block_type: str, block_id: str) -> BlockUsageLocator:
    return KEY.make_usage_key(block_type, block_id)


def normalized(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS))


# --- what the store serves equals what was compiled -----------------------------------------------


def _references_as_keys(values: dict[str, Any]) -> dict[str, Any]:
    """Reference fields name blocks as usage keys through XBlocks and as [type, id] when stored."""

    def key(value: Any) -> Any:
        if isinstance(value, BlockUsageLocator):
            return f"{value.block_type}/{value.block_id}"
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
            return "/".join(value)
        return value

    converted = dict(values)
    for name in ("group_id_to_child", "show_tag_list"):
        if isinstance(converted.get(name), dict):
            converted[name] = {k: key(v) for k, v in converted[name].items()}
        elif isinstance(converted.get(name), list):
            converted[name] = [key(v) for v in converted[name]]
    return normalized(converted)


def test_store_serves_the_compiled_course(course: CourseKey, store: LearningCoreModuleStore) -> None:
    served = course_through_store(course, store)
    compiled = compiled_course(course).as_json()
    assert served["structure_id"] == compiled["structure_id"]
    assert served["blocks"].keys() == compiled["blocks"].keys()
    for key, block in compiled["blocks"].items():
        through = served["blocks"][key]
        assert through["children"] == block["children"], key
        # One dict of the block's fields, as Split's KVS holds them: a class may declare in content
        # what the rule table compiles into settings (drag-and-drop-v2's data, poll's display_name).
        assert _references_as_keys({**through["fields"], **through["definition"]}) == _references_as_keys(
            {**block["fields"], **block["definition"]}
        ), key


def test_blocks_know_their_place_and_history(course: CourseKey, store: LearningCoreModuleStore) -> None:
    root = store.get_course(course, depth=None)
    structure_id = compiled_course(course).structure_id
    assert str(root.course_version) == structure_id
    assert root.location == BlockUsageLocator(
        CourseLocator("LCDemo", "LC101", "2026", branch="published-branch", version_guid=root.course_version),
        "course",
        "course",
    )
    chapter = root.get_children()[0]
    assert chapter.get_parent().location == root.location
    assert chapter.parent == root.location
    assert [c.block_id for c in root.children] == ["week1", "week2", "wrapup"]
    assert root.edited_on.tzinfo is not None and root.published_on == root.edited_on
    assert root.subtree_edited_on >= root.edited_on
    assert isinstance(root.edited_by, int) and root.subtree_edited_by == root.edited_by


def test_inherited_settings_resolve_from_ancestors(course: CourseKey, store: LearningCoreModuleStore) -> None:
    problem = store.get_item(usage("problem", "hw1_numeric"))
    sequence = store.get_item(usage("sequential", "hw1_seq"))
    assert "due" not in problem.get_explicitly_set_fields_by_scope(Scope.settings)
    assert problem.due == sequence.due == datetime.fromisoformat("2026-03-08T23:59:00+00:00")
    assert problem.graded is True
    root = store.get_course(course)
    html = store.get_item(usage("html", "welcome_html"))
    assert "start" not in html.get_explicitly_set_fields_by_scope(Scope.settings)
    assert html.start == root.start
    staff = store.get_item(usage("html", "staff_notes_html"))
    assert staff.visible_to_staff_only is True


def test_content_is_loaded_lazily_or_all_at_once(course: CourseKey, store: LearningCoreModuleStore) -> None:
    body = (SAMPLE_COURSE / "html/welcome_html.html").read_text(encoding="utf-8")
    lazy = store.get_item(usage("html", "welcome_html"))
    with CaptureQueriesContext(connection) as queries:
        assert lazy.data == body
    assert len(queries) == 1  # the definition, on first access
    eager = store.get_course(course, depth=None, lazy=False)
    with CaptureQueriesContext(connection) as queries:
        units = [u for c in eager.get_children() for s in c.get_children() for u in s.get_children()]
        assert any(
            child.data == body for u in units for child in u.get_children() if child.category == "html"
        )
    assert len(queries) == 0


def test_get_items(course: CourseKey, store: LearningCoreModuleStore) -> None:
    problems = store.get_items(course, qualifiers={"category": "problem"})
    assert sorted(p.location.block_id for p in problems) == [
        "hw1_inline", "hw1_mcq", "hw1_numeric", "lib_q1", "lib_q2", "lib_q3"
    ]  # fmt: skip
    assert [b.location.block_id for b in store.get_items(course, qualifiers={"name": "hw1_mcq"})] == [
        "hw1_mcq"
    ]
    assert store.get_items(course, qualifiers={"name": "hw1_mcq", "category": "problem"}) == []  # as Split
    named = store.get_items(course, settings={"display_name": re.compile("^Library Question")})
    assert {b.location.block_id for b in named} == {"lib_q1", "lib_q2", "lib_q3"}
    graded = store.get_items(course, settings={"graded": True})
    assert {b.location.block_id for b in graded} == {"hw1_seq"}  # stored values only, never inherited
    with_data = store.get_items(course, qualifiers={"category": "html"}, content={"data": re.compile("café")})
    assert {b.location.block_id for b in with_data} >= {"welcome_html"}
    pages = store.get_items(course, qualifiers={"category": "about"}, include_orphans=False)
    assert {b.location.block_id for b in pages} == {"overview", "short_description", "effort"}
    for missing in (LibraryLocator("LCDemo", "lib"), CourseLocator("No", "Such", "Course")):
        with pytest.raises(ItemNotFoundError):  # as Split: a course key of no course
            store.get_items(missing)
    assert store.get_items("course-v1:LCDemo+LC101+2026") == []  # not a key at all
    everything = store.get_items(course)
    assert len(everything) == len(compiled_course(course).blocks)


def test_keys_missing_courses_and_blocks(course: CourseKey, store: LearningCoreModuleStore) -> None:
    missing = CourseLocator("No", "Such", "Course")
    for wrong in (
        usage("html", "welcome_html"),
        LibraryLocator("LCDemo", "lib"),
        "course-v1:LCDemo+LC101+2026",
    ):
        with pytest.raises(ItemNotFoundError):
            store.get_course(wrong)
    with pytest.raises(ItemNotFoundError):
        store.get_course(missing)
    with pytest.raises(ItemNotFoundError):
        store.get_item(usage("html", "no_such_block"))
    with pytest.raises(ItemNotFoundError):
        store.get_item(KEY)
    head = compiled_course(course).structure_id
    versioned = KEY.for_branch("published-branch").for_version(head)
    assert store.get_course(versioned).location.course_key.version_guid == versioned.version_guid
    with pytest.raises(VersionConflictError):
        store.get_course(KEY.for_branch("published-branch").for_version("0" * 24))
    version_only = CourseLocator(version_guid=head)
    with pytest.raises(InvalidKeyError):  # as DraftVersioningModuleStore: a read needs a branch
        store.get_item(BlockUsageLocator(version_only, "html", "welcome_html"))
    with pytest.raises(ItemNotFoundError):
        store.get_course(KEY.for_branch("no-such-branch"))
    # Branch-less and draft-preferred reads both see the published course.
    with store.branch_setting("draft-preferred"):
        assert (
            store.get_course(course).display_name
            == store.get_course(course.for_branch("draft-branch")).display_name
        )


def test_has_course_and_has_item(course: CourseKey, store: LearningCoreModuleStore) -> None:
    lower = CourseLocator("lcdemo", "lc101", "2026")
    assert store.has_course(course) == course
    assert store.has_course(lower) is None
    assert store.has_course(lower, ignore_case=True) == course  # the canonical case
    assert store.has_course(course.for_branch("published-branch")) == course.for_branch("published-branch")
    assert store.has_course(CourseLocator("No", "Such", "Course")) is None
    assert store.has_course(usage("html", "welcome_html")) is False
    assert store.has_item(usage("html", "welcome_html")) is True
    assert store.has_item(usage("html", "nope")) is False
    assert store.has_item(CourseLocator("No", "Such", "Course").make_usage_key("html", "x")) is False
    assert store.has_item(KEY) is False


def test_parents_orphans_and_course_lists(course: CourseKey, store: LearningCoreModuleStore) -> None:
    parent = store.get_parent_location(usage("html", "welcome_html"))
    assert parent == usage("vertical", "welcome_vert").for_branch("published-branch")  # as Split maps it
    assert store.get_parent_location(usage("course", "course")) is None
    assert store.get_parent_location(usage("about", "overview")) is None
    assert store.get_orphans(course) == []
    assert [c.location.course_key.for_branch(None).version_agnostic() for c in store.get_courses()] == [
        course
    ]
    [summary] = store.get_course_summaries()
    assert summary.id == course and summary.display_name == store.get_course(course).display_name
    assert store.get_courses_for_wiki("LCDemo.LC101.2026") == [course]
    assert store.get_courses_for_wiki("nobody") == []
    assert store.make_course_key("a", "b", "c") == CourseLocator("a", "b", "c")
    assert store.make_course_usage_key(course) == BlockUsageLocator(course, "course", "course")
    assert store.get_modulestore_type(course) == "split"
    assert store.get_course_errors(course) == []
    assert store.get_errored_courses() == {}
    assert store.has_published_version(store.get_item(usage("html", "welcome_html"))) is True
    assert store.heartbeat() == {"split": True}  # Split's key: the LMS heartbeat reports by it
    # The course's files (static/) answer the asset metadata calls (tests/test_course_files.py).
    notes = store.find_asset_metadata(course.make_asset_key("asset", "notes.txt"))
    # Keyed as Split keys it: mapped to the branch the store reads (published here).
    assert notes.asset_id == course.for_branch("published-branch").make_asset_key("asset", "notes.txt")
    assert notes.contenttype == "text/plain"
    assert [meta.asset_id.block_id for meta in store.get_all_asset_metadata(course, "asset")] == [
        "intro_video-en.srt",
        "notes.txt",
    ]
    assert store.get_library(LibraryLocator("LCDemo", "lib")) is None  # no fallback: no v1 libraries
    assert store.get_libraries() == []
    store.close_connections()


def test_field_decorator_sees_every_value(course: CourseKey, store: LearningCoreModuleStore) -> None:
    seen: list[Any] = []

    def decorator(value: Any) -> Any:
        seen.append(value)
        return value

    unit = store.get_item(usage("vertical", "welcome_vert"), field_decorator=decorator)
    assert unit.display_name == "Welcome"
    assert [c.block_id for c in unit.children] == ["welcome_html", "course_map_html"]
    assert "Welcome" in seen and any(
        isinstance(v, list) and v and isinstance(v[0], BlockUsageLocator) for v in seen
    )


def test_bulk_operations_build_each_block_once(course: CourseKey, store: LearningCoreModuleStore) -> None:
    with store.bulk_operations(course):
        first = store.get_item(usage("html", "welcome_html"))
        assert store.get_item(usage("html", "welcome_html")) is first
    assert store.get_item(usage("html", "welcome_html")) is not first


def test_a_block_that_fails_to_build_becomes_an_error_block(course: CourseKey) -> None:
    store = LearningCoreModuleStore(disabled_xblock_types=lambda: ["html"], default_class=ExplodingBlock)
    unit = store.get_item(usage("vertical", "welcome_vert"), depth=1)
    html = unit.get_children()[0]
    assert html.location.block_type == "error"
    assert "cannot build this one" in html.error_msg
    assert unit.display_name == "Welcome"


class _UnloadableEntryPoint:
    """An installed XBlock whose module does not import on this site (its Django apps missing)."""

    name = "html"
    group = "xblock.v1"

    def load(self) -> type:
        raise RuntimeError("Model class x.Y isn't in an application in INSTALLED_APPS")


def test_a_class_that_does_not_load_is_served_as_if_not_installed(
    course: CourseKey, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import xblock.plugin

    monkeypatch.setattr(XBlock, "extra_entry_points", [("html", _UnloadableEntryPoint())])
    monkeypatch.setattr(xblock.plugin, "PLUGIN_CACHE", {})
    html = LearningCoreModuleStore().get_item(usage("html", "welcome_html"))
    assert html.location.block_type == "html" and html.display_name  # not an error block
    assert "does not load" in caplog.text and "INSTALLED_APPS" in caplog.text


def test_writes_are_refused(course: CourseKey, store: LearningCoreModuleStore) -> None:
    block = store.get_item(usage("html", "welcome_html"))
    for call in (
        lambda: store.update_item(block, 1),
        lambda: store.create_item(1, course, "html"),
        lambda: store.create_child(1, usage("vertical", "welcome_vert"), "html"),
        lambda: store.delete_item(block.location, 1),
        lambda: store.delete_course(course, 1),
        lambda: store.publish(block.location, 1),
        lambda: store.create_course("LCDemo", "New", "Run", 1),
    ):
        with pytest.raises(ReadOnlyModuleStoreError, match="read-only"):
            call()


def test_reads_never_write(course: CourseKey, store: LearningCoreModuleStore) -> None:
    with CaptureQueriesContext(connection) as queries:
        course_through_store(course, store)
        store.get_items(course, qualifiers={"category": "problem"}, content={"data": re.compile("x")})
        store.has_course(course, ignore_case=True)
        store.get_parent_location(usage("html", "welcome_html"))
        store.get_course_summaries()
        store.get_courses_for_wiki("LCDemo.LC101.2026")
        store.heartbeat()
    writes = [q["sql"] for q in queries if re.match(r"\s*(INSERT|UPDATE|DELETE|REPLACE)", q["sql"], re.I)]
    assert writes == []


# --- routing ---------------------------------------------------------------------------------------


def test_flag_off_routes_to_the_fallback_and_flips_without_restart(run_import: Any) -> None:
    run_import(SAMPLE_COURSE)
    RecordingStore.instances.clear()
    store = LearningCoreModuleStore(
        fallback={"ENGINE": "tests.test_store.RecordingStore", "OPTIONS": {"fs_root": "/tmp"}},
        default_class=None,
    )
    assert store.get_course(KEY) == ("fallback", "get_course")
    assert store.get_item(usage("html", "welcome_html"), depth=2) == ("fallback", "get_item")
    assert store.has_course(KEY) == ("fallback", "has_course")
    [fallback] = RecordingStore.instances
    assert fallback.init_kwargs["fs_root"] == "/tmp"
    assert [(name, args[0]) for name, args, _ in fallback.calls] == [
        ("get_course", KEY), ("get_item", usage("html", "welcome_html")), ("has_course", KEY)
    ]  # fmt: skip
    assert fallback.calls[1][2]["depth"] == 2

    set_course_override(DEFAULT_FLAG_NAME, KEY, True)  # same store instance, next call
    assert store.get_course(KEY).display_name == "Everyday Coffee Science"
    assert len(fallback.calls) == 3
    set_course_override(DEFAULT_FLAG_NAME, KEY, False)
    assert store.get_course(KEY) == ("fallback", "get_course")
    assert store.get_library(LibraryLocator("LCDemo", "lib")) == ("fallback", "get_library")
    # A write for a course Learning Core does not serve is the fallback's business.
    assert store.delete_item(usage("html", "welcome_html"), 1) == ("fallback", "delete_item")


def test_without_a_fallback_an_unserved_course_does_not_exist(run_import: Any) -> None:
    run_import(SAMPLE_COURSE)
    store = LearningCoreModuleStore()
    with pytest.raises(ItemNotFoundError):
        store.get_course(KEY)
    assert store.has_course(KEY) is None
    assert store.get_courses() == []


def test_constructed_as_create_modulestore_instance_does(
    course: CourseKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("WARNING", logger="lc_modulestore.serving.modulestore")
    store = LearningCoreModuleStore(
        contentstore=None,
        doc_store_config={"db": "edxapp", "host": "localhost"},
        metadata_inheritance_cache_subsystem=None,
        request_cache=None,
        xblock_mixins=(),
        xblock_field_data_wrappers=[],
        disabled_xblock_types=lambda: [],
        i18n_service=None,
        fs_service=None,
        user_service=None,
        signal_handler=None,
        branch_setting_func=lambda: "published-only",
        default_class="xblock.core.XBlock",
        fs_root="/tmp",
        render_template=lambda *a: "",
        some_future_option=True,
    )
    assert store.default_class is XBlock
    assert store.get_course(course).location.block_id == "course"
    # What the platform passes is taken quietly; an option the store does not have is named.
    [warning] = [record.getMessage() for record in caplog.records]
    assert "no option some_future_option (ignored)" in warning


def test_an_option_split_takes_from_old_configurations_is_not_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("WARNING", logger="lc_modulestore.serving.modulestore")
    LearningCoreModuleStore(error_tracker=None, db="edxapp", tz_aware=True)
    assert not caplog.records
    LearningCoreModuleStore(falback={"ENGINE": "x"}, flagname="f")  # misspelt
    [record] = caplog.records
    assert record.levelname == "WARNING" and "no option falback, flagname" in record.getMessage()
