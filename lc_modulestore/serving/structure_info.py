"""
What every runtime over one structure needs, computed once per structure and kept by the store:
the parent of each block, and (on first use) the latest edit in each block's subtree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opaque_keys.edx.locator import CourseLocator

__all__ = ["CourseEntry", "StructureInfo"]


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
    # On the draft branch: the published structure, where published_on/published_by come from.
    published: StructureInfo | None = None
