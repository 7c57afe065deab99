"""
The two branches as Split's ``DraftVersioningModuleStore`` serves them (docs/SPLIT_CONTRACT.md
§3.3): which branch a read goes to (its ``revision``, the key's branch, the branch setting), and
``has_changes``, answered from the two live structures.
"""

from __future__ import annotations

from typing import Any

from compile.vocabulary import DRAFT_BRANCH, PUBLISHED_BRANCH

from ..exceptions import UnsupportedRevisionError

__all__ = [
    "DRAFT_ONLY",
    "DRAFT_PREFERRED",
    "DRAFT_PREFERRED_SETTING",
    "PUBLISHED_ONLY",
    "branch_for",
    "has_changes",
]

# ModuleStoreEnum.RevisionOption: what a read may ask for with ``revision=``.
DRAFT_PREFERRED = "rev-opt-draft-preferred"
DRAFT_ONLY = "rev-opt-draft-only"
PUBLISHED_ONLY = "rev-opt-published-only"
# ModuleStoreEnum.Branch: the branch setting of a process (Studio and LMS preview hosts).
DRAFT_PREFERRED_SETTING = "draft-preferred"


def branch_for(key_branch: str | None, revision: str | None, branch_setting: str | None) -> str:
    """
    Split's ``_map_revision_to_branch``: ``revision`` decides when given, else the key's own
    branch, else the branch setting (draft-preferred reads the draft branch, anything else the
    published one). Any other revision is Split's ``UnsupportedRevisionError``.
    """
    if revision == PUBLISHED_ONLY:
        return PUBLISHED_BRANCH
    if revision == DRAFT_ONLY:
        return DRAFT_BRANCH
    if revision is not None:
        raise UnsupportedRevisionError()
    if key_branch is not None:
        return key_branch
    return DRAFT_BRANCH if branch_setting == DRAFT_PREFERRED_SETTING else PUBLISHED_BRANCH


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
