"""
The draft branch under the platform: the real ``DraftVersioningModuleStore`` over the project's
backend (which names the compiled draft structure in the course index) against
``LearningCoreModuleStore``, both with the branch setting of an LMS preview (``draft-preferred``),
after draft edits that are not published: every block equal, and ``has_changes`` equal for every
block of both branches.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

try:
    from .loader import skip_reason
except ImportError:  # the platform test mode's harness (tests/platform/loader.py, harness.py) is not here
    pytest.skip(
        "the platform test mode (tests/platform/loader.py) is not in this tree", allow_module_level=True
    )

if skip_reason():
    pytest.skip(skip_reason() or "", allow_module_level=True)

from edx_django_utils.cache import RequestCache
from openedx_content import api as content_api

from lc_modulestore.models import BlockEntity, CourseBinding
from lc_modulestore.storage.split_types import BlockKey

from .. import lc_ops
from .conftest import Course
from .harness import describe, make_lc_store, make_split, walk
from .test_split_parity import assert_same

pytestmark = pytest.mark.django_db
PREVIEW = "draft-preferred"


def _draft_changes(binding: CourseBinding) -> None:
    """An html edited, another component soft-deleted, a new html added to a unit: none published."""
    htmls = list(
        BlockEntity.objects.filter(binding=binding, block_type="html")
        .order_by("block_id")
        .values_list("entity_id", flat=True)
    )
    edited, deleted = htmls[0], htmls[-1]
    lc_ops.set_block_xml(binding, edited, lc_ops.block_xml(edited).replace("</html>", "<p>draft</p></html>"))
    content_api.soft_delete_draft(deleted)
    unit = (
        BlockEntity.objects.filter(binding=binding, block_type="vertical").order_by("block_id")[0].entity_id
    )
    new = lc_ops.add_html(binding, "draft_only_html", "<p>not published yet</p>")
    lc_ops.set_unit_children(unit, [*lc_ops.unit_children(unit), new])


def test_draft_branch_reads_and_has_changes_equal_splits(
    course: Course, classes: Any, fs_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    binding = CourseBinding.objects.get(course_key=course.key)
    with django_capture_on_commit_callbacks(execute=True):
        _draft_changes(binding)
    RequestCache.clear_all_namespaces()  # a new request: the course index names the new draft structure
    split = make_split(fs_root, branch_setting=PREVIEW)
    ours = make_lc_store(fs_root, branch_setting_func=lambda: PREVIEW)
    theirs = walk(split.get_course(course.key, depth=None))
    mine = walk(ours.get_course(course.key, depth=None))
    assert any(b["location"].block_id == "draft_only_html" for b in mine)
    assert_same(theirs, mine, "draft-preferred get_course(depth=None)")

    index = ours.db_connection.get_course_index(course.key)
    keys: set[BlockKey] = set()
    for branch in ("draft-branch", "published-branch"):
        keys |= set(ours.db_connection.cached_structure(index["versions"][branch])["blocks"])
    answers = {}
    for key in sorted(keys):
        usage = course.key.make_usage_key(key.type, key.id)
        mine_block = ours.get_item(usage, revision=None) if ours.has_item(usage) else None
        split_block = split.get_item(usage) if split.has_item(usage) else None
        assert (mine_block is None) == (split_block is None), key
        if split_block is None:  # gone from the draft branch: ask on the published block
            mine_block = ours.get_item(usage.for_branch("published-branch"))
            split_block = split.get_item(usage.for_branch("published-branch"))
        else:
            assert describe(mine_block) == describe(split_block), key
        answers[key] = ours.has_changes(mine_block)
        assert answers[key] == split.has_changes(split_block), key
    assert answers[BlockKey("course", "course")] and answers[BlockKey("html", "draft_only_html")]
    assert not all(answers.values())
