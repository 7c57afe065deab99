"""Where Celery's autodiscovery looks (``<app>.tasks``): the task lives in ``compiling/tasks.py``."""

from lc_modulestore.compiling.tasks import compile_course_task

__all__ = ["compile_course_task"]
