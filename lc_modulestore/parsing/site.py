"""
The site's parser: each block type read by its installed class, or by the rule table.

Installed into the compiler when the app is ready (:func:`install_site_parser`), in every process
that runs Django with this app: the publishing process, a Celery worker, a management command. They
read alike when they have the same XBlocks installed (the LMS/Studio image and its workers share
one), and whichever reads a version first caches the reading with the parser's identity
(``VersionFieldData.parser``), which the others reuse or, having another version of the class,
read again. The setting is read on every block, so ``override_settings`` applies at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

from compile.fields import RULE_TABLE, RULE_TABLE_PARSER, RealizedFields, install_parser

from .. import conf
from .classes import ClassChoice, class_for
from .reading import read_with_class, site_mixins

__all__ = ["SiteParser", "choice_for", "install_site_parser"]

OFF_REASON = "reading with XBlock classes is off (LC_MODULESTORE_PARSE_WITH_XBLOCK_CLASSES)"


def choice_for(block_type: str) -> ClassChoice:
    """How this process reads ``block_type`` now, and why when it is the rule table."""
    if not conf.PARSE_WITH_XBLOCK_CLASSES.value:
        return ClassChoice(block_type, None, RULE_TABLE_PARSER, OFF_REASON)
    return class_for(block_type, site_mixins())


class SiteParser:
    """compile.fields.FieldParser over the classes installed in this process."""

    def identity(self, block_type: str) -> str:
        return choice_for(block_type).identity

    def realize(
        self, block_type: str, element: etree._Element, policy: Mapping[str, Any] | None = None
    ) -> RealizedFields:
        choice = choice_for(block_type)
        if choice.block_class is None:
            return RULE_TABLE.realize(block_type, element, policy)
        return read_with_class(choice.block_class, block_type, element, site_mixins(), policy)


def install_site_parser() -> None:
    install_parser(SiteParser())
