"""
A DAG against the real ``DraftVersioningModuleStore`` over the same compiled documents: a block
shared by three units under two sequentials set differently (``due``, ``graded``), components
straight in a sequential and a chapter. Its parent, what it inherits and every parent location
are Split's. (The DAG course also runs through every test of ``test_split_parity``.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from .loader import skip_reason

if reason := skip_reason():
    pytest.skip(reason, allow_module_level=True)

from opaque_keys.edx.keys import CourseKey

from ..dag_course import SHARED
from .harness import describe, make_lc_store, make_split

pytestmark = pytest.mark.django_db


@pytest.fixture
def dag(imported: dict[str, CourseKey], db: Any) -> Iterator[CourseKey]:
    from lc_modulestore.bench.platform import look_alike_classes, registered_classes
    from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
    from lc_modulestore.storage.backend import LearningCorePersistenceBackend

    key = imported["dag"]
    set_course_override(DEFAULT_FLAG_NAME, key, True)
    backend = LearningCorePersistenceBackend()
    structure = backend.cached_structure(backend.get_course_index(key)["versions"]["published-branch"])
    with registered_classes(look_alike_classes(structure)):
        yield key


def test_the_shared_block_inherits_and_has_its_parent_as_in_split(dag: CourseKey, fs_root: Path) -> None:
    split, ours = make_split(fs_root), make_lc_store(fs_root)
    usage = dag.make_usage_key(*SHARED)
    theirs, mine = split.get_item(usage), ours.get_item(usage)
    assert describe(mine) == describe(theirs)
    # What Split answers, spelled out: the parent is the last that lists it in structure order (its
    # runtime's parent map), and it inherits through that parent, from the second sequential...
    assert mine.get_parent().location == theirs.get_parent().location
    assert (mine.get_parent().location.block_id, theirs.due, theirs.graded) == (
        "v3",
        datetime(2031, 6, 1, tzinfo=UTC),
        False,
    )
    # ...while get_parent_location answers the least parent key that reaches the root.
    assert ours.get_parent_location(usage) == split.get_parent_location(usage)
    assert split.get_parent_location(usage).block_id == "v1"


def test_every_parent_location_is_splits(dag: CourseKey, fs_root: Path) -> None:
    split, ours = make_split(fs_root), make_lc_store(fs_root)
    course = split.get_course(dag, depth=None)
    keys = [course.location]
    stack = [course]
    while stack:
        block = stack.pop()
        for child in block.get_children():
            keys.append(child.location)
            stack.append(child)
    assert len(set(keys)) == 14
    for key in keys:
        assert ours.get_parent_location(key) == split.get_parent_location(key), key
        assert describe(ours.get_item(key)) == describe(split.get_item(key)), key
    welcome = dag.make_usage_key("video", "Welcome")
    assert split.get_parent_location(welcome).block_id == "ch2"
    assert ours.get_orphans(dag) == split.get_orphans(dag) == []
