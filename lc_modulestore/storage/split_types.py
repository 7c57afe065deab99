"""
Split's in-memory document types: edx-platform's own classes when installed, look-alikes otherwise.

Split code (and pickles in its caches) expect exactly these shapes: ``BlockKey`` a 2-field named
tuple, ``BlockData`` and ``EditInfo`` plain attribute bags built ``from_storable``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = ["PLATFORM_TYPES", "BlockData", "BlockKey", "EditInfo"]

_EDIT_INFO_FIELDS = (
    "previous_version",
    "update_version",
    "source_version",
    "edited_on",
    "edited_by",
    "original_usage",
    "original_usage_version",
)


class _BlockKey(NamedTuple):
    type: str
    id: str

    @classmethod
    def from_usage_key(cls, usage_key: Any) -> _BlockKey:
        return cls(usage_key.block_type, usage_key.block_id)

    def to_usage_key(self, course_key: Any) -> Any:
        return course_key.make_usage_key(self.type, self.id)

    @classmethod
    def from_string(cls, text: str) -> _BlockKey:
        block_type, _, block_id = text.partition(":")
        return cls(block_type, block_id)

    def __str__(self) -> str:
        return f"{self.type}:{self.id}"


class _EditInfo:
    """Edit info of one block; ``_subtree_edited_*`` are computed by the runtime, never stored."""

    def __init__(self, **kwargs: Any) -> None:
        self.from_storable(kwargs)
        self._subtree_edited_on: Any = kwargs.get("_subtree_edited_on")
        self._subtree_edited_by: Any = kwargs.get("_subtree_edited_by")

    def from_storable(self, edit_info: dict[str, Any]) -> None:
        for name in _EDIT_INFO_FIELDS:
            setattr(self, name, edit_info.get(name))

    def to_storable(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _EDIT_INFO_FIELDS}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _EditInfo) and self.__dict__ == other.__dict__

    def __repr__(self) -> str:
        return f"EditInfo({self.to_storable()!r})"


class _BlockData:
    """One block of a structure, as Split keeps it in memory (``block_id`` is in the BlockKey)."""

    def __init__(self, **kwargs: Any) -> None:
        self.definition_loaded = False
        self.from_storable(kwargs)

    def from_storable(self, block_data: dict[str, Any]) -> None:
        self.fields: dict[str, Any] = block_data.get("fields", {})
        self.block_type: str | None = block_data.get("block_type")
        self.definition: Any = block_data.get("definition")
        self.defaults: dict[str, Any] = block_data.get("defaults", {})
        self.asides: Any = block_data.get("asides", {})
        self.edit_info = _EditInfo(**block_data.get("edit_info", {}))

    def to_storable(self) -> dict[str, Any]:
        return {
            "fields": self.fields,
            "block_type": self.block_type,
            "definition": self.definition,
            "defaults": self.defaults,
            "asides": self.asides,
            "edit_info": self.edit_info.to_storable(),
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _BlockData) and self.__dict__ == other.__dict__

    def __repr__(self) -> str:
        return f"BlockData({self.to_storable()!r})"


try:  # inside edx-platform: the real classes, so Split code and its caches see what they expect
    from xmodule.modulestore import BlockData, EditInfo
    from xmodule.util.keys import BlockKey

    PLATFORM_TYPES = True
except ImportError:
    BlockData, EditInfo, BlockKey = _BlockData, _EditInfo, _BlockKey
    PLATFORM_TYPES = False
