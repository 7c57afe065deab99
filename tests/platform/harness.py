"""
The platform's real stores next to ours, over the same compiled documents.

* :func:`make_split` builds a real ``DraftVersioningModuleStore`` (or ``SplitMongoModuleStore``) over
  the project's ``LearningCorePersistenceBackend`` (:func:`lc_modulestore.bench.platform.split_store`:
  its Mongo client is mongomock, no Mongo server anywhere); :func:`make_lc_store` builds
  ``LearningCoreModuleStore`` with the same options.
* :func:`create_modulestore_instance` is the platform's store factory (``xmodule.modulestore.django``,
  which the fixture stubs out because it pulls in the LMS), written from its documented behaviour
  (docs/SPLIT_CONTRACT.md §4.1), so that :func:`make_mixed` builds ``MixedModuleStore`` from a
  ``MODULESTORE`` setting exactly as the LMS does.
* :class:`CourseFilesInSplit` gives Split the asset metadata our store answers from a course's
  files, so that Split's own asset lookups are the reference for ours.
* :func:`block_classes` registers the XBlock classes both sides load, as entry points would;
  :func:`describe`, :func:`walk` and :func:`outcome` turn blocks and answers into comparable values.

Everything here is test code over the fixture; nothing of the platform is copied.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import mongomock
from opaque_keys.edx.locator import CourseLocator
from xblock.fields import Scope
from xmodule.assetstore import AssetMetadata
from xmodule.modulestore import ModuleStoreEnum
from xmodule.modulestore.draft_and_published import BranchSettingMixin
from xmodule.modulestore.inheritance import InheritanceMixin
from xmodule.modulestore.mixed import MixedModuleStore
from xmodule.modulestore.split_mongo.split import SplitMongoModuleStore

from lc_modulestore.bench.platform import (
    DEFAULT_CLASS,
    MONGO_CONFIG,
    RENDER_TEMPLATE,
    lms_mixins,
    split_store,
)
from lc_modulestore.serving.course_files import all_asset_metadata
from lc_modulestore.serving.fallback import load_object
from lc_modulestore.serving.modulestore import LearningCoreModuleStore
from lc_modulestore.storage.backend import LearningCorePersistenceBackend

MIXINS: tuple[type, ...] = lms_mixins()
PUBLISHED_ONLY = ModuleStoreEnum.Branch.published_only


def make_split(fs_root: Path, **options: Any) -> Any:
    """A real Split (a ``DraftVersioningModuleStore`` by default) over the compiled documents."""
    return split_store(fs_root, **options)


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


class CourseFilesInSplit(LearningCorePersistenceBackend):
    """
    The reference for asset metadata. Our store answers ``find_asset_metadata`` and
    ``get_all_asset_metadata`` from a course's published files; a Split holds what Studio saved in
    the structure's ``assets`` (from an export's ``assets/assets.xml``, empty in the demo course), so
    over the compiled documents alone it has none. This backend hands Split each structure of a
    course with those files' ``AssetMetadata`` in ``assets``, stored as Split stores them
    (``to_storable()``): Split's own lookup, type filter, sort and paging then answer over the same
    metadata, to compare with ours. Only for keys naming a course: files belong to a course, so a
    version-only key finds none on either side.
    """

    def get_structure(self, key: Any, course_context: Any = None) -> Any:
        structure = super().get_structure(key, course_context)
        if structure is not None and getattr(course_context, "org", None) is not None:
            course_key = CourseLocator(course_context.org, course_context.course, course_context.run)
            stored = [item.to_storable() for item in all_asset_metadata(course_key, None, 0, -1, None)]
            if stored:
                structure["assets"] = {"asset": stored}
        return structure


def comparable_asset(answer: Any) -> Any:
    """
    An ``AssetMetadata`` as a value (the class has no ``__eq__``), its key included (with the branch
    both stores map it to); anything else as it is.
    """
    if isinstance(answer, AssetMetadata):
        return ("AssetMetadata", answer.asset_id, answer.to_storable())
    return answer


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


def describe(block: Any, skip: Collection[str] = ()) -> dict[str, Any]:
    """Everything of a block the LMS reads (less ``skip``), as plain values, to compare block by block."""
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
        if name not in skip:
            described[name] = getattr(block, name)
    return described


def walk(root: Any, visit: Callable[[Any], Any] = describe, levels: int | None = None) -> list[Any]:
    """``visit`` of every block reached from ``root`` by ``get_children()`` (down ``levels``), in order."""
    found, stack = [], [(root, 0)]
    while stack:
        block, level = stack.pop()
        found.append(visit(block))
        if block.has_children and (levels is None or level < levels):
            stack.extend((child, level + 1) for child in reversed(block.get_children()))
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
