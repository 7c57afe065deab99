"""
The compiler's input: the published state of one course, as plain data.

The reader in ``lc_modulestore.compiling.published_state`` fills these from Learning Core in a
constant number of queries; everything downstream is pure, so the compiler can be tested on
hand-made snapshots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from .ids import EntityId, PublishLogId, UserId, VersionId
from .vocabulary import PUBLISHED_BRANCH, BlockKeyTuple

__all__ = ["CourseSnapshot", "EntitySnapshot", "SnapshotError"]


class SnapshotError(ValueError):
    """The published state cannot be expressed as a Split structure (shared or pinned children...)."""


@dataclass(frozen=True, slots=True)
class EntitySnapshot:
    """One published entity version, with what the compiler needs to turn it into a Split block."""

    entity_id: EntityId
    block_type: str
    block_id: str
    version_id: VersionId
    version_num: int
    title: str
    # Components: the block.xml text. Containers: None (their fields are in ``settings``/``content``).
    olx: str | None
    # Components whose block.xml could not be read (bytes that are not UTF-8, no block.xml at all):
    # why. They compile into an error block, as one whose block.xml does not parse.
    olx_error: str | None = None
    # Containers: the published children, in order, as entity ids (deleted/unpublished skipped).
    children: tuple[EntityId, ...] = ()
    # Realized fields when known: always for containers, cached for components (see parser_version).
    settings: dict[str, Any] | None = None
    content: dict[str, Any] | None = None
    parser_version: int | None = None
    # The publish that made this version the published one: Split's edit_info of the block.
    edited_on: datetime | None = None
    edited_by: UserId | None = None
    edit_publish_log_id: PublishLogId | None = None
    previous_edit_publish_log_id: PublishLogId | None = None
    # When and by whom this version was made: its definitions' edit info, which is the same on
    # both branches (they share definitions) and however often the version is published.
    version_created: datetime | None = None
    version_created_by: UserId | None = None
    # The export file each of its blocks was imported from ("type/id" -> [path, name], the
    # importer's record): what the block's ``xml_attributes["filename"]`` says, if its class keeps one.
    xml_filenames: Mapping[str, Sequence[str | None]] = field(default_factory=dict)

    @property
    def key(self) -> BlockKeyTuple:
        return (self.block_type, self.block_id)

    @property
    def is_component(self) -> bool:
        return self.olx is not None or self.olx_error is not None


@dataclass(frozen=True, slots=True)
class CourseSnapshot:
    """
    Everything published for one course as of ``publish_log_id``: the blocks reachable from the
    root, plus the detached ones (about, course_info, static_tab).

    On the draft branch (``branch``) the same shape holds the drafts: every "publish log" id and
    time below is then a DraftChangeLog's, and each entity's version is its Draft version.
    """

    course_key: str
    package_uuid: UUID
    publish_log_id: PublishLogId
    published_at: datetime
    published_by: UserId | None
    root_entity_id: EntityId
    # The package's first and previous PublishLogs: Split's original_version and previous_version.
    first_publish_log_id: PublishLogId
    previous_publish_log_id: PublishLogId | None
    entities: dict[EntityId, EntitySnapshot] = field(default_factory=dict)
    # Entities to (re)build. None: all of them (a full compile). Otherwise the others in
    # ``entities`` are there only so that children can be named by block key.
    changed: frozenset[EntityId] | None = None
    # Blocks whose deletion was published since the previous compile (detached pages need this;
    # outline blocks also drop out by no longer being reachable).
    deleted: frozenset[BlockKeyTuple] = frozenset()
    # Block keys of children that are not rebuilt (an incremental snapshot names them only).
    child_keys: dict[EntityId, BlockKeyTuple] = field(default_factory=dict)
    # Which Split branch this state is compiled into: its structure ids are that branch's own.
    branch: str = PUBLISHED_BRANCH
    # The course's id generation: every structure and definition id is derived within it. A
    # compile that would put other documents under ids already used moves the course to the next
    # one (documents served under an id never change: caches everywhere are keyed on it).
    id_generation: int = 0

    def key_of(self, entity_id: EntityId) -> BlockKeyTuple:
        entity = self.entities.get(entity_id)
        return entity.key if entity is not None else self.child_keys[entity_id]
