"""
The caches in front of the structure rows, innermost last:

* :data:`DECODED_STRUCTURES`, per process: decoded structures by id, shared by every backend of
  the process (one copy of a course in memory however many stores read it), bounded by a count
  and by bytes (:func:`decoded_size` estimates each one);
* :class:`SharedStructureCache`, optional, across processes: the compressed bytes exactly as
  stored, in a Django cache, split into chunks below memcached's 1 MB item limit so big courses
  are cached too (Split's own cache skips structures over 2 MB).

Structure ids are immutable (every publish compiles a new id), so no entry ever goes stale and
nothing needs invalidating: only the course index says which structure is live.
"""

from __future__ import annotations

import logging
import zlib
from typing import Any

from bson import ObjectId
from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.exceptions import ImproperlyConfigured

from .. import conf
from ..lru import SettingSizedLRU

__all__ = ["CACHE_KEY_PREFIX", "DECODED_STRUCTURES", "SharedStructureCache", "decoded_size", "estimated_size"]

log = logging.getLogger(__name__)

# Bump when the cache layout changes, so a rolling deploy never reads the other layout.
CACHE_KEY_PREFIX = "lc_modulestore.structure.v1"

DECODED_STRUCTURES: SettingSizedLRU[ObjectId, dict[str, Any]] = SettingSizedLRU(
    conf.STRUCTURE_LRU_SIZE, conf.STRUCTURE_LRU_BYTES
)

# What a decoded structure takes in memory once every block of it is built (as a whole-course walk
# leaves it), per byte of its stored JSON: 6 to 9.3 measured with tracemalloc, from 15-block to
# 2,000-block generated courses; the estimate stays above that (tests/test_memory_bound.py checks).
_BYTES_PER_JSON_BYTE = 12
_BYTES_PER_BLOCK = 3072  # the same, per block, when only the block count is known
_FIXED_BYTES = 16 * 1024  # the structure's own dicts and lists, whatever its size


def decoded_size(json_length: int) -> int:
    """
    What a structure whose stored JSON is ``json_length`` bytes takes decoded, by the estimate the
    process LRU holds it at (the length its decoding found: ``codec.decode_structure_in_memory_sized``).
    """
    return _FIXED_BYTES + _BYTES_PER_JSON_BYTE * json_length


def estimated_size(block_count: int) -> int:
    """The same from a structure's block count alone (a structure the process LRU does not hold)."""
    return _FIXED_BYTES + _BYTES_PER_BLOCK * block_count


class SharedStructureCache:
    """
    Compressed structure bytes in a Django cache. ``<prefix>.<id>`` holds ``(chunk count, total size,
    crc32)``, ``<prefix>.<id>.<n>`` the chunks. The head and the first chunk are fetched together, so
    a structure of one chunk is one round trip. Items are evicted independently, so a missing chunk
    or a bad checksum is a miss. A cache outage is logged and read as a miss: it never fails a read.
    """

    def __init__(self, alias: str | None, chunk_size: int) -> None:
        """
        Raises ImproperlyConfigured for an alias missing from CACHES: unlike Split's fixed alias,
        ours is configured on purpose, so a typo should fail at startup, not disable caching silently.
        """
        if alias is not None and alias not in settings.CACHES:
            raise ImproperlyConfigured(f"structure cache {alias!r} is not in settings.CACHES")
        if chunk_size <= 0:
            raise ImproperlyConfigured("the structure cache chunk size must be positive")
        self.alias = alias
        self.chunk_size = chunk_size

    def _cache(self) -> BaseCache | None:
        # Looked up per use: Django's cache handles are per thread.
        return caches[self.alias] if self.alias is not None else None

    @staticmethod
    def _head_key(oid: ObjectId) -> str:
        return f"{CACHE_KEY_PREFIX}.{oid}"

    @staticmethod
    def _chunk_keys(oid: ObjectId, count: int) -> list[str]:
        return [f"{CACHE_KEY_PREFIX}.{oid}.{n}" for n in range(count)]

    def get(self, oid: ObjectId) -> bytes | None:
        cache = self._cache()
        if cache is None:
            return None
        head_key, first_key = self._head_key(oid), f"{CACHE_KEY_PREFIX}.{oid}.0"
        try:
            items = cache.get_many([head_key, first_key])
            head = items.get(head_key)
            if head is None:
                return None
            count, size, crc = head
            keys = self._chunk_keys(oid, count)
            if count > 1:
                items.update(cache.get_many(keys[1:]))
            if any(key not in items for key in keys):
                return None  # a chunk was evicted: read the row, which rewrites them all
            data = b"".join(items[key] for key in keys)
        except Exception:  # a cache outage must not take reads down with it
            log.warning("Structure cache %r failed reading %s", self.alias, oid, exc_info=True)
            return None
        if len(data) != size or zlib.crc32(data) != crc:
            log.warning("Structure cache %r holds a damaged copy of %s; dropping it", self.alias, oid)
            self.delete(oid, count)
            return None
        return data

    def set(self, oid: ObjectId, data: bytes) -> None:
        cache = self._cache()
        if cache is None:
            return
        step = self.chunk_size
        chunks = [data[start : start + step] for start in range(0, len(data), step)] or [b""]
        items: dict[str, Any] = dict(zip(self._chunk_keys(oid, len(chunks)), chunks, strict=True))
        items[self._head_key(oid)] = (len(chunks), len(data), zlib.crc32(data))
        try:
            failed = cache.set_many(items)
        except Exception:
            log.warning("Structure cache %r failed storing %s", self.alias, oid, exc_info=True)
            return
        if failed:
            log.warning("Structure cache %r refused %d items of %s", self.alias, len(failed), oid)

    def delete(self, oid: ObjectId, count: int = 0) -> None:
        cache = self._cache()
        if cache is None:
            return
        try:
            cache.delete_many([self._head_key(oid), *self._chunk_keys(oid, count)])
        except Exception:
            log.warning("Structure cache %r failed deleting %s", self.alias, oid, exc_info=True)
