"""Where Celery's autodiscovery looks (``<app>.tasks``): the tasks live in ``compiling/tasks.py``."""

from lc_modulestore.compiling.tasks import compile_course_task, compile_drafts_task

__all__ = ["compile_course_task", "compile_drafts_task"]
