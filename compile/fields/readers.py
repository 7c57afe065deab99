"""
OLX elements → field values: attributes through the rule table and the converters, bodies and
child elements by block type (html, problem, video, course, conditional, ...).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from lxml import etree

from .rules import (
    ALIASES,
    ANY,
    COMMON_FIELDS,
    CONTENT,
    FAIL_CLOSED,
    NEVER_FIELDS,
    NOT_IN_DEFINITION,
    POLICY_ONLY,
    RULES_BY_TYPE,
    SETTINGS,
    XML_ATTRIBUTES_FROM_OWN_FILE,
    XML_FILENAME_TYPES,
    FieldRule,
)
from .values import CONVERTERS, InvalidValue, string_value, usage_reference

__all__ = ["RealizedFields", "Unreadable", "realize_fields", "resolve_xml_filename", "show_sources"]


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A value its field's type cannot hold: kept (raw) in xml_attributes, and what was done instead."""

    name: str
    raw: str
    kind: str
    from_policy: bool  # set by policy.json rather than by an OLX attribute
    closed: tuple[str, Any] | None  # the setting forced to keep the block closed (FAIL_CLOSED)

    def what(self) -> str:
        """For the import's report: the field and the value (``action`` says what the block does)."""
        return f"{self.name}={self.raw[:80]!r} is not a valid {self.kind}"

    def action(self) -> str:
        if self.closed is None:
            return "ignored (kept in xml_attributes), the field keeps its default"
        setting, value = self.closed
        return f"ignored, and {setting} is set to {json.dumps(value)} (fail closed)"


@dataclass(frozen=True, slots=True)
class RealizedFields:
    settings: dict[str, Any]  # JSON-serializable values only
    content: dict[str, Any]  # JSON-serializable values only
    unreadable: tuple[Unreadable, ...] = ()


# --- elements ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Split:
    rules: dict[str, FieldRule]
    modelled: bool
    settings: dict[str, Any] = field(default_factory=dict)
    content: dict[str, Any] = field(default_factory=dict)
    unknown: dict[str, Any] = field(default_factory=dict)
    unreadable: dict[str, Unreadable] = field(default_factory=dict)

    def attribute(self, name: str, raw: str) -> None:
        """One attribute into its field (typed), or into xml_attributes."""
        rule = self.rules.get(name)
        if rule is None:
            if self.modelled or name.startswith("{"):
                self.unknown[name] = raw
                return
            rule = ANY
        try:
            value = CONVERTERS[rule.kind](raw)
        except InvalidValue:
            self.unknown[name] = raw
            self.unreadable[name] = Unreadable(name, raw, rule.kind.value, False, FAIL_CLOSED.get(name))
            return
        (self.content if rule.scope == CONTENT else self.settings)[name] = value

    def policy_value(self, name: str, value: Any) -> None:
        """
        A container's policy.json value (already JSON-typed) over its attributes: stored as given,
        as edx-platform's policy overrides do, unless its field's type cannot read it.
        """
        if name == "xml_attributes" and isinstance(value, dict):
            # The policy's dict replaces the attributes' (XmlMixin.apply_policy assigns the field);
            # the raw text of an unreadable value stays, as this table's own record of it.
            kept = {name: self.unknown[name] for name in self.unreadable if name in self.unknown}
            self.unknown = {**value, **kept}
            return
        rule = self.rules.get(name)
        if rule is not None:
            raw = value if isinstance(value, str) else json.dumps(value)
            try:
                CONVERTERS[rule.kind](raw)
            except InvalidValue:
                self.settings.pop(name, None)
                self.unknown[name] = raw
                self.unreadable[name] = Unreadable(name, raw, rule.kind.value, True, FAIL_CLOSED.get(name))
                return
        self.unreadable.pop(name, None)  # a readable policy value replaces an unreadable attribute
        self.settings[name] = value

    def result(self) -> RealizedFields:
        if self.unknown:
            self.settings["xml_attributes"] = self.unknown
        for unreadable in self.unreadable.values():  # last, so that nothing reopens what they close
            if unreadable.closed is not None:
                setting, value = unreadable.closed
                self.settings[setting] = value
        return RealizedFields(self.settings, self.content, tuple(self.unreadable.values()))


def _attributes(element: etree._Element, split: _Split) -> Iterator[tuple[str, str]]:
    """The element's attributes that may be fields, in document order."""
    for name, raw in element.items():
        if name in NEVER_FIELDS or (name in POLICY_ONLY and name not in split.rules):
            continue
        yield name, raw


def _elements(element: etree._Element) -> Iterator[etree._Element]:
    """Child elements, skipping comments, processing instructions and entities."""
    return (child for child in element if isinstance(child.tag, str))


def _inner_markup(element: etree._Element) -> str:
    """The element's body as a string (edx-platform's ``stringify_children``), characters kept literal."""
    parts = [element.text or ""]
    parts.extend(etree.tostring(child, encoding="unicode", with_tail=True) for child in element)
    return "".join(parts)


def _definition_xml(element: etree._Element, split: _Split, *, empty_when_bare: bool) -> str:
    """
    The element as ``definition_from_xml`` serializes it: read as edx-platform reads an OLX file
    (blank text removed), settings attributes removed, pretty-printed.
    """
    try:
        definition = etree.fromstring(
            etree.tostring(element, encoding="unicode", with_tail=False),
            etree.XMLParser(remove_blank_text=True),
        )
    except etree.XMLSyntaxError:  # e.g. an unresolved entity reference; keep the element as it is
        definition = copy.deepcopy(element)
        definition.tail = None
    for name in list(definition.attrib):
        rule = split.rules.get(name)
        if name in NOT_IN_DEFINITION or (rule is not None and rule.scope == SETTINGS):
            del definition.attrib[name]
    if empty_when_bare and len(definition) == 0 and not definition.attrib:
        return ""
    text: str = etree.tostring(definition, pretty_print=True, encoding="unicode")
    return text


def _html_body(element: etree._Element, split: _Split) -> None:
    split.content["data"] = _inner_markup(element)


def _problem_body(element: etree._Element, split: _Split) -> None:
    split.content["data"] = _definition_xml(element, split, empty_when_bare=False)


def _raw_body(element: etree._Element, split: _Split) -> None:
    split.content["data"] = _definition_xml(element, split, empty_when_bare=True)


def _poll_question_body(element: etree._Element, split: _Split) -> None:
    question = copy.deepcopy(element)
    answers = []
    for answer in question.findall("answer"):
        answer_id = answer.get("id")
        if answer_id:
            answers.append({"id": answer_id, "text": _inner_markup(answer)})
        question.remove(answer)
    split.content["answers"] = answers
    split.content["question"] = _inner_markup(question)


def _error_body(element: etree._Element, split: _Split) -> None:
    """``<error>contents<error_msg>why</error_msg></error>``, the element the reader stores (E3)."""
    split.content["contents"] = element.text or ""
    message = element.find("error_msg")
    split.content["error_msg"] = (message.text or "") if message is not None else ""


def _course_body(element: etree._Element, split: _Split) -> None:
    wiki = element.find("wiki")
    if wiki is not None and wiki.get("slug") is not None:
        split.content["wiki_slug"] = wiki.get("slug")
    textbooks = [[book.get("title"), book.get("book_url")] for book in element.findall("textbook")]
    if textbooks or "textbooks" not in split.content:
        split.content["textbooks"] = textbooks


# ConditionalBlock.conditions_map: the attribute that names the condition and holds its value.
_CONDITIONS: Final = ("poll_answer", "submitted", "attempted", "correct", "voted")


def _conditional_body(element: etree._Element, split: _Split) -> None:
    for attribute in _CONDITIONS:  # also kept in xml_attributes, as edx-platform does
        value = element.get(attribute)
        if value is not None:
            split.content["conditional_attr"] = attribute
            split.content["conditional_value"] = value
    message = element.get("message")
    if message is not None:
        split.content["conditional_message"] = message
    else:
        split.content.setdefault("conditional_message", "")
    shows = [child for child in _elements(element) if child.tag == "show"]
    if shows or "show_tag_list" not in split.content:
        references: list[list[str]] = []
        unreadable: list[str] = []
        for show in shows:
            readable, unread = show_sources(show)
            references += readable
            unreadable += unread
        split.content["show_tag_list"] = references
        if unreadable:
            split.unknown["show"] = ";".join(unreadable)


def show_sources(show: etree._Element) -> tuple[list[list[str]], list[str]]:
    """
    A ``<show sources="a;b">``'s locations, in order and repeats kept (``parse_sources``): as
    ``[type, id]``, and the ones that name no block. One reading for ``show_tag_list`` and for the
    conditional's children, which ``definition_from_xml`` fills from the same list.
    """
    references: list[list[str]] = []
    unreadable: list[str] = []
    for location in (show.get("sources") or "").split(";"):
        if location.strip():
            reference = usage_reference(location)
            if reference is None:
                unreadable.append(location.strip())
            else:
                references.append(reference)
    return references, unreadable


_BODIES: Final[dict[str, Callable[[etree._Element, _Split], None]]] = {
    "html": _html_body,
    "about": _html_body,
    "course_info": _html_body,
    "static_tab": _html_body,
    "problem": _problem_body,
    "lti": _raw_body,
    "annotatable": _raw_body,
    "word_cloud": _raw_body,
    "poll_question": _poll_question_body,
    "course": _course_body,
    "conditional": _conditional_body,
    "error": _error_body,
}

_YOUTUBE_SPEEDS: Final = ("0.75", "1.00", "1.25", "1.50")
_VIDEO_RENAMED: Final = {"from": "start_time", "to": "end_time"}


def _realize_video(element: etree._Element, split: _Split) -> None:
    """``VideoBlock.parse_video_xml``: child elements first, then attributes (which win)."""
    sources = [src for child in element.findall("source") if (src := child.get("src")) is not None]
    if sources:
        split.settings["html5_sources"] = sources
    track = element.find("track")
    if track is not None:
        split.settings["track"] = track.get("src")
    handout = element.find("handout")
    if handout is not None:
        split.settings["handout"] = handout.get("src")
    transcripts = {
        language: src
        for child in element.findall("transcript")
        if (language := child.get("language")) is not None and (src := child.get("src")) is not None
    }
    if transcripts:
        split.settings["transcripts"] = transcripts
    for name, raw in _attributes(element, split):
        name = _VIDEO_RENAMED.get(name, name)
        if name == "name":
            continue  # parse_video_xml skips it
        if name == "youtube":
            _youtube(raw, split)
        else:
            split.attribute(name, raw)
    if track is not None and "download_track" not in element.attrib:
        split.settings["download_track"] = True  # old OLX: a <track> meant "downloadable"


def _youtube(raw: str, split: _Split) -> None:
    """``youtube="1.00:id,0.75:id2"`` → youtube_id_1_0, youtube_id_0_75, ..."""
    ids = dict.fromkeys(_YOUTUBE_SPEEDS, "")
    leftover = False
    for piece in raw.split(","):
        parts = piece.split(":")
        try:
            speed = f"{float(parts[0]):.2f}"
            ids[speed] = string_value(parts[1])
        except (ValueError, IndexError):
            leftover = True
    for speed, youtube_id in ids.items():
        if youtube_id != "" or "html5_sources" in split.settings:
            name = "youtube_id_" + (speed[:-1] if speed.endswith("0") else speed).replace(".", "_")
            if name in split.rules:
                split.settings[name] = youtube_id
            else:
                leftover = True
    if leftover:
        split.unknown["youtube"] = raw


_OPTION_PREFIX: Final = "{http://code.edx.org/xblock/option}"


def _option_children(element: etree._Element, split: _Split) -> None:
    """``<option:field>value</option:field>`` children set fields (``XBlock.parse_xml``)."""
    for child in _elements(element):
        if child.tag.startswith(_OPTION_PREFIX):
            name = child.tag[len(_OPTION_PREFIX) :]
            if child.get("none") == "true":
                split.settings[name] = None
            else:
                split.attribute(name, child.text or "")


def realize_fields(
    block_type: str, element: etree._Element, policy: Mapping[str, Any] | None = None
) -> RealizedFields:
    """
    The settings and content field values of one block, from its full OLX element (pointers
    resolved, an html ``filename`` body already inlined as the element's text) and, for a
    container, its policy.json entry. Child blocks are not fields and are ignored. Never raises on
    odd values: they end up in ``xml_attributes``, are listed in ``unreadable``, and those of the
    fields that restrict access (FAIL_CLOSED) close the block rather than leave it open.
    """
    rule_type = ALIASES.get(block_type, block_type)
    own = RULES_BY_TYPE.get(rule_type)
    split = _Split(rules=own if own is not None else COMMON_FIELDS, modelled=own is not None)
    if rule_type == "video":
        _realize_video(element, split)
    else:
        for name, raw in _attributes(element, split):
            split.attribute(name, raw)
        body = _BODIES.get(rule_type)
        if body is not None:
            body(element, split)
        elif own is None:
            _option_children(element, split)
    for name, value in (policy or {}).items():
        split.policy_value(name, value)
    return split.result()


def resolve_xml_filename(
    block_type: str, settings: dict[str, Any], recorded: Sequence[str | None] | None
) -> dict[str, Any]:
    """
    ``settings`` with ``xml_attributes["filename"]`` as Studio's import leaves it: the file the
    import ``recorded`` the block was read from, for a block whose Open edX class keeps one
    (:data:`rules.XML_FILENAME_TYPES`, or a class whose own reading of block.xml recorded one);
    none for a block no import read (made in Learning Core, as Studio records none for a block made
    in Studio). A type that keeps attributes no field takes only when read from its own file
    (:data:`rules.XML_ATTRIBUTES_FROM_OWN_FILE`) keeps them, an empty dict too, only if the import
    read it from a pointer's file. Other blocks are unchanged.
    """
    attributes = settings.get("xml_attributes")
    attributes = attributes if isinstance(attributes, dict) else {}
    if block_type in XML_ATTRIBUTES_FROM_OWN_FILE:
        rest = {name: value for name, value in settings.items() if name != "xml_attributes"}
        pointer = recorded is not None and bool(recorded[0]) and recorded[0] == recorded[1]
        return {**rest, "xml_attributes": attributes} if pointer else rest
    keeps = ALIASES.get(block_type, block_type) in XML_FILENAME_TYPES or "filename" in attributes
    if not keeps:
        return settings
    attributes = {name: value for name, value in attributes.items() if name != "filename"}
    if recorded is not None:
        attributes["filename"] = list(recorded)
    resolved = {name: value for name, value in settings.items() if name != "xml_attributes"}
    if attributes:
        resolved["xml_attributes"] = attributes
    return resolved
