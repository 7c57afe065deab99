"""The Celery task that compiles a course's drafts when ``LC_MODULESTORE_COMPILE_ASYNC`` is on."""

from celery import shared_task

from ..courses.models import CourseBinding
from .compile_draft import compile_bound_drafts


@shared_task(name="lc_modulestore.compile_course_drafts")  # type: ignore[untyped-decorator]  # Celery is untyped
def compile_drafts_task(binding_id: int) -> None:
    binding = CourseBinding.objects.filter(pk=binding_id).first()
    if binding is not None:  # the package may have been deleted since the draft change
        compile_bound_drafts(binding, raise_errors=False)
