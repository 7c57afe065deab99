"""
The XBlock runtime that turns one compiled structure into XBlocks, as Split's runtime does.

Settings come from the structure, content from the block's definition (loaded on first use, or for
a whole subtree at once with ``lazy=False``), inheritable settings from the nearest ancestor that
sets them, and a block that fails to construct becomes an error block instead of breaking the
course. One runtime serves one structure; the structure itself is shared and never mutated.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from opaque_keys.edx.locator import BlockUsageLocator, CourseLocator
from xblock.core import XBlock
from xblock.field_data import DictFieldData, FieldData
from xblock.fields import ReferenceList, ReferenceValueDict, Scope, ScopeIds
from xblock.plugin import PluginMissingError
from xblock.runtime import IdReader, Runtime

from .exceptions import ItemNotFoundError
from .split_types import BlockKey
from .standalone import INHERITABLE_FIELDS, StandaloneErrorBlock, is_reference_field, standalone_class

if TYPE_CHECKING:
    from .modulestore import LearningCoreModuleStore

__all__ = ["CourseEntry", "LearningCoreRuntime", "StructureInfo"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class StructureInfo:
    """What every runtime over one structure needs, computed once per structure per process."""

    structure: dict[str, Any]
    parent_map: dict[Any, Any] = field(default_factory=dict)
    _subtree: dict[Any, tuple[datetime, Any]] | None = None

    @classmethod
    def of(cls, structure: dict[str, Any]) -> StructureInfo:
        blocks = structure["blocks"]
        if hasattr(blocks, "parent_map"):  # a lazily decoded structure: no block needs building
            return cls(structure, blocks.parent_map())
        parents: dict[Any, Any] = {}
        for key, block in blocks.items():
            for child in block.fields.get("children", ()):
                parents[child] = key
        return cls(structure, parents)

    def subtree_edit(self, key: Any) -> tuple[datetime, Any]:
        """(edited_on, edited_by) of the latest edit in the block's subtree (Split computes it on read)."""
        if self._subtree is None:
            self._subtree = _subtree_edits(self.structure["blocks"])
        return self._subtree[key]


def _subtree_edits(blocks: dict[Any, Any]) -> dict[Any, tuple[datetime, Any]]:
    latest: dict[Any, tuple[datetime, Any]] = {}
    order: list[Any] = []
    stack = list(blocks)
    seen: set[Any] = set()
    while stack:  # post-order without recursion: deep courses must not hit the recursion limit
        key = stack.pop()
        if key in seen:
            order.append(key)
            continue
        seen.add(key)
        stack.append(key)
        stack.extend(c for c in blocks[key].fields.get("children", ()) if c in blocks and c not in seen)
    for key in order:
        if key in latest:
            continue
        info = blocks[key].edit_info
        best = (info.edited_on, info.edited_by)
        for child in blocks[key].fields.get("children", ()):
            if child in latest and latest[child][0] > best[0]:
                best = latest[child]
        latest[key] = best
    return latest


@dataclass(slots=True)
class CourseEntry:
    """A course as one runtime sees it: the key blocks are located in, and the structure."""

    course_key: CourseLocator
    structure_id: Any
    info: StructureInfo


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


class BlockFieldData(FieldData):
    """
    Field data of one block, with the semantics of Split's ``SplitMongoKVS`` + ``InheritingFieldData``:
    settings and children from the structure, content from the definition, the parent from the
    structure's children lists, inherited settings from ancestors, ``field_decorator`` applied to
    every value read. Writes stay in memory (nothing is ever saved).
    """

    def __init__(self, runtime: LearningCoreRuntime, key: Any, block_data: Any) -> None:
        self._runtime = runtime
        self._key = key
        self._data = block_data
        self._local: dict[str, Any] = {}

    def _raw(self, block: XBlock, name: str) -> Any:
        if name in self._local:
            return self._local[name]
        declared = block.fields.get(name)
        scope = declared.scope if declared is not None else Scope.settings
        runtime = self._runtime
        if scope == Scope.parent:
            parent = runtime.entry.info.parent_map.get(self._key)
            if parent is None:
                raise KeyError(name)
            return runtime.usage_key(parent)
        if scope == Scope.children:
            return [runtime.usage_key(child) for child in self._data.fields.get("children", ())]
        if scope == Scope.content:
            values = runtime.definition_fields(self._data.definition)
        elif scope == Scope.settings:
            values = self._data.fields
        else:
            raise KeyError(name)  # user state never lives in a course structure
        if name not in values:
            raise KeyError(name)
        return self._references(declared, values[name])

    def _references(self, declared: Any, value: Any) -> Any:
        """Reference-typed values are stored as [type, id]; XBlocks expect usage keys."""
        if declared is None or value is None or not is_reference_field(declared):
            return value
        make = self._runtime.usage_key

        def key(pair: Any) -> Any:
            return make(BlockKey(*pair)) if isinstance(pair, list | tuple) and len(pair) == 2 else pair

        if isinstance(declared, ReferenceValueDict):
            return {name: key(pair) for name, pair in value.items()}
        if isinstance(declared, ReferenceList):
            return [key(pair) for pair in value]
        return key(value)

    def get(self, block: XBlock, name: str) -> Any:
        return self._runtime.decorate(self._raw(block, name))

    def has(self, block: XBlock, name: str) -> bool:
        try:
            self._raw(block, name)
        except KeyError:
            return False
        return True

    def set(self, block: XBlock, name: str, value: Any) -> None:
        self._local[name] = value

    def delete(self, block: XBlock, name: str) -> None:
        self._local.pop(name, None)

    def default(self, block: XBlock, name: str) -> Any:
        if name in self._data.defaults:
            return self._runtime.decorate(self._data.defaults[name])
        if name in INHERITABLE_FIELDS:
            blocks = self._runtime.entry.info.structure["blocks"]
            parents = self._runtime.entry.info.parent_map
            ancestor = parents.get(self._key)
            while ancestor is not None:
                fields = blocks[ancestor].fields
                if name in fields:
                    return self._runtime.decorate(self._references(block.fields.get(name), fields[name]))
                ancestor = parents.get(ancestor)
        raise KeyError(name)

    def explicit_settings(self) -> dict[str, Any]:
        """The block's explicitly set settings as stored (children excluded)."""
        return {k: v for k, v in self._data.fields.items() if k != "children"}


class LearningCoreRuntime(Runtime):
    """One compiled structure's blocks as XBlocks, cached for the runtime's life (a request)."""

    def __init__(
        self,
        store: LearningCoreModuleStore,
        entry: CourseEntry,
        *,
        field_decorator: Callable[[Any], Any] | None = None,
        services: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            id_reader=_IdReader(self),
            id_generator=None,
            mixins=store.xblock_mixins,
            services=dict(services or {}),
            default_class=store.default_class,
            select=store.xblock_select,
        )
        self.store = store
        self.entry = entry
        self.field_decorator = field_decorator
        self._blocks: dict[Any, XBlock] = {}
        self._field_data: dict[Any, FieldData] = {}
        self._definitions: dict[Any, dict[str, Any]] = {}

    # --- blocks --------------------------------------------------------------------------

    def usage_key(self, key: Any) -> BlockUsageLocator:
        return self.entry.course_key.make_usage_key(key[0], key[1])

    def decorate(self, value: Any) -> Any:
        return self.field_decorator(value) if self.field_decorator is not None else value

    def block_data(self, key: Any) -> Any:
        data = self.entry.info.structure["blocks"].get(key)
        if data is None:
            raise ItemNotFoundError(key)
        return data

    def get_block(self, usage_id: Any, for_parent: XBlock | None = None) -> XBlock:
        return self.load_item(BlockKey(usage_id.block_type, usage_id.block_id), for_parent=for_parent)

    def load_item(self, key: Any, for_parent: XBlock | None = None) -> XBlock:
        block = self._blocks.get(key)
        if block is None:
            block = self._construct(key, self.block_data(key), for_parent)
            self._blocks[key] = block
        return block

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
            for definition in self.store.db_connection.get_definitions(list(wanted)):
                self._definitions[definition["_id"]] = definition["fields"]

    def definition_fields(self, definition_id: Any) -> dict[str, Any]:
        fields = self._definitions.get(definition_id)
        if fields is None:
            fields = self.store.db_connection.get_definition(definition_id)["fields"]
            self._definitions[definition_id] = fields
        return fields

    def _block_class(self, block_type: str, block_data: Any) -> type[XBlock]:
        if block_type in self.store.disabled_types():
            return self.default_class or standalone_class(block_type)
        try:
            return XBlock.load_class(block_type, select=self.select)
        except PluginMissingError:
            if self.default_class is not None:
                return self.default_class
        known = standalone_class(block_type).fields
        extra = tuple(sorted(name for name in block_data.fields if name not in known and name != "children"))
        return standalone_class(block_type, extra)

    def _construct(self, key: Any, block_data: Any, for_parent: XBlock | None) -> XBlock:
        scope_ids = ScopeIds(None, key[0], block_data.definition, self.usage_key(key))
        try:
            block = self.construct_xblock_from_class(
                self._block_class(key[0], block_data), scope_ids, for_parent=for_parent
            )
        except Exception as exc:  # one broken block must not break the course (Split: ErrorBlock)
            log.warning("Block %s failed to construct: %s", scope_ids.usage_id, exc, exc_info=True)
            block = self._error_block(key, block_data, exc)
        info = block_data.edit_info
        block.course_version = self.entry.structure_id
        block._edited_by = info.edited_by
        block._edited_on = info.edited_on
        block.previous_version = info.previous_version
        block.update_version = info.update_version
        block.source_version = info.source_version
        return block

    def _error_block(self, key: Any, block_data: Any, exc: Exception) -> XBlock:
        location = self.entry.course_key.make_usage_key("error", key[1])
        message = "".join(traceback.format_exception_only(exc)).strip()
        try:
            from xmodule.error_block import ErrorBlock  # type: ignore[import-not-found]

            return ErrorBlock.from_json(block_data, self, location, error_msg=message)  # type: ignore[no-any-return]
        except ImportError:
            pass
        error_key = BlockKey("error", key[1])
        self._field_data[error_key] = DictFieldData(
            {"display_name": block_data.fields.get("display_name", key[1]), "error_msg": message}
        )
        return self.construct_xblock_from_class(StandaloneErrorBlock, ScopeIds(None, "error", None, location))

    # --- services --------------------------------------------------------------------------

    def service(self, block: Any, service_name: str) -> Any:
        if service_name == "field-data":
            usage = block.scope_ids.usage_id
            key = BlockKey(usage.block_type, usage.block_id)
            field_data = self._field_data.get(key)
            if field_data is None:
                field_data = BlockFieldData(self, key, self.block_data(key))
                for wrapper in self.store.xblock_field_data_wrappers:
                    field_data = wrapper(block, field_data)
                self._field_data[key] = field_data
            return field_data
        return super().service(block, service_name)

    # --- edit info (edx-platform's EditInfoRuntimeMixin) ---------------------------------------

    def get_edited_by(self, block: Any) -> Any:
        return block._edited_by

    def get_edited_on(self, block: Any) -> Any:
        return block._edited_on

    def get_subtree_edited_by(self, block: Any) -> Any:
        return self.entry.info.subtree_edit(BlockKey.from_usage_key(block.scope_ids.usage_id))[1]

    def get_subtree_edited_on(self, block: Any) -> Any:
        return self.entry.info.subtree_edit(BlockKey.from_usage_key(block.scope_ids.usage_id))[0]

    # Only the published branch is compiled, so a block's publish is its last edit.
    get_published_by = get_edited_by
    get_published_on = get_edited_on

    # --- what the LMS provides when it binds a block to a learner ---------------------------------

    def handler_url(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError("handler URLs come from the LMS runtime a block is bound to")

    def resource_url(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError("resource URLs come from the LMS runtime a block is bound to")

    def local_resource_url(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError("resource URLs come from the LMS runtime a block is bound to")

    def publish(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("events are published by the LMS runtime a block is bound to")
