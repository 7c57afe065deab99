"""
The error block Open edX leaves where a block cannot be read, described as plain fields.

When one element of a course cannot be loaded (its file is missing, its XML is broken, a field
cannot be parsed), Open edX's XML importer does not give up on the course: the element becomes an
``ErrorBlock`` (block type ``error``) that keeps the element's original XML and the error, so
staff see what went wrong and a later import of the fixed file replaces it. The rest of the course
is imported. This module computes the fields such a block holds (``docs/IMPORT_RULES.md``,
rules E1-E5); placing it in the course is the importer's job.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from lxml import etree

__all__ = [
    "ERROR_BLOCK_TYPE",
    "ErrorBlockFields",
    "error_block_fields",
    "missing_body_error",
    "missing_definition_error",
]

ERROR_BLOCK_TYPE: Final = "error"
# What the platform says when an error tag carries no message of its own.
_NO_MESSAGE: Final = "Error not available"
_PREFIX: Final = "Error loading from xml. "
# The platform keeps only the start of the error's text in the message.
_ERROR_TEXT_LIMIT: Final = 200
# Error XML is only read back, never trusted: no entities, no network, no DTD.
_PARSER: Final = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass(frozen=True, slots=True)
class ErrorBlockFields:
    """
    The fields of one error block, as Split stores them.

    ``block_id`` is the SHA-1 of ``contents``, so the same broken XML always gets the same id and
    two different broken elements never share one. ``contents`` (content scope) is the failing
    element's XML as it reached the loader; ``error_msg`` (content scope) says why it failed.
    ``original_tag`` is the element's own tag when its XML parses (what an export writes back).
    """

    block_id: str
    contents: str
    error_msg: str
    original_tag: str | None
    block_type: str = ERROR_BLOCK_TYPE

    @property
    def content_fields(self) -> dict[str, str]:
        return {"contents": self.contents, "error_msg": self.error_msg}


def error_block_fields(xml_text: str, error: str, detail: str = "") -> ErrorBlockFields:
    """
    The error block for an element whose text is ``xml_text`` and that failed with ``error``.

    ``xml_text`` must be the element's text as its parent's loader serialized it (see
    ``compile.naming.naming_text``), since the block's id is its hash. The message starts as the
    platform's does (``Error loading from xml.`` and the first 200 characters of the error);
    ``detail`` (for instance the file and line) follows on the next lines where the platform
    prints a Python traceback.

    Two inputs are special, as in the platform: XML that does not parse keeps its text, and the
    parse error replaces the message; an ``<error>`` element (an error block exported earlier)
    is unwrapped, its text becoming the contents and its ``<error_msg>`` the message.
    """
    try:
        element = etree.fromstring(xml_text, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        return _fields(xml_text, f"the XML does not parse: {exc}", None)
    if element.tag == ERROR_BLOCK_TYPE:
        message_node = element.find("error_msg")
        message = message_node.text if message_node is not None else None
        contents = element.text or ""
        return _fields(contents, message or _NO_MESSAGE, _tag_of(contents))
    message = _PREFIX + error[:_ERROR_TEXT_LIMIT]
    if detail:
        message = f"{message}\n{detail}"
    return _fields(xml_text, message, element.tag if isinstance(element.tag, str) else None)


def missing_definition_error(path: str, usage: str) -> str:
    """
    The platform's error text for a pointer (or ``filename=``) whose definition file is missing.

    ``usage`` is the block's key as the XML importer writes it: ``i4x://<org>/<course>/<type>/<id>``.
    """
    return f"Unable to load file contents at path {path} for item {usage}: resource '{path}' not found"


def missing_body_error(path: str) -> str:
    """The platform's error text for an html block whose body file is missing (trailing space included)."""
    return f"Unable to load file contents at path {path}: resource '{path}' not found "


def _fields(contents: str, message: str, tag: str | None) -> ErrorBlockFields:
    digest = hashlib.sha1(contents.encode("utf-8")).hexdigest()
    return ErrorBlockFields(digest, contents, message, tag)


def _tag_of(text: str) -> str | None:
    try:
        element = etree.fromstring(text, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return element.tag if isinstance(element.tag, str) else None
