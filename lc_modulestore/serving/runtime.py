# Over 400 lines: every hook the platform and XBlocks call on Split's runtime, over one structure's state.
"""
The XBlock runtime that turns one compiled structure into XBlocks, as Split's runtime does.

Settings come from the structure, content from the block's definition (loaded on first use, or for
a whole subtree at once with ``lazy=False``), inheritable settings from the nearest ancestor that
sets them, and a block that fails to construct becomes an error block instead of breaking the
course. One runtime serves one structure; the structure itself is shared and never mutated.

Inside edx-platform the runtime is a ``ModuleStoreRuntime``, as Split's is: platform code and
XBlocks rely on what it adds to XBlock's ``Runtime`` (``export_fs``, ``resources_fs``,
``error_tracker``, services called with the block, fragment wrappers, the LMS's binding hook
``get_block_for_descriptor``). Outside it the runtime is XBlock's own.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from xblock.core import XBlock
from xblock.field_data import DictFieldData, FieldData
from xblock.fields import ScopeIds
from xblock.plugin import PluginMissingError
from xblock.runtime import IdReader, Runtime

from ..exceptions import ItemNotFoundError
from ..storage.split_types import BlockKey
from .field_data import BlockFieldData
from .standalone import StandaloneErrorBlock, standalone_class
from .structure_info import CourseEntry, KeyForm

try:
    from xmodule.x_module import ModuleStoreRuntime as _PlatformRuntime
except ImportError:
    _PlatformRuntime = None

if TYPE_CHECKING:
    from xblock.runtime import Runtime as _BaseRuntime
else:
    _BaseRuntime = _PlatformRuntime or Runtime

__all__ = ["DefinitionSource", "LearningCoreRuntime", "Located", "RuntimeOptions"]

log = logging.getLogger(__name__)

# Where a block keeps its field data (Split's runtime keeps a WeakKeyDictionary of blocks).
_FIELD_DATA = "_lc_field_data"
_NO_CLASS: Any = object()  # a block type no class is installed for, and no default class


def _block_key(block_type: str, block_id: str) -> BlockKey:
    return tuple.__new__(BlockKey, (block_type, block_id))


@dataclass(slots=True)
class Located:
    """One form of a course key in a runtime: its usage keys (shared per structure), its blocks."""

    course_key: Any
    form: KeyForm
    blocks: dict[Any, XBlock]

    def usage_key(self, key: Any) -> Any:
        return self.form.usage_key(key)


class _IdReader(IdReader):
    """Definition ids come from the structure; the runtime answers for its own blocks only."""

    def __init__(self, runtime: LearningCoreRuntime) -> None:
        self._runtime = runtime

    def get_definition_id(self, usage_id: Any) -> Any:
        return self._runtime.block_data(BlockKey(usage_id.block_type, usage_id.block_id)).definition

    def get_block_type(self, def_id: Any) -> str:
        raise NotImplementedError("block types come from usage keys in a Split structure")

    def get_usage_id_from_aside(self, aside_id: Any) -> Any:
        raise NotImplementedError

    def get_definition_id_from_aside(self, aside_id: Any) -> Any:
        raise NotImplementedError

    def get_aside_type_from_usage(self, aside_id: Any) -> str:
        raise NotImplementedError

    def get_aside_type_from_definition(self, aside_id: Any) -> str:
        raise NotImplementedError


class DefinitionSource(Protocol):
    """Where definitions come from: the persistence backend (Split's ``db_connection`` calls)."""

    def get_definition(self, key: Any, course_context: Any = None) -> dict[str, Any]: ...

    def get_definitions(
        self, definitions: Iterable[Any], course_context: Any = None
    ) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class RuntimeOptions:
    """What the store was configured with that every runtime it makes needs (Split's runtime args)."""

    definitions: DefinitionSource
    mixins: tuple[type, ...] = ()
    select: Callable[..., Any] | None = None
    default_class: type | None = None
    field_data_wrappers: tuple[Callable[..., Any], ...] = ()
    disabled_types: Callable[[], Iterable[str] | None] = lambda: ()
    services: dict[str, Any] = field(default_factory=dict)
    render_template: Callable[..., Any] | None = None
    fs_root: str | None = None


def _log_error(message: str) -> None:
    """The runtime's ``error_tracker`` (Split's default tracks nothing either)."""
    log.warning("XBlock error: %s", message)


class LearningCoreRuntime(_BaseRuntime):
    """One compiled structure's blocks as XBlocks, cached for the runtime's life (a request)."""

    def __init__(
        self,
        options: RuntimeOptions,
        entry: CourseEntry,
        *,
        field_decorator: Callable[[Any], Any] | None = None,
    ) -> None:
        base: dict[str, Any] = {
            "id_reader": _IdReader(self),
            "id_generator": None,
            "mixins": options.mixins,
            "services": dict(options.services),
            "default_class": options.default_class,
            "select": options.select,
        }
        if _PlatformRuntime is not None:
            base.update(
                load_item=self._load_usage,
                resources_fs=None,
                error_tracker=_log_error,
                render_template=options.render_template,
                disabled_xblock_types=options.disabled_types,
            )
        super().__init__(**base)
        self.options = options
        self.entry = entry
        self.field_decorator = field_decorator
        self.export_fs = None  # XModuleMixin.get_child hands it to every child's runtime
        self.course_id = entry.course_key  # as Split sets it: grading and older code read runtime.course_id
        self._forms: list[Located] = []
        self._last: Located | None = None
        self._last_key: Any = None
        self._classes: dict[str, type[XBlock]] = {}  # block type -> its class, mixed
        self._error_field_data: dict[Any, FieldData] = {}
        self._definitions: dict[Any, dict[str, Any]] = {}
        self._structure_blocks = entry.info.structure["blocks"]
        self._version = entry.course_key.version_guid

    # --- blocks --------------------------------------------------------------------------

    def decorate(self, value: Any) -> Any:
        return self.field_decorator(value) if self.field_decorator is not None else value

    def block_data(self, key: Any) -> Any:
        try:
            return self._structure_blocks[key]
        except KeyError:
            raise ItemNotFoundError(key) from None

    def get_block(self, usage_id: Any, for_parent: XBlock | None = None) -> XBlock:
        """As ``ModuleStoreRuntime.get_block``: the LMS's binding hook sees every block handed out."""
        block = self._load_usage(usage_id, for_parent=for_parent)
        bind = getattr(self, "get_block_for_descriptor", None)
        return bind(block) if bind is not None else block

    def _load_usage(self, usage_id: Any, for_parent: XBlock | None = None) -> XBlock:
        """
        The block ``usage_id`` names, located in the course key it carries (Split trusts the
        caller's key: under Mixed, children keys come branch- and version-free, and so do the
        children built from them).
        """
        course_key = usage_id.course_key
        located = self._last if course_key is self._last_key else self.located(course_key)
        assert located is not None
        key = located.form.block_keys.get(id(usage_id))
        if key is None:
            key = _block_key(usage_id.block_type, usage_id.block_id)
        block = located.blocks.get(key)
        if block is None:
            block = located.blocks[key] = self._construct(key, usage_id, for_parent)
        return block

    def load_block(self, key: Any, for_parent: XBlock | None = None) -> XBlock:
        """The block ``key``, located in the course entry's key."""
        located = self.located(self.entry.course_key)
        block = located.blocks.get(key)
        if block is None:
            block = located.blocks[key] = self._construct(key, located.usage_key(key), for_parent)
        return block

    def located(self, course_key: Any) -> Located:
        """
        The blocks (and usage keys) of one form of the course key: a request normally sees one
        or two (Split's full key, Mixed's stripped one). Found by identity first: hashing an
        opaque key costs more than building a block's field data.
        """
        if course_key is self._last_key and self._last is not None:
            return self._last
        for form in self._forms:
            if form.course_key == course_key:
                break
        else:
            form = Located(course_key, self.entry.info.key_form(course_key), {})
            self._forms.append(form)
        # Keys built by an earlier request carry an equal course key object: remember this one too.
        self._last, self._last_key = form, course_key
        return form

    def descendants(self, key: Any, depth: int | None) -> list[Any]:
        """The block and its descendants down to ``depth`` (None: all), parents first."""
        blocks = self.entry.info.structure["blocks"]
        found, frontier, level = [key], [key], 0
        while frontier and (depth is None or level < depth):
            frontier = [c for k in frontier for c in blocks[k].fields.get("children", ()) if c in blocks]
            found.extend(frontier)
            level += 1
        return found

    def preload_definitions(self, keys: Iterable[Any]) -> None:
        """``lazy=False``: every definition of these blocks in one read."""
        blocks = self.entry.info.structure["blocks"]
        wanted = {blocks[k].definition for k in keys} - self._definitions.keys()
        if wanted:
            for definition in self.options.definitions.get_definitions(list(wanted)):
                self._definitions[definition["_id"]] = definition["fields"]

    def definition_fields(self, definition_id: Any) -> dict[str, Any]:
        fields = self._definitions.get(definition_id)
        if fields is None:
            fields = self.options.definitions.get_definition(definition_id)["fields"]
            self._definitions[definition_id] = fields
        return fields

    def _block_class(self, block_type: str, block_data: Any) -> type[XBlock]:
        """
        The class of a block type with the mixins (as ``construct_xblock_from_class`` mixes it),
        looked up once per runtime; a type with no class gets one per set of stored fields.
        """
        cls = self._classes.get(block_type)
        if cls is None:
            loaded = self._load_class(block_type)
            cls = self._classes[block_type] = loaded if loaded is _NO_CLASS else self.mixologist.mix(loaded)
        if cls is _NO_CLASS:
            known = standalone_class(block_type).fields
            extra = tuple(sorted(n for n in block_data.fields if n not in known and n != "children"))
            return self.mixologist.mix(standalone_class(block_type, extra))
        return cls

    def _load_class(self, block_type: str) -> type[XBlock]:
        if block_type in frozenset(self.options.disabled_types() or ()):
            return self.default_class or standalone_class(block_type)
        try:
            return XBlock.load_class(block_type, select=self.select)
        except PluginMissingError:
            return self.default_class or _NO_CLASS
        except Exception as exc:  # installed, but not loadable here (its Django apps missing, ...)
            log.warning(
                "The XBlock class of %r does not load (%r): served as if it were not installed",
                block_type,
                exc,
            )
            return self.default_class or _NO_CLASS

    def _construct(self, key: Any, usage: Any, for_parent: XBlock | None) -> XBlock:
        """
        The block, as Split's ``xblock_from_json`` builds it. The hot path of every course read,
        written for speed: what ``construct_xblock_from_class`` does, inline.
        """
        block_data = self.block_data(key)
        scope_ids = tuple.__new__(ScopeIds, (None, key[0], block_data.definition, usage))
        try:
            block = self._block_class(key[0], block_data)(
                runtime=self, scope_ids=scope_ids, for_parent=for_parent
            )
        except Exception as exc:  # one broken block must not break the course (Split: ErrorBlock)
            log.warning("Block %s failed to construct: %s", usage, exc, exc_info=True)
            block = self._error_block(key, block_data, usage.course_key, exc)
        info = block_data.edit_info
        # Attributes, not block.__dict__: reading that makes CPython build a dict for every block.
        # Split's course_version: the version of the key the course was looked up by.
        block.course_version = self._version
        block._edited_by = info.edited_by
        block._edited_on = info.edited_on
        block.previous_version = info.previous_version
        block.update_version = info.update_version
        block.source_version = info.source_version
        block.definition_locator = self.entry.info.definition_locator(key, block_data.definition)
        return block

    def _error_block(self, key: Any, block_data: Any, course_key: Any, exc: Exception) -> XBlock:
        location = course_key.make_usage_key("error", key[1])
        message = "".join(traceback.format_exception_only(exc)).strip()
        try:
            from xmodule.error_block import ErrorBlock

            return ErrorBlock.from_json(block_data, self, location, error_msg=message)
        except ImportError:
            pass
        self._error_field_data[location] = DictFieldData(
            {"display_name": block_data.fields.get("display_name", key[1]), "error_msg": message}
        )
        return self.construct_xblock_from_class(StandaloneErrorBlock, ScopeIds(None, "error", None, location))

    # --- services --------------------------------------------------------------------------

    def service(self, block: Any, service_name: str) -> Any:
        """
        Field data as Split's runtime serves it: the block's own (with the store's wrappers), or,
        once the LMS has bound the block to a learner (``bind_for_student``), the learner's
        wrapping of it; ``field-data-unbound`` is always the block's own.
        """
        if service_name == "field-data" or service_name == "field-data-unbound":
            if service_name == "field-data":
                bound = getattr(block, "_bound_field_data", None)
                if bound is not None:
                    return bound
            field_data = getattr(block, _FIELD_DATA, None)
            if field_data is None:
                field_data = self._field_data_of(block)
                setattr(block, _FIELD_DATA, field_data)
                for wrapper in self.options.field_data_wrappers:  # after: they may read the block
                    field_data = wrapper(block, field_data)
                    setattr(block, _FIELD_DATA, field_data)
            return field_data
        return super().service(block, service_name)

    def _field_data_of(self, block: Any) -> FieldData:
        usage = block.scope_ids.usage_id
        error_data = self._error_field_data.get(usage) if self._error_field_data else None
        if error_data is not None:
            return error_data
        located = self.located(usage.course_key)
        key = located.form.block_keys.get(id(usage)) or _block_key(usage.block_type, usage.block_id)
        return BlockFieldData(self, key, self.block_data(key), located)

    @property
    def resources_fs(self) -> Any:
        """
        The course's folder under ``fs_root`` (capa problems read files through it), as Split's
        runtime has it; made on first use, so that a runtime that never needs it costs no I/O.
        """
        resources = self.__dict__.get("_resources_fs")
        if resources is None and self.options.fs_root:
            from fs.osfs import OSFS

            key = self.entry.course_key
            parts = [key.org, key.course, key.run] if key.org else [str(self.entry.structure_id)]
            root = Path(self.options.fs_root).joinpath(*parts)
            root.mkdir(parents=True, exist_ok=True)
            resources = self.__dict__["_resources_fs"] = OSFS(str(root))
        return resources

    @resources_fs.setter
    def resources_fs(self, value: Any) -> None:
        self.__dict__["_resources_fs"] = value

    # --- edit info (edx-platform's EditInfoRuntimeMixin) ---------------------------------------

    def get_edited_by(self, block: Any) -> Any:
        return block._edited_by

    def get_edited_on(self, block: Any) -> Any:
        return block._edited_on

    def get_subtree_edited_by(self, block: Any) -> Any:
        return self.entry.info.subtree_edit(BlockKey.from_usage_key(block.scope_ids.usage_id))[1]

    def get_subtree_edited_on(self, block: Any) -> Any:
        return self.entry.info.subtree_edit(BlockKey.from_usage_key(block.scope_ids.usage_id))[0]

    # On the published branch a block's publish is its last edit; on the draft branch it is the
    # edit of its published twin (None if it was never published), as Split's runtime answers.

    def get_published_by(self, block: Any) -> Any:
        return self._published_edit(block)[1]

    def get_published_on(self, block: Any) -> Any:
        return self._published_edit(block)[0]

    def _published_edit(self, block: Any) -> tuple[Any, Any]:
        published = self.entry.published
        if published is None:
            return block._edited_on, block._edited_by
        twin = published.structure["blocks"].get(BlockKey.from_usage_key(block.scope_ids.usage_id))
        return (twin.edit_info.edited_on, twin.edit_info.edited_by) if twin is not None else (None, None)

    # --- what the LMS provides when it binds a block to a learner ---------------------------------
    # (inside edx-platform, ModuleStoreRuntime's own, which the LMS overrides, come first)

    if _PlatformRuntime is None:

        def handler_url(self, *args: Any, **kwargs: Any) -> str:
            raise NotImplementedError("handler URLs come from the LMS runtime a block is bound to")

        def resource_url(self, *args: Any, **kwargs: Any) -> str:
            raise NotImplementedError("resource URLs come from the LMS runtime a block is bound to")

        def local_resource_url(self, *args: Any, **kwargs: Any) -> str:
            raise NotImplementedError("resource URLs come from the LMS runtime a block is bound to")

        def publish(self, *args: Any, **kwargs: Any) -> None:
            raise NotImplementedError("events are published by the LMS runtime a block is bound to")
