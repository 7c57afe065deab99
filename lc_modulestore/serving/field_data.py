"""
One block's field data, with the semantics of Split's ``SplitMongoKVS`` + ``InheritingFieldData``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xblock.core import XBlock
from xblock.field_data import FieldData
from xblock.fields import ReferenceList, ReferenceValueDict, Scope

from compile.vocabulary import INHERITABLE_FIELDS

from ..storage.copies import private_copy
from ..storage.split_types import BlockKey
from .standalone import is_reference_field

if TYPE_CHECKING:
    from .runtime import LearningCoreRuntime, Located

__all__ = ["BlockFieldData"]


class BlockFieldData(FieldData):
    """
    Field data of one block, with the semantics of Split's ``SplitMongoKVS`` + ``InheritingFieldData``:
    settings and children from the structure, content from the definition, the parent from the
    structure's children lists, inherited settings from ancestors, ``field_decorator`` applied to
    every value read. Keys it hands out (parent, children, references) are located in the block's
    own course key, as Split's are. Writes stay in memory (nothing is ever saved).
    """

    def __init__(self, runtime: LearningCoreRuntime, key: Any, block_data: Any, located: Located) -> None:
        self._runtime = runtime
        self._key = key
        self._data = block_data
        self._form = located.form
        self._local: dict[str, Any] | None = None  # what was set in memory (made on first write)

    def _usage(self, key: Any) -> Any:
        return self._form.usage_key(key)

    def _raw(self, block: XBlock, name: str) -> Any:
        """The value as this block holds it, the caller's own (see :mod:`..storage.copies`)."""
        if self._local is not None and name in self._local:
            return self._local[name]
        declared = block.fields.get(name)
        scope = declared.scope if declared is not None else Scope.settings
        runtime = self._runtime
        if scope == Scope.parent:  # the root's is None, and is "set", as Split's KVS answers
            parent = runtime.entry.info.parent_map.get(self._key)
            return None if parent is None else self._usage(parent)
        if scope == Scope.children:
            return [self._usage(child) for child in self._data.fields.get("children", ())]
        if scope == Scope.content:
            # Split's KVS keeps one dict of the block's fields, the structure's first: a content
            # field the structure holds (a class declaring in content what others keep in settings,
            # poll's display_name) is answered from there, the definition read only when it lacks it.
            values = (
                self._data.fields
                if name in self._data.fields
                else runtime.definition_fields(self._data.definition)
            )
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
            return private_copy(value)
        make = self._usage

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
        if self._local is not None and name in self._local:
            return True
        declared = block.fields.get(name)
        scope = declared.scope if declared is not None else Scope.settings
        if scope == Scope.parent:
            return True
        if scope == Scope.children:
            return "children" in self._data.fields
        if scope == Scope.content:  # either dict, as for _raw
            return name in self._data.fields or name in self._runtime.definition_fields(self._data.definition)
        if scope == Scope.settings:
            return name in self._data.fields
        return False

    def set(self, block: XBlock, name: str, value: Any) -> None:
        if self._local is None:
            self._local = {}
        self._local[name] = value

    def delete(self, block: XBlock, name: str) -> None:
        if self._local is not None:
            self._local.pop(name, None)

    def default(self, block: XBlock, name: str) -> Any:
        if name in self._data.defaults:
            return self._runtime.decorate(private_copy(self._data.defaults[name]))
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
