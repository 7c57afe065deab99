# Over 400 lines: Split's whole read surface, one method each, kept where the routing they share is.
"""
``LearningCoreModuleStore``: the read API the LMS calls, for courses compiled from Learning Core.

An operator puts it in ``settings.MODULESTORE`` in place of Split, with Split's own configuration
as its ``fallback``. Each call asks the per-course flag (request-cached, so a flip takes effect on
the next request, without a restart): a course whose flag is on and that has a compiled published
structure is served from Learning Core; any other course goes to the fallback store. Mixed caches
its routing per process, which is why the choice is made here, per call, and not by Mixed.

Semantics follow Split's (docs/SPLIT_CONTRACT.md §3): the same return shapes and exceptions, every method
takes ``**kwargs`` and honours ``field_decorator``. Nothing is ever written: every write method
raises :class:`ReadOnlyModuleStoreError` for a course served from Learning Core.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from opaque_keys.edx.keys import CourseKey
from opaque_keys.edx.locator import BlockUsageLocator, CourseLocator, LibraryLocator, LibraryUsageLocator
from xblock.core import XBlock

from compile.vocabulary import DETACHED_TYPES, DRAFT_BRANCH, PUBLISHED_BRANCH, ROOT_KEY

from .. import conf
from ..exceptions import (
    InsufficientSpecificationError,
    ItemNotFoundError,
    UnsupportedRevisionError,
    VersionConflictError,
)
from ..lru import SettingSizedLRU
from ..storage.backend import LearningCorePersistenceBackend
from ..storage.split_types import BlockKey
from . import branches
from .branches import DRAFT_ONLY, DRAFT_PREFERRED, PUBLISHED_ONLY
from .course_files import all_asset_metadata, find_asset_metadata, serves_course
from .fallback import CourseSummary, build_fallback, course_summary_class, load_object, loaded_on_call
from .flags import DEFAULT_FLAG_NAME, ServingFlag
from .queries import has_path_to_root, matching_keys
from .read_only import ReadOnlyWrites
from .runtime import LearningCoreRuntime, RuntimeOptions
from .standalone import EditInfoMixin
from .structure_info import CourseEntry, StructureInfo

try:
    from ccx_keys.locator import CCXBlockUsageLocator as _CCXBlockUsageLocator
    from ccx_keys.locator import CCXLocator as _CCXLocator
except ImportError:  # no CCX keys without edx-ccx-keys (the platform installs it)
    _CCXBlockUsageLocator = _CCXLocator = None

__all__ = ["CourseSummary", "LearningCoreModuleStore"]

log = logging.getLogger(__name__)

# What the platform passes every store besides the options named below (docs/SPLIT_CONTRACT.md §4.1:
# ``create_modulestore_instance``'s arguments, and the connection options Split's base class still
# takes from old configurations): accepted and not needed. Any other option is one this store does
# not have (a misspelt ``fallback`` or ``flag_name`` would otherwise go unnoticed): warned about.
PLATFORM_OPTIONS = frozenset(
    {
        "metadata_inheritance_cache_subsystem",
        "error_tracker",
        *("db", "collection", "host", "port", "tz_aware", "user", "password"),
    }
)


class LearningCoreModuleStore(ReadOnlyWrites):
    """A read-only ModuleStore over the Split documents compiled from Learning Core publishes."""

    def __init__(
        self,
        contentstore: Any = None,
        doc_store_config: dict[str, Any] | None = None,
        *,
        xblock_mixins: tuple[type, ...] = (),
        xblock_select: Callable[..., Any] | None = None,
        xblock_field_data_wrappers: tuple[Callable[..., Any], ...] = (),
        disabled_xblock_types: Callable[[], Any] = lambda: [],
        i18n_service: Any = None,
        fs_service: Any = None,
        user_service: Any = None,
        signal_handler: Any = None,
        branch_setting_func: Callable[[], str | None] | None = None,
        default_class: str | type | None = None,
        fs_root: str | None = None,
        render_template: Any = None,
        services: dict[str, Any] | None = None,
        request_cache: Any = None,
        fallback: Any = None,
        flag_name: str = DEFAULT_FLAG_NAME,
        **kwargs: Any,
    ) -> None:
        self.contentstore = contentstore
        self.doc_store_config = doc_store_config or {}
        mixins = tuple(xblock_mixins)
        if not any(hasattr(m, "edited_on") for m in mixins):
            mixins += (EditInfoMixin,)  # outside edx-platform, blocks still answer edited_on & co.
        self.xblock_mixins = mixins
        self.xblock_select = xblock_select
        self.xblock_field_data_wrappers = tuple(xblock_field_data_wrappers)
        self.disabled_xblock_types = disabled_xblock_types
        self.default_class = self._class(default_class)
        self.fs_root = fs_root
        self.render_template = (
            loaded_on_call(render_template) if isinstance(render_template, str) else render_template
        )
        self.request_cache = request_cache
        self.signal_handler = signal_handler
        self.branch_setting_func = branch_setting_func or (lambda: None)
        self.services = dict(services or {})
        for name, service in (("i18n", i18n_service), ("fs", fs_service), ("user", user_service)):
            if service is not None:
                self.services[name] = service
        self.db_connection = LearningCorePersistenceBackend(**self.doc_store_config)
        self.flag = ServingFlag(flag_name)
        self._fallback_spec = fallback
        self._fallback: Any = None if isinstance(fallback, dict | str) else fallback
        self._construction = {
            "contentstore": contentstore,
            "i18n_service": i18n_service,
            "fs_service": fs_service,
            "user_service": user_service,
            "signal_handler": signal_handler,
        }
        self._thread = threading.local()
        # Each info keeps its structure alive: bounded in bytes as the process LRU is (see _info).
        self._infos: SettingSizedLRU[Any, StructureInfo] = SettingSizedLRU(
            conf.STRUCTURE_INFO_LRU_SIZE, conf.STRUCTURE_LRU_BYTES
        )
        if unknown := sorted(kwargs.keys() - PLATFORM_OPTIONS):
            log.warning(
                "LearningCoreModuleStore has no option %s (ignored): check its OPTIONS in MODULESTORE",
                ", ".join(unknown),
            )

    @staticmethod
    def _class(default_class: str | type | None) -> type | None:
        if default_class is None or isinstance(default_class, type):
            return default_class
        try:
            return load_object(default_class)
        except (ImportError, AttributeError):
            log.exception(
                "default_class %s cannot be imported; unknown block types use built-ins", default_class
            )
            return None

    # --- routing ---------------------------------------------------------------------------------

    @property
    def fallback(self) -> Any:
        """The store for courses not served from Learning Core, built on first use."""
        if self._fallback is None and self._fallback_spec is not None:
            self._fallback = build_fallback(
                self._fallback_spec,
                xblock_mixins=self.xblock_mixins,
                branch_setting_func=self.branch_setting_func,
                **self._construction,
            )
        return self._fallback

    def serves(self, course_key: Any) -> bool:
        """Whether Learning Core serves this course now: flag on and a published structure compiled."""
        if not isinstance(course_key, CourseLocator) or course_key.deprecated:
            return False
        if course_key.org is None:  # a version-only key: ours if the structure is ours
            return self.db_connection.cached_structure(course_key.version_guid) is not None
        return serves_course(self.flag, self.db_connection, course_key)

    def _delegate(
        self, method: str, course_key: Any, *args: Any, missing: Any = ItemNotFoundError, **kwargs: Any
    ) -> Any:
        """Call the fallback's ``method``; without a fallback the course does not exist."""
        fallback = self.fallback
        if fallback is not None:
            return getattr(fallback, method)(*args, **kwargs)
        if isinstance(missing, type) and issubclass(missing, Exception):
            raise missing(course_key)
        return missing

    # --- courses and their structures ---------------------------------------------------------------

    def _map_branch(self, key: Any, revision: Any = None) -> Any:
        """
        ``DraftVersioningModuleStore._map_revision_to_branch``: the branch a read of ``key`` is
        for (the key's own, else the branch setting's), put into the key.
        """
        if isinstance(key, LibraryLocator | LibraryUsageLocator):
            draft = published = "library"
        else:
            draft, published = DRAFT_BRANCH, PUBLISHED_BRANCH
        if revision == PUBLISHED_ONLY:
            return key.for_branch(published)
        if revision == DRAFT_ONLY:
            return key.for_branch(draft)
        if revision is not None:
            raise UnsupportedRevisionError()
        if key.branch is not None:
            return key
        return key.for_branch(draft if self.get_branch_setting() == "draft-preferred" else published)

    def _entry(self, course_key: CourseLocator, head_validation: bool = True) -> CourseEntry:
        """
        Split's ``_lookup_course`` for a key with its branch mapped: the course's structure on that
        branch, and the key its blocks carry (the caller's, with the structure's version). A course
        whose drafts are not compiled serves its published structure on the draft branch, as a
        Split course with nothing unpublished would. A draft structure's entry carries the
        published one too (``published_on``/``published_by`` come from it).
        """
        version = course_key.version_guid
        published = None
        if course_key.org is not None and (head_validation or version is None):
            if course_key.branch is None:
                raise InsufficientSpecificationError(course_key)
            index = self.db_connection.get_course_index(course_key)
            if index is None or course_key.branch not in (PUBLISHED_BRANCH, DRAFT_BRANCH):
                raise ItemNotFoundError(course_key)
            versions = index["versions"]
            head = versions.get(course_key.branch, versions[PUBLISHED_BRANCH])
            if version is not None and version != head:
                raise VersionConflictError(course_key, head)
            version = head
            if head != versions[PUBLISHED_BRANCH]:
                published_structure = self.db_connection.cached_structure(versions[PUBLISHED_BRANCH])
                if published_structure is not None:
                    published = self._info(versions[PUBLISHED_BRANCH], published_structure)
        elif version is None:
            raise InsufficientSpecificationError(course_key)
        structure = self.db_connection.cached_structure(version)
        if structure is None:
            raise ItemNotFoundError(f"Structure: {version}")
        return CourseEntry(
            course_key.replace(version_guid=version), version, self._info(version, structure), published
        )

    def _info(self, structure_id: Any, structure: dict[str, Any]) -> StructureInfo:
        info = self._infos.get(structure_id)
        if info is None:
            info = StructureInfo.of(structure)
            self._infos.put(structure_id, info, self.db_connection.structure_size(structure_id, structure))
        return info

    def _runtime(self, entry: CourseEntry, field_decorator: Any = None) -> LearningCoreRuntime:
        """Within ``bulk_operations`` one runtime (and its built blocks) serves every call."""
        bulk = getattr(self._thread, "bulk", None)
        key = (entry.structure_id, entry.course_key, field_decorator)
        if bulk is not None and key in bulk:
            return bulk[key]
        runtime = LearningCoreRuntime(self._runtime_options(), entry, field_decorator=field_decorator)
        if bulk is not None:
            bulk[key] = runtime
        return runtime

    def _load(self, entry: CourseEntry, key: Any, depth: Any, kwargs: dict[str, Any]) -> XBlock:
        """Split's ``_load_items`` for one block: the block, its subtree's definitions if not lazy."""
        runtime = self._runtime(entry, kwargs.get("field_decorator"))
        if key not in entry.info.structure["blocks"]:
            raise ItemNotFoundError(key)
        _check_depth(depth)
        if not kwargs.get("lazy", True):
            runtime.preload_definitions(runtime.descendants(key, depth))
        return runtime.load_block(key, for_parent=kwargs.get("for_parent"))

    def _runtime_options(self) -> RuntimeOptions:
        return RuntimeOptions(
            definitions=self.db_connection,
            mixins=self.xblock_mixins,
            select=self.xblock_select,
            default_class=self.default_class,
            field_data_wrappers=self.xblock_field_data_wrappers,
            disabled_types=self.disabled_xblock_types,
            services=self.services,
            render_template=self.render_template,
            fs_root=self.fs_root,
        )

    # --- the read API -------------------------------------------------------------------------------
    # Each method answers as DraftVersioningModuleStore does (branch mapped first, then Split's
    # checks in Split's order), so that a caller's mistake fails the same way in both stores.

    def get_course(self, course_key: Any, depth: Any = 0, **kwargs: Any) -> Any:
        if not self.serves(course_key):
            return self._delegate("get_course", course_key, course_key, depth=depth, **kwargs)
        entry = self._entry(self._map_branch(course_key), kwargs.get("head_validation", True))
        return self._load(entry, entry.info.structure["root"], depth, kwargs)

    def has_course(self, course_id: Any, ignore_case: bool = False, **kwargs: Any) -> Any:
        if not self.serves(course_id):
            missing = False if not isinstance(course_id, CourseLocator) or course_id.deprecated else None
            return self._delegate("has_course", course_id, course_id, ignore_case, missing=missing, **kwargs)
        index = self.db_connection.get_course_index(course_id, ignore_case=ignore_case)
        if index is None:
            return None
        return CourseLocator(index["org"], index["course"], index["run"], course_id.branch)

    def get_item(self, usage_key: Any, depth: Any = 0, revision: Any = None, **kwargs: Any) -> Any:
        if not self._serves_block(usage_key):
            return self._delegate(
                "get_item", usage_key, usage_key, depth=depth, **_given(revision=revision), **kwargs
            )
        usage_key = self._map_branch(usage_key, revision)
        entry = self._entry(usage_key.course_key)
        return self._load(entry, BlockKey.from_usage_key(usage_key), depth, kwargs)

    def has_item(self, usage_key: Any, revision: Any = None, **kwargs: Any) -> bool:
        if not self._serves_block(usage_key):
            found = self._delegate(
                "has_item", usage_key, usage_key, missing=False, **_given(revision=revision)
            )
            return bool(found)
        usage_key = self._map_branch(usage_key, revision)
        if usage_key.block_id is None:
            raise InsufficientSpecificationError(usage_key)
        try:
            entry = self._entry(usage_key.course_key)
        except ItemNotFoundError:
            return False
        return BlockKey.from_usage_key(usage_key) in entry.info.structure["blocks"]

    def get_items(
        self,
        course_key: Any,
        revision: Any = None,
        settings: dict[str, Any] | None = None,
        content: dict[str, Any] | None = None,
        qualifiers: dict[str, Any] | None = None,
        include_orphans: bool = True,
        **kwargs: Any,
    ) -> list[Any]:
        if not self.serves(course_key):
            wrong_type = not isinstance(course_key, CourseKey) or course_key.deprecated
            return self._delegate(
                "get_items", course_key, course_key, settings=settings, content=content,
                qualifiers=qualifiers, include_orphans=include_orphans,
                missing=[] if wrong_type else ItemNotFoundError, **_given(revision=revision), **kwargs,
            )  # fmt: skip
        entry = self._entry(self._map_branch(course_key, revision))
        runtime = self._runtime(entry, kwargs.get("field_decorator"))

        def definitions(keys: list[Any]) -> Callable[[Any], dict[str, Any]]:
            runtime.preload_definitions(keys)
            return runtime.definition_fields

        keys = matching_keys(entry.info, qualifiers, settings, include_orphans, content, definitions)
        if keys:
            _check_depth(kwargs.get("depth", 0))
        return [runtime.load_block(key) for key in keys]

    def get_parent_location(self, location: Any, revision: Any = None, **kwargs: Any) -> Any:
        if not self._serves_block(location):
            return self._delegate(
                "get_parent_location", location, location, **_given(revision=revision), **kwargs
            )
        if revision == DRAFT_PREFERRED:
            revision = DRAFT_ONLY
        location = self._map_branch(location, revision)
        entry = self._entry(location.course_key)
        known: dict[Any, bool] = {}
        parents = entry.info.all_parents.get(BlockKey.from_usage_key(location), ())
        in_course = sorted(p for p in parents if has_path_to_root(p, entry.info.all_parents, known))
        if not in_course:
            return None
        return BlockUsageLocator.make_relative(location, in_course[0].type, in_course[0].id)

    def get_orphans(self, course_key: Any, **kwargs: Any) -> list[Any]:
        if not self.serves(course_key):
            return self._delegate("get_orphans", course_key, course_key, missing=[], **kwargs)
        course_key = self._map_branch(course_key)
        entry = self._entry(course_key)
        root = entry.info.structure["root"]
        parents = entry.info.all_parents
        return [
            course_key.make_usage_key(key.type, key.id)
            for key in entry.info.structure["blocks"]
            if key != root and key not in parents and key.type not in DETACHED_TYPES
        ]

    def _serves_block(self, usage_key: Any) -> bool:
        return isinstance(usage_key, BlockUsageLocator) and self.serves(usage_key.course_key)

    # --- every course --------------------------------------------------------------------------------

    def _served_indexes(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Indexes of the courses Learning Core serves now (flag on), filtered as Split filters."""
        course_keys = kwargs.get("course_keys")
        for index in self.db_connection.find_matching_course_indexes(
            PUBLISHED_BRANCH,
            search_targets=kwargs.get("search_targets"),
            org_target=kwargs.get("org"),
            course_keys=course_keys,
        ):
            key = CourseLocator(index["org"], index["course"], index["run"])
            if self.flag.is_enabled(key):
                yield index

    def _fallback_all(self, method: str, served: set[Any], *args: Any, **kwargs: Any) -> list[Any]:
        fallback = self.fallback
        if fallback is None:
            return []
        found = getattr(fallback, method)(*args, **kwargs)
        return [item for item in found if _course_key_of(item) not in served]

    def get_courses(self, **kwargs: Any) -> list[Any]:
        """The root of every course (Split's are located in the branch read, without a version)."""
        branch = DRAFT_BRANCH if self.get_branch_setting() == "draft-preferred" else PUBLISHED_BRANCH
        courses, served = [], set()
        for index in self._served_indexes(**kwargs):
            key = CourseLocator(index["org"], index["course"], index["run"])
            served.add(key)
            found = self._entry(key.for_branch(branch))  # Split locates these roots without a version
            entry = CourseEntry(key.for_branch(branch), found.structure_id, found.info)
            course = self._load(entry, entry.info.structure["root"], 0, kwargs)
            if course.scope_ids.block_type != "error":  # Split drops roots that failed to build
                courses.append(course)
        return courses + self._fallback_all("get_courses", served, **kwargs)

    def get_course_summaries(self, **kwargs: Any) -> list[Any]:
        summaries, served = [], set()
        for index in self._served_indexes(**kwargs):
            key = CourseLocator(index["org"], index["course"], index["run"])
            served.add(key)
            branch = DRAFT_BRANCH if self.get_branch_setting() == "draft-preferred" else PUBLISHED_BRANCH
            structure = self.db_connection.cached_structure(
                index["versions"].get(branch, index["versions"][PUBLISHED_BRANCH])
            )
            if structure is None:
                continue
            root = structure["blocks"][BlockKey(*structure["root"])].fields
            summary = course_summary_class()
            summaries.append(summary(key, **{f: root[f] for f in summary.course_info_fields if f in root}))
        return summaries + self._fallback_all("get_course_summaries", served, **kwargs)

    def get_courses_for_wiki(self, wiki_slug: str, **kwargs: Any) -> list[CourseLocator]:
        served = [
            CourseLocator(i["org"], i["course"], i["run"])
            for i in self._served_indexes(search_targets={"wiki_slug": wiki_slug})
        ]
        return served + self._fallback_all("get_courses_for_wiki", set(served), wiki_slug, **kwargs)

    def get_course_index_info(self, course_key: Any) -> Any:
        """The course's index entry (Studio reads it), or None for a key without org/course/run."""
        if not self.serves(course_key):
            return self._delegate("get_course_index_info", course_key, course_key, missing=None)
        return self.db_connection.get_course_index(course_key)

    def get_errored_courses(self) -> dict[Any, Any]:
        fallback = self.fallback
        return dict(fallback.get_errored_courses()) if fallback is not None else {}

    def get_course_errors(self, course_key: Any) -> list[Any]:
        if self.serves(course_key):
            return []  # a compile that failed is recorded, and the previous structure keeps serving
        return self._delegate("get_course_errors", course_key, course_key, missing=[])

    def has_published_version(self, xblock: Any) -> bool:
        location = xblock.scope_ids.usage_id
        if not self.serves(location.course_key):
            return bool(self._delegate("has_published_version", location, xblock, missing=False))
        return self.has_item(location.for_branch(PUBLISHED_BRANCH).version_agnostic())

    def has_changes(self, xblock: Any) -> bool:
        """Whether the block has unpublished changes: Split's answer, from the two live structures."""
        location = xblock.location
        if not self.serves(location.course_key):
            return bool(self._delegate("has_changes", location, xblock, missing=False))
        draft = self._entry(location.course_key.for_branch(DRAFT_BRANCH))  # for_branch drops the version
        published = draft.published or self._entry(location.course_key.for_branch(PUBLISHED_BRANCH)).info
        return branches.has_changes(
            draft.info.structure, published.structure, BlockKey.from_usage_key(location)
        )

    # --- asset metadata: the course files' table; v1 libraries: the fallback keeps serving them -------

    def _asset_course(self, course_key: Any) -> Any:
        """
        The key Split reads a course's assets under (mapped to the branch, as DraftVersioning maps
        it), once the course is looked up as Split looks it up (raising where Split raises); None
        where Split finds no structure and so no assets.
        """
        mapped = self._map_branch(course_key)
        try:
            self._entry(mapped)
        except (InsufficientSpecificationError, VersionConflictError):
            return None
        return mapped

    def find_asset_metadata(self, asset_key: Any, **kwargs: Any) -> Any:
        """The file's ``AssetMetadata`` (from Learning Core's course files), None when it has none."""
        if self.serves(asset_key.course_key):
            course_key = self._asset_course(asset_key.course_key)
            if course_key is None:
                return None
            return find_asset_metadata(asset_key.map_into_course(course_key), **kwargs)
        return self._delegate("find_asset_metadata", asset_key, asset_key, missing=None, **kwargs)

    def get_all_asset_metadata(
        self,
        course_key: Any,
        asset_type: Any,
        start: int = 0,
        maxresults: int = -1,
        sort: Any = None,
        **kwargs: Any,
    ) -> list[Any]:
        """Split's signature: Mixed passes ``start``, ``maxresults`` and ``sort`` positionally."""
        if self.serves(course_key):
            mapped = self._asset_course(course_key)
            return [] if mapped is None else all_asset_metadata(mapped, asset_type, start, maxresults, sort)
        return self._delegate(
            "get_all_asset_metadata", course_key, course_key, asset_type, start, maxresults, sort,
            missing=[], **kwargs,
        )  # fmt: skip

    def get_library(self, library_id: Any, *args: Any, **kwargs: Any) -> Any:
        """v1 content libraries stay in the fallback store (Split)."""
        return self._delegate("get_library", library_id, library_id, *args, missing=None, **kwargs)

    def has_library(self, library_id: Any, *args: Any, **kwargs: Any) -> Any:
        return self._delegate("has_library", library_id, library_id, *args, missing=None, **kwargs)

    def get_libraries(self, **kwargs: Any) -> list[Any]:
        return self._delegate("get_libraries", None, missing=[], **kwargs)

    def get_library_summaries(self, **kwargs: Any) -> list[Any]:
        return self._delegate("get_library_summaries", None, missing=[], **kwargs)

    def get_library_keys(self) -> list[Any]:
        return self._delegate("get_library_keys", None, missing=[])

    # --- keys and types ------------------------------------------------------------------------------

    def make_course_key(self, org: str, course: str, run: str) -> CourseLocator:
        return CourseLocator(org, course, run)

    def make_course_usage_key(self, course_key: CourseKey) -> BlockUsageLocator:
        """The root's key (a CCX course's root is a CCX usage key, as Split makes it)."""
        if _CCXLocator is not None and isinstance(course_key, _CCXLocator):
            return _CCXBlockUsageLocator(course_key, *ROOT_KEY)
        return BlockUsageLocator(course_key, *ROOT_KEY)

    def get_modulestore_type(self, course_key: Any = None) -> str:
        """Split's type: the documents served have Split's shapes whichever store serves them."""
        return "split"

    # --- context managers -----------------------------------------------------------------------------

    @contextmanager
    def bulk_operations(
        self, course_id: Any, emit_signals: bool = True, ignore_case: bool = False
    ) -> Iterator[None]:
        """Reads only: one runtime per structure for the duration, so blocks are built once."""
        if not self.serves(course_id) and self.fallback is not None:
            with self.fallback.bulk_operations(course_id, emit_signals=emit_signals, ignore_case=ignore_case):
                yield
            return
        outer = getattr(self._thread, "bulk", None)
        if outer is None:
            self._thread.bulk = {}
        try:
            yield
        finally:
            if outer is None:
                self._thread.bulk = None

    @contextmanager
    def branch_setting(self, branch_setting: str, course_id: Any = None) -> Iterator[None]:
        previous = getattr(self._thread, "branch_setting", None)
        self._thread.branch_setting = branch_setting
        try:
            fallback = self.fallback
            if fallback is not None and hasattr(fallback, "branch_setting"):
                with fallback.branch_setting(branch_setting, course_id):
                    yield
            else:
                yield
        finally:
            self._thread.branch_setting = previous

    def get_branch_setting(self, course_id: Any = None) -> str | None:
        return getattr(self._thread, "branch_setting", None) or self.branch_setting_func()

    # --- connections ------------------------------------------------------------------------------------

    def heartbeat(self) -> dict[str, Any]:
        """
        Split's answer, ``{"split": True}`` (a failure raises HeartbeatFailure): the store stands
        where Split stood, and the LMS's heartbeat reports modulestore services by that key.
        The fallback's services answer too; each raises if its database is unreachable.
        """
        answers = dict(self.fallback.heartbeat()) if self.fallback is not None else {}
        answers["split"] = self.db_connection.heartbeat() and answers.get("split", True)
        return answers

    def close_connections(self) -> None:
        self.db_connection.close_connections()
        if self.fallback is not None:
            self.fallback.close_connections()

    def ensure_indexes(self) -> None:
        if self.fallback is not None and hasattr(self.fallback, "ensure_indexes"):
            self.fallback.ensure_indexes()


def _given(**kwargs: Any) -> dict[str, Any]:
    """The keyword arguments that were given (not None): the fallback sees what the caller passed."""
    return {name: value for name, value in kwargs.items() if value is not None}


def _check_depth(depth: Any) -> None:
    """Split compares ``depth > 0`` as it walks down: anything else than a number (or None) fails."""
    try:
        _ = depth is None or depth > 0
    except TypeError:
        raise TypeError(f"depth must be a number of levels or None (all), not {depth!r}") from None


def _course_key_of(item: Any) -> Any:
    key = getattr(item, "id", item)
    if isinstance(key, CourseLocator):
        return key.for_branch(None).version_agnostic() if key.org else key
    return key
