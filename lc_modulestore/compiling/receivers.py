"""Compile bound courses when Learning Core publishes (``ENTITIES_PUBLISHED``, after commit)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from compile.vocabulary import DRAFT_BRANCH, PUBLISHED_BRANCH

from .. import conf
from ..courses.models import CourseBinding
from ..storage.course_files import course_files_among, forget_cached_files
from .compile_publish import compile_bound_course

__all__ = ["compiles_are_paused", "compiles_paused", "on_entities_published", "queue_compile"]

log = logging.getLogger(__name__)
_paused = threading.local()


@contextmanager
def compiles_paused() -> Iterator[None]:
    """Publishes in this thread compile nothing until the block ends (bulk loads, benchmarks)."""
    previous = getattr(_paused, "on", False)
    _paused.on = True
    try:
        yield
    finally:
        _paused.on = previous


def compiles_are_paused() -> bool:
    """Whether :func:`compiles_paused` is on in this thread (the draft branch's receivers ask too)."""
    return bool(getattr(_paused, "on", False))


def on_entities_published(learning_package: Any, change_log: Any = None, **kwargs: Any) -> None:
    """
    Learning Core sends this synchronously inside the publish's ``on_commit``. Synchronous by
    default (the course is current as soon as the publish returns); with
    ``LC_MODULESTORE_COMPILE_ASYNC = True`` a Celery task does it instead, and when the task
    cannot be queued (Celery missing, broker down) the compile runs here rather than not at all.
    Errors never reach the publisher: they are recorded as a :class:`CompileFailure` and the old
    structure keeps serving.
    """
    if getattr(_paused, "on", False):
        return
    binding = CourseBinding.objects.filter(learning_package_id=learning_package.id).first()
    if binding is None:
        return  # a library or another package this project does not serve
    log_id = getattr(change_log, "publish_log_id", None)
    _forget_published_files(change_log)
    if conf.COMPILE_ASYNC.value and queue_compile(PUBLISHED_BRANCH, binding, log_id):
        return
    compile_bound_course(binding, raise_errors=False)


def _forget_published_files(change_log: Any) -> None:
    """The course files this publish changed leave the platform's asset cache (their bytes, digest, lock)."""
    entity_ids = [change.entity_id for change in getattr(change_log, "changes", None) or ()]
    try:
        forget_cached_files(course_files_among(entity_ids))
    except Exception:  # the cache's own expiry is the backstop; the compile must still run
        log.exception("Could not drop the published course files from the asset cache")


def queue_compile(branch: str, binding: CourseBinding, log_id: int | None) -> bool:
    """
    Send one branch's compile to Celery, naming the log (PublishLog or DraftChangeLog) that asked
    for it; False (logged) when it cannot be sent, so that the caller compiles in-process.
    """
    try:
        from .tasks import compile_course_task, compile_drafts_task
    except ImportError:
        log.error(
            "LC_MODULESTORE_COMPILE_ASYNC is on but Celery cannot be imported"
            " (pip install lc-modulestore[celery]); compiling %s in this process",
            binding.course_key,
        )
        return False
    options: dict[str, Any] = {"countdown": conf.COMPILE_COUNTDOWN.value or None}
    if conf.COMPILE_QUEUE.value:
        options["queue"] = conf.COMPILE_QUEUE.value
    try:
        task = compile_drafts_task if branch == DRAFT_BRANCH else compile_course_task
        task.apply_async((binding.pk, log_id), **options)
    except Exception:
        log.exception(
            "Could not queue the compile of %s (is the broker up?); compiling it in this process",
            binding.course_key,
        )
        return False
    return True
