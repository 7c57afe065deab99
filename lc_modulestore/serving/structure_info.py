"""
What every runtime over one structure needs, computed once per structure and kept by the store:
the parent of each block, and (on first use) the latest edit in each block's subtree, every
block's parents, and the keys the blocks are located by. Keys are immutable, so the ones built
for one request serve the next: building an opaque key costs more than building a block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opaque_keys.edx.locator import CourseLocator, DefinitionLocator

__all__ = ["CourseEntry", "KeyForm", "StructureInfo"]

_KEY_FORMS = 8  # forms of a course key (branch, version, Mixed's stripped one...) kept per structure


@dataclass(slots=True)
class StructureInfo:
    """What every runtime over one structure needs, computed once per structure per process."""

    structure: dict[str, Any]
    parent_map: dict[Any, Any] = field(default_factory=dict)
    _subtree: dict[Any, tuple[datetime, Any]] | None = None
    _all_parents: dict[Any, list[Any]] | None = None
    _key_forms: dict[Any, KeyForm] = field(default_factory=dict)
    _definition_locators: dict[Any, Any] = field(default_factory=dict)

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

    @property
    def all_parents(self) -> dict[Any, list[Any]]:
        """
        {block: every block listing it as a child}, for Split's path-to-root and parent lookups,
        which consider all of a shared child's parents (``parent_map`` keeps one, as Split's runtime).
        """
        if self._all_parents is None:
            blocks = self.structure["blocks"]
            if hasattr(blocks, "all_parents"):
                self._all_parents = blocks.all_parents()
            else:
                parents: dict[Any, list[Any]] = {}
                for key, block in blocks.items():
                    for child in block.fields.get("children", ()):
                        parents.setdefault(child, []).append(key)
                self._all_parents = parents
        return self._all_parents

    def key_form(self, course_key: Any) -> KeyForm:
        """The blocks' usage keys in ``course_key``, filled as blocks are located (a few forms kept)."""
        form = self._key_forms.get(course_key)
        if form is None:
            if len(self._key_forms) >= _KEY_FORMS:
                del self._key_forms[next(iter(self._key_forms))]
            form = self._key_forms[course_key] = KeyForm(course_key)
        return form

    def definition_locator(self, key: Any, definition: Any) -> Any:
        """The block's ``DefinitionLocator`` (Split sets one on every block it builds)."""
        locator = self._definition_locators.get(key)
        if locator is None:
            locator = self._definition_locators[key] = DefinitionLocator(key[0], definition)
        return locator

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
class KeyForm:
    """
    One form of a course key (Split's full key, Mixed's stripped one, ...) and the usage keys of
    the structure's blocks in it, with the way back from a usage key this form made to its
    BlockKey (by identity: the keys are kept alive here, so an id names one key).
    """

    course_key: Any
    usage_keys: dict[Any, Any] = field(default_factory=dict)
    block_keys: dict[int, Any] = field(default_factory=dict)

    def usage_key(self, key: Any) -> Any:
        usage = self.usage_keys.get(key)
        if usage is None:
            usage = self.usage_keys[key] = self.course_key.make_usage_key(key[0], key[1])
            self.block_keys[id(usage)] = key
        return usage


@dataclass(slots=True)
class CourseEntry:
    """A course as one runtime sees it: the key blocks are located in, and the structure."""

    course_key: CourseLocator
    structure_id: Any
    info: StructureInfo
    # On the draft branch: the published structure, where published_on/published_by come from.
    published: StructureInfo | None = None
