"""
Measure one course end to end: import, compile (cold, cached, incremental), structure loads
against their physical floor and the prototype's BSON format, and reads through the store, the
whole-course read also through real Split and against the XBlock floor (:mod:`.walks`).

Every figure is the median of several runs, with min, max and the run count kept; import runs
once (it is the slow, one-off step). Timings use ``time.perf_counter``; nothing here is a test.
"""

from __future__ import annotations

import gc
import random
import resource
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import bson
import orjson
from bson.codec_options import CodecOptions
from openedx_content import api as content_api
from openedx_content.models_api import Component, ComponentVersionMedia, PublishableEntityVersion

from lc_modulestore.api import get_binding
from lc_modulestore.bench.drafts import draft_figures
from lc_modulestore.compiling.compile_publish import compile_bound_course
from lc_modulestore.compiling.receivers import compiles_paused
from lc_modulestore.models import (
    BlockEntity,
    CompiledDefinition,
    CourseBinding,
    CourseIndex,
    VersionFieldData,
)
from lc_modulestore.serving.flags import forced_on
from lc_modulestore.serving.modulestore import LearningCoreModuleStore
from lc_modulestore.storage.backend import LearningCorePersistenceBackend
from lc_modulestore.storage.codec import decode_structure, inflate
from lc_modulestore.storage.split_types import BlockData, BlockKey

from .importing import import_figures
from .walks import walks

__all__ = ["Figure", "bench_course", "ratios"]

_TZ_AWARE: CodecOptions[Any] = CodecOptions(tz_aware=True)


@dataclass(slots=True)
class Figure:
    median: float
    min: float
    max: float
    runs: int

    def as_json(self) -> dict[str, float | int]:
        return {"median": round(self.median, 4), "min": round(self.min, 4), "max": round(self.max, 4),
                "runs": self.runs}  # fmt: skip


def _time(
    fn: Callable[[], Any],
    runs: int,
    scale: float = 1.0,
    setup: Callable[[], Any] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Figure:
    samples = []
    for _ in range(runs):
        if setup is not None:
            setup()
        started = clock()
        fn()
        samples.append((clock() - started) * scale)
    return Figure(statistics.median(samples), min(samples), max(samples), runs)


@dataclass(slots=True)
class CourseFigures:
    label: str
    course_key: str
    blocks: int
    figures: dict[str, Figure] = field(default_factory=dict)
    values: dict[str, float | int | str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "course_key": self.course_key,
            "blocks": self.blocks,
            **{name: figure.as_json() for name, figure in self.figures.items()},
            **self.values,
        }


def bench_course(
    path: Path, course_key: str, label: str, runs: int = 5, only_import: bool = False
) -> CourseFigures:
    """Import the export at ``path`` as ``course_key`` and measure everything on it (or only the import)."""
    figures = CourseFigures(label, course_key, 0)
    with tempfile.TemporaryDirectory(prefix="lc-bench-import-") as scratch:
        imported, counts = import_figures(path, course_key, Path(scratch), runs)
    figures.figures.update((name, Figure(*figure)) for name, figure in imported.items())
    figures.values.update(counts)
    binding = get_binding(course_key)
    if only_import:
        figures.blocks = len(BlockEntity.objects.filter(binding=binding).values_list("pk", flat=True))
        return figures

    with compiles_paused():  # the draft branch is compiled and timed apart, below
        _published_compiles(figures, binding, runs)
    drafts, costs = draft_figures(binding, runs, _time)
    figures.figures.update(drafts)
    figures.values.update(costs)
    index = CourseIndex.objects.select_related("published_structure").get(binding=binding)
    data = bytes(index.published_structure.data)
    structure_id = index.published_structure.object_id
    figures.blocks = index.published_structure.block_count
    backend = LearningCorePersistenceBackend(cache_alias=None)
    figures.figures["load_cold_ms"] = _time(
        lambda: backend.cached_structure(structure_id), runs, 1000, setup=backend.clear_process_cache
    )
    backend.cached_structure(structure_id)
    figures.figures["load_warm_ms"] = _time(lambda: backend.cached_structure(structure_id), runs, 1000)
    figures.figures["get_structure_copy_ms"] = _time(lambda: backend.get_structure(structure_id), runs, 1000)
    figures.figures["decode_floor_ms"] = _time(lambda: orjson.loads(zlib.decompress(data)), runs, 1000)
    prototype = zlib.compress(bson.encode(decode_structure(data)))
    figures.figures["prototype_load_ms"] = _time(lambda: _prototype_load(prototype), runs, 1000)

    _store_figures(figures, binding, runs)
    figures.values.update(
        structure_bytes=len(data),
        structure_json_bytes=len(inflate(data)),
        prototype_bytes=len(prototype),
        bytes_per_block=round(len(data) / max(figures.blocks, 1), 1),
        definition_rows=CompiledDefinition.objects.filter(
            binding=binding, superseded_at__isnull=True
        ).count(),
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    )
    return figures


def _published_compiles(figures: CourseFigures, binding: CourseBinding, runs: int) -> None:
    figures.figures["compile_cold_s"] = _time(
        lambda: compile_bound_course(binding, full=True),
        runs,
        setup=lambda: _forget_component_fields(binding),
    )
    figures.figures["compile_full_s"] = _time(lambda: compile_bound_course(binding, full=True), runs)
    incremental, publish = _incremental(binding, runs)
    figures.figures["compile_incremental_s"] = incremental
    figures.figures["learning_core_publish_s"] = publish


def _forget_component_fields(binding: CourseBinding) -> None:
    """A cold compile: no component has its block.xml parsed yet (containers keep theirs)."""
    VersionFieldData.objects.filter(
        version__entity__learning_package_id=binding.learning_package_id, parser_version__gt=0
    ).delete()
    LearningCorePersistenceBackend.clear_process_cache()


def _incremental(binding: CourseBinding, runs: int) -> tuple[Figure, Figure]:
    """
    One html component edited and published. Learning Core's own publish, then the compile it
    triggers (the receiver's work: from the publish's commit to the swapped index), timed apart.
    """
    rng = random.Random(7)
    htmls = list(
        BlockEntity.objects.filter(binding=binding, block_type="html").values_list("entity_id", flat=True)
    )
    lp_id = binding.learning_package_id
    media_type = content_api.get_or_create_media_type("application/vnd.openedx.xblock.v1.html+xml")
    publishes, compiles = [], []
    for run in range(runs):
        entity_id = rng.choice(htmls)
        version = PublishableEntityVersion.objects.filter(entity_id=entity_id).order_by("-version_num")[0]
        olx = ComponentVersionMedia.objects.get(component_version_id=version.id, path="block.xml").media.text
        edited = olx.replace("</html>", f"<p>bench edit {run}</p></html>", 1)
        media = content_api.get_or_create_text_media(
            lp_id, media_type.id, text=edited, created=datetime.now(UTC)
        )
        content_api.create_next_component_version(
            cast(Component.ID, entity_id), media_to_replace={"block.xml": media.id}, created=datetime.now(UTC)
        )
        drafts = content_api.get_all_drafts(lp_id).filter(entity_id=entity_id)
        with compiles_paused():
            started = time.perf_counter()
            log = content_api.publish_from_drafts(lp_id, draft_qset=drafts, published_at=datetime.now(UTC))
            publishes.append(time.perf_counter() - started)
        started = time.perf_counter()
        report = compile_bound_course(binding)  # what the ENTITIES_PUBLISHED receiver runs
        compiles.append(time.perf_counter() - started)
        if not report.incremental or CourseIndex.objects.get(binding=binding).publish_log_id != log.id:
            raise RuntimeError("the publish was not compiled incrementally into the live index")
    return (
        Figure(statistics.median(compiles), min(compiles), max(compiles), runs),
        Figure(statistics.median(publishes), min(publishes), max(publishes), runs),
    )


def _prototype_load(data: bytes) -> dict[str, Any]:
    """The prototype's format: zlib-compressed BSON, decoded tz-aware, then made in-memory."""
    structure = bson.decode(zlib.decompress(data), codec_options=_TZ_AWARE)
    structure["root"] = BlockKey(*structure["root"])
    blocks = {}
    for block in structure["blocks"]:
        fields = block["fields"]
        if "children" in fields:
            fields["children"] = [BlockKey(*child) for child in fields["children"]]
        blocks[BlockKey(block["block_type"], block.pop("block_id"))] = BlockData(**block)
    structure["blocks"] = blocks
    return structure


def _store_figures(figures: CourseFigures, binding: CourseBinding, runs: int) -> None:
    key = binding.course_key
    with walks(key) as walk:
        # The three walks are pure CPU (the structure is cached, no definition is read): timed in
        # the process's CPU time, which the neighbours on a shared machine do not inflate, each run
        # from a collected heap (the walks leave thousands of cyclic objects, and when the previous
        # run's get collected would otherwise decide more than the walk does).
        figures.values["walk_setup"] = walk.note
        for name, fn in (
            ("get_course_full_ms", walk.ours), ("xblock_floor_ms", walk.floor),
            ("split_get_course_full_ms", walk.split),
        ):  # fmt: skip
            if fn is not None:
                figures.figures[name] = _time(fn, runs, 1000, setup=gc.collect, clock=time.process_time)
    store = LearningCoreModuleStore()
    rng = random.Random(11)
    with forced_on():
        leaves = list(
            BlockEntity.objects.filter(binding=binding, block_type__in=["html", "problem"]).values_list(
                "block_type", "block_id"
            )
        )
        picks = [key.make_usage_key(*rng.choice(leaves)) for _ in range(max(runs, 25))]
        samples = []
        for usage in picks:
            started = time.perf_counter()
            store.get_item(usage)
            samples.append((time.perf_counter() - started) * 1000)
        figures.figures["get_item_warm_ms"] = Figure(
            statistics.median(samples), min(samples), max(samples), len(samples)
        )
        figures.figures["get_items_category_ms"] = _time(
            lambda: store.get_items(key, qualifiers={"category": "problem"}), runs, 1000
        )


def ratios(results: list[CourseFigures]) -> dict[str, Any]:
    """The performance goals (README.rst, Performance), per course and across sizes."""
    per_course = {}
    for result in results:
        f = result.figures
        per_course[result.label] = {
            "R1_incremental_over_full": round(
                f["compile_incremental_s"].median / f["compile_full_s"].median, 4
            ),
            "R2_load_cold_over_floor": round(f["load_cold_ms"].median / f["decode_floor_ms"].median, 3),
            "R3_prototype_over_load_cold": round(f["prototype_load_ms"].median / f["load_cold_ms"].median, 3),
            "R6_ours_over_xblock_floor": round(
                f["get_course_full_ms"].median / f["xblock_floor_ms"].median, 3
            ),
            "R7_draft_incremental_over_full": round(
                f["compile_draft_incremental_s"].median / f["compile_draft_full_s"].median, 4
            ),
        }
        if "split_get_course_full_ms" in f:
            split = f["split_get_course_full_ms"].median
            per_course[result.label]["R5_split_over_ours"] = round(split / f["get_course_full_ms"].median, 3)
    summary: dict[str, Any] = {"per_course": per_course}
    sized = sorted((r for r in results if r.label.startswith("synthetic-")), key=lambda r: r.blocks)
    if len(sized) >= 2:
        small, large = sized[0], sized[-1]
        summary[f"R4_{large.label}_over_{small.label}"] = {
            name: round(large.figures[name].median / small.figures[name].median, 2)
            for name in ("load_cold_ms", "compile_full_s", "get_course_full_ms")
        }
    return summary
