"""
Keep the draft branch current: compile a bound course's drafts when Learning Core changes them
(``ENTITIES_DRAFT_CHANGED``, after commit), and again once a publish of it is compiled (the
project's own ``course_published``: which drafts have unpublished changes moved).
"""

from __future__ import annotations

from typing import Any

from compile.vocabulary import DRAFT_BRANCH

from .. import conf
from ..courses.models import CourseBinding
from .compile_draft import compile_bound_drafts, drop_drafts
from .receivers import compiles_are_paused, queue_compile

__all__ = ["on_course_published", "on_entities_draft_changed"]


def on_entities_draft_changed(learning_package: Any, change_log: Any = None, **kwargs: Any) -> None:
    """
    Learning Core sends this synchronously inside the draft change's ``on_commit``: compile now,
    or in a Celery task with ``LC_MODULESTORE_COMPILE_ASYNC``. Errors never reach the author:
    they are recorded as a :class:`CompileFailure` and the previous draft structure keeps serving.
    """
    if compiles_are_paused() or not conf.COMPILE_DRAFTS.value:
        return
    binding = CourseBinding.objects.filter(learning_package_id=learning_package.id).first()
    if binding is None:
        return  # a library or another package this project does not serve
    log_id = getattr(change_log, "draft_change_log_id", None)
    if conf.COMPILE_ASYNC.value and queue_compile(DRAFT_BRANCH, binding, log_id):
        return
    compile_bound_drafts(binding, raise_errors=False)


def on_course_published(course_key: Any, **kwargs: Any) -> None:
    """
    A published structure just became live (in whichever process compiled it): the draft branch
    follows in the same place. With drafts turned off, a draft structure left from before is
    removed instead, so that a preview never shows stale drafts.
    """
    if compiles_are_paused():
        return
    binding = CourseBinding.matching(str(course_key)).first()
    if binding is None:
        return
    if not conf.COMPILE_DRAFTS.value:
        drop_drafts(binding)
        return
    compile_bound_drafts(binding, raise_errors=False)
