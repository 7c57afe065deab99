"""
The project's one LRU: cachetools' ``LRUCache`` behind a lock, sized by a setting.

Threaded servers serve several requests of one process at once, and ``on_commit`` callbacks write
to these caches, so every access holds the lock. The size is read on every insert: a settings
change (or a test's ``override_settings``) applies at once, without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

from cachetools import LRUCache

from .conf import Setting

__all__ = ["SettingSizedLRU"]


class SettingSizedLRU[K: Hashable, V]:
    """A thread-safe LRU whose capacity is the current value of ``size`` (0 keeps nothing)."""

    def __init__(self, size: Setting[int]) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._cache: LRUCache[K, V] = LRUCache(maxsize=max(1, size.value))

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._cache.get(key)

    def put(self, key: K, value: V) -> None:
        maxsize = max(0, int(self._size.value))
        with self._lock:
            if maxsize != self._cache.maxsize:
                self._resize(maxsize)
            if maxsize:
                self._cache[key] = value

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._cache

    def __len__(self) -> int:
        with self._lock:
            return len(self._cache)

    def _resize(self, maxsize: int) -> None:
        """A new cache of the new size, keeping the most recently used entries that fit."""
        entries: list[tuple[K, V]] = []
        while self._cache:
            entries.append(self._cache.popitem())  # least recently used first
        self._cache = LRUCache(maxsize=max(1, maxsize))
        for key, value in entries[-maxsize:] if maxsize else ():
            self._cache[key] = value
