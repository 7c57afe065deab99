"""
Which block types this process reads with their own XBlock class, and which class that is.

A block type goes to its class when the site has one installed (an ``xblock.v1`` entry point, as
``XBlock.load_class`` finds it) and the rule table does not already read it the platform's way.
The rule table keeps the built-in types: the outline (course, chapter, sequential, vertical), the
blocks with inline children (split_test, conditional, library_content, ...), the detached pages
and the xblocks-contrib types it models (html, problem, video, discussion, lti, annotatable,
word_cloud, poll_question). Those are read in Studio by the platform's ``XmlMixin`` blocks, whose
``parse_xml`` needs the platform's modulestore runtime (pointer files, the course's filesystem,
policy) that a compile does not have; the rule table reproduces their reading field by field and
is held to it by ``tests/platform/test_contrib_parity.py`` and the OLX reader's comparison.
Every other type (drag-and-drop-v2, ORA, poll, survey, LTI consumer, SGA, ...) is read by its class
when installed, whatever the type: nothing here lists third-party XBlocks.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, entry_points, version
from typing import Final

from xblock.core import XBlock

from compile.fields.rules import ALIASES, RULES_BY_TYPE
from compile.vocabulary import BLOCK_TYPES_WITH_CHILDREN, CONTAINER_TYPES, DETACHED_TYPES, ERROR_TYPE

__all__ = ["BUILT_IN_TYPES", "ClassChoice", "class_for", "forget_classes"]

# The version of this package's reading of a class (runtime, values, fallbacks): bump it when a
# change here changes what a class's reading gives, so cached readings are redone.
CLASS_READING_VERSION: Final = 1
ENTRY_POINT_GROUP: Final = "xblock.v1"

BUILT_IN_TYPES: Final = frozenset(
    {*RULES_BY_TYPE, *ALIASES, *CONTAINER_TYPES, *BLOCK_TYPES_WITH_CHILDREN, *DETACHED_TYPES, ERROR_TYPE}
)


@dataclass(frozen=True, slots=True)
class ClassChoice:
    """
    How one block type is read: by ``block_class`` (its identity says which class, from which
    distribution at which version) or, when None, by the rule table, ``reason`` saying why.
    """

    block_type: str
    block_class: type[XBlock] | None
    identity: str
    reason: str = ""


@functools.cache
def class_for(block_type: str, mixins: tuple[type, ...] = ()) -> ClassChoice:
    """
    The class this process reads ``block_type`` with (loaded once per process and mixin set). A
    class that is absent, ambiguous or fails to import leaves the type to the rule table.
    """
    from compile.fields import RULE_TABLE_PARSER

    def rules(reason: str) -> ClassChoice:
        return ClassChoice(block_type, None, RULE_TABLE_PARSER, reason)

    if block_type in BUILT_IN_TYPES:
        return rules("a built-in type: the rule table reads it as the platform does")
    found = list(entry_points(group=ENTRY_POINT_GROUP, name=block_type))
    if not found:
        return rules(f"no XBlock class is installed for {block_type!r} (entry point {ENTRY_POINT_GROUP})")
    if len(found) > 1:
        names = ", ".join(sorted(point.value for point in found))
        return rules(f"{len(found)} XBlock classes are installed for {block_type!r} ({names}): ambiguous")
    point = found[0]
    distribution = f"{point.dist.name}=={point.dist.version}" if point.dist is not None else "?"
    try:
        block_class = point.load()
    except Exception as exc:  # an XBlock's import can fail any way (missing Django app, settings)
        return rules(f"the class of {block_type!r} ({point.value}, {distribution}) does not load: {exc!r}")
    return ClassChoice(block_type, block_class, _identity(point.value, distribution, mixins))


def _identity(class_path: str, distribution: str, mixins: tuple[type, ...]) -> str:
    """Who read the fields: the class, its distribution and version, XBlock's, and the mixins."""
    try:
        xblock = version("XBlock")
    except PackageNotFoundError:  # pragma: no cover - XBlock is what loaded the class
        xblock = "?"
    mixed = ",".join(f"{m.__module__}.{m.__qualname__}" for m in mixins)
    mixed_hash = hashlib.blake2b(mixed.encode(), digest_size=4).hexdigest()
    return (
        f"class/{CLASS_READING_VERSION} {distribution} {class_path} XBlock=={xblock} mixins={mixed_hash}"
    )[:255]


def forget_classes() -> None:
    """Look the classes up again (a test installing or removing one, in this process)."""
    class_for.cache_clear()
