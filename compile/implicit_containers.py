"""
The containers an import adds so that Learning Core can hold what OLX allows and Learning Core
does not: components straight in a sequential or a chapter (pre-Studio courses, rule L3 of
docs/IMPORT_RULES.md), a unit straight in a chapter, a chapter level skipped under the course.

Learning Core's Subsection takes only Units and its Section only Subsections, so the importer
wraps each run of consecutive children that sit too deep in an *implicit* container of the missing
level; the compiler flattens every implicit container away, so the Split structure keeps the OLX
parent and its order exactly (docs/DESIGN.md, decision 13).

An implicit container is told apart by its key alone: its block id starts with ``@``, a character
no Split block id can hold (opaque-keys allows ``[\\w\\-~.:]``), so it can neither collide with a
real block nor ever be located by the LMS. The id is derived from its parent and its first child,
so an unchanged re-import names it the same and writes nothing.
"""

from __future__ import annotations

import hashlib

from .vocabulary import BlockKeyTuple

__all__ = ["IMPLICIT_PREFIX", "implicit_id", "is_implicit"]

IMPLICIT_PREFIX = "@implicit-"


def implicit_id(parent: BlockKeyTuple, first_child: BlockKeyTuple, occurrence: int) -> str:
    """
    The id of the implicit container under ``parent`` whose run starts with ``first_child``;
    ``occurrence`` tells apart runs of one parent that start with the same (shared) child.
    """
    text = "\x1f".join((*parent, *first_child, str(occurrence)))
    return IMPLICIT_PREFIX + hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def is_implicit(key: BlockKeyTuple) -> bool:
    """Whether ``key`` names a container the importer added, which no Split structure shows."""
    return key[1].startswith(IMPLICIT_PREFIX)
