"""
Issue 19, defect 1: an entity written by another writer (a library, a script) never takes the block
key of another entity. A component of type ``course`` coded ``course``, or ``vertical`` coded like
an existing unit, placed in a unit and published, used to compile into a course that *was* that
component. Now the compile is refused, naming both entities, recorded where an operator sees it
(CompileFailure), and the previous structure keeps serving.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from edx_django_utils.cache import RequestCache
from openedx_content import api as content_api

from compile.vocabulary import PUBLISHED_BRANCH
from lc_modulestore.models import CompileFailure, CourseBinding
from lc_modulestore.storage.backend import LearningCorePersistenceBackend

from . import lc_ops

pytestmark = pytest.mark.django_db(transaction=True)


def add_component(binding: CourseBinding, block_type: str, code: str) -> int:
    component_type = content_api.get_or_create_component_type("xblock.v1", block_type)
    media_type = content_api.get_or_create_media_type(f"application/vnd.openedx.xblock.v1.{block_type}+xml")
    olx = f'<{block_type} display_name="Intruder"/>'
    media = content_api.get_or_create_text_media(
        binding.learning_package_id, media_type.id, text=olx, created=lc_ops.now()
    )
    component, _ = content_api.create_component_and_version(
        binding.learning_package_id,
        component_type=component_type,
        component_code=code,
        title="Intruder",
        created=lc_ops.now(),
        media={"block.xml": media.id},
    )
    return component.id


def published_structure(binding: CourseBinding) -> dict[str, Any]:
    RequestCache.clear_all_namespaces()
    backend = LearningCorePersistenceBackend()
    index = backend.get_course_index(str(binding.course_key))
    return backend.cached_structure(index["versions"][PUBLISHED_BRANCH])


@pytest.mark.parametrize(("block_type", "taken"), [("course", "course"), ("vertical", None)])
def test_an_intruder_with_an_existing_key_is_refused_and_the_course_keeps_serving(
    binding: CourseBinding, publish: Callable[..., int], block_type: str, taken: str | None
) -> None:
    before = published_structure(binding)
    unit = lc_ops.entity_of(binding, "vertical", next(i for t, i in before["blocks"] if t == "vertical"))
    code = taken or lc_ops.BlockEntity.objects.get(entity_id=unit).block_id
    intruder = add_component(binding, block_type, code)
    lc_ops.set_unit_children(unit, [*lc_ops.unit_children(unit), intruder])
    publish(binding)

    failure = CompileFailure.objects.get(binding=binding, branch=PUBLISHED_BRANCH)
    assert f"{block_type}/{code}" in failure.message and str(intruder) in failure.message
    assert published_structure(binding) == before  # still the course it was
