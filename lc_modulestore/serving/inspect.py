"""
A course as the store serves it, in the shape ``lc_show --json`` prints: the check that what the
LMS gets through ``LearningCoreModuleStore`` is what was compiled.
"""

from __future__ import annotations

from typing import Any

from opaque_keys.edx.keys import CourseKey
from xblock.core import XBlock
from xblock.fields import Scope

from compile.vocabulary import DETACHED_TYPES, DRAFT_BRANCH, PUBLISHED_BRANCH

from .modulestore import LearningCoreModuleStore

__all__ = ["course_through_store"]


def _explicit(block: XBlock, scope: Any) -> dict[str, Any]:
    return {
        name: field.read_from(block)
        for name, field in block.fields.items()
        if field.scope == scope and name != "children" and field.is_set_on(block)
    }


def _key(block: XBlock) -> str:
    usage = block.scope_ids.usage_id
    return f"{usage.block_type}/{usage.block_id}"


def course_through_store(
    course_key: CourseKey, store: LearningCoreModuleStore | None = None, branch: str = PUBLISHED_BRANCH
) -> dict[str, Any]:
    """
    Walk ``get_course(depth=None)`` and ``get_children()`` with the course's flag forced on, as the
    LMS reads it (``published-only``) or, for the draft branch, as its preview does.
    """
    store = store or LearningCoreModuleStore()
    setting = "draft-preferred" if branch == DRAFT_BRANCH else "published-only"
    with store.flag.forced_on(), store.branch_setting(setting):
        course = store.get_course(course_key, depth=None, lazy=False)
        blocks: dict[str, Any] = {}
        stack = [course]
        while stack:
            block = stack.pop()
            children = block.get_children() if block.has_children else []
            blocks[_key(block)] = {
                "fields": _explicit(block, Scope.settings),
                "children": [_key(child) for child in children],
                "definition": _explicit(block, Scope.content),
            }
            stack.extend(reversed(children))
        for page in store.get_items(course_key, qualifiers={"category": {"$in": sorted(DETACHED_TYPES)}}):
            blocks[_key(page)] = {
                "fields": _explicit(page, Scope.settings),
                "children": [],
                "definition": _explicit(page, Scope.content),
            }
    return {
        "course_key": str(course_key),
        "structure_id": str(course.course_version),
        "blocks": blocks,
    }
