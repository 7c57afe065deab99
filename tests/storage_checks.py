"""What the tests check about the stored rows of a course (see ``lc_modulestore.storage.writes``)."""

from __future__ import annotations

from typing import Any

from compile.structure import compile_snapshot
from compile.vocabulary import PUBLISHED_BRANCH
from lc_modulestore.compiling.published_state import read_published_state
from lc_modulestore.models import CompiledDefinition, CompiledStructure, CourseBinding, CourseIndex
from lc_modulestore.storage.codec import decode_structure


def live_structure(binding: CourseBinding) -> dict[str, Any]:
    index = CourseIndex.objects.select_related("published_structure").get(binding=binding)
    return decode_structure(bytes(index.published_structure.data))


def live_definition_ids(binding: CourseBinding) -> set[str]:
    return set(
        CompiledDefinition.objects.filter(binding=binding, superseded_at__isnull=True).values_list(
            "object_id", flat=True
        )
    )


def assert_storage_invariant(binding: CourseBinding) -> None:
    """
    The live rows of a course are exactly those its live structure names; every other row is
    superseded (kept a while for reads in flight), never live and never left unmarked.
    """
    index = CourseIndex.objects.get(binding=binding)
    live = CompiledStructure.objects.filter(binding=binding, branch=PUBLISHED_BRANCH)
    assert list(live.values_list("pk", flat=True)) == [index.published_structure_id]
    assert not CompiledStructure.objects.filter(
        binding=binding, branch__isnull=True, superseded_at__isnull=True
    )
    assert not CompiledStructure.objects.filter(
        binding=binding, branch=PUBLISHED_BRANCH, superseded_at__isnull=False
    )
    referenced = {str(block["definition"]) for block in live_structure(binding)["blocks"]}
    assert live_definition_ids(binding) == referenced


def assert_incremental_equals_full(binding: CourseBinding) -> None:
    """What is served equals the course compiled in full from what Learning Core publishes now."""
    assert live_structure(binding) == compile_snapshot(read_published_state(binding)).structure
