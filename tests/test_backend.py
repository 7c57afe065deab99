"""
The persistence backend: Split's ``db_connection`` calls, with the positional shapes Split uses
(docs/SPLIT_CONTRACT.md §2.2), over the sample course as imported (and so compiled).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from bson import ObjectId
from django.db import DatabaseError, connection, connections
from django.test.utils import CaptureQueriesContext, override_settings
from opaque_keys.edx.keys import CourseKey
from opaque_keys.edx.locator import CourseLocator

from lc_modulestore.exceptions import HeartbeatFailure, ItemNotFoundError, ReadOnlyModuleStoreError
from lc_modulestore.models import CompiledDefinition, CompiledStructure, CourseBinding, CourseIndex
from lc_modulestore.storage.backend import INDEX_CACHE_NAMESPACE, LearningCorePersistenceBackend
from lc_modulestore.storage.split_types import BlockData, BlockKey, EditInfo

from .conftest import SAMPLE_COURSE

pytestmark = pytest.mark.django_db
KEY = CourseLocator.from_string("course-v1:LCDemo+LC101+2026")
STRUCTURE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-default"},
    "structures": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-structures"},
}
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


@pytest.fixture(autouse=True)
def _empty_process_cache() -> Iterator[None]:
    LearningCorePersistenceBackend.clear_process_cache()
    yield
    LearningCorePersistenceBackend.clear_process_cache()


@pytest.fixture
def course(run_import: Any) -> CourseIndex:
    run_import(SAMPLE_COURSE)
    return CourseIndex.objects.select_related("binding", "published_structure").get()


@pytest.fixture
def backend() -> LearningCorePersistenceBackend:
    # Split builds its backend from DOC_STORE_CONFIG; those keys must be accepted and ignored.
    return LearningCorePersistenceBackend(
        db="edxapp", collection="modulestore", host="localhost", port=27017, user="u", password="p"
    )


@pytest.fixture
def cached_backend() -> Iterator[LearningCorePersistenceBackend]:
    """A backend with a Django cache of its own and a chunk size small enough to split the sample."""
    with override_settings(CACHES=STRUCTURE_CACHE):
        yield LearningCorePersistenceBackend("structures", cache_chunk_size=1000)


def structure_id(course: CourseIndex) -> ObjectId:
    return ObjectId(course.published_structure.object_id)


def definition_ids(course: CourseIndex) -> set[ObjectId]:
    return {ObjectId(oid) for oid in CompiledDefinition.objects.values_list("object_id", flat=True)}


def assert_no_writes(queries: CaptureQueriesContext) -> None:
    for query in queries.captured_queries:
        assert not query["sql"].lstrip().upper().startswith(WRITES), query["sql"]


# --- structures -------------------------------------------------------------------------------------


def test_get_structure_in_memory_form(course: CourseIndex, backend: LearningCorePersistenceBackend) -> None:
    oid = structure_id(course)
    with CaptureQueriesContext(connection) as queries:
        structure = backend.get_structure(oid, KEY)
    assert_no_writes(queries)
    assert structure is not None
    assert structure["_id"] == oid and isinstance(structure["_id"], ObjectId)
    assert structure["root"] == BlockKey("course", "course") and isinstance(structure["root"], BlockKey)
    assert isinstance(structure["original_version"], ObjectId)
    assert structure["schema_version"] == 1
    assert isinstance(structure["edited_by"], int)
    assert structure["edited_on"].tzinfo is not None
    blocks = structure["blocks"]
    assert isinstance(blocks, dict) and len(blocks) == course.published_structure.block_count
    for key, block in blocks.items():
        assert isinstance(key, BlockKey) and isinstance(block, BlockData)
        assert block.block_type == key.type
        assert "block_id" not in block.fields
        assert isinstance(block.definition, ObjectId)
        assert block.definition_loaded is False
        assert isinstance(block.edit_info, EditInfo)
        assert isinstance(block.edit_info.update_version, ObjectId)
        assert (
            isinstance(block.edit_info.edited_on, datetime) and block.edit_info.edited_on.tzinfo is not None
        )
        assert isinstance(block.edit_info.edited_by, int)
        for child in block.fields.get("children", []):
            assert isinstance(child, BlockKey) and child in blocks
    root = blocks[BlockKey("course", "course")]
    assert root.fields["children"] and all(child.type == "chapter" for child in root.fields["children"])
    assert "wiki_slug" not in root.fields  # a content field (CourseBlock's): in the definition


def test_get_structure_accepts_hex_string(
    course: CourseIndex, backend: LearningCorePersistenceBackend
) -> None:
    structure = backend.get_structure(course.published_structure.object_id)
    assert structure is not None and structure["_id"] == structure_id(course)


def test_get_structure_missing_is_none_with_warning(
    course: CourseIndex, backend: LearningCorePersistenceBackend, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lc_modulestore.storage.backend"):
        assert backend.get_structure(ObjectId(), KEY) is None
        assert backend.get_structure("not-an-object-id") is None
        assert backend.get_structure(None) is None
        assert backend.cached_structure(ObjectId()) is None
    assert len([r for r in caplog.records if r.name == "lc_modulestore.storage.backend"]) == 4


def test_copies_are_independent(course: CourseIndex, backend: LearningCorePersistenceBackend) -> None:
    oid = structure_id(course)
    first = backend.get_structure(oid, KEY)
    assert first is not None
    root_key = BlockKey("course", "course")
    block = first["blocks"][root_key]
    # What Split does to what it is handed: fill in fields, flag definitions, retouch edit info.
    block.fields["display_name"] = "changed"
    block.fields["children"].append(BlockKey("chapter", "intruder"))
    block.defaults["x"] = 1
    block.definition_loaded = True
    block.edit_info.edited_by = 999
    block.edit_info._subtree_edited_on = "now"
    del first["blocks"][BlockKey("about", "overview")]
    first["previous_version"] = "changed"

    second = backend.get_structure(oid, KEY)
    shared = backend.cached_structure(oid)
    for structure in (second, shared):
        assert structure is not None
        again = structure["blocks"][root_key]
        assert again.fields["display_name"] != "changed"
        assert BlockKey("chapter", "intruder") not in again.fields["children"]
        assert again.defaults == {} and again.definition_loaded is False
        assert again.edit_info.edited_by != 999 and again.edit_info._subtree_edited_on is None
        assert BlockKey("about", "overview") in structure["blocks"]
        assert structure["previous_version"] != "changed"
    assert second is not shared and second["blocks"][root_key] is not shared["blocks"][root_key]  # type: ignore[index]


def test_cached_structure_is_shared_and_from_process_cache(
    course: CourseIndex, backend: LearningCorePersistenceBackend
) -> None:
    oid = structure_id(course)
    assert not backend.in_process_cache(oid)
    with CaptureQueriesContext(connection) as queries:
        first = backend.cached_structure(oid)
    assert len(queries) == 1
    assert backend.in_process_cache(oid)
    with CaptureQueriesContext(connection) as queries:
        assert backend.cached_structure(oid) is first
        assert backend.get_structure(oid) is not first
        # Another backend of the same process shares the decoded structure.
        assert LearningCorePersistenceBackend().cached_structure(oid) is first
    assert len(queries) == 0


def test_process_cache_is_bounded(
    run_import: Any, tmp_path: Any, backend: LearningCorePersistenceBackend
) -> None:
    run_import(SAMPLE_COURSE)
    run_import(SAMPLE_COURSE, "course-v1:LCDemo+LC101+2027")
    published = CompiledStructure.objects.filter(branch="published-branch")
    first, second = (ObjectId(oid) for oid in published.values_list("object_id", flat=True))
    with override_settings(LC_MODULESTORE_STRUCTURE_LRU_SIZE=1):
        backend.cached_structure(first)
        backend.cached_structure(second)
        assert not backend.in_process_cache(first) and backend.in_process_cache(second)
    with override_settings(LC_MODULESTORE_STRUCTURE_LRU_SIZE=0):
        assert backend.cached_structure(first) is not None
        assert not backend.in_process_cache(first)


def test_find_structures_by_id(course: CourseIndex, backend: LearningCorePersistenceBackend) -> None:
    oid = structure_id(course)
    missing = ObjectId()
    with CaptureQueriesContext(connection) as queries:
        found = backend.find_structures_by_id([oid, missing, oid])
    assert_no_writes(queries)
    assert len(queries) == 1
    assert [s["_id"] for s in found] == [oid]
    assert isinstance(found[0]["root"], BlockKey)
    assert all(isinstance(k, BlockKey) and isinstance(b, BlockData) for k, b in found[0]["blocks"].items())
    assert found[0] == backend.get_structure(oid)
    # From the process cache now, still as a copy.
    shared = backend.cached_structure(oid)
    with CaptureQueriesContext(connection) as queries:
        again = backend.find_structures_by_id([str(oid)], KEY)
    assert len(queries) == 0
    assert again == [shared] and again[0] is not shared
    assert backend.find_structures_by_id([missing]) == []
    assert backend.find_structures_by_id([]) == []


@pytest.mark.parametrize("decoded", [False, True], ids=["from-db", "from-process-cache"])
def test_find_courselike_blocks_by_id(
    course: CourseIndex, backend: LearningCorePersistenceBackend, decoded: bool
) -> None:
    oid = structure_id(course)
    full = backend.get_structure(oid)
    assert full is not None
    if not decoded:
        backend.clear_process_cache()
    with CaptureQueriesContext(connection) as queries:
        found = backend.find_courselike_blocks_by_id(list({oid}), "course")
    assert_no_writes(queries)
    assert len(queries) == (0 if decoded else 1)
    assert backend.find_courselike_blocks_by_id([ObjectId(), oid, oid], "course") == found  # missing: absent
    assert len(found) == 1
    partial = found[0]
    assert set(partial) == {"_id", "root", "blocks"}
    assert partial["_id"] == oid and partial["root"] == BlockKey("course", "course")
    assert list(partial["blocks"]) == [BlockKey("course", "course")]
    block = partial["blocks"][BlockKey("course", "course")]
    assert isinstance(block, BlockData) and block == full["blocks"][BlockKey("course", "course")]
    assert all(isinstance(child, BlockKey) for child in block.fields["children"])
    assert isinstance(block.edit_info.update_version, ObjectId)
    # Only the FIRST block of the type, in structure order.
    first_chapter = full["blocks"][BlockKey("course", "course")].fields["children"][0]
    (chapters,) = backend.find_courselike_blocks_by_id([oid], "chapter")
    assert list(chapters["blocks"]) == [first_chapter]
    (nothing,) = backend.find_courselike_blocks_by_id([oid], "no-such-type", KEY)
    assert nothing["blocks"] == {}


# --- Django cache -----------------------------------------------------------------------------------


def test_django_cache_chunks_large_structure(
    course: CourseIndex, cached_backend: LearningCorePersistenceBackend
) -> None:
    from django.core.cache import caches

    oid = structure_id(course)
    data = bytes(course.published_structure.data)
    assert len(data) > 3 * cached_backend.shared_cache.chunk_size  # several chunks
    expected = cached_backend.get_structure(oid, KEY)
    cache = caches["structures"]
    count, size, _ = cache.get(f"lc_modulestore.structure.v1.{oid}")
    assert count == -(-len(data) // 1000) and size == len(data)
    chunks = [cache.get(f"lc_modulestore.structure.v1.{oid}.{n}") for n in range(count)]
    assert all(len(chunk) <= 1000 for chunk in chunks)
    assert b"".join(chunks) == data  # the stored bytes, exactly

    # The row is gone (a republish replaced it) and the process forgot it: the cache still serves it.
    CourseIndex.objects.all().delete()
    CompiledStructure.objects.all().delete()
    cached_backend.clear_process_cache()
    with CaptureQueriesContext(connection) as queries:
        served = cached_backend.get_structure(oid, KEY)
    assert len(queries) == 0
    assert served == expected
    assert cached_backend.in_process_cache(oid)


def test_django_cache_single_chunk(course: CourseIndex) -> None:
    with override_settings(CACHES=STRUCTURE_CACHE, LC_MODULESTORE_STRUCTURE_CACHE="structures"):
        backend = LearningCorePersistenceBackend()
        assert backend.shared_cache.alias == "structures" and backend.shared_cache.chunk_size == 900_000
        oid = structure_id(course)
        expected = backend.get_structure(oid)
        backend.clear_process_cache()
        with CaptureQueriesContext(connection) as queries:
            assert backend.get_structure(oid) == expected
        assert len(queries) == 0


def test_django_cache_missing_chunk_falls_back_to_database(
    course: CourseIndex, cached_backend: LearningCorePersistenceBackend
) -> None:
    from django.core.cache import caches

    oid = structure_id(course)
    expected = cached_backend.get_structure(oid)
    cache = caches["structures"]
    cache.delete(f"lc_modulestore.structure.v1.{oid}.1")  # evicted on its own
    cached_backend.clear_process_cache()
    with CaptureQueriesContext(connection) as queries:
        assert cached_backend.get_structure(oid) == expected
    assert len(queries) == 1
    assert cache.get(f"lc_modulestore.structure.v1.{oid}.1") is not None  # rewritten

    cache.set(f"lc_modulestore.structure.v1.{oid}.2", b"garbage")  # damaged
    cached_backend.clear_process_cache()
    with CaptureQueriesContext(connection) as queries:
        assert cached_backend.get_structure(oid) == expected
    assert len(queries) == 1


def test_unknown_cache_alias_is_refused() -> None:
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        LearningCorePersistenceBackend("no-such-cache")


# --- definitions ------------------------------------------------------------------------------------


def test_get_definition(course: CourseIndex, backend: LearningCorePersistenceBackend) -> None:
    structure = backend.get_structure(structure_id(course))
    assert structure is not None
    block = structure["blocks"][BlockKey("course", "course")]
    with CaptureQueriesContext(connection) as queries:
        definition = backend.get_definition(block.definition, KEY)
    assert_no_writes(queries)
    assert definition["_id"] == block.definition and isinstance(definition["_id"], ObjectId)
    assert definition["block_type"] == "course"
    assert definition["schema_version"] == 1
    assert isinstance(definition["fields"], dict)
    edit_info = definition["edit_info"]
    assert edit_info["edited_on"].tzinfo is not None and isinstance(edit_info["edited_by"], int)
    assert edit_info["original_version"] == block.definition and edit_info["previous_version"] is None
    assert backend.get_definition(str(block.definition)) == definition


def test_get_definition_missing_raises(course: CourseIndex, backend: LearningCorePersistenceBackend) -> None:
    with pytest.raises(ItemNotFoundError):
        backend.get_definition(ObjectId(), KEY)
    with pytest.raises(ItemNotFoundError):
        backend.get_definition("nonsense")


def test_get_definitions_is_one_query(course: CourseIndex, backend: LearningCorePersistenceBackend) -> None:
    ids = definition_ids(course)
    assert len(ids) > 10
    missing = ObjectId()
    with CaptureQueriesContext(connection) as queries:
        found = backend.get_definitions([*ids, missing], KEY)
    assert len(queries) == 1
    assert_no_writes(queries)
    assert {d["_id"] for d in found} == ids
    assert all(isinstance(d["_id"], ObjectId) and d["fields"] is not None for d in found)
    html = next(d for d in found if d["block_type"] == "html")
    assert isinstance(html["fields"].get("data"), str)
    with CaptureQueriesContext(connection) as queries:
        assert backend.get_definitions([]) == []
    assert len(queries) == 0


# --- course indexes ---------------------------------------------------------------------------------


def assert_index_shape(index: dict[str, Any], course: CourseIndex) -> None:
    assert set(index) == {
        "_id",
        "org",
        "course",
        "run",
        "edited_by",
        "edited_on",
        "last_update",
        "versions",
        "schema_version",
        "search_targets",
    }
    assert index["_id"] == ObjectId(course.object_id) and isinstance(index["_id"], ObjectId)
    assert (index["org"], index["course"], index["run"]) == ("LCDemo", "LC101", "2026")
    assert isinstance(index["edited_by"], int)
    assert index["edited_on"].tzinfo is not None and index["last_update"].tzinfo is not None
    course.refresh_from_db()
    assert index["versions"] == {
        "published-branch": structure_id(course),
        "draft-branch": ObjectId(course.draft_structure.object_id),
    }
    assert all(isinstance(version, ObjectId) for version in index["versions"].values())
    assert index["schema_version"] == 1
    assert index["search_targets"] == {"wiki_slug": course.wiki_slug} and course.wiki_slug


def test_get_course_index(course: CourseIndex, backend: LearningCorePersistenceBackend) -> None:
    with CaptureQueriesContext(connection) as queries:
        index = backend.get_course_index(KEY)
    assert_no_writes(queries)
    assert index is not None
    assert_index_shape(index, course)
    # Split's positional and keyword shapes; branch and version are ignored.
    assert backend.get_course_index(KEY, False) == index
    assert backend.get_course_index(KEY, ignore_case=True) == index
    versioned = KEY.for_branch("published-branch").replace(version_guid=ObjectId())
    assert backend.get_course_index(versioned) == index
    assert backend.get_course_index(str(KEY)) == index


def test_get_course_index_case(course: CourseIndex, backend: LearningCorePersistenceBackend) -> None:
    other_case = CourseKey.from_string("course-v1:lcdemo+lc101+2026")
    assert backend.get_course_index(other_case) is None
    assert backend.get_course_index(other_case, False) is None
    index = backend.get_course_index(other_case, True)
    assert index is not None
    assert_index_shape(index, course)  # the stored (canonical) spelling


def test_get_course_index_misses(course: CourseIndex, backend: LearningCorePersistenceBackend) -> None:
    version_only = CourseLocator(version_guid=structure_id(course))
    with CaptureQueriesContext(connection) as queries:
        assert backend.get_course_index(version_only) is None
        assert backend.get_course_index(version_only, True) is None
    assert len(queries) == 0
    assert backend.get_course_index(CourseKey.from_string("course-v1:LCDemo+LC101+2099")) is None
    assert backend.get_course_index(CourseKey.from_string("course-v1:LCDemo+LC101+2099"), True) is None


def test_get_course_index_ccx_key(course: CourseIndex, backend: LearningCorePersistenceBackend) -> None:
    from ccx_keys.locator import CCXLocator

    index = backend.get_course_index(CCXLocator.from_course_locator(KEY, "7"))
    assert index is not None
    assert_index_shape(index, course)


def test_get_course_index_is_request_cached(
    course: CourseIndex, backend: LearningCorePersistenceBackend
) -> None:
    from edx_django_utils.cache import RequestCache

    missing = CourseKey.from_string("course-v1:LCDemo+LC101+2099")
    backend.get_course_index(KEY)
    backend.get_course_index(missing)
    with CaptureQueriesContext(connection) as queries:
        index = backend.get_course_index(KEY)
        assert backend.get_course_index(missing) is None  # misses are cached too
    assert len(queries) == 0
    assert index is not None
    # Each caller gets its own copy: Split edits ``versions`` before a (refused) write.
    index["versions"]["published-branch"] = ObjectId()
    index["search_targets"]["wiki_slug"] = "changed"
    assert_index_shape(backend.get_course_index(KEY), course)  # type: ignore[arg-type]
    # The cache is per key and ignore_case, and is dropped by close_connections and construction.
    with CaptureQueriesContext(connection) as queries:
        backend.get_course_index(KEY, True)
    assert len(queries) == 1
    assert RequestCache(INDEX_CACHE_NAMESPACE).data
    backend.close_connections()
    assert not RequestCache(INDEX_CACHE_NAMESPACE).data
    backend.get_course_index(KEY)
    LearningCorePersistenceBackend()
    assert not RequestCache(INDEX_CACHE_NAMESPACE).data


def test_find_matching_course_indexes(run_import: Any, backend: LearningCorePersistenceBackend) -> None:
    run_import(SAMPLE_COURSE)
    run_import(SAMPLE_COURSE, "course-v1:Other+LC101+2026")
    course = CourseIndex.objects.select_related("published_structure").get(binding__course_key=KEY)
    other = CourseKey.from_string("course-v1:Other+LC101+2026")

    def keys(indexes: Any) -> set[str]:
        return {f"{i['org']}+{i['course']}+{i['run']}" for i in indexes}

    with CaptureQueriesContext(connection) as queries:
        everything = list(backend.find_matching_course_indexes())
    assert_no_writes(queries)
    assert keys(everything) == {"LCDemo+LC101+2026", "Other+LC101+2026"}
    assert_index_shape(next(i for i in everything if i["org"] == "LCDemo"), course)

    # Split's call shape: find_matching_course_indexes(branch, search_targets, org_target, course_keys=...).
    found = backend.find_matching_course_indexes("published-branch", None, None, course_keys=[KEY])
    assert keys(found) == {"LCDemo+LC101+2026"}
    assert keys(backend.find_matching_course_indexes(None, None, "Other")) == {"Other+LC101+2026"}
    assert keys(backend.find_matching_course_indexes("draft-branch", None, None)) == keys(everything)
    assert keys(backend.find_matching_course_indexes("library")) == set()
    # The sample's course.xml names its wiki, so both runs share it (as Split's re-runs of an OLX import do).
    targets = {"wiki_slug": course.wiki_slug}
    assert keys(backend.find_matching_course_indexes("published-branch", targets, None)) == keys(everything)
    assert keys(backend.find_matching_course_indexes(None, targets, "Other")) == {"Other+LC101+2026"}
    assert targets == {"wiki_slug": course.wiki_slug}  # the caller's dict is left alone
    assert keys(backend.find_matching_course_indexes(None, {"wiki_slug": "nope"})) == set()
    CourseIndex.objects.filter(binding__course_key=other).update(wiki_slug="Other.wiki")
    assert keys(backend.find_matching_course_indexes(None, targets)) == {"LCDemo+LC101+2026"}
    assert keys(backend.find_matching_course_indexes(None, {"wiki_slug": "Other.wiki"})) == {
        "Other+LC101+2026"
    }
    assert keys(backend.find_matching_course_indexes(course_keys=[other, KEY], force_mongo=True)) == keys(
        everything
    )
    versioned = KEY.for_branch("published-branch").replace(version_guid=ObjectId())
    assert keys(backend.find_matching_course_indexes(course_keys=[versioned])) == {"LCDemo+LC101+2026"}
    # Course keys match exactly, as Split's case-sensitive course_id column does.
    lower = CourseKey.from_string("course-v1:lcdemo+lc101+2026")
    assert keys(backend.find_matching_course_indexes(course_keys=[lower])) == set()
    with pytest.raises(ValueError, match="Unsupported search_targets"):
        backend.find_matching_course_indexes(None, {"wiki_slug": "x", "org": "LCDemo"})
    with pytest.raises(ValueError):
        backend.find_matching_course_indexes("no-such-branch")


# --- reads never write; writes never happen ---------------------------------------------------------


def test_reads_never_write(course: CourseIndex, cached_backend: LearningCorePersistenceBackend) -> None:
    oid = structure_id(course)
    with CaptureQueriesContext(connection) as queries:
        cached_backend.get_course_index(KEY, True)
        cached_backend.get_structure(oid, KEY)
        cached_backend.find_structures_by_id([oid])
        cached_backend.find_courselike_blocks_by_id([oid], "course")
        cached_backend.get_definitions(list(definition_ids(course)), KEY)
        list(cached_backend.find_matching_course_indexes("published-branch", None, None, course_keys=[KEY]))
        cached_backend.heartbeat()
        cached_backend.close_connections()
        cached_backend.ensure_indexes()
    assert queries.captured_queries
    assert_no_writes(queries)


def test_write_methods_raise(course: CourseIndex, backend: LearningCorePersistenceBackend) -> None:
    structure = backend.get_structure(structure_id(course))
    index = backend.get_course_index(KEY)
    calls = {
        "insert_structure": lambda: backend.insert_structure(structure, KEY),
        "insert_structure(None)": lambda: backend.insert_structure(None, KEY),  # bulk exit, missing structure
        "insert_definition": lambda: backend.insert_definition({"_id": ObjectId()}, KEY),
        "insert_course_index": lambda: backend.insert_course_index(index, KEY),
        "update_course_index": lambda: backend.update_course_index(
            index, from_index=index, course_context=KEY
        ),
        "update_course_index ": lambda: backend.update_course_index(index, course_context=KEY),
        "delete_course_index": lambda: backend.delete_course_index(KEY),
        "_drop_database": lambda: backend._drop_database(True, True, True),
    }
    with CaptureQueriesContext(connection) as queries:
        for name, call in calls.items():
            with pytest.raises(ReadOnlyModuleStoreError, match=name.split("(")[0].strip()):
                call()
    assert len(queries) == 0
    assert CourseIndex.objects.count() == 1 and CompiledStructure.objects.count() == 2  # both branches


# --- connection plumbing ----------------------------------------------------------------------------


def test_heartbeat_and_plumbing(
    backend: LearningCorePersistenceBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert backend.heartbeat() is True
    assert backend.check_connection() is True
    backend.ensure_connection()
    backend.do_connection()
    backend.ensure_indexes()
    backend.close_connections()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseError("server has gone away")

    monkeypatch.setattr(connections["default"], "cursor", broken)
    with pytest.raises(HeartbeatFailure) as failure:
        backend.heartbeat()
    assert failure.value.service == "lc_modulestore"
    assert "gone away" in str(failure.value)


def test_binding_key_is_what_the_index_reports(course: CourseIndex) -> None:
    # The index's org/course/run come from the binding's course key: the LMS's spelling.
    assert str(CourseBinding.objects.get().course_key) == str(KEY)
