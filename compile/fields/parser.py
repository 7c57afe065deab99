"""
Which parser reads a block's OLX into its fields, and when a cached reading is still good.

The rule table (:func:`~compile.fields.readers.realize_fields`) reads every block type without any
XBlock class. A site that has a block's class installed reads it with that class's own
``parse_xml`` instead, as Studio's import does; that needs an XBlock runtime, which this pure
package has none of, so the parser is given to the compiler from outside (``lc_modulestore.parsing``
installs the site's with :func:`install_parser`; the default is the rule table).

Each reading is cached per entity version with the parser's *number* (``parser_version`` of the
field-data cache): the rule table's is :data:`PARSER_VERSION`, a class parser's a number derived
from its identity (the class, its distribution and version), so an upgrade or a new install gives
another number and the version is read again. A process without the class accepts what a process
with it read (:func:`cached_reading_fresh`): compiling in a worker that lacks an XBlock never undoes
its class's reading.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final, Protocol

from lxml import etree

from .readers import RealizedFields, realize_fields
from .rules import PARSER_VERSION

__all__ = [
    "CLASS_PARSER_FLOOR",
    "RULE_TABLE",
    "RULE_TABLE_PARSER",
    "FieldParser",
    "ParserFailure",
    "cached_reading_fresh",
    "install_parser",
    "installed_parser",
    "parser_number",
]

# The rule table's identity, as lc_show and the import report print it.
RULE_TABLE_PARSER: Final = f"rules/{PARSER_VERSION}"
# Class parsers' numbers start here, far above any rule-table version.
CLASS_PARSER_FLOOR: Final = 1 << 30


class ParserFailure(Exception):
    """
    The parser itself failed (its database, its runtime), not the block's OLX: the compile fails
    and is retried, instead of serving the block as an error block.
    """


class FieldParser(Protocol):
    """What the compiler asks of a parser: who reads a block type, and its reading of an element."""

    def identity(self, block_type: str) -> str:
        """The parser that reads ``block_type`` now: :data:`RULE_TABLE_PARSER` or a class's identity."""
        ...

    def realize(
        self, block_type: str, element: etree._Element, policy: Mapping[str, Any] | None = None
    ) -> RealizedFields:
        """The block's settings and content fields (the rule table's contract: JSON values)."""
        ...


class _RuleTable:
    """The rule table alone: every block type, no class."""

    def identity(self, block_type: str) -> str:
        return RULE_TABLE_PARSER

    def realize(
        self, block_type: str, element: etree._Element, policy: Mapping[str, Any] | None = None
    ) -> RealizedFields:
        return realize_fields(block_type, element, policy)


RULE_TABLE: Final[FieldParser] = _RuleTable()
_installed: list[FieldParser] = [RULE_TABLE]


def install_parser(parser: FieldParser) -> FieldParser:
    """Make ``parser`` the one compiles use when given none; returns the one it replaces."""
    previous = _installed[0]
    _installed[0] = parser
    return previous


def installed_parser() -> FieldParser:
    return _installed[0]


def parser_number(identity: str) -> int:
    """The number a reading by ``identity`` is cached with (fits a positive 32-bit column)."""
    if identity == RULE_TABLE_PARSER:
        return PARSER_VERSION
    digest = hashlib.blake2b(identity.encode(), digest_size=4).digest()
    return CLASS_PARSER_FLOOR | (int.from_bytes(digest, "big") & (CLASS_PARSER_FLOOR - 1))


def cached_reading_fresh(identity: str, cached_number: int | None) -> bool:
    """
    Whether a reading cached with ``cached_number`` stands for the parser ``identity`` reads with
    now: the same parser, or a class's reading where this process has only the rule table (the
    class is the better reader; a process lacking it keeps what one having it read).
    """
    if cached_number is None:
        return False
    if cached_number == parser_number(identity):
        return True
    return identity == RULE_TABLE_PARSER and cached_number >= CLASS_PARSER_FLOOR
