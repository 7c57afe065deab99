"""
The platform's real stores next to ours, over the same compiled documents.

* :func:`make_split` builds a real ``SplitMongoModuleStore`` / ``DraftVersioningModuleStore``: its
  constructor builds a Mongo client (pointed at mongomock: no Mongo server anywhere), then its
  ``db_connection`` becomes the project's ``LearningCorePersistenceBackend``.
* :func:`make_lc_store` builds ``LearningCoreModuleStore`` with the same options.
* :func:`create_modulestore_instance` is the platform's store factory (``xmodule.modulestore.django``,
  which the fixture stubs out because it pulls in the LMS), written from its documented behaviour
  (docs/SPLIT_CONTRACT.md §4.1), so that :func:`make_mixed` builds ``MixedModuleStore`` from a
  ``MODULESTORE`` setting exactly as the LMS does.
* :func:`block_classes` registers the XBlock classes both sides load, as entry points would.

Everything here is test code over the fixture; nothing of the platform is copied.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import mongomock
import xblock.plugin
from xblock.core import XBlock
from xblock.fields import Scope
from xmodule.modulestore import ModuleStoreEnum
from xmodule.modulestore.draft_and_published import BranchSettingMixin
from xmodule.modulestore.edit_info import EditInfoMixin
from xmodule.modulestore.inheritance import InheritanceMixin
from xmodule.modulestore.mixed import MixedModuleStore
from xmodule.modulestore.split_mongo.split import SplitMongoModuleStore
from xmodule.modulestore.split_mongo.split_draft import DraftVersioningModuleStore
from xmodule.x_module import XModuleMixin

from lc_modulestore.serving.fallback import load_object
from lc_modulestore.serving.modulestore import LearningCoreModuleStore
from lc_modulestore.serving.standalone import standalone_class
from lc_modulestore.storage.backend import LearningCorePersistenceBackend

# The mixins every LMS configures (XBLOCK_MIXINS, less LmsBlockMixin, which lives in lms/).
MIXINS: tuple[type, ...] = (InheritanceMixin, XModuleMixin, EditInfoMixin)
DEFAULT_CLASS = "xmodule.hidden_block.HiddenBlock"
RENDER_TEMPLATE = "common.djangoapps.edxmako.shortcuts.render_to_string"
# Split needs these to build its (mongomock) client; they name nothing real.
MONGO_CONFIG = {"db": "lc_platform_tests", "collection": "modulestore", "host": "localhost"}
DETACHED = ("about", "course_info", "static_tab")
PUBLISHED_ONLY = ModuleStoreEnum.Branch.published_only


class MirroredDraftBackend(LearningCorePersistenceBackend):
    """
    Our backend with each course's published structure also named as its draft branch: a Split
    course right after a publish, with nothing unpublished. The oracle for what Split answers on
    the draft side (``has_changes``, draft-preferred reads) of a course that is only published.
    """

    def get_course_index(self, key: Any, ignore_case: bool = False) -> Any:
        return _mirrored(super().get_course_index(key, ignore_case))

    def find_matching_course_indexes(self, branch: Any = None, *args: Any, **kwargs: Any) -> Any:
        if branch == ModuleStoreEnum.BranchName.draft:
            branch = ModuleStoreEnum.BranchName.published
        return [_mirrored(i) for i in super().find_matching_course_indexes(branch, *args, **kwargs)]


def _mirrored(index: Any) -> Any:
    if index is not None:
        published = index["versions"][ModuleStoreEnum.BranchName.published]
        index["versions"][ModuleStoreEnum.BranchName.draft] = published
    return index


def make_split(
    fs_root: Path,
    *,
    draft: bool = True,
    backend: type[LearningCorePersistenceBackend] = LearningCorePersistenceBackend,
    branch_setting: str | None = PUBLISHED_ONLY,
    mixins: tuple[type, ...] = MIXINS,
    **options: Any,
) -> Any:
    """A real Split store reading the compiled documents through ``backend``."""
    engine = DraftVersioningModuleStore if draft else SplitMongoModuleStore
    with mock.patch("pymongo.MongoClient", mongomock.MongoClient):
        store = engine(
            contentstore=None,
            doc_store_config=dict(MONGO_CONFIG),
            fs_root=str(fs_root),
            render_template=load_object(RENDER_TEMPLATE),
            default_class=DEFAULT_CLASS,
            xblock_mixins=mixins,
            branch_setting_func=lambda: branch_setting,
            **options,
        )
    store.db_connection = backend()
    return store


def make_lc_store(
    fs_root: Path, *, mixins: tuple[type, ...] = MIXINS, **options: Any
) -> LearningCoreModuleStore:
    return LearningCoreModuleStore(
        doc_store_config={},
        fs_root=str(fs_root),
        render_template=RENDER_TEMPLATE,
        default_class=DEFAULT_CLASS,
        xblock_mixins=mixins,
        **options,
    )


def create_modulestore_instance(
    engine: str,
    content_store: Any,
    doc_store_config: dict[str, Any],
    options: dict[str, Any],
    i18n_service: Any = None,
    fs_service: Any = None,
    user_service: Any = None,
    signal_handler: Any = None,
    *,
    backend: type[LearningCorePersistenceBackend] = LearningCorePersistenceBackend,
) -> Any:
    """
    The platform's factory as docs/SPLIT_CONTRACT.md §4.1 describes it: the engine class with the
    LMS's mixins, its request cache and services, ``render_template`` resolved, Mixed handed this
    factory, branch-aware stores the LMS's branch setting (``published-only``). A Split it builds
    reads the compiled documents through ``backend`` (there is no Mongo to read).
    """
    class_ = load_object(engine)
    kwargs = dict(options)
    if isinstance(kwargs.get("render_template"), str):
        kwargs["render_template"] = load_object(kwargs["render_template"])
    if issubclass(class_, MixedModuleStore):
        kwargs["create_modulestore_instance"] = functools.partial(
            create_modulestore_instance, backend=backend
        )
    if issubclass(class_, BranchSettingMixin):
        kwargs.setdefault("branch_setting_func", lambda: PUBLISHED_ONLY)
    with mock.patch("pymongo.MongoClient", mongomock.MongoClient):
        store = class_(
            contentstore=content_store,
            metadata_inheritance_cache_subsystem=None,
            request_cache=None,
            xblock_mixins=MIXINS,
            xblock_field_data_wrappers=[],
            disabled_xblock_types=lambda: [],
            doc_store_config=doc_store_config,
            i18n_service=i18n_service,
            fs_service=fs_service,
            user_service=user_service,
            signal_handler=signal_handler,
            **kwargs,
        )
    if isinstance(store, SplitMongoModuleStore):
        store.db_connection = backend()
    return store


def split_settings(fs_root: Path) -> dict[str, Any]:
    """Split's entry in ``MODULESTORE``, as README.rst writes it (``SPLIT_STORE``)."""
    return {
        "NAME": "split",
        "ENGINE": "xmodule.modulestore.split_mongo.split_draft.DraftVersioningModuleStore",
        "DOC_STORE_CONFIG": dict(MONGO_CONFIG),
        "OPTIONS": {
            "default_class": DEFAULT_CLASS,
            "fs_root": str(fs_root),
            "render_template": RENDER_TEMPLATE,
        },
    }


def readme_settings(fs_root: Path) -> dict[str, Any]:
    """``MODULESTORE['default']`` exactly as README.rst's "Serving courses to the LMS" tells operators."""
    return {
        "ENGINE": "xmodule.modulestore.mixed.MixedModuleStore",
        "OPTIONS": {
            "mappings": {},
            "stores": [
                {
                    "NAME": "split",
                    "ENGINE": "lc_modulestore.store.modulestore.LearningCoreModuleStore",
                    "DOC_STORE_CONFIG": {},
                    "OPTIONS": {
                        "default_class": DEFAULT_CLASS,
                        "fs_root": str(fs_root),
                        "render_template": RENDER_TEMPLATE,
                        "fallback": split_settings(fs_root),
                        "flag_name": "lc_modulestore.serve_from_learning_core",
                    },
                },
            ],
        },
    }


def split_only_settings(fs_root: Path) -> dict[str, Any]:
    """``MODULESTORE['default']`` of an LMS before this project: Split alone (the reference)."""
    return {
        "ENGINE": "xmodule.modulestore.mixed.MixedModuleStore",
        "OPTIONS": {"mappings": {}, "stores": [split_settings(fs_root)]},
    }


def make_mixed(
    setting: dict[str, Any], backend: type[LearningCorePersistenceBackend] = LearningCorePersistenceBackend
) -> MixedModuleStore:
    """``modulestore()``: the LMS's factory over ``MODULESTORE['default']``."""
    options = setting.get("OPTIONS", {})
    return create_modulestore_instance(
        setting["ENGINE"], None, setting.get("DOC_STORE_CONFIG", {}), options, backend=backend
    )


@contextlib.contextmanager
def platform_factory(
    backend: type[LearningCorePersistenceBackend] = LearningCorePersistenceBackend,
) -> Iterator[None]:
    """
    The stubbed ``xmodule.modulestore.django`` answers with the factory, as the LMS's module does:
    our store builds its fallback with it, as it does inside the LMS.
    """
    import xmodule.modulestore.django as django_module

    factory = functools.partial(create_modulestore_instance, backend=backend)
    with mock.patch.object(django_module, "create_modulestore_instance", factory, create=True):
        yield


# --- block classes ----------------------------------------------------------------------------------------


class _EntryPoint:
    """What ``XBlock.load_class`` needs of an entry point."""

    group = "xblock.v1"

    def __init__(self, name: str, cls: type) -> None:
        self.name = name
        self._cls = cls

    def load(self) -> type:
        return self._cls


@contextlib.contextmanager
def block_classes(classes: dict[str, type]) -> Iterator[None]:
    """
    Block type → class, for the duration, as installed entry points would map them. Split reads
    which types are detached once, when it is imported (``store_utilities.DETACHED_XBLOCK_TYPES``,
    from the classes tagged "detached"); an LMS has its classes installed by then, so the set is
    computed again here, the same way, from the classes now registered.
    """
    import xmodule.modulestore.split_mongo.split as split_module

    saved_points, saved_cache = list(XBlock.extra_entry_points), xblock.plugin.PLUGIN_CACHE
    XBlock.extra_entry_points = saved_points + [
        (name, _EntryPoint(name, cls)) for name, cls in classes.items()
    ]
    xblock.plugin.PLUGIN_CACHE = {}
    detached = {name for name, _cls in XBlock.load_tagged_classes("detached")}
    try:
        with mock.patch.object(split_module, "DETACHED_XBLOCK_TYPES", detached), partition_schemes():
            yield
    finally:
        XBlock.extra_entry_points = saved_points
        xblock.plugin.PLUGIN_CACHE = saved_cache


class _PartitionScheme:
    """Stands in for the LMS's user partition schemes (lms/): reading a course never calls one."""


@contextlib.contextmanager
def partition_schemes() -> Iterator[None]:
    """The ``random`` and ``cohort`` schemes the LMS installs as ``openedx.user_partition_scheme`` plugins."""
    from stevedore.extension import Extension, ExtensionManager
    from xmodule.partitions.partitions import UserPartition

    schemes = ExtensionManager.make_test_instance(
        [Extension(name, None, type(name, (_PartitionScheme,), {}), None) for name in ("random", "cohort")]
    )
    with mock.patch.object(UserPartition, "scheme_extensions", schemes):
        yield


def fixture_classes(structure: dict[str, Any]) -> dict[str, type]:
    """
    A class for each block type of a compiled structure: the project's look-alikes of the LMS's
    classes (the platform's own block classes are not part of the fixture), declaring every
    settings field the structure stores for that type; the detached types tagged as edx-platform
    tags them.
    """
    names: dict[str, set[str]] = {}
    for key, block in structure["blocks"].items():
        names.setdefault(key.type, set()).update(n for n in block.fields if n != "children")
    classes: dict[str, type] = {}
    for block_type, fields in names.items():
        cls = _without_mixin_fields(standalone_class(block_type, tuple(sorted(fields))))
        if block_type in DETACHED:
            cls = XBlock.tag("detached")(cls)
        classes[block_type] = cls
    return classes


def _without_mixin_fields(cls: type) -> type:
    """
    The look-alike less the fields the platform's mixins declare (``user_partitions``, ``start``,
    ...): in the LMS those come from the mixins, with the mixins' types, on every block alike.
    """
    declared = {name for mixin in MIXINS for name in getattr(mixin, "fields", {})}
    attributes = {name: value for name, value in vars(cls).items() if name not in declared}
    attributes["__module__"] = __name__
    return type(cls.__name__, cls.__bases__, attributes)


def contrib_classes() -> dict[str, type]:
    """The real block classes xblocks-contrib installs, under the block types they serve."""
    import importlib.metadata

    found = {}
    for point in importlib.metadata.entry_points(group="xblock.v1"):
        if point.name.startswith("_") and point.name.endswith("_extracted"):
            found[point.name[1 : -len("_extracted")]] = point.load()
    return found


# --- what a block looks like, comparably --------------------------------------------------------------------

_EDIT_INFO = (
    "edited_on", "edited_by", "subtree_edited_on", "subtree_edited_by", "published_on", "published_by",
    "course_version", "previous_version", "update_version", "source_version",
)  # fmt: skip


def describe(block: Any) -> dict[str, Any]:
    """Everything of a block the LMS reads, as plain values, to compare block by block."""
    cls = type(block)
    described: dict[str, Any] = {
        "class": [f"{c.__module__}.{c.__qualname__}" for c in cls.__mro__],
        "location": block.location,
        "scope_ids": tuple(block.scope_ids),
        "course_id": block.course_id,
        "parent": block.parent,
        "children": list(block.children) if block.has_children else None,
        "definition_locator": getattr(block, "definition_locator", None),
        "display_name_with_default": block.display_name_with_default,
    }
    for scope in (Scope.settings, Scope.content, Scope.children):
        described[f"explicit {scope.name}"] = block.get_explicitly_set_fields_by_scope(scope)
    described["inherited"] = {
        name: block.fields[name].read_json(block) for name in InheritanceMixin.fields if name in block.fields
    }
    for name in _EDIT_INFO:
        described[name] = getattr(block, name)
    return described


def walk(root: Any, visit: Callable[[Any], Any] = describe) -> list[Any]:
    """``visit`` of every block reached from ``root`` by ``get_children()``, depth first, in order."""
    found, stack = [], [root]
    while stack:
        block = stack.pop()
        found.append(visit(block))
        if block.has_children:
            stack.extend(reversed(block.get_children()))
    return found


def outcome(method: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[str, Any]:
    """
    ``method(*args, **kwargs)``'s answer, or the name of the exception it raised: two stores'
    behaviour, exceptions included, compared as values.
    """
    try:
        return ("answer", method(*args, **kwargs))
    except Exception as exc:  # the comparison is of behaviour, exceptions included
        return ("raised", type(exc).__qualname__)


def answered(result: tuple[str, Any], normalize: Callable[[Any], Any]) -> tuple[str, Any]:
    """An :func:`outcome` with its answer (if any) made comparable."""
    return (result[0], normalize(result[1])) if result[0] == "answer" else result
