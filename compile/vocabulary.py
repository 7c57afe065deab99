"""
The words every part of the project shares, spelled once: branch names, the root's key, which block
types are containers, detached or inheritable. Pure constants, so that ``compile`` (which imports
nothing of Django) and the Django app agree by construction.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ASSET_COMPONENT_NAMESPACE",
    "ASSET_COMPONENT_TYPE",
    "BLOCK_TYPES_WITH_CHILDREN",
    "BRANCHES",
    "CONTAINER_TYPES",
    "DETACHED_TYPES",
    "DRAFT_BRANCH",
    "ERROR_TYPE",
    "INHERITABLE_FIELDS",
    "LIBRARY_BRANCH",
    "NON_BLOCK_CHILDREN",
    "OUTLINE_LEVELS",
    "PUBLISHED_BRANCH",
    "ROOT_KEY",
    "UNKNOWN_USER_ID",
    "BlockKeyTuple",
]

type BlockKeyTuple = tuple[str, str]

# Split's branch names (ModuleStoreEnum.BranchName). Only the published one is compiled today.
PUBLISHED_BRANCH: Final = "published-branch"
DRAFT_BRANCH: Final = "draft-branch"
LIBRARY_BRANCH: Final = "library"
# The branches a v1 course index can name (SplitModulestoreCourseIndex.field_name_for_branch).
BRANCHES: Final = frozenset({PUBLISHED_BRANCH, DRAFT_BRANCH, LIBRARY_BRANCH})

# Split's root is always course/course (the run is in the course key, not the block id).
ROOT_KEY: Final[BlockKeyTuple] = ("course", "course")

# A course file (``static/`` of an export, Files in Studio) is one Learning Core component of this
# type, holding one file, as openedx-core's proposed design has it (ADR 0013 "asset components",
# ADR 0014 ``legacy_path``, both drafts): following upstream when it settles is a change here.
ASSET_COMPONENT_NAMESPACE: Final = "openedx.v1"
ASSET_COMPONENT_TYPE: Final = "asset"

# Split's edited_by is always an int; Learning Core publishes may have no user.
# -1 is ModuleStoreEnum.UserID.mgmt_command, what Split records for scripted changes.
UNKNOWN_USER_ID: Final = -1

# Blocks whose children are the course outline (Learning Core containers), by the outline level
# Learning Core stores them at. The legacy sequences ``videosequence`` and ``problemset`` (2012 OLX)
# are sequentials to Open edX, loaded by the same class, yet keep their tag as block type.
OUTLINE_LEVELS: Final[dict[str, str]] = {
    "course": "course",
    "chapter": "chapter",
    "sequential": "sequential",
    "videosequence": "sequential",
    "problemset": "sequential",
    "vertical": "vertical",
}
CONTAINER_TYPES: Final = frozenset(OUTLINE_LEVELS)
# Other blocks with children (has_children in edx-platform), kept whole with their inline children.
BLOCK_TYPES_WITH_CHILDREN: Final = frozenset(
    {"split_test", "library_content", "conditional", "itembank", "randomize", "unit", "wrapper"}
)
# Blocks that belong to a course without being anyone's child (Split keeps them in the structure too).
DETACHED_TYPES: Final = frozenset({"about", "course_info", "static_tab"})
# What a component whose block.xml cannot be read compiles into (edx-platform's ErrorBlock).
ERROR_TYPE: Final = "error"
# Child elements that are settings or references, not blocks: a course's <wiki> and <textbook>, a
# conditional's <show sources="..."> (the blocks it shows live elsewhere in the course).
NON_BLOCK_CHILDREN: Final = frozenset({"wiki", "textbook", "show"})

# Every field of edx-platform's InheritanceMixin: a block without its own value takes its nearest
# ancestor's explicitly set one (Split's InheritingFieldData). ``edxnotes_visibility`` is
# Scope.user_info, so it is inherited but never stored in a structure (the rule table omits it).
INHERITABLE_FIELDS: Final = frozenset(
    {
        "graded", "start", "due", "relative_weeks_due", "visible_to_staff_only", "course_edit_method",
        "giturl", "xqa_key", "graceperiod", "group_access", "showanswer", "show_correctness", "rerandomize",
        "days_early_for_beta", "static_asset_path", "use_latex_compiler", "max_attempts", "matlab_api_key",
        "user_partitions", "video_speed_optimizations", "video_auto_advance", "video_bumper",
        "show_reset_button", "edxnotes", "edxnotes_visibility", "in_entrance_exam", "self_paced",
        "hide_from_toc",
    }
)  # fmt: skip
