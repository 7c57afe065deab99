"""
The draft branch: a course's drafts compiled into a Split structure of their own, next to the
published one, for the LMS preview (``draft-preferred`` reads) and ``has_changes``.

Pure, like :mod:`compile.structure`, which does the compiling: a draft snapshot (each entity's
Draft version, edit info from the DraftChangeLogs) gives the same document shapes and, for a
block unchanged since its publish, the same definition id. What this module adds is what ties
the two branches together the way Split's documents do:

* Split's ``has_changes`` compares ``source_version or update_version`` of a block on the two
  branches. A draft block whose settings, children and definition equal the published block's
  gets ``source_version`` = the published block's version (Split's state after a publish or a
  revert to published); any other keeps None, so its own draft ``update_version`` differs;
* that marking depends on the published structure too, so the draft structure's id names both
  the DraftChangeLog and the PublishLog it was compiled against: a publish that changes what is
  unchanged gives a new draft structure id, and nothing cached under the old one goes stale.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from bson import ObjectId

from .gc_pause import without_gc
from .snapshot import CourseSnapshot, SnapshotError
from .structure import CompiledCourse, compile_snapshot, id_prefix
from .vocabulary import DRAFT_BRANCH, BlockKeyTuple

__all__ = ["compile_draft", "draft_structure_id", "split_version"]

type Block = dict[str, Any]
type Structure = dict[str, Any]
# (id of an edit info, the source_version it is marked with) → the marked copy, one per pair
type _MarkedEdits = dict[tuple[int, ObjectId | None], dict[str, Any]]


def draft_structure_id(
    package_uuid: UUID, draft_change_log_id: int, publish_log_id: int, generation: int = 0
) -> ObjectId:
    """
    New for every (DraftChangeLog, PublishLog) pair, the same on a recompile of that pair giving
    the same documents: 4 bytes for the package (and the id generation, as every id of the
    course), 8 of a hash of the two ids (either can grow without the other).
    """
    prefix = id_prefix("draft-structure", package_uuid, generation)
    pair = hashlib.blake2b(f"{draft_change_log_id}\x1f{publish_log_id}".encode(), digest_size=8).digest()
    return ObjectId(prefix + pair)


def split_version(block: Block) -> ObjectId | None:
    """Split's ``_get_version``: what ``has_changes`` compares between the two branches."""
    edit_info = block["edit_info"]
    version: ObjectId | None = edit_info["source_version"] or edit_info["update_version"]
    return version


@without_gc
def compile_draft(
    snapshot: CourseSnapshot,
    previous: Structure | None,
    published: Structure | None,
    publish_log_id: int,
    *,
    same_published: bool = False,
    positions: dict[BlockKeyTuple, int] | None = None,
    published_positions: dict[BlockKeyTuple, int] | None = None,
) -> CompiledCourse:
    """
    The draft structure for ``snapshot`` (a draft-branch snapshot), compared with ``published``
    (the live published structure, compiled for ``publish_log_id``; None when there is none).
    ``previous`` is the live draft structure to patch, and ``positions`` its blocks' places, as
    :func:`compile_snapshot` takes them; ``same_published`` says it was compiled against this very
    ``published``, so its unchanged blocks keep their marking without being compared again.
    ``published_positions`` are ``published``'s blocks' places (found when not given). The result
    is the same either way.
    """
    if snapshot.branch != DRAFT_BRANCH:
        raise SnapshotError(f"{snapshot.course_key}: a {snapshot.branch} snapshot is not a draft")
    compiled = compile_snapshot(snapshot, previous, positions)
    structure = compiled.structure
    structure["_id"] = draft_structure_id(
        snapshot.package_uuid, snapshot.publish_log_id, publish_log_id, snapshot.id_generation
    )
    blocks: list[Block] = structure["blocks"]
    if published is not None and published_positions is None:
        published_positions = {(b["block_type"], b["block_id"]): i for i, b in enumerate(published["blocks"])}
    twins = _Twins(published["blocks"] if published is not None else [], published_positions or {})
    if previous is not None and same_published and compiled.replaced is not None:
        # Patched in place: only the replaced places hold blocks that were not marked before.
        blocks = list(blocks)
        marked_edits: _MarkedEdits = {}
        for position in compiled.replaced:
            blocks[position] = _mark(blocks[position], twins, marked_edits)
        structure["blocks"] = blocks
    else:
        kept = (
            {id(block) for block in previous["blocks"]} if previous is not None and same_published else set()
        )
        structure["blocks"] = _marked(blocks, twins, kept)
    return compiled


class _Twins:
    """A published structure's blocks by key, found through their places."""

    __slots__ = ("_blocks", "_positions")

    def __init__(self, blocks: list[Block], positions: dict[BlockKeyTuple, int]) -> None:
        self._blocks = blocks
        self._positions = positions

    def get(self, key: BlockKeyTuple) -> Block | None:
        position = self._positions.get(key)
        return self._blocks[position] if position is not None else None


def _marked(blocks: list[Block], twins: _Twins, kept: set[int]) -> list[Block]:
    """
    ``blocks`` with each one's ``source_version`` set to its published twin's version when the two
    are equal, None otherwise. A block whose marking is already right is kept as it is (the
    encoder reuses its row); a changed one is a new dict, its edit info shared with the other
    blocks of the same edit and marking (the codec stores each distinct edit info once).
    """
    marked_edits: _MarkedEdits = {}
    return [block if id(block) in kept else _mark(block, twins, marked_edits) for block in blocks]


def _mark(block: Block, twins: _Twins, marked_edits: _MarkedEdits) -> Block:
    """``block`` marked against its published twin (itself when its marking is already right)."""
    twin = twins.get((block["block_type"], block["block_id"]))
    wanted = (
        split_version(twin)
        if twin is not None
        and twin["definition"] == block["definition"]
        and twin["fields"] == block["fields"]
        else None
    )
    edit_info = block["edit_info"]
    if edit_info["source_version"] == wanted:
        return block
    key = (id(edit_info), wanted)
    marked = marked_edits.get(key)
    if marked is None:
        marked = marked_edits[key] = {**edit_info, "source_version": wanted}
    return {**block, "edit_info": marked}
