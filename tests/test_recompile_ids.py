"""
Documents served under an id never change (issue 19, defect 2). Every cache keys on ids: a
process's decoded structures, the shared structure cache, the LMS's course caches. A recompile that
gives the same documents keeps its ids (idempotent); one that gives other documents for the same
publish (a block.xml repaired in storage, a new parser) moves the course to a new id generation,
so every structure and definition id it stores is new, and the draft branch follows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from opaque_keys.edx.keys import CourseKey
from openedx_content.models_api import ComponentVersionMedia

import compile.structure
from compile.structure import compile_snapshot
from compile.vocabulary import DRAFT_BRANCH
from lc_modulestore.api import compile_course
from lc_modulestore.compiling.compile_publish import compile_bound_course
from lc_modulestore.models import (
    CompiledDefinition,
    CompiledStructure,
    CompileFailure,
    CourseBinding,
    CourseIndex,
)
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore
from lc_modulestore.storage.codec import decode_structure, inflate

from . import lc_ops
from .storage_checks import assert_incremental_equals_full, assert_storage_invariant, live_structure

pytestmark = pytest.mark.django_db
KEY = "course-v1:LCDemo+LC101+2026"


@pytest.fixture
def full_compile(django_capture_on_commit_callbacks: Any) -> Callable[..., str]:
    """``lc_compile --full`` of the course, its after-commit work (the draft compile) included."""

    def run(branch: str | None = None) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            report = compile_course(KEY, full=True, **({"branch": branch} if branch else {}))
        assert report.structure_id is not None and not report.error
        return report.structure_id

    return run


def stored_documents(binding: CourseBinding) -> dict[str, bytes]:
    """Every stored document of the course by id, its JSON text (live and superseded alike)."""
    rows = [
        *CompiledStructure.objects.filter(binding=binding).values_list("object_id", "data"),
        *CompiledDefinition.objects.filter(binding=binding).values_list("object_id", "data"),
    ]
    return {object_id: bytes(data) for object_id, data in rows}


def assert_no_document_changed(before: dict[str, bytes], after: dict[str, bytes]) -> None:
    # Structures are compared decoded (the encoder may pack the same document differently).
    for object_id in before.keys() & after.keys():
        old, new = before[object_id], after[object_id]
        if old == new:
            continue
        if CompiledStructure.objects.filter(object_id=object_id).exists():
            assert decode_structure(old) == decode_structure(new), f"structure {object_id} changed"
        else:
            assert inflate(old) == inflate(new), f"definition {object_id} changed"


def published_id_of(binding: CourseBinding) -> str:
    """The id of the published structure the course's index points at."""
    object_id: str = CourseIndex.objects.get(binding=binding).published_structure.object_id
    return object_id


def repair_in_storage(entity_id: int, olx: str) -> None:
    """A block.xml fixed where it is stored, no new version: what an operator's repair does."""
    version = lc_ops.content_api.get_component(entity_id).versioning.published
    media = ComponentVersionMedia.objects.get(component_version=version, path="block.xml").media
    media.text = olx
    media.save(update_fields=["text"])


def served_unit_children(store: LearningCoreModuleStore) -> list[str]:
    unit = store.get_item(CourseKey.from_string(KEY).make_usage_key("vertical", "summary_vert"))
    return [child.block_type for child in unit.children]


def test_a_recompile_giving_the_same_documents_keeps_every_id(
    binding: CourseBinding, full_compile: Callable[..., str]
) -> None:
    live_id = published_id_of(binding)
    before = stored_documents(binding)

    assert full_compile() == live_id
    assert full_compile(DRAFT_BRANCH)

    binding.refresh_from_db()
    assert binding.id_generation == 0
    after = stored_documents(binding)
    assert after.keys() == before.keys()
    assert_no_document_changed(before, after)


def test_a_block_repaired_in_storage_is_served_under_new_ids(
    binding: CourseBinding, publish: Any, full_compile: Callable[..., str]
) -> None:
    html = lc_ops.entity_of(binding, "html", "summary_html")
    good = lc_ops.block_xml(html)
    lc_ops.set_block_xml(binding, html, '<html display_name="Summary"><p>unclosed</html')
    publish(binding, [html])
    set_course_override(DEFAULT_FLAG_NAME, KEY, True)
    store = LearningCoreModuleStore()
    broken = served_unit_children(store)  # this process now holds the broken structure
    assert "error" in broken
    broken_id = published_id_of(binding)
    before = stored_documents(binding)

    repair_in_storage(html, good)
    repaired_id = full_compile()

    assert repaired_id != broken_id
    binding.refresh_from_db()
    assert binding.id_generation == 1
    repaired = ["html" if block_type == "error" else block_type for block_type in broken]
    assert served_unit_children(store) == repaired  # the same process, its caches warm
    assert served_unit_children(LearningCoreModuleStore()) == repaired
    # Nothing stored under an old id was rewritten, and every id the new structure names is new.
    after = stored_documents(binding)
    assert_no_document_changed(before, after)
    structure = live_structure(binding)
    assert structure is not None
    assert not {str(block["definition"]) for block in structure["blocks"]} & before.keys()
    assert_storage_invariant(binding)
    assert_incremental_equals_full(binding)

    # The next publish compiles incrementally in the new generation.
    other = lc_ops.entity_of(binding, "html", "welcome_html")
    lc_ops.set_block_xml(binding, other, lc_ops.block_xml(other).replace("</html>", "<p>next</p></html>"))
    publish(binding, [other])
    binding.refresh_from_db()
    assert binding.id_generation == 1
    assert_storage_invariant(binding)
    assert_incremental_equals_full(binding)


def test_a_new_parser_moves_the_course_and_its_drafts_to_new_ids(
    binding: CourseBinding, full_compile: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    published_id = published_id_of(binding)
    draft_before = live_structure(binding, DRAFT_BRANCH)
    assert draft_before is not None
    before = stored_documents(binding)

    # What `lc_compile --all --full` after an upgrade that changed the compile rules meets.
    monkeypatch.setattr(compile.structure, "PARSER_VERSION", compile.structure.PARSER_VERSION + 1)
    assert full_compile() != published_id
    binding.refresh_from_db()
    assert binding.id_generation == 1
    assert_no_document_changed(before, stored_documents(binding))

    # The draft branch followed into the new generation, every block still matching its published
    # twin (no unpublished change was made up by the move).
    published = live_structure(binding)
    drafts = live_structure(binding, DRAFT_BRANCH)
    assert published is not None and drafts is not None
    assert drafts["_id"] != draft_before["_id"]
    twins = {(b["block_type"], b["block_id"]): b for b in published["blocks"]}
    for block in drafts["blocks"]:
        twin = twins[(block["block_type"], block["block_id"])]
        assert block["definition"] == twin["definition"]
        assert block["edit_info"]["source_version"] == twin["edit_info"]["update_version"]
    assert_storage_invariant(binding)
    assert_incremental_equals_full(binding)


def test_a_draft_recompile_with_a_new_parser_moves_both_branches(
    binding: CourseBinding, full_compile: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    published_id = published_id_of(binding)
    monkeypatch.setattr(compile.structure, "PARSER_VERSION", compile.structure.PARSER_VERSION + 1)

    full_compile(DRAFT_BRANCH)

    binding.refresh_from_db()
    assert binding.id_generation == 1
    assert published_id_of(binding) != published_id
    assert_storage_invariant(binding)
    assert_incremental_equals_full(binding)


def test_a_move_to_new_ids_that_fails_keeps_serving_the_old_ones(
    binding: CourseBinding, monkeypatch: pytest.MonkeyPatch
) -> None:
    published_id = published_id_of(binding)
    before = stored_documents(binding)
    monkeypatch.setattr(compile.structure, "PARSER_VERSION", compile.structure.PARSER_VERSION + 1)
    compiles: list[object] = []

    def second_compile_fails(*args: Any) -> Any:
        compiles.append(args)
        if len(compiles) == 2:  # the compile under the new generation
            raise RuntimeError("injected")
        return compile_snapshot(*args)

    monkeypatch.setattr("lc_modulestore.compiling.compile_publish.compile_snapshot", second_compile_fails)
    report = compile_bound_course(binding, full=True, raise_errors=False)

    assert "injected" in report.error and len(compiles) == 2
    binding.refresh_from_db()
    assert binding.id_generation == 0  # rolled back with the rest
    assert published_id_of(binding) == published_id
    assert stored_documents(binding) == before
    assert CompileFailure.objects.filter(binding=binding).exists()
