"""
The draft branch's figures: a full draft compile, the incremental one after a draft edit of one
component (goal: <= 5% of the full one at 10,000 blocks), the one after a publish (every block's
unpublished-changes marking is compared again), and what the second branch costs in storage
(goal: under 10% extra when drafts equal published) and in memory.

Runs after the published figures, with receivers paused: each compile timed here is called
directly, as the receivers would call it.
"""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from openedx_content import api as content_api
from openedx_content.models_api import Component, ComponentVersionMedia, PublishableEntityVersion

from lc_modulestore.compiling.compile_draft import compile_bound_drafts
from lc_modulestore.compiling.compile_publish import compile_bound_course
from lc_modulestore.compiling.receivers import compiles_paused
from lc_modulestore.models import BlockEntity, CompiledDefinition, CourseBinding, CourseIndex
from lc_modulestore.storage.codec import decode_structure, decode_structure_in_memory
from lc_modulestore.storage.split_types import BlockData, BlockKey, EditInfo

__all__ = ["draft_figures"]

# The bench's timer: fn, runs, then keywords (setup=...); returns its Figure.
type Timer = Callable[..., Any]


def draft_figures(
    binding: CourseBinding, runs: int, timer: Timer
) -> tuple[dict[str, Any], dict[str, float | int]]:
    """``compile_draft_*_s`` timings (``timer``'s figures), and the draft branch's storage and memory."""
    with compiles_paused():
        timed = {
            "compile_draft_full_s": timer(lambda: _compile(binding, full=True, incremental=False), runs),
        }
        editor = _Editor(binding)
        timed["compile_draft_incremental_s"] = timer(
            lambda: _compile(binding, full=False, incremental=True), runs, setup=editor.edit
        )
        timed["compile_draft_after_publish_s"] = timer(
            lambda: _compile(binding, full=False, incremental=True), runs, setup=editor.edit_and_publish
        )
        content_api.publish_all_drafts(binding.learning_package_id, published_at=datetime.now(UTC))
        compile_bound_course(binding)
        _compile(binding, full=False, incremental=True)
    return timed, _costs(binding)


def _compile(binding: CourseBinding, *, full: bool, incremental: bool) -> None:
    report = compile_bound_drafts(binding, full=full)
    if report.incremental != incremental or report.structure_id is None:
        raise RuntimeError(f"the draft compile was not what was measured: {report}")


class _Editor:
    """One html component's draft edited per run (a new version), then published or not."""

    def __init__(self, binding: CourseBinding) -> None:
        self.binding = binding
        self.rng = random.Random(13)
        self.htmls = list(
            BlockEntity.objects.filter(binding=binding, block_type="html").values_list("entity_id", flat=True)
        )
        self.media_type = content_api.get_or_create_media_type("application/vnd.openedx.xblock.v1.html+xml")
        self.runs = 0

    def edit(self) -> int:
        entity_id = self.rng.choice(self.htmls)
        version = PublishableEntityVersion.objects.filter(entity_id=entity_id).order_by("-version_num")[0]
        olx = ComponentVersionMedia.objects.get(component_version_id=version.id, path="block.xml").media.text
        self.runs += 1
        media = content_api.get_or_create_text_media(
            self.binding.learning_package_id,
            self.media_type.id,
            text=olx.replace("</html>", f"<p>draft bench edit {self.runs}</p></html>", 1),
            created=datetime.now(UTC),
        )
        content_api.create_next_component_version(
            cast(Component.ID, entity_id), media_to_replace={"block.xml": media.id}, created=datetime.now(UTC)
        )
        return entity_id

    def edit_and_publish(self) -> None:
        entity_id = self.edit()
        lp_id = self.binding.learning_package_id
        drafts = content_api.get_all_drafts(lp_id).filter(entity_id=cast(Component.ID, entity_id))
        content_api.publish_from_drafts(lp_id, draft_qset=drafts, published_at=datetime.now(UTC))
        compile_bound_course(self.binding)


def _costs(binding: CourseBinding) -> dict[str, float | int]:
    """
    With drafts equal to published: the draft structure's bytes, the definitions only it names
    (none: definitions are per entity version), over the published branch's own storage; and the
    memory a process holds for the draft structure (decoded for serving, stored form for compiling).
    """
    index = CourseIndex.objects.select_related("published_structure", "draft_structure").get(binding=binding)
    published, draft = index.published_structure, index.draft_structure
    if draft is None:
        raise RuntimeError("the draft branch was not compiled")
    draft_data, published_data = bytes(draft.data), bytes(published.data)
    published_ids = {str(b["definition"]) for b in decode_structure(published_data)["blocks"]}
    draft_ids = {str(b["definition"]) for b in decode_structure(draft_data)["blocks"]}
    # Only the definitions a live structure names: superseded ones wait out their grace period.
    sizes = dict(
        (object_id, len(bytes(data)))
        for object_id, data in CompiledDefinition.objects.filter(
            binding=binding, object_id__in=published_ids | draft_ids
        ).values_list("object_id", "data")
    )
    own = sum(size for object_id, size in sizes.items() if object_id in published_ids)
    draft_only = sum(size for object_id, size in sizes.items() if object_id not in published_ids)
    base = len(published_data) + own
    return {
        "draft_structure_bytes": len(draft_data),
        "draft_only_definition_bytes": draft_only,
        "draft_extra_storage_pct": round(100 * (len(draft_data) + draft_only) / base, 2),
        "draft_serving_mb": _retained_mb(
            lambda: decode_structure_in_memory(draft_data, BlockKey, BlockData, EditInfo)
        ),
        "draft_compiling_mb": _retained_mb(lambda: decode_structure(draft_data)),
    }


def _retained_mb(build: Callable[[], Any]) -> float:
    """The memory what ``build`` returns keeps alive (traced allocations, not the process RSS)."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del kept
    return round((after - before) / 2**20, 2)
