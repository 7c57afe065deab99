"""
The draft branch: drafts compiled into a second live structure after every draft change and
publish, served as Split's DraftVersioningModuleStore serves its draft branch (branch setting,
``revision``, ``has_changes``, edit info), random draft/publish sequences checked against full
compiles of both branches, and the setting that turns it off.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import override_settings
from edx_django_utils.cache import RequestCache
from opaque_keys.edx.keys import CourseKey
from opaque_keys.edx.locator import BlockUsageLocator
from openedx_content import api as content_api
from openedx_content.models_api import DraftChangeLog, PublishableEntity, PublishLog

from compile.vocabulary import DRAFT_BRANCH, PUBLISHED_BRANCH
from lc_modulestore.api import compile_course, compiled_course
from lc_modulestore.exceptions import UnsupportedRevisionError
from lc_modulestore.models import (
    CompiledErrorBlock,
    CompiledStructure,
    CompileFailure,
    CourseBinding,
    CourseIndex,
)
from lc_modulestore.serving.branches import DRAFT_ONLY, DRAFT_PREFERRED, PUBLISHED_ONLY
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore
from lc_modulestore.storage.backend import LearningCorePersistenceBackend

from . import lc_ops
from .conftest import SAMPLE_COURSE
from .storage_checks import assert_incremental_equals_full, assert_storage_invariant, live_structure

pytestmark = pytest.mark.django_db
KEY = CourseKey.from_string("course-v1:LCDemo+LC101+2026")
# summary_html's place in the course: its unit, subsection, section and the root.
ANCESTORS = [
    ("vertical", "summary_vert"), ("sequential", "final_seq"), ("chapter", "wrapup"), ("course", "course")
]  # fmt: skip


@pytest.fixture
def binding(run_import: Any) -> CourseBinding:
    run_import(SAMPLE_COURSE)
    set_course_override(DEFAULT_FLAG_NAME, KEY, True)
    return CourseBinding.objects.select_related("learning_package").get(course_key=KEY)


@pytest.fixture
def authoring(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """
    Author as Studio would: each change's after-commit events (the compiles) run at once; the
    reads after it are a new request (the course index is request-cached).
    """

    @contextmanager
    def run() -> Iterator[None]:
        with django_capture_on_commit_callbacks(execute=True):
            yield
        RequestCache.clear_all_namespaces()

    return run


@pytest.fixture
def store() -> LearningCoreModuleStore:
    return LearningCoreModuleStore()


def usage(block_type: str, block_id: str) -> BlockUsageLocator:
    return KEY.make_usage_key(block_type, block_id)


def latest(log: Any, binding: CourseBinding) -> Any:
    """The package's latest PublishLog or DraftChangeLog (other tests' courses may be there too)."""
    return log.objects.filter(learning_package_id=binding.learning_package_id).latest("id")


def edit_summary(binding: CourseBinding, text: str) -> int:
    html = lc_ops.entity_of(binding, "html", "summary_html")
    lc_ops.set_block_xml(binding, html, lc_ops.block_xml(html).replace("</html>", f"<p>{text}</p></html>"))
    return html


def read(store: LearningCoreModuleStore, setting: str, key: BlockUsageLocator, **kwargs: Any) -> Any:
    with store.branch_setting(setting):
        return store.get_item(key, **kwargs)


def changes(store: LearningCoreModuleStore, block_type: str, block_id: str) -> bool:
    return store.has_changes(store.get_item(usage(block_type, block_id)))


# --- the branch after an import ------------------------------------------------------------------


def test_import_compiles_both_branches_sharing_definitions(binding: CourseBinding) -> None:
    index = CourseIndex.objects.select_related("draft_structure", "published_structure").get(binding=binding)
    draft = index.draft_structure
    assert draft is not None and draft.branch == DRAFT_BRANCH
    assert draft.draft_change_log_id == latest(DraftChangeLog, binding).id
    assert draft.publish_log_id == index.publish_log_id
    published, drafts = live_structure(binding), live_structure(binding, DRAFT_BRANCH)
    assert published is not None and drafts is not None and drafts["_id"] != published["_id"]
    assert [b["definition"] for b in drafts["blocks"]] == [b["definition"] for b in published["blocks"]]
    assert all(  # nothing is unpublished: every draft block names its published twin's version
        d["edit_info"]["source_version"] == p["edit_info"]["update_version"]
        for d, p in zip(drafts["blocks"], published["blocks"], strict=True)
    )
    versions = LearningCorePersistenceBackend().get_course_index(KEY)["versions"]  # type: ignore[index]
    assert {b: str(v) for b, v in versions.items()} == {
        PUBLISHED_BRANCH: index.published_structure.object_id,
        DRAFT_BRANCH: draft.object_id,
    }
    assert_storage_invariant(binding)
    assert_incremental_equals_full(binding)
    assert compile_course(KEY, branch=DRAFT_BRANCH).skipped == "already up to date"


def test_the_tables_refuse_a_second_draft_or_a_published_change_log(binding: CourseBinding) -> None:
    draft = CompiledStructure.objects.get(binding=binding, branch=DRAFT_BRANCH)
    # SQLite names a unique constraint's columns, MariaDB its index: either is this constraint.
    unique = "lc_structure_one_live_per_branch|binding_id, lc_modulestore_compiledstructure.branch"
    with pytest.raises(IntegrityError, match=unique), transaction.atomic():
        CompiledStructure.objects.create(
            binding=binding,
            branch=DRAFT_BRANCH,
            publish_log_id=draft.publish_log_id,
            draft_change_log_id=draft.draft_change_log_id,
            object_id="0" * 24,
            block_count=0,
            data=b"",
            created=draft.created,
        )
    with pytest.raises(IntegrityError, match="lc_structure_change_log_only_on_drafts"), transaction.atomic():
        CompiledStructure.objects.filter(binding=binding, branch=PUBLISHED_BRANCH).update(
            draft_change_log_id=draft.draft_change_log_id
        )


def test_the_index_lists_courses_by_branch(binding: CourseBinding) -> None:
    backend = LearningCorePersistenceBackend()
    found = backend.find_matching_course_indexes(DRAFT_BRANCH, course_keys=[KEY])
    assert [i["org"] for i in found] == ["LCDemo"]
    assert list(backend.find_matching_course_indexes("library")) == []


# --- a draft edit, then its publish ------------------------------------------------------------------


def test_a_draft_edit_is_previewed_then_published(
    binding: CourseBinding, authoring: Any, store: LearningCoreModuleStore
) -> None:
    before = live_structure(binding)
    with authoring():
        edit_summary(binding, "a draft edit")
    assert live_structure(binding) == before  # nothing published: the published branch is as it was
    summary = usage("html", "summary_html")
    assert "a draft edit" in read(store, "draft-preferred", summary).data
    assert "a draft edit" not in read(store, "published-only", summary).data
    assert "a draft edit" in store.get_item(summary.for_branch(DRAFT_BRANCH)).data  # a key's branch wins
    assert "a draft edit" not in read(store, "draft-preferred", summary, revision=PUBLISHED_ONLY).data
    assert "a draft edit" in read(store, "published-only", summary, revision=DRAFT_ONLY).data
    with pytest.raises(UnsupportedRevisionError):
        store.get_item(summary, revision="rev-opt-all")
    draft_item = read(store, "draft-preferred", summary)
    assert draft_item.location.course_key.branch == DRAFT_BRANCH
    for block_type, block_id in [("html", "summary_html"), *ANCESTORS]:
        assert changes(store, block_type, block_id), block_id
    for block_type, block_id in [("html", "cohort_html"), ("vertical", "welcome_vert"), ("chapter", "week1")]:
        assert not changes(store, block_type, block_id), block_id
    assert_storage_invariant(binding)
    assert_incremental_equals_full(binding)

    with authoring():
        lc_ops.publish(binding)
    assert "a draft edit" in read(store, "published-only", summary).data
    assert "a draft edit" in read(store, "draft-preferred", summary).data
    for block_type, block_id in [("html", "summary_html"), *ANCESTORS]:
        assert not changes(store, block_type, block_id), block_id
    assert_storage_invariant(binding)
    assert_incremental_equals_full(binding)


def test_a_soft_deleted_draft_leaves_the_draft_branch_only(
    binding: CourseBinding, authoring: Any, store: LearningCoreModuleStore
) -> None:
    summary = usage("html", "summary_html")
    with authoring():
        content_api.soft_delete_draft(lc_ops.entity_of(binding, "html", "summary_html"))
    with store.branch_setting("draft-preferred"):
        assert not store.has_item(summary)
        unit = store.get_item(usage("vertical", "summary_vert"))
        assert [c.block_id for c in unit.children] == ["cohort_html", "reflection_ora"]
        assert store.get_parent_location(summary) is None
    assert store.has_item(summary) and store.get_parent_location(summary) is not None
    assert store.get_parent_location(summary, revision=DRAFT_PREFERRED) is None
    assert changes(store, "vertical", "summary_vert") and changes(store, "course", "course")
    assert changes(store, "html", "summary_html")  # gone from the draft branch: an unpublished change
    assert_storage_invariant(binding)
    assert_incremental_equals_full(binding)

    with authoring():
        lc_ops.publish(binding)
    assert not store.has_item(summary)
    assert not changes(store, "vertical", "summary_vert")
    assert_storage_invariant(binding)


def test_discarding_drafts_leaves_nothing_unpublished(
    binding: CourseBinding, authoring: Any, store: LearningCoreModuleStore
) -> None:
    with authoring():
        edit_summary(binding, "to be discarded")
    assert changes(store, "course", "course")
    with authoring():
        content_api.reset_drafts_to_published(binding.learning_package_id)
    assert not changes(store, "course", "course")
    assert "to be discarded" not in read(store, "draft-preferred", usage("html", "summary_html")).data
    assert_incremental_equals_full(binding)


def test_edit_info_comes_from_the_draft_change_log_and_the_publish_log(
    binding: CourseBinding, authoring: Any, store: LearningCoreModuleStore
) -> None:
    published_at = latest(PublishLog, binding).published_at
    with authoring():
        edit_summary(binding, "edited later")
    change = latest(DraftChangeLog, binding)
    with store.branch_setting("draft-preferred"):
        summary = store.get_item(usage("html", "summary_html"))
        root = store.get_course(KEY)
        welcome = store.get_item(usage("html", "welcome_html"))
    assert summary.edited_on == change.changed_at > published_at
    assert summary.published_on == published_at  # its published twin's edit
    assert root.subtree_edited_on == change.changed_at and root.edited_on < change.changed_at
    assert welcome.published_on == published_at
    published_summary = store.get_item(usage("html", "summary_html"))
    assert published_summary.edited_on == published_summary.published_on == published_at

    with authoring():
        new = lc_ops.add_html(binding, "brand_new", "<p>never published</p>")
        unit = lc_ops.entity_of(binding, "vertical", "summary_vert")
        lc_ops.set_unit_children(unit, [*lc_ops.unit_children(unit), new])
    with store.branch_setting("draft-preferred"):
        fresh = store.get_item(usage("html", "brand_new"))
        assert fresh.published_on is None and fresh.published_by is None
        assert not store.has_published_version(fresh)
    assert changes(store, "vertical", "summary_vert")


# --- failures, the setting, the operators' commands ------------------------------------------------


def test_a_draft_that_does_not_parse_is_an_error_block_on_the_draft_branch_only(
    binding: CourseBinding, authoring: Any, store: LearningCoreModuleStore
) -> None:
    html = lc_ops.entity_of(binding, "html", "summary_html")
    with authoring():
        lc_ops.set_block_xml(binding, html, "<html><p>unclosed</html")
    assert not CompileFailure.objects.filter(binding=binding).exists()  # the rest of the drafts compiled
    error = read(store, "draft-preferred", usage("error", "html:summary_html"))
    assert error.location.block_type == "error"
    message = (
        compiled_course(KEY, branch=DRAFT_BRANCH).blocks["error/html:summary_html"].definition["error_msg"]
    )
    assert "html/summary_html" in message and "block.xml" in message
    assert not store.has_item(usage("html", "summary_html").for_branch(DRAFT_BRANCH))
    assert "unclosed" not in read(store, "published-only", usage("html", "summary_html")).data
    assert not CompiledErrorBlock.objects.filter(binding=binding).exists()  # nothing the LMS serves
    assert_incremental_equals_full(binding)
    assert_storage_invariant(binding)
    with authoring():
        lc_ops.set_block_xml(binding, html, '<html display_name="S"><![CDATA[<p>fixed</p>]]></html>')
    assert "fixed" in read(store, "draft-preferred", usage("html", "summary_html")).data
    assert_incremental_equals_full(binding)


def test_a_failed_draft_compile_keeps_the_previous_draft_serving(
    binding: CourseBinding, authoring: Any, store: LearningCoreModuleStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = live_structure(binding, DRAFT_BRANCH)

    def fault(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected")

    with monkeypatch.context() as patch:
        patch.setattr("lc_modulestore.compiling.compile_draft.compile_draft", fault)
        with authoring():
            edit_summary(binding, "not yet compiled")
    failure = CompileFailure.objects.get(binding=binding)
    assert failure.branch == DRAFT_BRANCH
    assert failure.draft_change_log_id == latest(DraftChangeLog, binding).id
    assert "injected" in failure.message
    assert live_structure(binding, DRAFT_BRANCH) == before
    assert "not yet compiled" not in read(store, "draft-preferred", usage("html", "summary_html")).data
    assert_storage_invariant(binding)
    with authoring():
        edit_summary(binding, "compiled")
    assert "compiled" in read(store, "draft-preferred", usage("html", "summary_html")).data
    assert_incremental_equals_full(binding)


def test_draft_compiles_can_be_turned_off(
    binding: CourseBinding, authoring: Any, store: LearningCoreModuleStore
) -> None:
    with override_settings(LC_MODULESTORE_COMPILE_DRAFTS=False):
        before = live_structure(binding, DRAFT_BRANCH)
        with authoring():
            edit_summary(binding, "not compiled")
        assert live_structure(binding, DRAFT_BRANCH) == before
        assert compile_course(KEY, branch=DRAFT_BRANCH).skipped.startswith("draft compiles are off")
        with authoring():
            lc_ops.publish(binding, [lc_ops.entity_of(binding, "html", "welcome_html")])
        assert live_structure(binding, DRAFT_BRANCH) is None  # a stale draft branch is removed
        live_rows = CompiledStructure.objects.filter(binding=binding, branch__isnull=False)
        assert list(live_rows.values_list("branch", flat=True)) == [PUBLISHED_BRANCH]
        assert_storage_invariant(binding)
        draft_read = read(store, "draft-preferred", usage("html", "summary_html"))
        assert "not compiled" not in draft_read.data  # preview falls back to the published branch
        # Located on the draft branch, as Split's reads are, in the published structure.
        assert draft_read.location.course_key.branch == DRAFT_BRANCH
        assert draft_read.location.course_key.version_guid == live_structure(binding)["_id"]
        assert not changes(store, "course", "course")
    report = compile_course(KEY, branch=DRAFT_BRANCH)
    assert not report.incremental and report.structure_id is not None
    RequestCache.clear_all_namespaces()  # the next request sees the new index
    assert "not compiled" in read(store, "draft-preferred", usage("html", "summary_html")).data
    assert_storage_invariant(binding)
    assert_incremental_equals_full(binding)


def test_lc_compile_and_lc_show_take_a_branch(binding: CourseBinding, authoring: Any) -> None:
    with authoring():
        edit_summary(binding, "shown")
    out = StringIO()
    call_command("lc_compile", str(KEY), "--branch", "both", "--full", stdout=out)
    lines = out.getvalue().splitlines()
    assert any("drafts: full @ DraftChangeLog" in line for line in lines), lines
    assert lines[-1] == "1 compiled, 0 failed"
    out = StringIO()
    call_command("lc_show", str(KEY), "--branch", "draft", stdout=out)
    header = out.getvalue().splitlines()[0]
    change = latest(DraftChangeLog, binding).id
    assert f"draft-branch: DraftChangeLog {change}, against PublishLog" in header
    assert compiled_course(KEY, branch=DRAFT_BRANCH).draft_change_log_id == change
    out = StringIO()
    call_command("lc_show", str(KEY), "--branch", "draft", "--source", "store", stdout=out)
    assert out.getvalue().splitlines()[0] == header


# --- random draft edits and publishes ---------------------------------------------------------------


def _units(binding: CourseBinding) -> list[int]:
    return sorted(
        PublishableEntity.objects.filter(
            learning_package_id=binding.learning_package_id,
            container__unit__isnull=False,
            draft__version__isnull=False,
        ).values_list("id", flat=True)
    )


def _random_step(rng: random.Random, binding: CourseBinding, step: int) -> None:
    """One authoring change to the drafts, sometimes followed by a publish of some or all of them."""
    units = _units(binding)
    unit = rng.choice(units)
    children = lc_ops.unit_children(unit)
    action = rng.choice(["edit", "edit", "add", "delete", "reorder", "move", "detach", "discard", "publish"])
    if action == "edit" and children:
        target = rng.choice(children)
        olx = lc_ops.block_xml(target)
        if olx.startswith("<html"):
            lc_ops.set_block_xml(binding, target, olx.replace("</html>", f"<p>edit {step}</p></html>"))
            return
        action = "add"
    if action == "delete" and children:
        content_api.soft_delete_draft(rng.choice(children))
    elif action == "reorder" and len(children) > 1:
        lc_ops.set_unit_children(unit, list(reversed(children)))
    elif action == "move" and children:
        moved = rng.choice(children)
        lc_ops.set_unit_children(unit, [c for c in children if c != moved])
        other = rng.choice([u for u in units if u != unit])
        lc_ops.set_unit_children(other, [*lc_ops.unit_children(other), moved])
    elif action == "detach" and children:
        lc_ops.set_unit_children(unit, children[:-1])
    elif action == "discard":
        content_api.reset_drafts_to_published(binding.learning_package_id)
    elif action == "publish":
        some = rng.random() < 0.5
        lc_ops.publish(binding, [unit] if some else None)
    else:
        new = lc_ops.add_html(binding, f"added_{step}", f"<p>added in step {step}</p>")
        lc_ops.set_unit_children(unit, [*children, new])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_draft_and_publish_sequences(
    binding: CourseBinding, authoring: Any, store: LearningCoreModuleStore, seed: int
) -> None:
    rng = random.Random(seed)
    for step in range(20):
        with authoring():
            _random_step(rng, binding, step)
        assert not CompileFailure.objects.exists(), CompileFailure.objects.first()
        assert_incremental_equals_full(binding)
        assert_storage_invariant(binding)
    with authoring():
        lc_ops.publish(binding)
    assert not changes(store, "course", "course")
    assert_incremental_equals_full(binding)
    assert_storage_invariant(binding)
