"""
The structures this process compiled (or had to read for a compile) last, in stored form, with the
encoder that stored them: the next incremental compile of the course starts from them instead of
fetching and decoding the row, and re-encodes only what changed; a draft compile compares with the
live published structure without decoding it each time. Never mutated (the compiler builds new
block lists), and keyed on structure ids, which are never reused, so an entry is never stale, only
absent.
"""

from __future__ import annotations

import logging
from typing import Any

from .. import conf
from ..lru import SettingSizedLRU
from .codec import StructureEncoder, decode_structure
from .models import CompiledStructure

__all__ = ["forget_recent_compiles", "previous_structure", "remember_compile"]

log = logging.getLogger(__name__)

type Structure = dict[str, Any]

_RECENT: SettingSizedLRU[str, tuple[Structure, StructureEncoder]] = SettingSizedLRU(
    conf.RECENT_COMPILES_LRU_SIZE
)


def previous_structure(row_id: int, object_id: str) -> tuple[Structure | None, StructureEncoder]:
    """
    The live structure ``object_id`` (row ``row_id``) to patch, and the encoder to continue with.
    None when it is stored in an older format: the caller then compiles in full.
    """
    recent = _RECENT.get(object_id)
    if recent is not None:
        return recent
    data = CompiledStructure.objects.filter(pk=row_id).values_list("data", flat=True).get()
    try:
        decoded = decode_structure(bytes(data)), StructureEncoder()
    except ValueError:
        log.warning("Structure %s is in an older format; compiling it in full", object_id)
        return None, StructureEncoder()
    _RECENT.put(object_id, decoded)  # live, so likely needed again (and read in the compile's transaction)
    return decoded


def remember_compile(structure: Structure, encoder: StructureEncoder) -> None:
    """Keep a structure just made live (call after commit: a rolled-back one must not be patched)."""
    _RECENT.put(str(structure["_id"]), (structure, encoder))


def forget_recent_compiles() -> None:
    """Drop every kept structure: the next compile reads the live row (tests, memory pressure)."""
    _RECENT.clear()
