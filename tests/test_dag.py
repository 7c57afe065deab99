"""
Shared children (a DAG, rule S1) and components straight in sequentials and chapters (rule L3),
from the importer through the compiler to the store: each block written and stored once, listed
by every parent in its order, served as Split serves a DAG; incremental compiles equal full ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from opaque_keys.edx.keys import CourseKey
from openedx_content import api as content_api
from openedx_content.models_api import PublishableEntity

from compile.ids import EntityId, PublishLogId, VersionId
from compile.implicit_containers import is_implicit
from compile.olx_export import OlxError
from compile.snapshot import CourseSnapshot, EntitySnapshot, SnapshotError
from compile.structure import compile_snapshot
from lc_modulestore.api import ImportResult
from lc_modulestore.importing.importer import _CONTAINER_CLASSES, import_course
from lc_modulestore.importing.outline_levels import held_by_learning_core, written_order
from lc_modulestore.models import BlockEntity, CompileFailure, CourseBinding
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore

from . import lc_ops
from .dag_course import KEY, SHARED, container, course, dag_course, problem
from .storage_checks import assert_incremental_equals_full, assert_storage_invariant, live_structure

pytestmark = pytest.mark.django_db

# 14 blocks of the OLX, plus an implicit unit in s1 and an implicit sequential and unit in ch2.
OLX_BLOCKS = 14
IMPLICIT = 3


@pytest.fixture
def run_course(django_capture_on_commit_callbacks: Any) -> Callable[..., ImportResult]:
    def run(olx: Any = None) -> ImportResult:
        with django_capture_on_commit_callbacks(execute=True):
            return import_course(olx or dag_course())

    return run


@pytest.fixture
def dag(run_course: Callable[..., ImportResult]) -> CourseBinding:
    run_course()
    return CourseBinding.objects.select_related("learning_package").get(course_key=KEY)


def children_of(structure: dict[str, Any]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    return {
        (b["block_type"], b["block_id"]): [tuple(c) for c in b["fields"].get("children", [])]
        for b in structure["blocks"]
    }


@pytest.fixture
def store() -> Iterator[LearningCoreModuleStore]:
    set_course_override(DEFAULT_FLAG_NAME, CourseKey.from_string(KEY), True)
    yield LearningCoreModuleStore(contentstore=None, doc_store_config={}, fs_root="/tmp")


# --- the importer -----------------------------------------------------------------------------


def test_a_shared_block_is_written_once_and_listed_by_every_parent(
    run_course: Callable[..., ImportResult],
) -> None:
    result = run_course()
    assert (result.created, result.changed, result.deleted) == (OLX_BLOCKS + IMPLICIT, 0, 0)
    binding = CourseBinding.objects.get(course_key=KEY)
    shared = lc_ops.entity_of(binding, *SHARED)
    units = [lc_ops.entity_of(binding, "vertical", v) for v in ("v1", "v2", "v3")]
    assert [shared in lc_ops.unit_children(unit) for unit in units] == [True, True, True]
    assert lc_ops.unit_children(units[0])[0] == shared  # in its parent's order
    assert PublishableEntity.objects.filter(learning_package_id=binding.learning_package_id).count() == (
        OLX_BLOCKS + IMPLICIT
    )


def test_an_unchanged_reimport_writes_nothing(run_course: Callable[..., ImportResult]) -> None:
    run_course()
    again = run_course()
    assert (again.created, again.changed, again.deleted, again.publish_log_id) == (0, 0, 0, None)
    assert again.unchanged == OLX_BLOCKS + IMPLICIT


def test_a_parent_dropping_a_shared_block_does_not_delete_it(
    dag: CourseBinding, run_course: Callable[..., ImportResult]
) -> None:
    olx = dag_course()
    v3 = olx.root.children[1].children[1].children[0]
    v3.children = v3.children[1:]
    result = run_course(olx)
    assert (result.created, result.deleted) == (0, 0)
    assert SHARED in children_of(live_structure(dag))[("vertical", "v1")]
    assert SHARED not in children_of(live_structure(dag))[("vertical", "v3")]
    assert_incremental_equals_full(dag)


def test_two_blocks_with_one_key_are_refused(run_course: Callable[..., ImportResult]) -> None:
    olx = dag_course()
    olx.root.children[1].children[1].children[0].children[0] = problem("p1")  # not the same object
    with pytest.raises(OlxError, match=r"problem/p1 is defined twice \(first at problem/p1.xml:1\)"):
        run_course(olx)
    assert not CourseBinding.objects.filter(course_key=KEY).exists()


def test_a_block_containing_itself_is_refused_naming_the_cycle(
    run_course: Callable[..., ImportResult],
) -> None:
    olx = dag_course()
    s1 = olx.root.children[0].children[0]
    s1.children[0].children.append(s1)
    with pytest.raises(
        OlxError, match="a block contains itself: sequential/s1 > vertical/v1 > sequential/s1"
    ):
        run_course(olx)
    assert not CourseBinding.objects.filter(course_key=KEY).exists()


# --- components straight in sequentials and chapters ---------------------------------------------


def implicit_keys(binding: CourseBinding) -> set[tuple[str, str]]:
    """The implicit containers whose draft is not deleted."""
    rows = BlockEntity.objects.filter(binding=binding, entity__draft__version__isnull=False)
    return {key for key in rows.values_list("block_type", "block_id") if is_implicit(key)}


def test_implicit_containers_hold_what_learning_core_refuses(dag: CourseBinding) -> None:
    assert sorted(t for t, _ in implicit_keys(dag)) == ["sequential", "vertical", "vertical"]


def test_the_compile_keeps_the_olx_parents_and_order(dag: CourseBinding) -> None:
    structure = live_structure(dag)
    children = children_of(structure)
    assert children[("sequential", "s1")] == [
        ("vertical", "v1"),
        ("problem", "direct1"),
        ("problem", "direct2"),
        ("vertical", "v2"),
    ]
    assert children[("chapter", "ch2")] == [("video", "Welcome"), ("sequential", "s2")]
    assert not [key for key in children if is_implicit(key)]
    assert not [c for listed in children.values() for c in listed if is_implicit(c)]
    # The shared block: one document, listed by its three parents.
    assert [b["block_id"] for b in structure["blocks"]].count(SHARED[1]) == 1
    assert [p for p, listed in children.items() if SHARED in listed] == [
        ("vertical", "v1"),
        ("vertical", "v2"),
        ("vertical", "v3"),
    ]
    assert len(structure["blocks"]) == OLX_BLOCKS
    assert_storage_invariant(dag)
    assert_incremental_equals_full(dag)


def test_a_new_component_in_a_run_changes_the_implicit_unit_only(
    dag: CourseBinding, run_course: Callable[..., ImportResult]
) -> None:
    result = run_course(dag_course(direct=("direct1", "direct3", "direct2")))
    # direct3, the implicit unit, and (by side effect only) nothing else of the OLX
    assert (result.created, result.changed, result.deleted) == (1, 1, 0)
    assert children_of(live_structure(dag))[("sequential", "s1")][1:4] == [
        ("problem", "direct1"),
        ("problem", "direct3"),
        ("problem", "direct2"),
    ]
    assert_incremental_equals_full(dag)


def test_a_run_split_by_a_unit_gets_two_implicit_units(
    dag: CourseBinding, run_course: Callable[..., ImportResult]
) -> None:
    before = implicit_keys(dag)
    olx = dag_course()
    s1 = olx.root.children[0].children[0]
    s1.children.insert(2, container("vertical", "between", [problem("p_between")]))
    result = run_course(olx)
    assert result.created == 3 and result.deleted == 0  # the unit, its problem, the second implicit unit
    assert children_of(live_structure(dag))[("sequential", "s1")] == [
        ("vertical", "v1"),
        ("problem", "direct1"),
        ("vertical", "between"),
        ("problem", "direct2"),
        ("vertical", "v2"),
    ]
    assert_incremental_equals_full(dag)
    run_course()  # back as it was: the second implicit unit goes, the others keep their ids
    assert implicit_keys(dag) == before
    assert_incremental_equals_full(dag)


# --- incremental compiles of a DAG ----------------------------------------------------------------


def test_an_edit_of_the_shared_block_recompiles_incrementally_as_in_full(
    dag: CourseBinding, publish: Any
) -> None:
    before = live_structure(dag)
    shared = lc_ops.entity_of(dag, *SHARED)
    lc_ops.set_block_xml(dag, shared, '<html display_name="Shared!"><![CDATA[<p>new</p>]]></html>')
    publish(dag, [shared])
    after = live_structure(dag)
    changed = [
        (a["block_type"], a["block_id"])
        for a, b in zip(after["blocks"], before["blocks"], strict=True)
        if a != b
    ]
    assert changed == [SHARED]
    assert not CompileFailure.objects.filter(binding=dag).exists()
    assert_incremental_equals_full(dag)


def test_an_edit_of_one_parent_recompiles_incrementally_as_in_full(dag: CourseBinding, publish: Any) -> None:
    v2 = lc_ops.entity_of(dag, "vertical", "v2")
    extra = lc_ops.add_html(dag, "extra", "<p>x</p>")
    lc_ops.set_unit_children(v2, [extra, *lc_ops.unit_children(v2)])
    publish(dag, [v2])
    assert children_of(live_structure(dag))[("vertical", "v2")] == [("html", "extra"), SHARED]
    assert_incremental_equals_full(dag)
    # a direct component of a sequential, edited through Learning Core
    direct = lc_ops.entity_of(dag, "problem", "direct2")
    lc_ops.set_block_xml(dag, direct, '<problem display_name="D2"><p>3+3?</p></problem>')
    publish(dag, [direct])
    block = next(b for b in live_structure(dag)["blocks"] if b["block_id"] == "direct2")
    assert block["fields"]["display_name"] == "D2"
    assert_incremental_equals_full(dag)


# --- serving ------------------------------------------------------------------------------------


def named(usage: Any) -> tuple[str, str]:
    return (usage.block_type, usage.block_id)


def test_the_store_answers_parents_as_split(dag: CourseBinding, store: LearningCoreModuleStore) -> None:
    key = CourseKey.from_string(KEY)
    usage = key.make_usage_key(*SHARED)
    # get_parent_location: the least (type, id) among the parents that reach the root.
    assert named(store.get_parent_location(usage)) == ("vertical", "v1")
    assert named(store.get_parent_location(key.make_usage_key("problem", "direct1"))) == ("sequential", "s1")
    assert named(store.get_parent_location(key.make_usage_key("video", "Welcome"))) == ("chapter", "ch2")
    assert store.get_orphans(key) == []
    # The block's own parent (and what it inherits) is the last parent in structure order, as
    # Split's runtime's parent map keeps: v3, under s2.
    block = store.get_item(usage)
    assert named(block.get_parent().location) == ("vertical", "v3")
    assert named(block.parent) == ("vertical", "v3")
    assert block.due == datetime(2031, 6, 1, tzinfo=UTC)
    assert block.graded is False
    assert store.get_item(key.make_usage_key("problem", "p1")).due == datetime(2030, 1, 1, tzinfo=UTC)
    found = store.get_items(key, qualifiers={"category": "html"})
    assert [named(b.location) for b in found] == [SHARED]
    seq = store.get_item(key.make_usage_key("sequential", "s1"), depth=None)
    assert [c.location.block_id for c in seq.get_children()] == ["v1", "direct1", "direct2", "v2"]
    assert named(seq.get_children()[0].get_children()[0].location) == SHARED


def test_an_orphaned_parent_does_not_answer_for_the_shared_block(
    dag: CourseBinding, publish: Any, store: LearningCoreModuleStore
) -> None:
    s1 = lc_ops.entity_of(dag, "sequential", "s1")
    content_api.create_next_subsection_version(s1, units=[], created=lc_ops.now(), created_by=None)
    publish(dag, [s1])
    key = CourseKey.from_string(KEY)
    usage = key.make_usage_key(*SHARED)
    assert named(store.get_parent_location(usage)) == ("vertical", "v3")
    assert_incremental_equals_full(dag)


# --- the compiler on its own --------------------------------------------------------------------


def _entity(entity_id: int, key: tuple[str, str], children: tuple[int, ...]) -> EntitySnapshot:
    return EntitySnapshot(
        EntityId(entity_id), key[0], key[1], VersionId(entity_id), 1, key[1], None,
        children=tuple(EntityId(c) for c in children), settings={}, content={},
    )  # fmt: skip


def _snapshot(*entities: EntitySnapshot) -> CourseSnapshot:
    return CourseSnapshot(
        KEY, uuid4(), PublishLogId(1), datetime(2026, 1, 1, tzinfo=UTC), None, EntityId(1),
        PublishLogId(1), None, {e.entity_id: e for e in entities},
    )  # fmt: skip


def test_a_cycle_is_an_error_naming_its_blocks() -> None:
    snapshot = _snapshot(
        _entity(1, ("course", "course"), (2,)),
        _entity(2, ("chapter", "c"), (3,)),
        _entity(3, ("sequential", "s"), (4,)),
        _entity(4, ("vertical", "v"), (2,)),
    )
    with pytest.raises(
        SnapshotError, match="a block contains itself: chapter/c > sequential/s > vertical/v > chapter/c"
    ):
        compile_snapshot(snapshot)


def test_a_diamond_compiles_each_block_once() -> None:
    snapshot = _snapshot(
        _entity(1, ("course", "course"), (2, 3)),
        _entity(2, ("chapter", "a"), (4,)),
        _entity(3, ("chapter", "b"), (4,)),
        _entity(4, ("sequential", "s"), ()),
    )
    blocks = compile_snapshot(snapshot).structure["blocks"]
    assert [b["block_id"] for b in blocks] == ["course", "a", "s", "b"]


def _shape(block: Any) -> Any:
    name = (
        "implicit " + block.block_type if is_implicit(block.key) else f"{block.block_type}/{block.block_id}"
    )
    return [name, [_shape(c) for c in block.children]] if block.children else name


def test_each_missing_level_gets_an_implicit_container_and_the_course_is_not_changed() -> None:
    """A unit and a component in a chapter, a sequential in the course: every level filled in."""
    unit = container("vertical", "u", [problem("a")])
    chapter = container("chapter", "c", [unit, problem("b"), container("sequential", "s", [])])
    olx = course(container("course", "course", [container("sequential", "top", []), chapter]))
    arranged = held_by_learning_core(olx, _CONTAINER_CLASSES)
    assert _shape(arranged.root) == [
        "course/course",
        [
            ["implicit chapter", ["sequential/top"]],
            [
                "chapter/c",
                [
                    [
                        "implicit sequential",
                        [["vertical/u", ["problem/a"]], ["implicit vertical", ["problem/b"]]],
                    ],
                    "sequential/s",
                ],
            ],
        ],
    ]
    assert chapter.children[0] is unit and len(chapter.children) == 3  # the reader's course as it was
    again = held_by_learning_core(olx, _CONTAINER_CLASSES)
    assert [b.key for b in written_order(again)] == [b.key for b in written_order(arranged)]


def test_a_shared_block_stays_one_object_when_its_parents_are_rearranged() -> None:
    shared = problem("shared")
    olx = course(
        container(
            "course",
            "course",
            [
                container(
                    "chapter",
                    "c",
                    [container("sequential", "s1", [shared]), container("sequential", "s2", [shared])],
                )
            ],
        )
    )
    arranged = held_by_learning_core(olx, _CONTAINER_CLASSES)
    s1, s2 = arranged.root.children[0].children
    assert s1.children[0].children[0] is s2.children[0].children[0] is shared
    assert s1.children[0].key != s2.children[0].key  # one implicit unit per parent
    assert [b.key for b in written_order(arranged)].count(shared.key) == 1


# --- the same from an OLX export -----------------------------------------------------------------


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_export_with_blocks_above_their_level_imports_as_the_platform_does(
    sample_copy: Path, run_import: Callable[..., ImportResult]
) -> None:
    """
    Were refused ("cannot be added to a ... container"): a sequential straight in the course, a
    vertical and a video straight in a chapter, a problem straight in a sequential (rule L3).
    """
    _edit(
        sample_copy / "course/2026.xml",
        '<chapter url_name="week1"/>',
        '<chapter url_name="week1"/><sequential url_name="stray">'
        '<vertical url_name="sv"><html url_name="svh">hi</html></vertical></sequential>',
    )
    _edit(
        sample_copy / "chapter/week1.xml",
        '<sequential url_name="intro_seq"/>',
        '<video url_name="chapter_video" youtube_id_1_0="abc"/><sequential url_name="intro_seq"/>'
        '<vertical url_name="stray_unit"><html url_name="x">hi</html></vertical>',
    )
    _edit(
        sample_copy / "sequential/intro_seq.xml",
        '<vertical url_name="video_vert"/>',
        '<problem url_name="seq_problem"><p>1+1?</p></problem><vertical url_name="video_vert"/>',
    )
    run_import(sample_copy)
    binding = CourseBinding.objects.get(course_key="course-v1:LCDemo+LC101+2026")
    children = children_of(live_structure(binding))
    assert children[("course", "course")][:2] == [("chapter", "week1"), ("sequential", "stray")]
    assert children[("chapter", "week1")] == [
        ("video", "chapter_video"),
        ("sequential", "intro_seq"),
        ("vertical", "stray_unit"),
        ("sequential", "tools_seq"),
    ]
    assert children[("sequential", "intro_seq")] == [
        ("vertical", "welcome_vert"),
        ("problem", "seq_problem"),
        ("vertical", "video_vert"),
    ]
    assert len(implicit_keys(binding)) == 5  # a chapter; a sequential and unit, a sequential; a unit
    assert_incremental_equals_full(binding)
    again = run_import(sample_copy)
    assert (again.created, again.changed, again.deleted, again.publish_log_id) == (0, 0, 0, None)
