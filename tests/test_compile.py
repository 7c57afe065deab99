"""
Compiling publishes into stored Split documents: what one edit changes, failures, cascades, and
random publish sequences checked against a full compile after every step.
"""

from __future__ import annotations

import random
import zlib
from datetime import timedelta
from typing import Any

import orjson
import pytest
from openedx_content import api as content_api
from openedx_content.models_api import (
    DraftSideEffect,
    EntityListRow,
    LearningPackage,
    PublishableEntity,
    PublishSideEffect,
)

from lc_modulestore.api import compile_course, course_published
from lc_modulestore.models import (
    CompiledDefinition,
    CompiledStructure,
    CompileFailure,
    CourseBinding,
    CourseIndex,
    VersionFieldData,
)
from lc_modulestore.storage import writes
from lc_modulestore.storage.recent import forget_recent_compiles

from . import lc_ops
from .storage_checks import (
    assert_incremental_equals_full,
    assert_storage_invariant,
    live_definition_ids,
    live_structure,
)

pytestmark = pytest.mark.django_db
KEY = "course-v1:LCDemo+LC101+2026"
# What a publish by the same user changes at the top of a structure (blocks aside).
STRUCTURE_LEVEL_CHANGES = {"_id", "previous_version", "edited_on"}


def test_first_compile_is_stored_and_indexed(binding: CourseBinding) -> None:
    structure = live_structure(binding)
    index = CourseIndex.objects.get(binding=binding)
    assert str(structure["_id"]) == index.published_structure.object_id
    assert structure["root"] == ["course", "course"]
    assert structure["previous_version"] is None
    assert structure["original_version"] == structure["_id"]
    assert index.wiki_slug == "LCDemo.LC101.2026" and index.org == "LCDemo"
    assert all(b["edit_info"]["edited_on"].tzinfo is not None for b in structure["blocks"])
    assert_storage_invariant(binding)
    assert_incremental_equals_full(binding)
    assert compile_course(KEY).skipped == "already up to date"


def test_one_edit_changes_one_block_and_one_definition(binding: CourseBinding, publish: Any) -> None:
    before = live_structure(binding)
    old_definitions = live_definition_ids(binding)
    html = lc_ops.entity_of(binding, "html", "summary_html")
    lc_ops.set_block_xml(binding, html, lc_ops.block_xml(html).replace("</html>", "<p>new</p></html>"))
    publish(binding, [html])

    after = live_structure(binding)
    new_definitions = live_definition_ids(binding)
    assert len(new_definitions - old_definitions) == 1
    assert len(old_definitions - new_definitions) == 1
    # The superseded structure and definition stay readable a while, for reads in flight.
    assert CompiledStructure.objects.get(object_id=str(before["_id"])).branch is None
    assert CompiledDefinition.objects.get(object_id=(old_definitions - new_definitions).pop()).superseded_at
    assert after["previous_version"] == before["_id"]
    assert {k for k in before if k != "blocks" and before[k] != after[k]} == STRUCTURE_LEVEL_CHANGES
    changed = [
        (a["block_type"], a["block_id"], sorted(k for k in a if a[k] != b[k]))
        for a, b in zip(after["blocks"], before["blocks"], strict=True)
        if a != b
    ]
    assert changed == [("html", "summary_html", ["definition", "edit_info"])]
    edit_info = next(b for b in after["blocks"] if b["block_id"] == "summary_html")["edit_info"]
    assert edit_info["update_version"] == after["_id"]
    assert edit_info["previous_version"] == before["_id"]
    assert_storage_invariant(binding)
    assert_incremental_equals_full(binding)


def _no_outline_walk(*args: Any) -> Any:
    raise AssertionError("the outline was walked")


def test_an_edit_in_place_is_patched_without_walking_the_outline(
    binding: CourseBinding, publish: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    A component edited keeps the outline's shape: both branches' compiles put its new block in
    the previous block's place (the walk of the whole outline, the cost of a large course, is not
    needed), and the result equals a full compile.
    """
    html = lc_ops.entity_of(binding, "html", "summary_html")
    lc_ops.set_block_xml(binding, html, lc_ops.block_xml(html).replace("</html>", "<p>new</p></html>"))
    with monkeypatch.context() as patch:
        patch.setattr("compile.structure._outline_order", _no_outline_walk)
        log_id = publish(binding, [html])
    assert not CompileFailure.objects.filter(binding=binding).exists()
    assert CourseIndex.objects.get(binding=binding).publish_log_id == log_id
    block = next(b for b in live_structure(binding)["blocks"] if b["block_id"] == "summary_html")
    definition = CompiledDefinition.objects.get(object_id=str(block["definition"]))
    assert "<p>new</p>" in zlib.decompress(bytes(definition.data)).decode()
    assert_storage_invariant(binding)
    assert_incremental_equals_full(binding)


def test_course_published_signal_follows_the_swap(binding: CourseBinding, publish: Any) -> None:
    received: list[dict[str, Any]] = []

    def listen(**kwargs: Any) -> None:
        received.append(kwargs)

    course_published.connect(listen)
    try:
        html = lc_ops.entity_of(binding, "html", "summary_html")
        lc_ops.set_block_xml(binding, html, '<html display_name="S"><![CDATA[<p>x</p>]]></html>')
        log_id = publish(binding, [html])
    finally:
        course_published.disconnect(listen)
    assert [(str(r["course_key"]), r["publish_log_id"]) for r in received] == [(KEY, log_id)]
    assert received[0]["structure_id"] == str(live_structure(binding)["_id"])


def test_shared_child_is_listed_by_both_parents(binding: CourseBinding, publish: Any) -> None:
    """Was a compile failure ("a Split structure gives each block one parent"): Split serves a DAG."""
    html = lc_ops.entity_of(binding, "html", "summary_html")
    other = lc_ops.entity_of(binding, "vertical", "welcome_vert")
    lc_ops.set_unit_children(other, [*lc_ops.unit_children(other), html])
    publish(binding, [other])
    assert not CompileFailure.objects.filter(binding=binding).exists()
    blocks = live_structure(binding)["blocks"]
    parents = [b["block_id"] for b in blocks if ["html", "summary_html"] in b["fields"].get("children", [])]
    assert sorted(parents) == ["summary_vert", "welcome_vert"]
    assert [b["block_id"] for b in blocks].count("summary_html") == 1
    assert_storage_invariant(binding)
    assert_incremental_equals_full(binding)


def test_pinned_child_is_an_error(binding: CourseBinding, publish: Any) -> None:
    html = lc_ops.entity_of(binding, "html", "summary_html")
    unit = lc_ops.entity_of(binding, "vertical", "summary_vert")
    pinned = content_api.get_component(html).versioning.draft
    content_api.create_next_unit_version(unit, components=[pinned], created=lc_ops.now(), created_by=None)
    publish(binding, [unit])
    assert "pinned" in CompileFailure.objects.get(binding=binding).message


def test_full_recompile_of_the_same_publish_is_idempotent(binding: CourseBinding) -> None:
    before = live_structure(binding)
    report = compile_course(KEY, full=True)
    assert report.structure_id == str(before["_id"])
    assert live_structure(binding) == before
    assert_storage_invariant(binding)


def test_reattached_orphan_comes_back(binding: CourseBinding, publish: Any) -> None:
    unit = lc_ops.entity_of(binding, "vertical", "summary_vert")
    children = lc_ops.unit_children(unit)
    lc_ops.set_unit_children(unit, children[1:])
    publish(binding, [unit])
    assert_incremental_equals_full(binding)
    lc_ops.set_unit_children(unit, children)  # the component itself never changed: no record for it
    publish(binding, [unit])
    assert_incremental_equals_full(binding)
    blocks = {(b["block_type"], b["block_id"]) for b in live_structure(binding)["blocks"]}
    assert ("html", "summary_html") in blocks


def test_deleting_the_learning_package_removes_every_compiled_row(binding: CourseBinding) -> None:
    assert CompiledDefinition.objects.exists() and VersionFieldData.objects.exists()
    # Learning Core 1.15 guards its own graph rows with RESTRICT, so a package goes after them.
    lp_id = binding.learning_package_id
    PublishSideEffect.objects.filter(cause__publish_log__learning_package_id=lp_id).delete()
    DraftSideEffect.objects.filter(cause__draft_change_log__learning_package_id=lp_id).delete()
    EntityListRow.objects.filter(entity__learning_package_id=lp_id).delete()
    LearningPackage.objects.filter(pk=lp_id).delete()
    for model in (CourseBinding, CourseIndex, CompiledStructure, CompiledDefinition, VersionFieldData):
        assert not model.objects.exists(), model.__name__


def _random_step(rng: random.Random, binding: CourseBinding, step: int) -> list[int] | None:
    """One authoring change; returns what to publish (None: everything)."""
    units = sorted(
        PublishableEntity.objects.filter(
            learning_package_id=binding.learning_package_id,
            container__unit__isnull=False,
            draft__version__isnull=False,
        ).values_list("id", flat=True)
    )
    unit = rng.choice(units)
    children = lc_ops.unit_children(unit)
    action = rng.choice(["edit", "add", "delete", "reorder", "move", "detach"])
    if action == "edit" and children:
        target = rng.choice(children)
        olx = lc_ops.block_xml(target)
        if olx.startswith("<html"):
            lc_ops.set_block_xml(binding, target, olx.replace("</html>", f"<p>edit {step}</p></html>"))
            return [target]
        action = "add"
    if action == "delete" and children:
        content_api.soft_delete_draft(rng.choice(children))
        return None
    if action == "reorder" and len(children) > 1:
        lc_ops.set_unit_children(unit, list(reversed(children)))
        return [unit]
    if action == "move" and children:
        other = rng.choice([u for u in units if u != unit])
        moved = rng.choice(children)
        lc_ops.set_unit_children(unit, [c for c in children if c != moved])
        lc_ops.set_unit_children(other, [*lc_ops.unit_children(other), moved])
        return [unit, other]
    if action == "detach" and children:
        lc_ops.set_unit_children(unit, children[:-1])
        return [unit]
    new = lc_ops.add_html(binding, f"added_{step}", f"<p>added in step {step}</p>")
    lc_ops.set_unit_children(unit, [*children, new])
    return [unit]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_publish_sequences(binding: CourseBinding, publish: Any, seed: int) -> None:
    rng = random.Random(seed)
    for step in range(10):
        publish(binding, _random_step(rng, binding, step))
        assert not CompileFailure.objects.exists(), CompileFailure.objects.first()
        assert_incremental_equals_full(binding)
        assert_storage_invariant(binding)


def test_a_structure_in_an_older_format_is_recompiled_in_full(binding: CourseBinding, publish: Any) -> None:
    """After an upgrade that changes the stored format, the next publish still compiles."""
    CompiledStructure.objects.filter(binding=binding).update(data=zlib.compress(orjson.dumps({"format": 1})))
    forget_recent_compiles()
    html = lc_ops.entity_of(binding, "html", "summary_html")
    lc_ops.set_block_xml(binding, html, lc_ops.block_xml(html).replace("</html>", "<p>upgraded</p></html>"))
    publish(binding, [html])
    assert not CompileFailure.objects.exists()
    assert_incremental_equals_full(binding)
    assert_storage_invariant(binding)


def structure_rows(binding: CourseBinding) -> tuple[int, int]:
    """The course's structure rows, live or superseded: published ones, draft ones."""
    rows = CompiledStructure.objects.filter(binding=binding)
    return rows.filter(draft_change_log__isnull=True).count(), rows.filter(
        draft_change_log__isnull=False
    ).count()


def test_superseded_rows_go_once_readers_are_done(
    binding: CourseBinding, publish: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept SUPERSEDED_GRACE for reads in flight, then deleted by the course's next compile."""
    first = live_structure(binding)
    html = lc_ops.entity_of(binding, "html", "summary_html")
    for step in range(3):
        lc_ops.set_block_xml(
            binding, html, lc_ops.block_xml(html).replace("</html>", f"<p>{step}</p></html>")
        )
        publish(binding, [html])
    # Per branch (published, draft): the live row and the three superseded, within their grace.
    assert structure_rows(binding) == (4, 4)
    assert CompiledDefinition.objects.filter(binding=binding, superseded_at__isnull=False).count() == 3
    later = writes._now() + writes.SUPERSEDED_GRACE + timedelta(seconds=1)
    monkeypatch.setattr(writes, "_now", lambda: later)
    lc_ops.set_block_xml(binding, html, lc_ops.block_xml(html).replace("</html>", "<p>last</p></html>"))
    publish(binding, [html])
    # Only the one superseded just now is left besides the live rows.
    assert not CompiledStructure.objects.filter(object_id=str(first["_id"])).exists()
    assert structure_rows(binding) == (2, 2)
    assert CompiledDefinition.objects.filter(binding=binding, superseded_at__isnull=False).count() == 1
    assert_storage_invariant(binding)
