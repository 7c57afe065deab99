"""
The project's one LRU: bounded by a count of entries and, optionally, by bytes, each bound a setting.

A count alone promises no memory bound: one 20,000-block structure takes a thousand times what a
20-block one does. So the caches of decoded structures are also given a byte budget, and each entry
its size when it is put (an estimate made by the caller, see ``storage.structure_cache``); the least
recently used entries go until both bounds hold, and an entry larger than the whole budget is not
kept at all.

Threaded servers serve several requests of one process at once, and ``on_commit`` callbacks write
to these caches, so every access holds the lock. The bounds are read on every insert: a settings
change (or a test's ``override_settings``) applies at once, without a restart.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from .conf import Setting

__all__ = ["SettingSizedLRU"]


class SettingSizedLRU[K: Hashable, V]:
    """
    A thread-safe LRU holding at most ``size`` entries (0 keeps nothing) and, given ``max_bytes``, at
    most that many bytes by the sizes entries were put with (0: no byte bound).
    """

    def __init__(self, size: Setting[int], max_bytes: Setting[int] | None = None) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()  # least recently used first
        self._bytes = 0

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: K, value: V, nbytes: int = 0) -> None:
        """Keep ``value``, which takes ``nbytes`` by the caller's estimate, evicting what no longer fits."""
        count = max(0, int(self._size.value))
        budget = max(0, int(self._max_bytes.value)) if self._max_bytes is not None else 0
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if count and not (budget and nbytes > budget):  # larger than the whole budget: not kept
                self._entries[key] = (value, nbytes)
                self._bytes += nbytes
            while len(self._entries) > count or (budget and self._bytes > budget):
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted

    def size_of(self, key: K) -> int | None:
        """The size ``key`` was put with (None: not held); does not count as a use."""
        with self._lock:
            entry = self._entries.get(key)
            return entry[1] if entry is not None else None

    @property
    def nbytes(self) -> int:
        """The sizes of the entries held, added up: what the byte bound is checked against."""
        with self._lock:
            return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
