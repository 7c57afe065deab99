"""
One process serving 200 courses keeps within its LRU settings' bytes (``LC_MODULESTORE_STRUCTURE_LRU_BYTES``),
not only within their counts: a count promises nothing about memory, one structure of a big course
taking a thousand times one of a small course.

Two generated courses (``lc_modulestore.bench.generator``) are imported and compiled; 200 courses
are then made to serve their compiled structures (each under a structure id of its own: importing
200 courses would take minutes), and one store walks each course, every block built, a new request
each. tracemalloc measures what the process
keeps once the walks are over: it must stay under the bound, and under the caches' own byte
accounting (the estimate must not undercount). With the byte bound off, the same walks keep
several times more: the test can fail.
"""

from __future__ import annotations

import gc
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from bson import ObjectId
from django.test import override_settings
from edx_django_utils.cache import RequestCache
from opaque_keys.edx.keys import CourseKey
from openedx_content import api as content_api

from lc_modulestore.bench.generator import generate_course
from lc_modulestore.models import CompiledStructure, CourseBinding, CourseIndex
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_org_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore
from lc_modulestore.storage.backend import LearningCorePersistenceBackend
from lc_modulestore.storage.codec import inflate
from lc_modulestore.storage.structure_cache import DECODED_STRUCTURES, decoded_size

pytestmark = pytest.mark.django_db

COURSES = 200
SOURCES = (12, 60)  # blocks of the two generated courses
KEPT = 40  # structures the byte budget is set to hold, on average: far fewer than are served
ORG = "LCMemory"
SETTINGS = {
    "LC_MODULESTORE_STRUCTURE_LRU_SIZE": 1000,  # the counts do not bind here: the bytes must
    "LC_MODULESTORE_STRUCTURE_INFO_LRU_SIZE": 1000,
}


def published_elsewhere(data: bytes, oid: ObjectId) -> bytes:
    """The stored structure ``data`` under the id ``oid`` (where it names itself, as a new version does)."""
    text = inflate(data)
    own = orjson.loads(text)["_id"]
    return zlib.compress(text.replace(own.encode(), str(oid).encode()))


def course_like(source: CourseIndex, course_key: str) -> int:
    """
    Another course serving the source's compiled structure (its definitions shared, as ids are
    global), under a structure id of its own; the estimate its decoded structure is held at.
    """
    structure = source.published_structure
    package = content_api.create_learning_package(f"memory-test:{course_key}", title=course_key)
    binding = CourseBinding.objects.create(course_key=course_key, learning_package_id=package.id)
    oid = ObjectId()
    data = published_elsewhere(bytes(structure.data), oid)
    row = CompiledStructure.objects.create(
        binding=binding,
        publish_log_id=structure.publish_log_id,
        object_id=str(oid),
        block_count=structure.block_count,
        data=data,
        created=structure.created,
    )
    CourseIndex.objects.create(
        binding=binding,
        object_id=str(ObjectId()),
        org=ORG,
        published_structure=row,
        publish_log_id=source.publish_log_id,
        edited_on=source.edited_on,
        last_update=source.last_update,
    )
    return decoded_size(len(inflate(data)))


@pytest.fixture
def courses(run_import: Any, tmp_path: Path) -> Iterator[tuple[list[CourseKey], int]]:
    """200 served courses, each with a structure like one of the two generated ones; the average estimate."""
    sources = []
    for n, blocks in enumerate(SOURCES):
        generated = generate_course(tmp_path / f"course{n}", blocks, seed=n, run=f"Memory{n}")
        run_import(generated.path)
        sources.append(
            CourseIndex.objects.select_related("published_structure").get(
                binding__course_key=generated.course_key
            )
        )
    keys = [CourseKey.from_string(f"course-v1:{ORG}+C{n}+Run") for n in range(COURSES)]
    sizes = [course_like(sources[n % len(sources)], str(key)) for n, key in enumerate(keys)]
    set_org_override(DEFAULT_FLAG_NAME, ORG, True)
    with override_settings(**SETTINGS):
        yield keys, sum(sizes) // len(sizes)
    LearningCorePersistenceBackend.clear_process_cache()


def walk(block: Any) -> int:
    """Every block of the subtree built and a field of each read, as a whole-course page does."""
    assert block.display_name is not None
    return 1 + sum(walk(child) for child in block.get_children())


def serve_all(keys: list[CourseKey], budget: int) -> tuple[int, int, int, int]:
    """
    Serve every structure once (a new request each), in one process with one store; what stays
    allocated afterwards (tracemalloc), what the two caches account for, and the blocks walked.
    """
    LearningCorePersistenceBackend.clear_process_cache()
    with override_settings(LC_MODULESTORE_STRUCTURE_LRU_BYTES=budget):
        store = LearningCoreModuleStore()
        walked = walk(store.get_course(keys[0], depth=None))  # warm the code paths up
        LearningCorePersistenceBackend.clear_process_cache()
        store._infos.clear()
        RequestCache.clear_all_namespaces()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for key in keys:
                walked += walk(store.get_course(key, depth=None))
                RequestCache.clear_all_namespaces()  # the request ends
            gc.collect()
            kept = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        return kept, DECODED_STRUCTURES.nbytes, store._infos.nbytes, walked


def test_two_hundred_courses_stay_within_the_byte_bound(courses: tuple[list[CourseKey], int]) -> None:
    keys, average = courses
    budget = KEPT * average
    kept, structures, infos, walked = serve_all(keys, budget)
    print(
        f"\n{COURSES} courses, {walked} blocks walked; budget {budget:,} bytes; kept {kept:,} bytes;"
        f" accounted: structures {structures:,}, infos {infos:,}; {len(DECODED_STRUCTURES)} structures held"
    )
    assert structures <= budget and infos <= budget  # each cache within the setting
    assert len(DECODED_STRUCTURES) < COURSES // 2  # the bytes evicted, not the count
    assert kept <= structures + infos  # the accounting never undercounts what is really kept
    assert kept <= 2 * budget  # what the setting promises, measured

    unbounded, *_ = serve_all(keys, 0)  # the counts alone (1000 here) keep every structure
    print(f"without the byte bound: kept {unbounded:,} bytes")
    assert unbounded > 2 * budget
