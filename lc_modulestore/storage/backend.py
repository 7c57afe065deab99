# Over 400 lines: every db_connection method Split calls, with the shapes it expects, in one class.
"""
Split's persistence backend (``SplitMongoModuleStore.db_connection``) over the compiled documents.

Same method names, arguments and return shapes as edx-platform's ``DjangoFlexPersistenceBackend``
(docs/SPLIT_CONTRACT.md §2), so it serves this project's store and can be plugged under Split itself. It
only ever reads: every write method raises :class:`ReadOnlyModuleStoreError`, because content is
authored in Learning Core and reaches these tables through the compiler.

Course indexes are request-cached, as DjangoFlex does (namespace :data:`INDEX_CACHE_NAMESPACE`);
structures go through the caches of :mod:`.structure_cache`. Outside a request (a Celery worker,
a management command, a shell) nothing ever clears a request cache, so there a cached index is
trusted for :data:`INDEX_MAX_AGE_OUTSIDE_REQUEST` seconds at most; and a compile forgets this
thread's cached indexes as soon as it commits (:func:`forget_course_indexes`).
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any, Final

import crum
from bson import ObjectId
from bson.errors import InvalidId
from django.db import Error as DatabaseError
from django.db import connections, router
from django.db.models import CharField
from django.db.models.functions import Lower
from edx_django_utils.cache import RequestCache
from opaque_keys.edx.keys import CourseKey

from compile.vocabulary import BRANCHES, DRAFT_BRANCH, PUBLISHED_BRANCH

from .. import conf
from ..exceptions import HeartbeatFailure, ItemNotFoundError, ReadOnlyModuleStoreError
from .codec import decode_definition, decode_structure_in_memory, decode_structure_in_memory_sized
from .copies import private_copy
from .index_cache import INDEX_CACHE_NAMESPACE, forget_course_indexes
from .models import CompiledDefinition, CompiledStructure, CourseIndex
from .split_types import BlockData, BlockKey, EditInfo
from .structure_cache import DECODED_STRUCTURES, SharedStructureCache, decoded_size, estimated_size

__all__ = [
    "INDEX_CACHE_NAMESPACE",
    "INDEX_MAX_AGE_OUTSIDE_REQUEST",
    "PUBLISHED_BRANCH",
    "LearningCorePersistenceBackend",
    "forget_course_indexes",
]

log = logging.getLogger(__name__)

type Structure = dict[str, Any]
type Document = dict[str, Any]

# Outside a request, how long (seconds) a cached course index is served before it is read again:
# the bound on how stale a worker or a shell can see a course compiled by another process. (One
# indexed query per course and second; inside a request the index stays fixed, as Split keeps it.)
INDEX_MAX_AGE_OUTSIDE_REQUEST: Final = 1.0
_clock = time.monotonic  # replaced by tests, which must not sleep
_INDEX_FIELDS = (
    "object_id",
    "edited_by",
    "edited_on",
    "last_update",
    "wiki_slug",
    "binding__course_key",
    "published_structure__object_id",
    "draft_structure__object_id",
)
# Which index column names each branch's live structure (a course always has the published one).
_BRANCH_STRUCTURES = {PUBLISHED_BRANCH: "published_structure", DRAFT_BRANCH: "draft_structure"}


# --- in-memory form -----------------------------------------------------------------------------


def _in_memory(data: bytes) -> Structure:
    """Split's ``structure_from_mongo``, straight from the stored bytes (see ``compile.codec``)."""
    return decode_structure_in_memory(data, BlockKey, BlockData, EditInfo)


def _in_memory_sized(data: bytes) -> tuple[Structure, int]:
    """:func:`_in_memory`, with the bytes the process LRU holds it at (``decoded_size``)."""
    structure, json_length = decode_structure_in_memory_sized(data, BlockKey, BlockData, EditInfo)
    return structure, decoded_size(json_length)


def _clone(obj: Any) -> Any:
    """
    A shallow copy of a plain attribute bag (BlockData, EditInfo), without running ``__init__``.
    Several times faster than ``copy.copy``, which matters at thousands of blocks per structure.
    """
    state = getattr(obj, "__dict__", None)
    if state is None:  # a slotted class (not what edx-platform or split_types define today)
        return copy.copy(obj)
    new = object.__new__(type(obj))
    new.__dict__.update(state)
    return new


def _copy_block(block: Any) -> Any:
    """
    A copy of one BlockData that Split may mutate: it updates ``fields`` in place on non-lazy loads,
    rewrites the dicts of reference fields in place (``convert_references_to_keys``: a
    ``group_id_to_child`` of [type, id] pairs becomes usage keys of the caller's course), and sets
    ``definition_loaded`` and edit info attributes. So lists and dicts are copied all the way down
    (:func:`.copies.private_copy`); everything else is shared.
    """
    new = _clone(block)
    new.fields = private_copy(block.fields)
    new.defaults = private_copy(block.defaults)
    new.asides = private_copy(block.asides)
    new.edit_info = _clone(block.edit_info)
    return new


def _copy_structure(structure: Structure) -> Structure:
    """A copy whose top level, blocks dict and blocks are the caller's own (see :func:`_copy_block`)."""
    copied = dict(structure)
    copied["blocks"] = {key: _copy_block(block) for key, block in structure["blocks"].items()}
    return copied


def _object_id(key: Any) -> ObjectId | None:
    """
    ``key`` as an ObjectId (Split passes ObjectIds; 24-hex strings are accepted), None if invalid.
    None stays None: ``ObjectId(None)`` would mint a brand-new id.
    """
    if isinstance(key, ObjectId):
        return key
    if key is None:
        return None
    try:
        return ObjectId(key)
    except (InvalidId, TypeError):
        return None


def _unique_ids(ids: Iterable[Any]) -> list[ObjectId]:
    """Valid ids in first-seen order, each once (Mongo's ``$in`` matches each document once)."""
    seen: dict[ObjectId, None] = {}
    for key in ids:
        oid = _object_id(key)
        if oid is not None:
            seen.setdefault(oid, None)
    return list(seen)


# --- the backend --------------------------------------------------------------------------------


class LearningCorePersistenceBackend:
    """
    Read-only ``db_connection`` for Split, over :class:`CompiledStructure`, :class:`CompiledDefinition`
    and :class:`CourseIndex`. Documents come back exactly as Split's backend returns them: structures
    in the in-memory form (``structure_from_mongo``), definitions and indexes as stored.
    """

    def __init__(
        self,
        cache_alias: str | None = None,
        *,
        cache_chunk_size: int | None = None,
        **kwargs: Any,
    ) -> None:
        """
        ``kwargs`` takes Split's DOC_STORE_CONFIG (db, collection, host, port, user, password, ...)
        so the backend drops in where Split builds its own; there is no server to connect to, so
        they are ignored. ``cache_alias`` names the Django cache for compressed structures (default:
        setting ``LC_MODULESTORE_STRUCTURE_CACHE``; None → none); ``cache_chunk_size`` (default:
        setting ``LC_MODULESTORE_STRUCTURE_CACHE_CHUNK_SIZE``, else 900 KB) bounds each cache item.

        Raises ImproperlyConfigured for an alias missing from CACHES: unlike Split's fixed alias,
        ours is configured on purpose, so a typo should fail at startup, not disable caching silently.
        """
        self.shared_cache = SharedStructureCache(
            cache_alias if cache_alias is not None else (conf.STRUCTURE_CACHE.value or None),
            int(cache_chunk_size or conf.STRUCTURE_CACHE_CHUNK_SIZE.value),
        )
        # As Split's backend does on construction: no index cached by a previous store survives.
        self._index_cache().clear()

    # --- structures -----------------------------------------------------------------------------

    def get_structure(self, key: ObjectId | str | None, course_context: Any = None) -> Structure | None:
        """
        The in-memory structure with id ``key``, or None (with a warning, as Split logs) if there is
        none. A copy each call: Split mutates block fields and edit info of what it is handed.
        """
        structure = self.cached_structure(key, course_context)
        return _copy_structure(structure) if structure is not None else None

    def cached_structure(
        self, structure_id: ObjectId | str | None, course_context: Any = None
    ) -> Structure | None:
        """
        The in-memory structure shared by every reader of this process: NEVER mutate it (use
        :meth:`get_structure` for a private copy). For this project's store, which only reads, it
        saves copying thousands of blocks on every lookup.

        Looks in the process LRU, then the Django cache, then the database.
        """
        oid = _object_id(structure_id)
        if oid is None:
            log.warning("Not a structure id: %r (course %s)", structure_id, course_context)
            return None
        structure = DECODED_STRUCTURES.get(oid)
        if structure is not None:
            return structure
        data = self.shared_cache.get(oid)
        if data is not None:
            try:
                structure, size = _in_memory_sized(data)
            except Exception:
                log.warning("Undecodable cached structure %s; reading it from the database", oid)
                self.shared_cache.delete(oid)
                data = None
        if data is None:
            data = self._load_structure_bytes(oid)
            if data is None:
                log.warning(
                    "doc was None when attempting to retrieve structure for item with key %s (course %s)",
                    oid,
                    course_context,
                )
                return None
            structure, size = _in_memory_sized(data)
            self.shared_cache.set(oid, data)
        assert structure is not None
        DECODED_STRUCTURES.put(oid, structure, size)
        return structure

    def find_structures_by_id(self, ids: Iterable[Any], course_context: Any = None) -> list[Structure]:
        """
        Copies of the structures with these ids; missing ids are absent. Ids not in the process LRU
        are read in one query and not cached: this serves whole-catalog listings, which would only
        flush the structures the current requests need out of a small LRU.
        """
        found: dict[ObjectId, Structure] = {}
        wanted = _unique_ids(ids)
        missing = []
        for oid in wanted:
            structure = DECODED_STRUCTURES.get(oid)
            if structure is not None:
                found[oid] = _copy_structure(structure)
            else:
                missing.append(oid)
        for data in self._load_many_structure_bytes(missing):
            structure = _copy_structure(_in_memory(data))  # real dicts: Split may mutate what it gets
            found[structure["_id"]] = structure
        return [found[oid] for oid in wanted if oid in found]

    def find_courselike_blocks_by_id(
        self, ids: Iterable[Any], block_type: str, course_context: Any = None
    ) -> list[Structure]:
        """
        Partial structures ``{_id, root, blocks}`` where ``blocks`` holds only the first block of
        ``block_type`` (Mongo's ``$elemMatch`` projection; empty when there is none), in the in-memory
        form. Used for course summaries, so only that one block gets its types restored.
        """
        found: dict[ObjectId, Structure] = {}
        wanted = _unique_ids(ids)
        missing = []
        for oid in wanted:
            structure = DECODED_STRUCTURES.get(oid)
            if structure is None:
                missing.append(oid)
                continue
            first = next((k for k in structure["blocks"] if k.type == block_type), None)
            blocks = {first: _copy_block(structure["blocks"][first])} if first is not None else {}
            found[oid] = {"_id": structure["_id"], "root": structure["root"], "blocks": blocks}
        for data in self._load_many_structure_bytes(missing):
            partial = _first_block_of_type(data, block_type)
            found[partial["_id"]] = partial
        return [found[oid] for oid in wanted if oid in found]

    # --- definitions ----------------------------------------------------------------------------

    def get_definition(self, key: ObjectId | str, course_context: Any = None) -> Document:
        """
        The definition document (stored form; definitions are immutable). Raises ItemNotFoundError
        when there is none: Mongo's backend raised TypeError there by accident (it dereferenced
        None); ItemNotFoundError is what Split's callers handle as "not found".
        """
        oid = _object_id(key)
        data = (
            CompiledDefinition.objects.filter(object_id=str(oid)).values_list("data", flat=True).first()
            if oid is not None
            else None
        )
        if data is None:
            raise ItemNotFoundError(f"no definition {key!r} (course {course_context})")
        return decode_definition(bytes(data))

    def get_definitions(self, definitions: Iterable[Any], course_context: Any = None) -> list[Document]:
        """
        The definition documents for the ids found, in no particular order; missing ids are silently
        absent (as Mongo's ``$in``). One query however many ids (none for an empty list).
        """
        wanted = [str(oid) for oid in _unique_ids(definitions)]
        if not wanted:
            return []
        rows = CompiledDefinition.objects.filter(object_id__in=wanted).values_list("data", flat=True)
        return [decode_definition(bytes(data)) for data in rows]

    # --- course indexes -------------------------------------------------------------------------

    def get_course_index(self, key: Any, ignore_case: bool = False) -> Document | None:
        """
        The v1 course index of ``key`` or None, as DjangoFlex answers: a version-only key gives
        None; branch and version are ignored; the match is exact (case-sensitive) unless
        ``ignore_case``; a CCX key is retried as its course key.

        Request-cached by the key as given plus ``ignore_case`` (None included), like Split. Each
        call returns its own copy: Split edits the index it gets (``versions``) before writing it,
        and that failed write must not leave the edit in the cache for the rest of the request.
        """
        course_key: Any = CourseKey.from_string(key) if isinstance(key, str) else key
        cache = self._index_cache()
        cache_key = f"{bool(ignore_case)}:{course_key}"
        cached = cache.get_cached_response(cache_key)
        if cached.is_found and _still_fresh(cached.value[1]):
            index = cached.value[0]
        else:
            index = self._load_course_index(course_key, bool(ignore_case))
            cache.set(cache_key, (index, _clock()))
        return _copy_index(index) if index is not None else None

    def find_matching_course_indexes(
        self,
        branch: str | None = None,
        search_targets: dict[str, Any] | None = None,
        org_target: str | None = None,
        course_context: Any = None,
        course_keys: Iterable[Any] | None = None,
        force_mongo: bool = False,
    ) -> Iterator[Document]:
        """
        Course indexes matching every condition given, as DjangoFlex filters them: ``course_keys``
        (exact keys; None matches nothing), ``search_targets`` (only ``wiki_slug`` exists; anything
        else is a ValueError), ``org_target``, ``branch`` (only indexes that have it). Unlike
        DjangoFlex, the caller's ``search_targets`` dict is left untouched. ``force_mongo`` is
        accepted and ignored: there is no other copy of the indexes to read.
        """
        targets = dict(search_targets or {})
        filter_wiki_slug = "wiki_slug" in targets
        wiki_slug = targets.pop("wiki_slug", None)
        if targets:
            raise ValueError(f"Unsupported search_targets: {', '.join(targets.keys())}")
        if branch is not None and branch not in BRANCHES:
            raise ValueError(f"Unknown branch: {branch}")
        if branch is not None and branch not in _BRANCH_STRUCTURES:
            return iter(())  # courses compiled from Learning Core have no library branch
        queryset = CourseIndex.objects.all()
        if branch is not None:
            queryset = queryset.filter(**{f"{_BRANCH_STRUCTURES[branch]}__isnull": False})
        exact_keys: set[str] | None = None
        if course_keys:
            # None never matches (SQL's IN drops it, as DjangoFlex's query does): no error, no row.
            keys: list[Any] = [CourseKey.from_string(k) if isinstance(k, str) else k for k in course_keys]
            keys = [k.for_branch(None).version_agnostic() for k in keys if k is not None]
            exact_keys = {str(k) for k in keys}
            queryset = queryset.filter(binding__course_key__in=keys)
        if filter_wiki_slug:
            queryset = queryset.filter(wiki_slug=wiki_slug)
        if org_target:
            queryset = queryset.filter(org=org_target)
        rows = list(queryset.order_by("pk").values(*_INDEX_FIELDS))
        # The key column compares case-insensitively on both databases; course keys do not.
        return (
            _index_document(row)
            for row in rows
            if exact_keys is None or str(row["binding__course_key"]) in exact_keys
        )

    # --- connection plumbing --------------------------------------------------------------------

    def heartbeat(self) -> bool:
        """True when the database holding the compiled documents answers; else HeartbeatFailure."""
        alias = router.db_for_read(CompiledStructure)
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError as exc:
            raise HeartbeatFailure(f"Can't connect to database {alias!r}: {exc}", "lc_modulestore") from exc
        return True

    def check_connection(self) -> bool:
        """Django opens and recycles database connections itself; nothing to check here."""
        return True

    def ensure_connection(self) -> None:
        """Nothing to do: see :meth:`check_connection`."""

    def do_connection(self) -> None:
        """Nothing to do: there is no client of our own to (re)build."""

    def ensure_indexes(self) -> None:
        """Nothing to do: the tables' indexes come with the migrations."""

    def close_connections(self) -> None:
        """Forget request-cached indexes, as Split does; Django's connections are Django's to close."""
        self._index_cache().clear()

    # --- writes: never ---------------------------------------------------------------------------

    def insert_structure(self, structure: Any, course_context: Any = None) -> None:
        """Read-only. Also reached by a bulk operation whose index named a missing structure."""
        raise ReadOnlyModuleStoreError("insert_structure")

    def insert_definition(self, definition: Any, course_context: Any = None) -> None:
        raise ReadOnlyModuleStoreError("insert_definition")

    def insert_course_index(self, course_index: Any, course_context: Any = None) -> None:
        raise ReadOnlyModuleStoreError("insert_course_index")

    def update_course_index(
        self, course_index: Any, from_index: Any = None, course_context: Any = None
    ) -> None:
        raise ReadOnlyModuleStoreError("update_course_index")

    def delete_course_index(self, course_key: Any) -> None:
        raise ReadOnlyModuleStoreError("delete_course_index")

    def _drop_database(
        self, database: bool = True, collections: bool = True, connections: bool = True
    ) -> None:
        raise ReadOnlyModuleStoreError("_drop_database")

    # --- process cache control --------------------------------------------------------------------

    @staticmethod
    def clear_process_cache() -> None:
        """Empty the per-process LRU (tests, or to free memory); correctness never needs it."""
        DECODED_STRUCTURES.clear()

    @staticmethod
    def structure_size(structure_id: ObjectId | str, structure: Structure) -> int:
        """
        The bytes ``structure`` takes decoded, by the process LRU's estimate (from its block count
        when the LRU does not hold it): what a cache of anything that keeps it alive charges for it.
        """
        oid = _object_id(structure_id)
        size = DECODED_STRUCTURES.size_of(oid) if oid is not None else None
        return size if size is not None else estimated_size(len(structure["blocks"]))

    @staticmethod
    def in_process_cache(structure_id: ObjectId | str) -> bool:
        """Whether the structure is decoded in this process's LRU (for tests and diagnostics)."""
        oid = _object_id(structure_id)
        return oid is not None and oid in DECODED_STRUCTURES

    # --- internals --------------------------------------------------------------------------------

    @staticmethod
    def _index_cache() -> RequestCache:
        return RequestCache(namespace=INDEX_CACHE_NAMESPACE)

    @staticmethod
    def _load_course_index(key: Any, ignore_case: bool) -> Document | None:
        if getattr(key, "version_guid", None) and not getattr(key, "org", None):
            log.warning("get_course_index without org/course/run will always return None (%s)", key)
            return None
        key = key.for_branch(None).version_agnostic()
        if ignore_case:
            rows = list(
                CourseIndex.objects.annotate(key_lower=Lower("binding__course_key", output_field=CharField()))
                .filter(key_lower=str(key).lower())
                .values(*_INDEX_FIELDS)[:2]
            )
        else:
            rows = list(CourseIndex.objects.filter(binding__course_key=key).values(*_INDEX_FIELDS)[:2])
        for row in rows:
            # The column's collation ignores case (SQLite NOCASE, MariaDB *_ci); the exact match is ours.
            if ignore_case or str(row["binding__course_key"]) == str(key):
                return _index_document(row)
        to_course_locator = getattr(key, "to_course_locator", None)
        if to_course_locator is not None:  # a CCX key: Split's backends answer for its course
            log.warning("A CCX key reached the persistence backend: %s", key)
            return LearningCorePersistenceBackend._load_course_index(to_course_locator(), ignore_case)
        return None

    @staticmethod
    def _load_structure_bytes(oid: ObjectId) -> bytes | None:
        data = CompiledStructure.objects.filter(object_id=str(oid)).values_list("data", flat=True).first()
        return bytes(data) if data is not None else None

    @staticmethod
    def _load_many_structure_bytes(oids: list[ObjectId]) -> list[bytes]:
        if not oids:
            return []
        rows = CompiledStructure.objects.filter(object_id__in=[str(oid) for oid in oids])
        return [bytes(data) for data in rows.values_list("data", flat=True)]


def _still_fresh(loaded_at: float) -> bool:
    """Inside a request, for the whole request; outside one, for INDEX_MAX_AGE_OUTSIDE_REQUEST."""
    return crum.get_current_request() is not None or _clock() - loaded_at <= INDEX_MAX_AGE_OUTSIDE_REQUEST


def _first_block_of_type(data: bytes, block_type: str) -> Structure:
    """``{_id, root, blocks}`` of a stored structure, keeping only its first ``block_type`` block."""
    structure = _in_memory(data)
    first = next((k for k in structure["blocks"] if k.type == block_type), None)
    blocks = {first: structure["blocks"][first]} if first is not None else {}
    return {"_id": structure["_id"], "root": structure["root"], "blocks": blocks}


def _index_document(row: dict[str, Any]) -> Document:
    """A CourseIndex row (``values(*_INDEX_FIELDS)``) as Split's v1 index (docs/SPLIT_CONTRACT.md §1.2)."""
    course_key = row["binding__course_key"]
    return {
        "_id": ObjectId(row["object_id"]),
        "org": course_key.org,
        "course": course_key.course,
        "run": course_key.run,
        "edited_by": row["edited_by"],
        "edited_on": row["edited_on"],
        "last_update": row["last_update"],
        "versions": {
            branch: ObjectId(row[f"{column}__object_id"])
            for branch, column in _BRANCH_STRUCTURES.items()
            if row[f"{column}__object_id"] is not None  # absent, not None, when unset (as Split)
        },
        "schema_version": 1,
        "search_targets": {"wiki_slug": row["wiki_slug"]},
    }


def _copy_index(index: Document) -> Document:
    return {**index, "versions": dict(index["versions"]), "search_targets": dict(index["search_targets"])}
