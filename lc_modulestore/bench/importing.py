"""
What an import costs (issue 21): ``import_s`` and ``import_queries_per_block`` (every SQL
statement of the import, the publish and the compiles it triggers, counted by a connection
execute wrapper), ``reimport_unchanged_s``, ``reimport_one_change_s`` (one html body edited) and
``import_floor_s``, the same rows bulk-inserted in one transaction (:mod:`.import_floor`).
"""

from __future__ import annotations

import shutil
import statistics
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

from lc_modulestore.api import get_binding, import_olx

from .import_floor import import_floor

__all__ = ["QueryCount", "counted_queries", "import_figures"]


@dataclass(slots=True)
class QueryCount:
    queries: int = 0


@contextmanager
def counted_queries() -> Iterator[QueryCount]:
    """Every statement the default connection executes meanwhile (savepoints included)."""
    count = QueryCount()

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        count.queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield count


def import_figures(
    path: Path, course_key: str, scratch: Path, runs: int
) -> tuple[dict[str, tuple[float, float, float, int]], dict[str, float | int]]:
    """
    Import ``path`` as ``course_key`` (the compile on commit included) and re-import it unchanged
    and with one html body changed, ``runs`` times each; then the floor. Figures as (median, min,
    max, runs), and the counts.
    """
    folder = _editable_copy(path, scratch)
    with counted_queries() as count:
        started = time.perf_counter()
        result = import_olx(folder, course_key, progress=False)
        import_s = time.perf_counter() - started
    figures = {"import_s": (import_s, import_s, import_s, 1)}
    values: dict[str, float | int] = {
        "import_queries": count.queries,
        "import_queries_per_block": round(count.queries / max(result.blocks, 1), 1),
    }
    unchanged, queries = _reimports(folder, course_key, runs, None)
    figures["reimport_unchanged_s"] = unchanged
    values["reimport_unchanged_queries"] = queries
    body = next((b for b in sorted(folder.glob("html/*.html")) if b.with_suffix(".xml").is_file()), None)
    if body is not None:
        one, queries = _reimports(folder, course_key, runs, body)
        figures["reimport_one_change_s"] = one
        values["reimport_one_change_queries"] = queries
    floors = [import_floor(get_binding(course_key)) for _ in range(runs)]
    seconds = [floor.seconds for floor in floors]
    figures["import_floor_s"] = (statistics.median(seconds), min(seconds), max(seconds), runs)
    values["import_floor_rows"] = floors[0].rows
    values["import_over_floor"] = round(import_s / statistics.median(seconds), 1)
    return figures, values


def _reimports(
    folder: Path, course_key: str, runs: int, body: Path | None
) -> tuple[tuple[float, float, float, int], int]:
    """Median (min, max) seconds of ``runs`` re-imports, editing ``body`` before each; queries of the last."""
    samples = []
    queries = 0
    for run in range(runs):
        if body is not None:
            text = body.read_text(encoding="utf-8")
            body.write_text(f"{text}<p>bench edit {run}</p>\n", encoding="utf-8")
        with counted_queries() as count:
            started = time.perf_counter()
            result = import_olx(folder, course_key, progress=False)
            samples.append(time.perf_counter() - started)
        queries = count.queries
        expected = 0 if body is None else 1
        if result.changed != expected or result.created:
            raise RuntimeError(f"re-import changed {result.changed} blocks, created {result.created}")
    return (statistics.median(samples), min(samples), max(samples), runs), queries


def _editable_copy(path: Path, scratch: Path) -> Path:
    """The export unpacked into ``scratch``: the re-imports edit it."""
    target = scratch / f"export-{time.monotonic_ns()}"
    if path.is_dir():
        shutil.copytree(path, target)
        return target
    target.mkdir(parents=True)
    with tarfile.open(path) as archive:
        archive.extractall(target, filter="data")
    entries = list(target.iterdir())
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else target
