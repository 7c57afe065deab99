"""
What every compile keeps true about the stored rows of a course, for both branches (see
``lc_modulestore.storage.writes``): the live rows are exactly those the live structures name,
every other row is superseded and still within its grace, and a structure patched incrementally
equals one compiled from scratch.
"""

from __future__ import annotations

from typing import Any

from compile.draft import compile_draft
from compile.structure import compile_snapshot
from compile.vocabulary import DRAFT_BRANCH, PUBLISHED_BRANCH
from lc_modulestore.compiling.draft_state import read_draft_state
from lc_modulestore.compiling.published_state import read_published_state
from lc_modulestore.models import CompiledDefinition, CompiledStructure, CourseBinding, CourseIndex
from lc_modulestore.storage import writes
from lc_modulestore.storage.codec import decode_structure

_POINTER = {PUBLISHED_BRANCH: "published_structure", DRAFT_BRANCH: "draft_structure"}


def live_structure(binding: CourseBinding, branch: str = PUBLISHED_BRANCH) -> dict[str, Any] | None:
    """The live structure of ``branch``, decoded from its row (None: the branch has none)."""
    pointer = _POINTER[branch]
    index = CourseIndex.objects.select_related(pointer).get(binding=binding)
    row = getattr(index, pointer)
    return decode_structure(bytes(row.data)) if row is not None else None


def live_definition_ids(binding: CourseBinding) -> set[str]:
    return set(
        CompiledDefinition.objects.filter(binding=binding, superseded_at__isnull=True).values_list(
            "object_id", flat=True
        )
    )


def assert_storage_invariant(binding: CourseBinding) -> None:
    """
    The rows stored for a course are those its live structures (both branches) reference, plus
    superseded rows not yet expired (kept :data:`~writes.SUPERSEDED_GRACE` for reads in flight):
    no live row unreferenced, no superseded row unmarked, none kept past its grace.
    """
    index = CourseIndex.objects.get(binding=binding)
    pointed = {index.published_structure_id, index.draft_structure_id} - {None}
    structures = CompiledStructure.objects.filter(binding=binding)
    live_rows = structures.filter(branch__isnull=False)
    assert set(live_rows.values_list("pk", flat=True)) == pointed
    assert not live_rows.filter(superseded_at__isnull=False)
    superseded = structures.exclude(pk__in=pointed)
    assert not superseded.filter(branch__isnull=False) and not superseded.filter(superseded_at__isnull=True)
    expired = writes._now() - writes.SUPERSEDED_GRACE
    assert not superseded.filter(superseded_at__lt=expired)
    referenced: set[str] = set()
    for branch in (PUBLISHED_BRANCH, DRAFT_BRANCH):
        structure = live_structure(binding, branch)
        if structure is not None:
            referenced |= {str(b["definition"]) for b in structure["blocks"]}
    assert live_definition_ids(binding) == referenced
    assert not CompiledDefinition.objects.filter(binding=binding, superseded_at__lt=expired)


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
