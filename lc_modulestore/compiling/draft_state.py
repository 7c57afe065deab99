"""
The reader of a bound course's drafts: each entity's Draft version (soft-deleted ones left out),
with Split's edit info taken from the DraftChangeLogs. Learning Core keeps drafts exactly as it
keeps what is published, so this is :mod:`.published_state`'s reader pointed at the other state.
"""

from __future__ import annotations

from collections.abc import Container

from openedx_content.models_api import Draft, DraftChangeLog, DraftChangeLogRecord

from compile.ids import PublishLogId
from compile.snapshot import CourseSnapshot
from compile.vocabulary import DRAFT_BRANCH, BlockKeyTuple

from ..courses.models import CourseBinding
from .published_state import (
    PublishLogs,
    StateSide,
    latest_publish_logs,
    read_changes_since,
    read_published_state,
)

__all__ = ["DRAFTS", "latest_draft_logs", "read_draft_changes_since", "read_draft_state"]

DRAFTS = StateSide(
    DRAFT_BRANCH,
    "draft",
    Draft,
    DraftChangeLog,
    DraftChangeLogRecord,
    "draft_change_log",
    "changed_at",
    "changed_by_id",
    "no draft has been made yet",
)


def latest_draft_logs(binding: CourseBinding) -> PublishLogs:
    """The package's latest DraftChangeLog and its neighbours' ids; SnapshotError when none exists."""
    return latest_publish_logs(binding, DRAFTS)


def read_draft_state(binding: CourseBinding, logs: PublishLogs | None = None) -> CourseSnapshot:
    """The course's drafts now: the draft blocks its root reaches, plus its detached pages."""
    return read_published_state(binding, logs, DRAFTS)


def read_draft_changes_since(
    binding: CourseBinding, since: PublishLogId, known: Container[BlockKeyTuple], logs: PublishLogs
) -> CourseSnapshot:
    """What the DraftChangeLogs after ``since`` changed (their records and side effects)."""
    return read_changes_since(binding, since, known, logs, DRAFTS)
