"""
Shared fixtures. Tests run on SQLite by default and on MariaDB with ``LC_TEST_DB=mysql`` (the
test command starts the server). Real Learning Core throughout, nothing mocked.
"""

from __future__ import annotations

from .platform import loader as _platform

if _platform.requested():  # before lc_modulestore is imported: see tests/platform/loader.py
    _platform.install()

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import crum
import pytest
from django.db import connection
from edx_django_utils.cache import RequestCache
from openedx_content.models_api import Container

from lc_modulestore.api import ImportResult, import_olx
from lc_modulestore.models import CourseBinding

from . import lc_ops
from .celery_broker import app as celery_app  # the project's Celery app, current (and eager) in the tests

__all__ = ["celery_app"]

SAMPLE_COURSE = Path(__file__).resolve().parents[1] / "lc_modulestore" / "sample_course"
SHARED = Path(__file__).resolve().parents[2] / "shared"
DEMO_COURSE = SHARED / "olx" / "demo-course"
DEMO_COURSE_KEY = "course-v1:OpenedX+DemoX+DemoCourse"
SAMPLE_COURSE_KEY = "course-v1:LCDemo+LC101+2026"


def needs_demo_course() -> Path:
    if not (DEMO_COURSE / "course.xml").is_file():
        pytest.skip(f"{DEMO_COURSE} is not present (../shared/olx comes with CI, not with a bare clone)")
    return DEMO_COURSE


@pytest.fixture(autouse=True)
def _fresh_container_types() -> Iterator[None]:
    # Learning Core caches ContainerType rows on the classes; rolled-back tests would leave stale ones.
    Container.reset_cache()
    yield
    Container.reset_cache()


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A private, editable copy of the bundled sample course."""
    target = tmp_path / "sample"
    shutil.copytree(SAMPLE_COURSE, target)
    return target


@pytest.fixture
def run_import(django_capture_on_commit_callbacks: Any) -> Callable[..., ImportResult]:
    """Import as in production: the publish's on_commit handlers (the compile) run too."""

    def run(path: Path, course_key: str | None = None, **kwargs: Any) -> ImportResult:
        with django_capture_on_commit_callbacks(execute=True):
            return import_olx(path, course_key, **kwargs)

    return run


@pytest.fixture
def binding(run_import: Callable[..., ImportResult]) -> CourseBinding:
    """The bundled sample course, imported and compiled."""
    run_import(SAMPLE_COURSE)
    return CourseBinding.objects.select_related("learning_package").get(course_key=SAMPLE_COURSE_KEY)


@pytest.fixture
def publish(django_capture_on_commit_callbacks: Any) -> Callable[..., int]:
    """Publish as Studio would (see ``lc_ops.publish``), the compile on commit included; the PublishLog id."""

    def run(binding: CourseBinding, entity_ids: list[int] | None = None) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return lc_ops.publish(binding, entity_ids).id

    return run


@pytest.fixture
def outside_a_request() -> Iterator[None]:
    """As in a worker or a shell: no current request, and request caches that start empty."""
    RequestCache.clear_all_namespaces()
    crum.set_current_request(None)
    yield
    crum.set_current_request(None)
    RequestCache.clear_all_namespaces()


@pytest.fixture(scope="session")
def demo_course(django_db_setup: Any, django_db_blocker: Any) -> ImportResult:
    """The shared demo course, imported (and so compiled) once per session; tests only read it."""
    path = needs_demo_course()
    with django_db_blocker.unblock():
        Container.reset_cache()
        result = import_olx(path)
        Container.reset_cache()
    return result


@pytest.fixture
def vendor() -> str:
    return connection.vendor
