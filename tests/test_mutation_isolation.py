"""
Mutation isolation: what the store hands out is the caller's own.

The decoded structure is shared by every store instance and request of the process; XBlock's
``FieldData`` contract lets a caller mutate the values it is given (``DictFieldData`` returns deep
copies). So whatever a caller does to a field value, a block, or a structure it got from the
backend, no later read — next request, another store instance, the same store — may see it.

Regression (issue 9): before, ``course.advanced_modules.append("x")`` in one request was seen by a
new store in the next (the values were the shared cache's objects).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from edx_django_utils.cache import RequestCache
from opaque_keys.edx.keys import CourseKey
from xblock.core import XBlock
from xblock.fields import Scope

from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore
from lc_modulestore.storage.backend import LearningCorePersistenceBackend

from .conftest import SAMPLE_COURSE

pytestmark = pytest.mark.django_db
KEY = CourseKey.from_string("course-v1:LCDemo+LC101+2026")
SCOPES = (Scope.settings, Scope.content)


@pytest.fixture
def course(run_import: Any) -> CourseKey:
    run_import(SAMPLE_COURSE)
    set_course_override(DEFAULT_FLAG_NAME, KEY, True)
    return KEY


def blocks(store: LearningCoreModuleStore, **kwargs: Any) -> Iterator[XBlock]:
    """Every block of the course, tree first, then the detached ones (by query)."""
    stack = [store.get_course(KEY, depth=None, **kwargs)]
    while stack:
        block = stack.pop()
        yield block
        stack.extend(block.get_children() if block.has_children else [])
    yield from store.get_items(KEY, qualifiers={"category": {"$in": ["about", "static_tab", "course_info"]}})


def values(store: LearningCoreModuleStore, **kwargs: Any) -> dict[str, Any]:
    """Every field value of every block (inherited and default ones included), deep-copied."""
    found = {}
    for block in blocks(store, **kwargs):
        for name, field in block.fields.items():
            if field.scope in SCOPES:
                found[f"{block.location.block_type}/{block.location.block_id}.{name}"] = copy.deepcopy(
                    field.read_from(block)
                )
    return found


def vandalize(value: Any) -> bool:
    """Change a list or dict in place, down to its innermost containers; whether it could."""
    changed = False
    if isinstance(value, list):
        for item in value:
            changed = vandalize(item) or changed
        value.append("vandalized")
        return True
    if isinstance(value, dict):
        for item in list(value.values()):
            changed = vandalize(item) or changed
        value["vandalized"] = True
        return True
    return changed


def vandalize_everything(store: LearningCoreModuleStore, **kwargs: Any) -> int:
    count = 0
    for block in blocks(store, **kwargs):
        for field in block.fields.values():
            if field.scope in SCOPES:
                count += vandalize(field.read_from(block))
    return count


def next_request() -> None:
    RequestCache.clear_all_namespaces()


def test_appending_to_advanced_modules_changes_no_other_read(course: CourseKey) -> None:
    """The issue's example: a mutation in one request, seen by a new store in the next."""
    first = LearningCoreModuleStore().get_course(course)
    before = list(first.advanced_modules)
    first.advanced_modules.append("x")
    first.tabs[0]["name"] = "Changed"
    next_request()
    again = LearningCoreModuleStore().get_course(course)
    assert again.advanced_modules == before
    assert again.tabs[0]["name"] != "Changed"


@pytest.mark.parametrize(
    "reader",
    [
        pytest.param(lambda: {}, id="lazy"),
        pytest.param(lambda: {"lazy": False}, id="not-lazy"),
        pytest.param(lambda: {"field_decorator": _mixed_like_decorator}, id="mixed-decorator"),
    ],
)
def test_no_mutation_crosses_requests_or_store_instances(
    course: CourseKey, reader: Callable[[], Any]
) -> None:
    pristine = values(LearningCoreModuleStore())
    store = LearningCoreModuleStore()
    assert vandalize_everything(store, **reader()) > 20  # the sample course has many list and dict values
    assert values(store) == pristine, "the same store, the next call"
    next_request()
    assert values(store) == pristine, "the same store, the next request"
    assert values(LearningCoreModuleStore()) == pristine, "another store instance"


def _mixed_like_decorator(value: Any) -> Any:
    """Mixed's ``strip_key`` decorator rewrites dict values in place; ours does worse, to every dict."""
    if isinstance(value, dict):
        for name in list(value):
            value[name] = value[name]
        value["decorated"] = True
    return value


def test_within_bulk_operations_mutations_stay_in_the_block(course: CourseKey) -> None:
    """Inside a bulk operation one block object serves every call: its own edits are its own."""
    store = LearningCoreModuleStore()
    pristine = LearningCoreModuleStore().get_course(course).advanced_modules
    with store.bulk_operations(course):
        course_block = store.get_course(course)
        course_block.advanced_modules.append("x")
        assert store.get_course(course).advanced_modules[-1] == "x"  # the same block, as in Split
    assert store.get_course(course).advanced_modules == pristine


def test_inherited_values_are_the_childs_own(course: CourseKey) -> None:
    store = LearningCoreModuleStore()
    course_block = store.get_course(course, depth=None)
    leaf = course_block
    while leaf.has_children and leaf.get_children():
        leaf = leaf.get_children()[0]
    inherited = leaf.user_partitions if "user_partitions" in leaf.fields else None
    if inherited:
        inherited.append({"vandalized": True})
        next_request()
        assert {"vandalized": True} not in LearningCoreModuleStore().get_course(course).user_partitions


def test_structures_from_the_backend_are_copies(course: CourseKey) -> None:
    """Split mutates what ``get_structure`` gives it (non-lazy loads, edit info): never the cache."""
    backend = LearningCorePersistenceBackend()
    index = backend.get_course_index(course)
    head = index["versions"]["published-branch"]
    pristine = {
        key: copy.deepcopy(block.fields) for key, block in backend.cached_structure(head)["blocks"].items()
    }
    for structure in (backend.get_structure(head), *backend.find_structures_by_id([head])):
        for block in structure["blocks"].values():
            vandalize(block.fields)
            block.fields["extra"] = 1
            block.edit_info._subtree_edited_on = "vandalized"
            block.definition_loaded = True
    index["versions"]["published-branch"] = None
    next_request()
    assert {k: b.fields for k, b in backend.cached_structure(head)["blocks"].items()} == pristine
    assert LearningCorePersistenceBackend().get_course_index(course)["versions"]["published-branch"] == head
