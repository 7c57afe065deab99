"""
What every compile keeps true, for both branches: the stored rows are exactly those the live
structures reference, and a structure patched incrementally equals one compiled from scratch.
"""

from __future__ import annotations

from typing import Any

from compile.draft import compile_draft
from compile.structure import compile_snapshot
from compile.vocabulary import DRAFT_BRANCH, PUBLISHED_BRANCH
from lc_modulestore.compiling.draft_state import read_draft_state
from lc_modulestore.compiling.published_state import read_published_state
from lc_modulestore.models import CompiledDefinition, CompiledStructure, CourseBinding, CourseIndex
from lc_modulestore.storage.codec import decode_structure

_POINTER = {PUBLISHED_BRANCH: "published_structure", DRAFT_BRANCH: "draft_structure"}


def live_structure(binding: CourseBinding, branch: str = PUBLISHED_BRANCH) -> dict[str, Any] | None:
    """The live structure of ``branch``, decoded from its row (None: the branch has none)."""
    pointer = _POINTER[branch]
    index = CourseIndex.objects.select_related(pointer).get(binding=binding)
    row = getattr(index, pointer)
    return decode_structure(bytes(row.data)) if row is not None else None


def assert_storage_invariant(binding: CourseBinding) -> None:
    """The rows stored for a course are exactly those its live structures reference."""
    index = CourseIndex.objects.get(binding=binding)
    live_rows = {index.published_structure_id, index.draft_structure_id} - {None}
    assert set(CompiledStructure.objects.filter(binding=binding).values_list("pk", flat=True)) == live_rows
    referenced: set[str] = set()
    for branch in (PUBLISHED_BRANCH, DRAFT_BRANCH):
        structure = live_structure(binding, branch)
        if structure is not None:
            referenced |= {str(b["definition"]) for b in structure["blocks"]}
    stored = set(CompiledDefinition.objects.filter(binding=binding).values_list("object_id", flat=True))
    assert stored == referenced


def full_draft_structure(binding: CourseBinding) -> dict[str, Any]:
    """The draft structure compiled from scratch against the live published one."""
    published_row = CourseIndex.objects.select_related("published_structure").get(binding=binding)
    published = decode_structure(bytes(published_row.published_structure.data))
    return compile_draft(
        read_draft_state(binding), None, published, published_row.published_structure.publish_log_id
    ).structure


def assert_incremental_equals_full(binding: CourseBinding, *, drafts: bool = True) -> None:
    """Both live structures equal their compile from scratch (the draft one when ``drafts``)."""
    assert live_structure(binding) == compile_snapshot(read_published_state(binding)).structure
    if drafts:
        assert live_structure(binding, DRAFT_BRANCH) == full_draft_structure(binding)
