"""
Open edX's own OLX reader in the platform test mode: ``XMLModuleStore`` (``xmodule/modulestore/xml.py``,
the first step of Studio's ``import_course_from_xml``) with the platform's real block classes, built
from ``../shared/platform/reader`` exactly as its README ("Open edX's OLX reader") says.

* :func:`install` lays the four folders (``src``, ``stubs``, ``reader/src``, ``reader/stubs``, later
  copies winning) into one temporary folder, once per process, and puts it in front of the read path
  the platform mode already installed (``lc_modulestore.bench.platform.install``): the real
  ``course_block.py``, ``library_content_block.py`` and the reader's stubs replace the read path's
  stubs of the same name; every other file is the same. ``settings/test.py`` calls it, since Split
  imports ``xmodule.course_block`` and Django imports the platform apps before any conftest runs.
* :func:`django_settings` is what ``reader/xmlreader_settings.py`` sets, merged into the test
  settings (its apps: edx-val, edx-submissions, ora2, ...; its names: ``FEATURES``, ``YOUTUBE``, ...).
* :func:`platform_classes` makes block types resolve to the platform's classes (the entry points of
  ``reader/eps``, plus the third-party XBlocks installed from PyPI, the ``platform`` extra) for the
  duration only: outside it the other platform tests register their look-alike classes under the
  same names, which two entry points for one name would make ambiguous.
* :func:`read_course` reads one export folder as Studio's importer does and returns the course block
  and every block the reader holds, by usage key (detached about/course_info/static_tab pages too).

Everything here is test code over the fixture; nothing of the platform is copied into the project.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import importlib.metadata
import importlib.util
import shutil
import sys
import tempfile
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

from lc_modulestore.bench.platform import PLATFORM_DIR

__all__ = [
    "READER_DIR",
    "django_settings",
    "install",
    "mixins",
    "platform_classes",
    "present",
    "read_course",
]

READER_DIR = PLATFORM_DIR / "reader"
LAYERS = ("src", "stubs", "reader/src", "reader/stubs")
TOP_PACKAGES = ("xmodule", "openedx", "common", "lms")
# The default class import_course_from_xml hands the reader (a type nothing installs loads as this).
DEFAULT_CLASS = "xmodule.hidden_block.HiddenBlock"

_build: Path | None = None


def present() -> bool:
    return (READER_DIR / "src" / "xmodule" / "modulestore" / "xml.py").is_file()


def build_dir() -> Path:
    """The four layers laid into one temporary folder (built once per process, removed at exit)."""
    global _build
    if _build is None:
        build = Path(tempfile.mkdtemp(prefix="olx_reader_"))
        atexit.register(shutil.rmtree, build, True)
        for layer in LAYERS:
            shutil.copytree(PLATFORM_DIR / layer, build, dirs_exist_ok=True)
        _build = build
    return _build


def installed() -> bool:
    return _build is not None and str(_build) in sys.path


def install() -> bool:
    """
    Put the layered folder (and ``reader/``, for its settings module) in front of ``sys.path``; False
    when the reader is absent. Packages the read path already imported (``xmodule``, ...) look in the
    layered folder first from now on; a module the reader layer replaces must not have been imported
    from its stub yet, or its stub would stay (RuntimeError).
    """
    if installed():
        return True
    if not present():
        return False
    build = build_dir()
    replaced = [
        name
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in TOP_PACKAGES
        and getattr(module, "__file__", None)
        and _reader_file(name) is not None
        and Path(module.__file__ or "") != _reader_file(name)
        and not hasattr(module, "__path__")
    ]
    if replaced:
        raise RuntimeError(f"install the OLX reader before {', '.join(sorted(replaced))} is imported")
    sys.path[:0] = [str(build), str(READER_DIR)]
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__path__", None)
        if name.split(".")[0] in TOP_PACKAGES and isinstance(path, list):
            folder = build / Path(*name.split("."))
            if folder.is_dir() and str(folder) not in path:
                path.insert(0, str(folder))
    importlib.invalidate_caches()
    return True


def _reader_file(name: str) -> Path | None:
    """The file the reader layer gives module ``name``, when one of its layers has it."""
    relative = Path(*name.split("."))
    for layer in ("reader/stubs", "reader/src"):
        candidate = PLATFORM_DIR / layer / relative.with_suffix(".py")
        if candidate.is_file():
            return build_dir() / relative.with_suffix(".py")
    return None


def django_settings(namespace: MutableMapping[str, Any]) -> None:
    """
    Merge ``reader/xmlreader_settings.py`` into a settings module's ``namespace``: its apps and
    migration switches added to those there, its other names set where the namespace lacks them
    (the database, secret key and time zone stay the test settings').
    """
    spec = importlib.util.spec_from_file_location("xmlreader_settings", READER_DIR / "xmlreader_settings.py")
    assert spec is not None and spec.loader is not None
    reader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reader)
    apps = list(namespace.get("INSTALLED_APPS", []))
    namespace["INSTALLED_APPS"] = apps + [app for app in reader.INSTALLED_APPS if app not in apps]
    namespace["MIGRATION_MODULES"] = {
        **namespace.get("MIGRATION_MODULES", {}),
        **reader.MIGRATION_MODULES,
        "bulk_grades": "tests.platform.platform_migrations.bulk_grades",  # see its docstring
    }
    namespace["SILENCED_SYSTEM_CHECKS"] = [
        *namespace.get("SILENCED_SYSTEM_CHECKS", []),
        *reader.SILENCED_SYSTEM_CHECKS,
    ]
    for name, value in vars(reader).items():
        if name.isupper() and name not in ("DATABASES", "SECRET_KEY", "USE_TZ"):
            namespace.setdefault(name, value)
    # edx-val saves the transcripts a video's import finds (default storage: the working directory):
    # into the reader's temporary folder instead.
    for name in ("VIDEO_TRANSCRIPTS_SETTINGS", "VIDEO_IMAGE_SETTINGS"):
        namespace[name] = {
            **getattr(reader, name),
            "STORAGE_CLASS": "django.core.files.storage.FileSystemStorage",
            "STORAGE_KWARGS": {"location": str(build_dir() / "media")},
        }


def mixins() -> tuple[type, ...]:
    """The LMS's ``XBLOCK_MIXINS`` less Studio's ``AuthoringMixin``, as the README builds the reader."""
    from lms.djangoapps.lms_xblock.mixin import LmsBlockMixin
    from xmodule.modulestore.edit_info import EditInfoMixin
    from xmodule.modulestore.inheritance import InheritanceMixin
    from xmodule.x_module import XModuleMixin

    return (LmsBlockMixin, InheritanceMixin, XModuleMixin, EditInfoMixin)


@contextlib.contextmanager
def platform_classes() -> Iterator[None]:
    """
    For the duration, block types resolve as on a site with the platform and the corpus's XBlocks
    installed: ``reader/eps`` (the platform's setup.py entry points) is on ``sys.path`` and XBlock's
    class cache starts empty, as do Split's detached types and the user partition schemes, which
    the entry points also decide.
    """
    import xblock.plugin
    import xmodule.modulestore.split_mongo.split as split_module
    from xblock.core import XBlock
    from xmodule.partitions.partitions import UserPartition

    eps = str(READER_DIR / "eps")
    saved_cache = xblock.plugin.PLUGIN_CACHE
    sys.path.insert(0, eps)
    importlib.invalidate_caches()
    xblock.plugin.PLUGIN_CACHE = {}
    saved_schemes = UserPartition.__dict__.get("scheme_extensions")
    try:
        UserPartition.scheme_extensions = None
        with contextlib.ExitStack() as stack:
            # XBlock looks entry points up for every block it reads (its asides, its class): over a
            # test environment's few hundred distributions that is most of a read. They do not change
            # during one, so the lookups answer from one scan (same answers, same order).
            stack.enter_context(_patched(importlib.metadata, "entry_points", _scanned_entry_points()))
            detached = {name for name, _cls in XBlock.load_tagged_classes("detached")}
            # Split reads it at import, by which time an LMS has its classes installed.
            stack.enter_context(_patched(split_module, "DETACHED_XBLOCK_TYPES", detached))
            yield
    finally:
        sys.path.remove(eps)
        importlib.invalidate_caches()
        xblock.plugin.PLUGIN_CACHE = saved_cache
        UserPartition.scheme_extensions = saved_schemes


def _scanned_entry_points() -> Any:
    every = importlib.metadata.entry_points()

    def entry_points(**params: Any) -> Any:
        return every.select(**params) if params else every

    return entry_points


@contextlib.contextmanager
def _patched(target: Any, name: str, value: Any) -> Iterator[None]:
    saved = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, saved)


def read_course(folder: Path | str, *, load_error_blocks: bool = True) -> tuple[Any, dict[Any, Any]]:
    """
    One OLX export folder read by Open edX's ``XMLModuleStore`` as ``import_course_from_xml`` builds
    it (``default_class`` HiddenBlock, the LMS mixins, no ``xblock_select``): the course block, and
    every block of the course by usage key (``store.modules[course.id]``, detached pages included;
    keys are the reader's: the root is ``course/<url_name>``, Split's ``course/course``).
    ``load_error_blocks=False`` is how Studio's import task calls it (a block that cannot be read is
    left out of its parent). Must run inside :func:`platform_classes` for the blocks' classes to be
    used after the call (``read_course`` enters it itself when called outside).
    """
    from xmodule.modulestore.xml import XMLModuleStore

    data_dir, course_dir = Path(folder).resolve().parent, Path(folder).resolve().name
    with platform_classes() if not _in_platform_classes() else contextlib.nullcontext():
        store = XMLModuleStore(
            str(data_dir),
            source_dirs=[course_dir],
            default_class=DEFAULT_CLASS,
            load_error_blocks=load_error_blocks,
            xblock_mixins=mixins(),
            xblock_select=None,
        )
        courses = store.get_courses()
        if not courses:
            errors = store.get_course_errors(None) if hasattr(store, "get_course_errors") else []
            raise ValueError(f"Open edX's reader found no course in {folder}: {errors}")
        course = courses[0]
        return course, dict(store.modules[course.id])


def _in_platform_classes() -> bool:
    return str(READER_DIR / "eps") in sys.path
