"""
The exceptions LMS code catches: edx-platform's own when installed, same-named look-alikes otherwise,
so ``except ItemNotFoundError`` in platform code catches what this store raises.
"""

from __future__ import annotations

__all__ = [
    "HeartbeatFailure",
    "InsufficientSpecificationError",
    "ItemNotFoundError",
    "ReadOnlyContentStoreError",
    "ReadOnlyModuleStoreError",
    "UnsupportedRevisionError",
    "VersionConflictError",
]


class ReadOnlyModuleStoreError(NotImplementedError):
    """A write reached a store that only serves content compiled from Learning Core."""

    def __init__(self, operation: str) -> None:
        super().__init__(
            f"{operation}: the Learning Core ModuleStore is read-only; author the course in Learning Core"
            " (its publishes are compiled and served automatically)"
        )


class ReadOnlyContentStoreError(NotImplementedError):
    """A write reached the files of a course served from Learning Core."""

    def __init__(self, operation: str, course_key: object) -> None:
        super().__init__(
            f"{operation}: the files of {course_key} are served from Learning Core and are read-only here;"
            " change them in Learning Core (or re-import the course's export)"
        )


try:
    from xmodule.exceptions import HeartbeatFailure
    from xmodule.modulestore.exceptions import (
        InsufficientSpecificationError,
        ItemNotFoundError,
        VersionConflictError,
    )
except ImportError:

    class ItemNotFoundError(Exception):  # type: ignore[no-redef]
        pass

    class InsufficientSpecificationError(Exception):  # type: ignore[no-redef]
        pass

    class VersionConflictError(Exception):  # type: ignore[no-redef]
        def __init__(self, requested_version: object, current_head: object) -> None:
            super().__init__(f"Requested {requested_version}, but current head is {current_head}")
            self.requested_version = requested_version
            self.current_head = current_head

    class HeartbeatFailure(Exception):  # type: ignore[no-redef]
        def __init__(self, msg: str, service: str) -> None:
            super().__init__(msg)
            self.service = service


try:
    from xmodule.modulestore.draft_and_published import UnsupportedRevisionError
except ImportError:

    class UnsupportedRevisionError(ValueError):  # type: ignore[no-redef]
        """A ``revision`` that is none of ModuleStoreEnum.RevisionOption's."""

        def __init__(self, allowed_revisions: object = None) -> None:
            allowed = allowed_revisions or [None, "rev-opt-published-only", "rev-opt-draft-only"]
            super().__init__(f"revision not one of {allowed}")
