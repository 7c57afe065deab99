"""
The same comparison with the real block classes the LMS uses where they install from PyPI:
xblocks-contrib's html, problem, video, discussion, lti, annotatable, poll, word cloud (the
``xblocks`` extra). Their fields, defaults and field types are the platform's own, so this checks
that what the store hands them (values, reference fields, inherited settings) is what Split hands them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .loader import skip_reason

if reason := skip_reason():
    pytest.skip(reason, allow_module_level=True)

from lc_modulestore.bench.platform import look_alike_classes, registered_classes

from .conftest import Course
from .harness import (
    contrib_classes,
    describe,
    make_lc_store,
    make_split,
    walk,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_classes(course: Course) -> Iterator[dict[str, type]]:
    contrib = contrib_classes()
    if not contrib:
        pytest.skip("xblocks-contrib is not installed (pip install -e '.[xblocks]')")
    mapping = {**look_alike_classes(course.structure), **contrib}
    with registered_classes(mapping):
        yield contrib


def test_contrib_blocks_are_what_split_builds(
    course: Course, real_classes: dict[str, type], fs_root: Path
) -> None:
    split, ours = make_split(fs_root), make_lc_store(fs_root)
    theirs = walk(split.get_course(course.key, depth=None))
    mine = walk(ours.get_course(course.key, depth=None))
    served = {block["location"].block_type for block in mine}
    assert {"html", "problem"} <= served & real_classes.keys()
    for block in mine:
        if block["location"].block_type in real_classes:
            assert block["class"][1].startswith("xblocks_contrib."), block["class"]
    assert len(mine) == len(theirs)
    for split_block, our_block in zip(theirs, mine, strict=True):
        for name, value in split_block.items():
            assert our_block[name] == value, f"{split_block['location']} {name}"


def test_contrib_blocks_by_query(course: Course, real_classes: dict[str, type], fs_root: Path) -> None:
    split, ours = make_split(fs_root), make_lc_store(fs_root)
    for block_type in sorted(real_classes):
        query = {"qualifiers": {"category": block_type}, "include_orphans": False}
        theirs = [describe(b) for b in split.get_items(course.key, **query)]
        assert [describe(b) for b in ours.get_items(course.key, **query)] == theirs, block_type
