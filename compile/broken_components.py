"""
What a component that cannot be compiled becomes: an error block, as edx-platform's XML import
makes an ``ErrorBlock`` of a block it cannot read (``error_msg`` the reason, ``contents`` the
original OLX), so that one broken component never stops its course from compiling.

Its key is ``("error", "<type>:<id>")``. Split's runtime names an ErrorBlock ``error@<id>``; the
original type is kept in the id so that the key maps back when the component is fixed, and so
that a parent, which lists its children by their original keys, finds the block standing in for
a child (:func:`present_key`). It is visible to staff only: learners see nothing of a broken
component, as the LMS hides errors from them.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from .vocabulary import DETACHED_TYPES, ERROR_TYPE, BlockKeyTuple

__all__ = ["PresentKeys", "error_fields", "error_key", "errored_key", "is_detached", "present_key"]


def error_key(key: BlockKeyTuple) -> BlockKeyTuple:
    """The key of the error block that stands in for component ``key``."""
    return (ERROR_TYPE, f"{key[0]}:{key[1]}")


def errored_key(key: BlockKeyTuple) -> BlockKeyTuple | None:
    """The component an error block stands in for (None for any other block)."""
    if key[0] != ERROR_TYPE or ":" not in key[1]:
        return None
    block_type, block_id = key[1].split(":", 1)
    return (block_type, block_id)


def error_fields(display_name: str, olx: str | None, message: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """ErrorBlock's settings and content: the reason and the original OLX, hidden from learners."""
    settings = {"display_name": display_name, "visible_to_staff_only": True}
    return settings, {"contents": olx or "", "error_msg": message}


def is_detached(key: BlockKeyTuple) -> bool:
    """A detached page (about, course_info, static_tab), or the error block standing in for one."""
    return (errored_key(key) or key)[0] in DETACHED_TYPES


class PresentKeys:
    """
    The blocks of a structure (``positions``: block key → place) by the key their parent lists
    them under: a component is there also when an error block stands in for it.
    """

    __slots__ = ("_positions",)

    def __init__(self, positions: Container[Any]) -> None:
        self._positions = positions

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple):
            return False
        return key in self._positions or error_key(key) in self._positions


def present_key(key: BlockKeyTuple, blocks: Container[Any]) -> BlockKeyTuple:
    """A child as ``blocks`` holds it: the component, or the error block standing in for it."""
    if key in blocks:
        return key
    other = errored_key(key) or error_key(key)
    return other if other in blocks else key
