"""
Fixtures of the platform test mode: the courses, compiled, with their flag on, and the block
classes both stores load. Without the platform in this process every test module here skips
itself, saying why (see :mod:`tests.platform.loader`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from opaque_keys.edx.keys import CourseKey

from ..conftest import DEMO_COURSE, DEMO_COURSE_KEY, SAMPLE_COURSE, needs_demo_course

COURSES = ("sample", "demo", "dag")
SAMPLE_KEY = "course-v1:LCDemo+LC101+2026"


@dataclass
class Course:
    key: CourseKey
    structure: dict[str, Any]


@pytest.fixture
def fs_root(tmp_path: Path) -> Path:
    root = tmp_path / "fs_root"
    root.mkdir()
    return root


@pytest.fixture(scope="session")
def imported(django_db_setup: Any, django_db_blocker: Any) -> dict[str, CourseKey]:
    """
    The bundled sample course, the shared demo course and a small DAG (a block shared by three
    units, components straight in a sequential and a chapter), imported and compiled once: this
    process runs only the platform tests, which only read them.
    """
    from openedx_content.models_api import Container

    from lc_modulestore.api import import_olx
    from lc_modulestore.importing.importer import import_course

    from ..dag_course import KEY as DAG_KEY
    from ..dag_course import dag_course

    keys = {"sample": CourseKey.from_string(SAMPLE_KEY), "dag": CourseKey.from_string(DAG_KEY)}
    with django_db_blocker.unblock():
        Container.reset_cache()
        import_olx(SAMPLE_COURSE)
        import_course(dag_course())
        if (DEMO_COURSE / "course.xml").is_file():
            import_olx(DEMO_COURSE)
            keys["demo"] = CourseKey.from_string(DEMO_COURSE_KEY)
        Container.reset_cache()
    return keys


@pytest.fixture(params=COURSES)
def course(request: pytest.FixtureRequest, imported: dict[str, CourseKey], db: Any) -> Course:
    """One of the courses; every imported course has its flag on (for the test only)."""
    from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
    from lc_modulestore.storage.backend import LearningCorePersistenceBackend

    if request.param not in imported:
        needs_demo_course()
    key = imported[request.param]
    for served in imported.values():
        set_course_override(DEFAULT_FLAG_NAME, served, True)
    backend = LearningCorePersistenceBackend()
    index = backend.get_course_index(key)
    return Course(key, backend.cached_structure(index["versions"]["published-branch"]))


@pytest.fixture
def classes(course: Course) -> Iterator[dict[str, type]]:
    """The course's block types load the project's look-alikes of the LMS classes, on both sides."""
    from lc_modulestore.bench.platform import look_alike_classes, registered_classes

    mapping = look_alike_classes(course.structure)
    with registered_classes(mapping):
        yield mapping
