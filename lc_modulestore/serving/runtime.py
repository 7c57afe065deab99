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
from typing import Any, Protocol

from opaque_keys.edx.locator import BlockUsageLocator
from xblock.core import XBlock
from xblock.field_data import DictFieldData, FieldData
from xblock.fields import ScopeIds
from xblock.plugin import PluginMissingError
from xblock.runtime import IdReader, Runtime

from ..exceptions import ItemNotFoundError
from ..storage.split_types import BlockKey
from .field_data import BlockFieldData
from .standalone import StandaloneErrorBlock, standalone_class
from .structure_info import CourseEntry

__all__ = ["DefinitionSource", "LearningCoreRuntime", "RuntimeOptions"]

log = logging.getLogger(__name__)


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


class LearningCoreRuntime(Runtime):
    """One compiled structure's blocks as XBlocks, cached for the runtime's life (a request)."""

    def __init__(
        self,
        options: RuntimeOptions,
        entry: CourseEntry,
        *,
        field_decorator: Callable[[Any], Any] | None = None,
    ) -> None:
        super().__init__(
            id_reader=_IdReader(self),
            id_generator=None,
            mixins=options.mixins,
            services=dict(options.services),
            default_class=options.default_class,
            select=options.select,
        )
        self.options = options
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
            for definition in self.options.definitions.get_definitions(list(wanted)):
                self._definitions[definition["_id"]] = definition["fields"]

    def definition_fields(self, definition_id: Any) -> dict[str, Any]:
        fields = self._definitions.get(definition_id)
        if fields is None:
            fields = self.options.definitions.get_definition(definition_id)["fields"]
            self._definitions[definition_id] = fields
        return fields

    def _block_class(self, block_type: str, block_data: Any) -> type[XBlock]:
        if block_type in frozenset(self.options.disabled_types() or ()):
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
            from xmodule.error_block import ErrorBlock

            return ErrorBlock.from_json(block_data, self, location, error_msg=message)
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
                for wrapper in self.options.field_data_wrappers:
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

    def handler_url(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError("handler URLs come from the LMS runtime a block is bound to")

    def resource_url(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError("resource URLs come from the LMS runtime a block is bound to")

    def local_resource_url(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError("resource URLs come from the LMS runtime a block is bound to")

    def publish(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("events are published by the LMS runtime a block is bound to")
