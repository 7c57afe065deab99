"""
A conditional's ``<show>`` targets against the real ``DraftVersioningModuleStore`` over the same
compiled documents: a target held elsewhere in the course (a block with two parents) and one the
course does not hold, which both stores list as a child and skip when the children are loaded
(``XModuleMixin.get_child``). Every block, parent location and answer is Split's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .loader import skip_reason

if reason := skip_reason():
    pytest.skip(reason, allow_module_level=True)

from opaque_keys.edx.keys import CourseKey

from ..olx_cases import write_export
from ..test_conditional_show_children import CHILDREN, EXPORT, KEY
from .harness import answered, describe, make_lc_store, make_split, outcome, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def conditional(tmp_path: Path, run_import: Any) -> Iterator[CourseKey]:
    from lc_modulestore.bench.platform import look_alike_classes, registered_classes
    from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
    from lc_modulestore.storage.backend import LearningCorePersistenceBackend

    run_import(write_export(tmp_path / "export", EXPORT))
    key = CourseKey.from_string(KEY)
    set_course_override(DEFAULT_FLAG_NAME, key, True)
    backend = LearningCorePersistenceBackend()
    structure = backend.cached_structure(backend.get_course_index(key)["versions"]["published-branch"])
    with registered_classes(look_alike_classes(structure)):
        yield key


# Split computes a block's subtree edit info through every child, and a child that is no block
# raises ItemNotFoundError there (``SplitModuleStoreRuntime._compute_subtree_edited_internal``); the
# store skips it, as its children are skipped everywhere else: compared apart, below.
SUBTREE = ("subtree_edited_on", "subtree_edited_by")


def described(block: Any) -> dict[str, Any]:
    return describe(block, skip=SUBTREE)


@pytest.mark.parametrize("lazy", [True, False])
def test_the_whole_course_reads_as_in_split(conditional: CourseKey, fs_root: Path, lazy: bool) -> None:
    split, ours = make_split(fs_root), make_lc_store(fs_root)
    theirs = walk(split.get_course(conditional, depth=None, lazy=lazy), described)
    mine = walk(ours.get_course(conditional, depth=None, lazy=lazy), described)
    # html/shared reached three times (its unit, twice from the show); html/nowhere never.
    assert [f"{b['location'].block_type}/{b['location'].block_id}" for b in theirs].count("html/shared") == 3
    assert len(mine) == len(theirs)
    for split_block, our_block in zip(theirs, mine, strict=True):
        assert our_block == split_block, split_block["location"]


def test_the_conditional_and_its_targets_answer_as_in_split(conditional: CourseKey, fs_root: Path) -> None:
    split, ours = make_split(fs_root), make_lc_store(fs_root)
    usage = conditional.make_usage_key("conditional", "cond")
    theirs, mine = split.get_item(usage, depth=None), ours.get_item(usage, depth=None)
    assert [f"{c.block_type}/{c.block_id}" for c in theirs.children] == CHILDREN
    assert described(mine) == described(theirs)
    assert [c.location for c in mine.get_children()] == [c.location for c in theirs.get_children()]
    for block_type, block_id in (
        ("html", "shared"),
        ("html", "nowhere"),
        ("html", "first"),
        ("vertical", "v1"),
    ):
        key = conditional.make_usage_key(block_type, block_id)
        assert ours.get_parent_location(key) == split.get_parent_location(key), key
        assert ours.has_item(key) == split.has_item(key), key
        mine_answer, their_answer = outcome(ours.get_item, key), outcome(split.get_item, key)
        assert answered(mine_answer, described) == answered(their_answer, described), key
    # Split's least parent that reaches the root, for the held target and the missing one alike.
    assert split.get_parent_location(conditional.make_usage_key("html", "shared")).block_id == "cond"
    assert split.get_parent_location(conditional.make_usage_key("html", "nowhere")).block_id == "cond"
    assert ours.get_orphans(conditional) == split.get_orphans(conditional) == []


def test_subtree_edit_info_over_a_missing_child_is_the_one_difference(
    conditional: CourseKey, fs_root: Path
) -> None:
    split, ours = make_split(fs_root), make_lc_store(fs_root)
    for block_type, block_id in (("conditional", "cond"), ("course", "course")):
        usage = conditional.make_usage_key(block_type, block_id)
        theirs, mine = split.get_item(usage), ours.get_item(usage)
        assert outcome(getattr, theirs, "subtree_edited_on") == ("raised", "ItemNotFoundError")
        assert mine.subtree_edited_on == mine.edited_on  # one import: every block edited at once
    # Where the subtree holds no missing child, the two agree.
    unit = conditional.make_usage_key("vertical", "v1")
    assert ours.get_item(unit).subtree_edited_on == split.get_item(unit).subtree_edited_on
