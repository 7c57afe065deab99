"""The Celery task used when ``LC_MODULESTORE_COMPILE_ASYNC`` is on."""

from celery import shared_task

from ..courses.models import CourseBinding
from .compile_publish import compile_bound_course


@shared_task(name="lc_modulestore.compile_course")  # type: ignore[untyped-decorator]  # Celery is untyped
def compile_course_task(binding_id: int) -> None:
    binding = CourseBinding.objects.filter(pk=binding_id).first()
    if binding is not None:  # the package may have been deleted since the publish
        compile_bound_course(binding, raise_errors=False)
