"""
Typed ids of the Learning Core rows the compiler reads. Plain ints at run time; kept apart by the
type checker, because the compiler holds dicts keyed by entity next to dicts keyed by version.
``compile`` imports no Django model, so these mirror Learning Core's own ``Model.ID`` types.
"""

from __future__ import annotations

from typing import NewType

__all__ = ["EntityId", "EntityListId", "PublishLogId", "UserId", "VersionId"]

EntityId = NewType("EntityId", int)  # PublishableEntity.id
VersionId = NewType("VersionId", int)  # PublishableEntityVersion.id
EntityListId = NewType("EntityListId", int)  # EntityList.id (a container version's children)
PublishLogId = NewType("PublishLogId", int)  # PublishLog.id
UserId = NewType("UserId", int)  # auth user id
