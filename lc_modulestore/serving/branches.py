"""
The two branches as Split's ``DraftVersioningModuleStore`` serves them (docs/SPLIT_CONTRACT.md
§3.3): the revision options a read may name (the store maps them to a branch, ``_map_branch``),
and ``has_changes``, answered from the two live structures.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DRAFT_ONLY",
    "DRAFT_PREFERRED",
    "DRAFT_PREFERRED_SETTING",
    "PUBLISHED_ONLY",
    "has_changes",
]

# ModuleStoreEnum.RevisionOption: what a read may ask for with ``revision=``.
DRAFT_PREFERRED = "rev-opt-draft-preferred"
DRAFT_ONLY = "rev-opt-draft-only"
PUBLISHED_ONLY = "rev-opt-published-only"
# ModuleStoreEnum.Branch: the branch setting of a process (Studio and LMS preview hosts).
DRAFT_PREFERRED_SETTING = "draft-preferred"


def _version(block: Any) -> Any:
    """Split's ``_get_version``: a copied block answers with its source, any other with itself."""
    edit_info = block.edit_info
    return edit_info.source_version if edit_info.source_version is not None else edit_info.update_version


def has_changes(draft: dict[str, Any], published: dict[str, Any] | None, key: Any) -> bool:
    """
    Whether block ``key`` (a BlockKey) has unpublished changes, as Split answers it from the two
    in-memory structures: a block missing from either branch has; otherwise its version on the
    two branches differs, or one of its draft children (recursively) has changes.
    """
    draft_blocks = draft["blocks"]
    published_blocks = published["blocks"] if published is not None else {}
    stack = [key]
    while stack:  # depth first in children order, as Split's recursion, without its depth limit
        current = stack.pop()
        draft_block = draft_blocks.get(current)
        published_block = published_blocks.get(current)
        if draft_block is None or published_block is None:
            return True
        if _version(draft_block) != _version(published_block):
            return True
        stack.extend(reversed(draft_block.fields.get("children", ())))
    return False
