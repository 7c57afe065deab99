"""
edx-platform's real read path, to measure and test against: ``../shared/platform`` (unmodified
public platform files plus a few stubs; a fixture, never copied into the project), put on
``sys.path`` as its README says. Only ``lc_bench`` and the platform test mode load it, and only
when it is there; an LMS has the platform already and never imports this module.

It must be installed before ``lc_modulestore``'s serving and storage modules are imported, as in an
LMS where ``xmodule`` is always importable: they pick the platform's own classes (exceptions,
``BlockData``, ``ModuleStoreRuntime``) when they are first imported.

Besides the path: the pieces of an LMS that the fixture lacks and that reading a course needs,
each standing in for what the platform installs (block classes as entry points, the detached block
types Split reads at import, the user partition schemes), and a real Split whose Mongo client is
mongomock and whose ``db_connection`` is the project's backend.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

__all__ = [
    "DEFAULT_CLASS",
    "MONGO_CONFIG",
    "PLATFORM_DIR",
    "install",
    "installed",
    "lms_mixins",
    "look_alike_classes",
    "present",
    "registered_classes",
    "split_store",
]

PLATFORM_DIR = Path(__file__).resolve().parents[3] / "shared" / "platform"
DEFAULT_CLASS = "xmodule.hidden_block.HiddenBlock"
RENDER_TEMPLATE = "common.djangoapps.edxmako.shortcuts.render_to_string"
# Split needs these to build its (mongomock) client; they name nothing real.
MONGO_CONFIG = {"db": "lc_platform", "collection": "modulestore", "host": "localhost"}
DETACHED = ("about", "course_info", "static_tab")
# Packages that are both real files (src/) and stubs: the stubs join the real package's path.
_SHARED_PACKAGES = ("xmodule", "xmodule.util", "xmodule.modulestore")
# Modules that choose between the platform's classes and look-alikes when first imported.
_CHOOSERS = (
    "lc_modulestore.exceptions",
    "lc_modulestore.storage.split_types",
    "lc_modulestore.serving.runtime",
)


def present() -> bool:
    return (PLATFORM_DIR / "src" / "xmodule").is_dir()


def installed() -> bool:
    """Whether this process reads through the fixture (see :func:`install`)."""
    return str(PLATFORM_DIR / "src") in sys.path


def install() -> bool:
    """
    Make ``xmodule`` (and the stubbed ``common``, ``openedx.core``) importable; False if absent.
    Raises RuntimeError once the modules that choose the platform's classes have been imported.
    """
    if installed():
        return True
    if not present():
        return False
    too_late = [name for name in _CHOOSERS if name in sys.modules]
    if too_late:
        raise RuntimeError(f"install the platform before {', '.join(too_late)} is imported")
    sys.path[:0] = [str(PLATFORM_DIR / "src"), str(PLATFORM_DIR / "stubs")]
    for name in _SHARED_PACKAGES:
        package = importlib.import_module(name)
        stub_dir = PLATFORM_DIR / "stubs" / Path(*name.split("."))
        if stub_dir.is_dir() and str(stub_dir) not in package.__path__:
            package.__path__.append(str(stub_dir))
    return True


def lms_mixins() -> tuple[type, ...]:
    """The mixins every LMS configures (``XBLOCK_MIXINS``, less ``LmsBlockMixin``, which is in lms/)."""
    from xmodule.modulestore.edit_info import EditInfoMixin
    from xmodule.modulestore.inheritance import InheritanceMixin
    from xmodule.x_module import XModuleMixin

    return (InheritanceMixin, XModuleMixin, EditInfoMixin)


def split_store(
    fs_root: Path | str,
    *,
    draft: bool = True,
    backend: type | None = None,
    branch_setting: str | None = "published-only",
    mixins: tuple[type, ...] | None = None,
    **options: Any,
) -> Any:
    """
    A real ``DraftVersioningModuleStore`` (or ``SplitMongoModuleStore``) configured as an LMS
    configures it, reading the compiled documents through ``backend`` (default: the project's).
    """
    import mongomock
    from xmodule.modulestore.split_mongo.split import SplitMongoModuleStore
    from xmodule.modulestore.split_mongo.split_draft import DraftVersioningModuleStore

    from ..serving.fallback import load_object
    from ..storage.backend import LearningCorePersistenceBackend

    engine = DraftVersioningModuleStore if draft else SplitMongoModuleStore
    with mock.patch("pymongo.MongoClient", mongomock.MongoClient):
        store = engine(
            contentstore=None,
            doc_store_config=dict(MONGO_CONFIG),
            fs_root=str(fs_root),
            render_template=load_object(RENDER_TEMPLATE),
            default_class=DEFAULT_CLASS,
            xblock_mixins=lms_mixins() if mixins is None else mixins,
            branch_setting_func=lambda: branch_setting,
            **options,
        )
    store.db_connection = (backend or LearningCorePersistenceBackend)()
    return store


# --- what an LMS has installed ---------------------------------------------------------------------------


class _EntryPoint:
    """What ``XBlock.load_class`` needs of an entry point."""

    def __init__(self, name: str, cls: type, *, overrides: bool = False) -> None:
        self.name = name
        self.group = "xblock.v1.overrides" if overrides else "xblock.v1"
        self._cls = cls

    def load(self) -> type:
        return self._cls


class _PartitionScheme:
    """Stands in for the LMS's user partition schemes (lms/): reading a course never calls one."""


@contextlib.contextmanager
def registered_classes(classes: dict[str, type]) -> Iterator[None]:
    """
    For the duration, block type → class as installed entry points map them, and what Split reads
    of them: the detached types (``store_utilities.DETACHED_XBLOCK_TYPES``, computed when Split is
    imported, by which time an LMS has its classes installed; computed again here the same way) and
    the ``random`` and ``cohort`` user partition schemes the LMS registers.
    """
    import xblock.plugin
    import xmodule.modulestore.split_mongo.split as split_module
    from stevedore.extension import Extension, ExtensionManager
    from xblock.core import XBlock
    from xmodule.partitions.partitions import UserPartition

    saved_points, saved_cache = list(XBlock.extra_entry_points), xblock.plugin.PLUGIN_CACHE
    # A type whose XBlock is installed (third-party XBlocks, the ``platform`` extra) keeps its own
    # class, as in an LMS: it says which scope each field is read from.
    installed = {point.name for point in importlib.metadata.entry_points(group="xblock.v1")}
    XBlock.extra_entry_points = saved_points + [
        (name, _EntryPoint(name, cls)) for name, cls in classes.items() if name not in installed
    ]
    xblock.plugin.PLUGIN_CACHE = {}
    detached = {name for name, _cls in XBlock.load_tagged_classes("detached")}
    no_entry_point: Any = None  # a test instance: the plugins are given, not looked up
    schemes: Any = ExtensionManager.make_test_instance(
        [
            Extension(name, no_entry_point, type(name, (_PartitionScheme,), {}), None)
            for name in ("random", "cohort")
        ]
    )
    try:
        with (
            mock.patch.object(split_module, "DETACHED_XBLOCK_TYPES", detached),
            mock.patch.object(UserPartition, "scheme_extensions", schemes),
        ):
            yield
    finally:
        XBlock.extra_entry_points = saved_points
        xblock.plugin.PLUGIN_CACHE = saved_cache


def look_alike_classes(structure: dict[str, Any]) -> dict[str, type]:
    """
    A class for each block type of a compiled structure, where the LMS has the platform's own
    (not part of the fixture): the project's look-alikes (:mod:`..serving.standalone`), declaring
    every settings field the structure stores for the type, less the fields the platform's mixins
    declare (in the LMS those come from the mixins, with the mixins' types, on every block alike);
    the detached types tagged as edx-platform tags them.
    """
    from xblock.core import XBlock

    from ..serving.standalone import standalone_class

    declared = {name for mixin in lms_mixins() for name in getattr(mixin, "fields", {})}
    names: dict[str, set[str]] = {}
    for key, block in structure["blocks"].items():
        names.setdefault(key.type, set()).update(n for n in block.fields if n != "children")
    classes: dict[str, type] = {}
    for block_type, fields in names.items():
        base = standalone_class(block_type, tuple(sorted(fields)))
        attributes = {name: value for name, value in vars(base).items() if name not in declared}
        cls = type(base.__name__, base.__bases__, attributes)
        classes[block_type] = XBlock.tag("detached")(cls) if block_type in DETACHED else cls
    return classes
