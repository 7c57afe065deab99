"""
The block id Open edX's XML importer gives an element, so learner state carries over.

Learner state (answers, video positions, completion) is stored against a block's usage key. A
course that Studio imported from the same OLX has keys chosen by ``XMLModuleStore``'s naming rule;
if this project chose its own ids for blocks that declare no ``url_name``, every learner record of
those blocks would point at nothing after switching. So the rule is reproduced here, bit for bit,
as described in ``docs/IMPORT_RULES.md`` (rules N1-N6):

* the id comes from the first of ``url_name`` (as written), ``slug`` (as written, then dropped),
  ``name`` and ``display_name`` (both cleaned like a deprecated key) that the element carries;
* without any of them, or when the first one is empty, the id is ``<tag>_<12 hex>``: the start of
  the SHA-1 of the element's own serialized text (tail included), as the parent's loader hands it
  to the runtime;
* a name already used for the same tag is renamed to ``<tag>_<name>_<12 hex>`` when the tag holds
  learner state (:data:`LEARNER_STATE_TYPES`), and refers to the same block otherwise (a shared
  child: the DAG Split serves).

Everything here is pure: the caller parses with :func:`platform_parser`, walks the course in the
platform's order (a parent is named before its children) and applies the outcome.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from lxml import etree

__all__ = [
    "LEARNER_STATE_TYPES",
    "BlockNamer",
    "NameSource",
    "NamingOutcome",
    "clean_name",
    "declared_name",
    "fallback_name",
    "is_pointer_after_naming",
    "naming_text",
    "platform_parser",
]

# The tags whose second use gets a new name instead of sharing the first block: they hold (or
# should hold) learner state, so two uses must not share one usage key.
LEARNER_STATE_TYPES: Final = frozenset(
    {"problem", "sequential", "video", "course", "chapter", "poll_question", "vertical"}
)

# What a deprecated-style key may not contain (opaque-keys' ``Locator.clean``): anything but
# word characters, dot, percent and hyphen becomes "_", then runs of "_" collapse.
_INVALID_NAME_CHARS = re.compile(r"[^\w.%-]")
_UNDERSCORES = re.compile(r"_+")
_FALLBACK_TAIL = re.compile(r"[0-9a-fA-F]{12}$")
_HASH_LENGTH: Final = 12


def platform_parser() -> etree.XMLParser:
    """
    A parser whose trees serialize as the platform's do, which the hashed names depend on.

    The platform drops ignorable whitespace between elements (``remove_blank_text``), and that
    whitespace is part of what gets hashed. Unlike the platform, entities are not resolved: a
    course's own DTD entities would otherwise let an export read local files.
    """
    return etree.XMLParser(
        dtd_validation=False, load_dtd=False, remove_blank_text=True, resolve_entities=False, no_network=True
    )


def naming_text(element: etree._Element) -> str:
    """The text the platform hashes: the element as its parent's loader serializes it, tail included."""
    text: str = etree.tostring(element, encoding="unicode")
    return text


def clean_name(value: str) -> str:
    """A ``name``/``display_name`` turned into a block id, as a deprecated key is cleaned."""
    return _UNDERSCORES.sub("_", _INVALID_NAME_CHARS.sub("_", value))


class NameSource(StrEnum):
    """Where a block's id came from, for the import report."""

    URL_NAME = "url_name"
    SLUG = "slug"
    NAME = "name"
    DISPLAY_NAME = "display_name"
    GENERATED = "generated"


_LOOKUPS: Final = (
    (NameSource.URL_NAME, False),
    (NameSource.SLUG, False),
    (NameSource.NAME, True),
    (NameSource.DISPLAY_NAME, True),
)


def declared_name(attributes: dict[str, str]) -> tuple[str, NameSource] | None:
    """
    The name an element declares, from the first naming attribute present (even if empty).

    Only the first attribute present counts: an empty ``url_name=""`` does not fall through to
    ``display_name``, it leads to a generated name.
    """
    for source, cleaned in _LOOKUPS:
        if source.value in attributes:
            value = attributes[source.value]
            return (clean_name(value) if cleaned else value), source
    return None


def _looks_generated(tag: str, name: str) -> bool:
    return name.startswith(tag) and _FALLBACK_TAIL.search(name) is not None


def fallback_name(tag: str, xml_text: str, original: str | None = None) -> str:
    """
    ``<tag>[_<original>]_<first 12 hex of SHA-1 of the text>``.

    A name that already looks generated (starts with the tag, ends in 12 hex digits) loses that
    prefix and the last 12 characters before being hashed again, so renaming never stacks hashes.
    The slice is the platform's, quirks included: ``problem_abc_0123456789ab`` keeps ``abc_``.
    """
    if original is not None and _looks_generated(tag, original):
        original = original[len(tag) + 1 : -_HASH_LENGTH]
    middle = f"_{original}" if original else ""
    digest = hashlib.sha1(xml_text.encode("utf-8")).hexdigest()[:_HASH_LENGTH]
    return f"{tag}{middle}_{digest}"


@dataclass(frozen=True, slots=True)
class NamingOutcome:
    """
    The id one use of an element gets, and what the import report should say about it.

    ``drop_attributes`` are attributes the platform removes once read (``slug``); ``renamed_from``
    is the declared name a second use of a learner-state type lost; ``shared`` says this use is
    the same block as an earlier one (a second parent); ``notes`` are warnings in plain words.
    """

    url_name: str
    source: NameSource
    renamed_from: str | None = None
    shared: bool = False
    drop_attributes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class BlockNamer:
    """
    One course's naming state: which names each tag has used so far.

    Call :meth:`name` once per use of an element, in the platform's order: depth first, a parent
    before its children, a pointer tag before the file it points to. Names are per tag, so
    ``chapter/x`` and ``html/x`` never collide.
    """

    used: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def name(self, tag: str, attributes: dict[str, str], xml_text: str) -> NamingOutcome:
        notes: list[str] = []
        declared = declared_name(attributes)
        drop = ("slug",) if declared and declared[1] is NameSource.SLUG else ()
        if declared is None or declared[0] == "":
            url_name, source = fallback_name(tag, xml_text), NameSource.GENERATED
            if tag in LEARNER_STATE_TYPES:
                notes.append(
                    f"<{tag}> has no url_name, slug, name or display_name: it is named {url_name} from "
                    "a hash of its XML, so editing it changes its id and loses its learner state"
                )
        else:
            url_name, source = declared
        renamed_from: str | None = None
        shared = False
        if url_name in self.used[tag]:
            if tag in LEARNER_STATE_TYPES:
                renamed_from, url_name = url_name, fallback_name(tag, xml_text, url_name)
                notes.append(
                    f"{tag}/{renamed_from} is used more than once; this use is renamed {tag}/{url_name}, "
                    "as Open edX does for blocks that hold learner state"
                )
                shared = url_name in self.used[tag]
            else:
                shared = True
        self.used[tag].add(url_name)
        return NamingOutcome(url_name, source, renamed_from, shared, drop, tuple(notes))


def is_pointer_after_naming(element: etree._Element, outcome: NamingOutcome) -> bool:
    """
    Whether the platform reads this use from ``<tag>/<url_name>.xml``, judged after naming.

    The platform decides on the element as naming left it: ``slug`` gone, ``url_name`` set. So
    ``<chapter slug="x"/>`` is a pointer to ``chapter/x.xml``, and so is a bare ``<vertical/>``
    (to a file named by its hash, which does not exist), and a renamed second use of a pointer
    points to a file under its new name.
    """
    attributes = {name for name in element.attrib if name not in outcome.drop_attributes} | {"url_name"}
    expected = {"url_name", "course", "org"} if element.tag == "course" else {"url_name"}
    has_text = bool(element.text and element.text.strip())
    return len(element) == 0 and attributes == expected and not has_text
