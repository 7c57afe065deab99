"""
A conditional's ``<show sources="...">`` targets are children of the conditional, as Open edX's
reader makes them (``ConditionalBlock.definition_from_xml`` appends them to ``children`` where the
``<show>`` stands) and Studio's import stores them in Split: inline blocks and targets interleaved
in document order. A target is usually a block elsewhere in the course, which then has two parents
(rule S1); one the course does not hold stays listed, and the LMS skips it when it loads the
children (``XModuleMixin.get_child``), so the course compiles and serves all the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from opaque_keys.edx.keys import CourseKey

from compile.ids import EntityId, PublishLogId, VersionId
from compile.snapshot import CourseSnapshot, EntitySnapshot, SnapshotError
from compile.structure import compile_snapshot
from lc_modulestore.api import compiled_course
from lc_modulestore.models import CompileFailure, CourseBinding
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore

from . import lc_ops
from .olx_cases import write_export
from .storage_checks import assert_incremental_equals_full

KEY = "course-v1:LCTest+T1+2026"
COURSE = CourseKey.from_string(KEY)

EXPORT: dict[str, str | bytes] = {
    "course/2026.xml": '<course><chapter url_name="c1"/></course>',
    "chapter/c1.xml": '<chapter><sequential url_name="s1"/></chapter>',
    "sequential/s1.xml": '<sequential><vertical url_name="v1"/><vertical url_name="v2"/></sequential>',
    "vertical/v1.xml": '<vertical><html url_name="shared"/><problem url_name="p1"/></vertical>',
    "html/shared.xml": '<html display_name="Shared">shared</html>',
    "problem/p1.xml": "<problem><p>1+1?</p></problem>",
    "vertical/v2.xml": '<vertical><conditional url_name="cond"/></vertical>',
    # Shows before the inline blocks: the importer writes block.xml in that layout (see the
    # compile-level test below for shows between inline blocks).
    "conditional/cond.xml": (
        '<conditional attempted="True" sources="i4x://LCTest/T1/problem/p1">'
        '<show sources="i4x://LCTest/T1/html/shared; i4x://LCTest/T1/html/nowhere;i4x://LCTest/T1/html/shared"/>'
        '<show sources="block-v1:LCTest+T1+2026+type@problem+block@p1"/>'
        '<html url_name="first">first</html>'
        "<!-- not a child -->"
        '<html url_name="second">second</html>'
        "</conditional>"
    ),
}

# html/shared named twice in one <show>, so listed twice (parse_sources keeps repeats).
CHILDREN = [
    "html/shared",
    "html/nowhere",
    "html/shared",
    "problem/p1",
    "html/first",
    "html/second",
]


@pytest.fixture
def course(tmp_path: Path, run_import: Callable[..., Any]) -> CourseBinding:
    run_import(write_export(tmp_path, EXPORT))
    return CourseBinding.objects.get(course_key=KEY)


@pytest.fixture
def store() -> Iterator[LearningCoreModuleStore]:
    set_course_override(DEFAULT_FLAG_NAME, COURSE, True)
    yield LearningCoreModuleStore(contentstore=None, doc_store_config={}, fs_root="/tmp")


def named(usage: Any) -> str:
    return f"{usage.block_type}/{usage.block_id}"


# --- the compiler on its own ----------------------------------------------------------------------


def _entity(
    entity_id: int, key: tuple[str, str], children: tuple[int, ...] = (), olx: str | None = None
) -> Any:
    container = olx is None
    return EntitySnapshot(
        EntityId(entity_id), key[0], key[1], VersionId(entity_id), 1, key[1], olx,
        children=tuple(EntityId(c) for c in children),
        settings={} if container else None, content={} if container else None,
    )  # fmt: skip


def _compile(conditional_olx: str) -> dict[tuple[str, str], list[tuple[str, str]]]:
    snapshot = CourseSnapshot(
        KEY, uuid4(), PublishLogId(1), datetime(2026, 1, 1, tzinfo=UTC), None, EntityId(1),
        PublishLogId(1), None,
        {
            e.entity_id: e
            for e in (
                _entity(1, ("course", "course"), (2,)),
                _entity(2, ("chapter", "c"), (3,)),
                _entity(3, ("sequential", "s"), (4,)),
                _entity(4, ("vertical", "v"), (5, 6)),
                _entity(5, ("html", "target"), olx="<html>t</html>"),
                _entity(6, ("conditional", "cond"), olx=conditional_olx),
            )
        },
    )  # fmt: skip
    blocks = compile_snapshot(snapshot).structure["blocks"]
    return {
        (b["block_type"], b["block_id"]): [tuple(c) for c in b["fields"].get("children", [])] for b in blocks
    }


def test_show_targets_interleave_with_inline_blocks_in_document_order() -> None:
    children = _compile(
        "<conditional>"
        '<html url_name="a">a</html>'
        '<show sources="i4x://o/c/html/target;i4x://o/c/problem/gone; i4x://o/c/html/target"/>'
        "<html>inline, named by its place</html>"
        '<show sources="block-v1:o+c+r+type@html+block@a"/>'
        "</conditional>"
    )
    assert children[("conditional", "cond")] == [
        ("html", "a"),
        ("html", "target"),
        ("problem", "gone"),
        ("html", "target"),
        ("html", "cond_1"),
        ("html", "a"),
    ]
    assert children[("vertical", "v")] == [("html", "target"), ("conditional", "cond")]


def test_a_show_target_containing_its_conditional_is_a_cycle() -> None:
    with pytest.raises(
        SnapshotError, match="a block contains itself: vertical/v > conditional/cond > vertical/v"
    ):
        _compile('<conditional><show sources="i4x://o/c/vertical/v"/></conditional>')


# --- imported, compiled and served ---------------------------------------------------------------


@pytest.mark.django_db
def test_show_targets_are_children_of_the_conditional(course: CourseBinding) -> None:
    blocks = compiled_course(KEY).blocks
    assert blocks["conditional/cond"].children == CHILDREN
    # The same reading as the content field (one parse of the sources for both).
    assert blocks["conditional/cond"].definition["show_tag_list"] == [
        ["html", "shared"],
        ["html", "nowhere"],
        ["html", "shared"],
        ["problem", "p1"],
    ]
    assert not CompileFailure.objects.filter(binding=course).exists()


@pytest.mark.django_db
def test_a_target_elsewhere_in_the_course_is_served_as_a_child(
    course: CourseBinding, store: LearningCoreModuleStore
) -> None:
    blocks = compiled_course(KEY).blocks
    # Its own parent still holds it, once, and the block is compiled once.
    assert blocks["vertical/v1"].children == ["html/shared", "problem/p1"]
    assert blocks["html/shared"].display_name == "Shared"
    cond = store.get_item(COURSE.make_usage_key("conditional", "cond"), depth=None)
    served = [named(child.location) for child in cond.get_children()]
    assert served == [name for name in CHILDREN if name != "html/nowhere"]
    assert cond.get_children()[1].display_name == "Shared"
    # Split's get_parent_location: the least (type, id) of the parents that reach the root, so the
    # conditional answers for a target whose other parent is a vertical; the vertical still lists it.
    shared = COURSE.make_usage_key("html", "shared")
    assert named(store.get_parent_location(shared)) == "conditional/cond"
    unit = store.get_item(COURSE.make_usage_key("vertical", "v1"), depth=None)
    assert [named(child.location) for child in unit.get_children()] == ["html/shared", "problem/p1"]
    assert store.get_orphans(COURSE) == []


@pytest.mark.django_db
def test_a_target_the_course_does_not_hold_is_listed_and_skipped(
    course: CourseBinding, store: LearningCoreModuleStore
) -> None:
    assert "html/nowhere" in compiled_course(KEY).blocks["conditional/cond"].children
    assert "html/nowhere" not in compiled_course(KEY).blocks
    nowhere = COURSE.make_usage_key("html", "nowhere")
    assert not store.has_item(nowhere)
    # Split finds parents in the children lists, whether the child is a block or not.
    assert named(store.get_parent_location(nowhere)) == "conditional/cond"
    root = store.get_course(COURSE, depth=None)
    seen, stack = [], [root]
    while stack:  # the LMS's walk: get_children skips the child that does not load
        block = stack.pop()
        seen.append(named(block.location))
        stack.extend(reversed(block.get_children()) if block.has_children else [])
    assert "html/nowhere" not in seen and seen.count("html/shared") == 3
    cond = store.get_item(COURSE.make_usage_key("conditional", "cond"), depth=None)
    assert [named(c) for c in cond.children] == CHILDREN


@pytest.mark.django_db
def test_a_target_the_course_stops_holding_stays_listed_as_in_a_full_compile(
    course: CourseBinding, publish: Any, store: LearningCoreModuleStore
) -> None:
    # html/shared leaves its unit but stays published: an orphan, which a show target must not
    # bring back into the course (a full compile would not have it either).
    v1 = lc_ops.entity_of(course, "vertical", "v1")
    lc_ops.set_unit_children(v1, [lc_ops.entity_of(course, "problem", "p1")])
    publish(course, [v1])
    blocks = compiled_course(KEY).blocks
    assert blocks["conditional/cond"].children == CHILDREN
    assert "html/shared" not in blocks
    assert not store.has_item(COURSE.make_usage_key("html", "shared"))
    cond = store.get_item(COURSE.make_usage_key("conditional", "cond"), depth=None)
    assert [named(c.location) for c in cond.get_children()] == ["problem/p1", "html/first", "html/second"]
    assert_incremental_equals_full(course, drafts=False)
