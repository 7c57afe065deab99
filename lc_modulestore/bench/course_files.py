"""
Course files as the LMS reaches them, on a generated course with ``files`` files in ``static/`` and
``/static/`` links in its html bodies: through the platform's own code (``../shared/platform``),
with ``LearningCoreContentStore`` as the contentstore engine.

* ``asset_find_warm_ms``: one ``find(asset_key, True, True)`` (as the contentserver and the rewrite
  call it) once the request holds the course's file index, each find a different file;
* ``asset_find_cold_ms``: the first find of the course in a new request (flag, course index and
  file index read from the database);
* ``asset_rewrite_*_ms``: ``static_replace.replace_static_urls`` over every html body, in a new
  request, with three engines behind ``contentstore()``: Learning Core's, a dict of
  ``StaticContent`` (what the platform's rewrite costs by itself, the anchor of the goal: Learning
  Core at most 1.5 times it), and ``MongoContentStore`` on mongomock holding the same files (the
  engine it replaces, side by side); the three must rewrite to the same text;
* ``import_per_file_ms``: importing the export with its files minus importing it without them,
  per file (the writing, the components and their share of the publish).

The platform's rewrite needs what an LMS has and this project's settings lack (static files
settings, the config models of ``static_replace`` and ``contentserver``): installed here, for the
duration of the measurement, on the bench's scratch database only.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import mimetypes
import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import crum
from django.conf import settings
from django.db import connection
from django.test import RequestFactory, override_settings
from edx_django_utils.cache import RequestCache
from opaque_keys.edx.keys import CourseKey

from lc_modulestore.api import get_binding, import_olx
from lc_modulestore.compiling.compile_publish import compile_bound_course
from lc_modulestore.compiling.receivers import compiles_paused
from lc_modulestore.importing.course_files import FileWriter
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override

from . import platform
from .generator import MIN_BLOCKS, generate_course
from .measure import Figure

__all__ = ["COLUMNS", "FilesFigures", "bench_course_files", "files_export", "skip_reason"]

# (name, unit) in the order of the printed table.
COLUMNS = [
    ("asset_find_warm_ms", "ms"), ("asset_find_cold_ms", "ms"), ("asset_rewrite_ms", "ms"),
    ("asset_rewrite_dict_ms", "ms"), ("asset_rewrite_mongo_ms", "ms"), ("import_per_file_ms", "ms"),
]  # fmt: skip
REWRITE_GOAL = 1.5  # Learning Core's rewrite over the dict engine's
FIND_WARM_GOAL_MS = 0.2
LINKS_PER_BODY = 8
LARGE_FILE_BYTES = 2 * 1024 * 1024
# Flat names, as Studio exports them, of the kinds courses link (an image, a handout, a figure...).
_KINDS = (("figure", "png"), ("photo", "jpg"), ("handout", "pdf"), ("diagram", "svg"), ("data", "csv"))
_PLATFORM_APPS = (
    "django.contrib.staticfiles",
    "openedx.core.djangoapps.contentserver",
    "common.djangoapps.static_replace",
)


def skip_reason() -> str | None:
    """Why the course-files figures cannot be measured in this process, or None."""
    if not platform.present():
        return f"{platform.PLATFORM_DIR} is absent: no course-files figures (they run the platform's code)"
    if not platform.installed():
        return "edx-platform's code could not be loaded first: no course-files figures"
    return None


@dataclass(slots=True)
class FilesFigures:
    label: str
    course_key: str
    files: int
    figures: dict[str, Figure] = field(default_factory=dict)
    values: dict[str, float | int | str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "course_key": self.course_key,
            "files": self.files,
            **{name: figure.as_json() for name, figure in self.figures.items()},
            **self.values,
        }


@dataclass(frozen=True, slots=True)
class FilesExport:
    path: Path
    names: list[str]  # every file's asset name, small ones first
    bodies: list[Path]  # the html bodies, every one with links
    links: int
    file_bytes: int


def files_export(target: Path, files: int, *, large: int, seed: int = 0) -> FilesExport:
    """
    A generated course (about one html body per four files) with ``files`` small files of 1 to
    16 KB in ``static/``, plus ``large`` files of 2 MB, each body linking ``LINKS_PER_BODY`` of them
    (in turn, so that every file is linked once there are enough bodies) as ``<img>`` or ``<a>``.
    """
    course = generate_course(target, max(MIN_BLOCKS, files // 2 + 10), seed=seed, course="Files")
    rng = random.Random(f"{seed}:files")
    static = target / "static"
    static.mkdir()
    names, total = [], 0
    for number in range(files + large):
        word, extension = _KINDS[number % len(_KINDS)]
        name = f"{word}_{number:04d}.{extension}"
        size = LARGE_FILE_BYTES if number >= files else rng.randint(1024, 16 * 1024)
        (static / name).write_bytes(rng.randbytes(size))
        names.append(name)
        total += size
    bodies = sorted((target / "html").glob("*.html"))
    link = 0
    for body in bodies:
        tags = []
        for _ in range(LINKS_PER_BODY):
            name = names[link % len(names)]
            link += 1
            if name.endswith((".png", ".jpg", ".svg")):
                tags.append(f'<img src="/static/{name}" alt="{name}"/>')
            else:
                tags.append(f'<a href="/static/{name}">{name}</a>')
        with body.open("a", encoding="utf-8") as handle:
            handle.write(f"\n<p>{' '.join(tags)}</p>\n")
    return FilesExport(course.path, names, bodies, link, total)


def bench_course_files(root: Path, files: int, runs: int, stamp: str) -> FilesFigures:
    """Generate the export under ``root``, import it as a new course and measure (platform installed)."""
    large = max(1, min(4, files // 50))
    export = files_export(root / f"files{files}", files, large=large)
    key = f"course-v1:LCBench+Files+F{files}_{stamp}"
    with compiles_paused():
        import_olx(export.path, key, progress=False)
    binding = get_binding(key)
    compile_bound_course(binding, full=True)
    set_course_override(DEFAULT_FLAG_NAME, key, True)  # as an operator turns one course on
    result = FilesFigures(f"files-{files}", key, files + large)
    result.values.update(
        html_bodies=len(export.bodies), links=export.links, file_bytes=export.file_bytes, large_files=large
    )
    course_key = CourseKey.from_string(key)
    with _platform_setup(root / "static_root"):
        engine = _learning_core_engine()
        _finds(result, engine, course_key, export, runs)
        _rewrites(result, engine, course_key, export, runs)
    _imports(result, export.path, stamp, runs)
    rewrite, anchor = result.figures["asset_rewrite_ms"], result.figures["asset_rewrite_dict_ms"]
    result.values["asset_rewrite_over_dict"] = round(rewrite.median / anchor.median, 3)
    result.values["asset_rewrite_mongo_over_dict"] = round(
        result.figures["asset_rewrite_mongo_ms"].median / anchor.median, 3
    )
    return result


# --- finds -----------------------------------------------------------------------------------------------


def _finds(result: FilesFigures, engine: Any, course_key: Any, export: FilesExport, runs: int) -> None:
    keys = [course_key.make_asset_key("asset", name) for name in export.names]
    clock = _clock()
    samples, cold, queries = [], [], 0
    for run in range(max(runs, 5)):
        gc.collect()
        with _request():
            counter = _Counter()
            with connection.execute_wrapper(counter):
                started = clock()
                content = engine.find(keys[run % len(keys)], True, True)
                cold.append((clock() - started) * 1000)
            content.close()
            queries = counter.queries
            for asset_key in keys:
                started = clock()
                content = engine.find(asset_key, True, True)
                samples.append((clock() - started) * 1000)
                content.close()
            content = engine.find(keys[run % len(keys)], True, True)
            data = b"".join(content.stream_data())
            content.close()
        if hashlib.md5(data, usedforsecurity=False).hexdigest() != content.content_digest:
            raise RuntimeError(f"{content.location}: the stream's bytes do not have the file's digest")
    result.figures["asset_find_warm_ms"] = _figure(samples)
    result.figures["asset_find_cold_ms"] = _figure(cold)
    result.values["asset_find_cold_queries"] = queries


# --- the rewrite of /static/ links ----------------------------------------------------------------------


def _rewrites(result: FilesFigures, engine: Any, course_key: Any, export: FilesExport, runs: int) -> None:
    from common.djangoapps.static_replace import replace_static_urls

    bodies = [body.read_text(encoding="utf-8") for body in export.bodies]
    clock = _clock()

    def rewrite_all() -> list[str]:
        return [replace_static_urls(text, course_id=course_key) for text in bodies]

    outputs = {}
    for name, store in (
        ("asset_rewrite_ms", engine),
        ("asset_rewrite_dict_ms", _dict_engine(course_key, export)),
        ("asset_rewrite_mongo_ms", _mongo_engine(course_key, export)),
    ):
        with _engine(store):
            with _request():
                outputs[name] = rewrite_all()  # and the config models' cache filled
            samples = []
            for _ in range(runs):
                gc.collect()
                with _request():
                    started = clock()
                    rewrite_all()
                    samples.append((clock() - started) * 1000)
        result.figures[name] = _figure(samples)
    first = outputs["asset_rewrite_ms"]
    if any(out != first for out in outputs.values()) or "/assets/courseware/v1/" not in first[0]:
        raise RuntimeError("the engines' rewrites differ, or no link was rewritten to a versioned URL")


def _dict_engine(course_key: Any, export: FilesExport) -> Any:
    """The least an engine can do: ``StaticContent`` ready in a dict by asset key."""
    from xmodule.contentstore.content import ContentStore, StaticContent
    from xmodule.exceptions import NotFoundError

    class DictContentStore(ContentStore):
        def __init__(self, contents: dict[Any, Any]) -> None:
            self.contents = contents

        def find(self, location: Any, throw_on_not_found: bool = True, as_stream: bool = False) -> Any:
            content = self.contents.get(location)
            if content is None and throw_on_not_found:
                raise NotFoundError(str(location))
            return content

    now = datetime.now(UTC)
    contents = {}
    for name in export.names:
        location = course_key.make_asset_key("asset", name).for_branch(None)
        data = (export.path / "static" / name).read_bytes()
        contents[location] = StaticContent(
            location, name, mimetypes.guess_type(name)[0], data, last_modified_at=now, length=len(data),
            content_digest=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        )  # fmt: skip
    return DictContentStore(contents)


def _mongo_engine(course_key: Any, export: FilesExport) -> Any:
    """``MongoContentStore`` on mongomock's GridFS, holding the same files."""
    import mongomock
    import mongomock.gridfs
    from xmodule.contentstore.content import StaticContent
    from xmodule.contentstore.mongo import MongoContentStore

    mongomock.gridfs.enable_gridfs_integration()
    with mock.patch("pymongo.MongoClient", mongomock.MongoClient):
        store = MongoContentStore(host="localhost", db=f"lc_bench_files_{course_key.run}")
    for name in export.names:
        location = course_key.make_asset_key("asset", name).for_branch(None)
        data = (export.path / "static" / name).read_bytes()
        store.save(StaticContent(location, name, mimetypes.guess_type(name)[0], data, import_path=name))
    return store


def _learning_core_engine() -> Any:
    from lc_modulestore.contentstore import LearningCoreContentStore

    return LearningCoreContentStore()


@contextlib.contextmanager
def _engine(store: Any) -> Iterator[None]:
    """``contentstore()`` answers with ``store`` (it builds one engine per process and keeps it)."""
    from xmodule.contentstore import django as contentstore_django

    saved = dict(contentstore_django._CONTENTSTORE)
    contentstore_django._CONTENTSTORE["default"] = store
    try:
        yield
    finally:
        contentstore_django._CONTENTSTORE.clear()
        contentstore_django._CONTENTSTORE.update(saved)


# --- import cost ----------------------------------------------------------------------------------------


def _imports(result: FilesFigures, path: Path, stamp: str, runs: int) -> None:
    """Each run imports the export as two new courses, with its files and without (static/ moved away)."""
    static, away = path / "static", path.parent / f"{path.name}-static-away"
    writing: list[float] = []
    original = FileWriter.write

    def timed_write(writer: FileWriter, files: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(writer, files)
        finally:
            if files:
                writing.append(time.perf_counter() - started)

    count = result.files
    per_file = []
    with compiles_paused(), mock.patch.object(FileWriter, "write", timed_write):
        for run in range(max(runs, 3)):
            started = time.perf_counter()
            import_olx(path, f"course-v1:LCBench+FilesIn+R{run}_{stamp}", progress=False)
            with_files = time.perf_counter() - started
            static.rename(away)
            try:
                started = time.perf_counter()
                import_olx(path, f"course-v1:LCBench+FilesOut+R{run}_{stamp}", progress=False)
                without = time.perf_counter() - started
            finally:
                away.rename(static)
            per_file.append((with_files - without) * 1000 / count)
    result.figures["import_per_file_ms"] = _figure(per_file)
    result.values["import_file_write_ms"] = round(statistics.median(writing) * 1000 / count, 4)


# --- what an LMS has --------------------------------------------------------------------------------------


@contextlib.contextmanager
def _platform_setup(static_root: Path) -> Iterator[None]:
    """
    The platform's static files settings and config-model apps, with their tables (no migrations
    are shipped with the fixture's models: created from the models, once per scratch database).
    """
    from django.apps import apps

    static_root.mkdir(parents=True, exist_ok=True)
    installed = [*settings.INSTALLED_APPS, *(a for a in _PLATFORM_APPS if a not in settings.INSTALLED_APPS)]
    with override_settings(INSTALLED_APPS=installed, STATIC_URL="/static/", STATIC_ROOT=str(static_root)):
        existing = set(connection.introspection.table_names())
        with connection.schema_editor() as editor:
            for label in ("contentserver", "static_replace"):
                for model in apps.get_app_config(label).get_models():
                    if model._meta.db_table not in existing:
                        editor.create_model(model)
        yield


@contextlib.contextmanager
def _request() -> Iterator[None]:
    """A new request, as the LMS's middleware starts one: empty request caches, a current request."""
    RequestCache.clear_all_namespaces()
    crum.set_current_request(RequestFactory().get("/"))
    try:
        yield
    finally:
        crum.set_current_request(None)
        RequestCache.clear_all_namespaces()


class _Counter:
    """A database execute wrapper counting the queries run through it."""

    def __init__(self) -> None:
        self.queries = 0

    def __call__(self, execute: Callable[..., Any], *args: Any) -> Any:
        self.queries += 1
        return execute(*args)


def _clock() -> Callable[[], float]:
    """
    Finds and rewrites on SQLite are timed in the process's CPU time (the database, the media folder
    and mongomock are all in the process), which the neighbours on a shared machine do not inflate;
    on a database server, in wall time, which counts the server's share.
    """
    return time.process_time if connection.vendor == "sqlite" else time.perf_counter


def _figure(samples: list[float]) -> Figure:
    return Figure(statistics.median(samples), min(samples), max(samples), len(samples))
