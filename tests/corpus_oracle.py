"""
An independent reading of an OLX export, for checking what the store serves against the files.

It does not use the project's reader: it walks ``course.xml`` with lxml on its own, follows
pointers, and says for each block what the files say about it (its key where the files name it,
its children in order, its display name after policy, its html body as the file's text). Where
only the platform's hashing rules would name a block (no name at all, or a second use of a
learner-state name), it leaves the id open and the comparison checks the type and the position.
A pointer to a file that does not exist is expected to be left out of its parent. A
conditional's ``<show sources>`` targets are its children where the ``<show>`` stands, as the
platform's ``ConditionalBlock`` reads them, when the course holds them (the LMS skips the others).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

# Blocks whose child elements are blocks (elsewhere child elements are the block's own markup).
PARENT_TAGS = frozenset(
    {
        "course",
        "chapter",
        "sequential",
        "vertical",
        "videosequence",
        "problemset",
        "split_test",
        "library_content",
        "conditional",
        "randomize",
        "wrapper",
    }
)
# Child elements that are settings or references, not blocks.
NOT_BLOCKS = frozenset({"wiki", "textbook", "show"})
# The types whose second use of a name the platform renames (learner state is keyed on them).
RENAMED_WHEN_REUSED = frozenset(
    {"problem", "sequential", "video", "course", "chapter", "poll_question", "vertical"}
)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)


@dataclass
class Expected:
    """What the files say about one use of a block."""

    block_type: str  # "error" when its definition file is missing
    block_id: str | None  # None when only the platform's hash would name it
    source: str
    children: list[Expected] = field(default_factory=list)
    display_name: str | None = None
    html_body: str | None = None  # the body file's exact text, when the first path holds it
    may_be_error: bool = False  # a file it reads may be absent or broken

    @property
    def key(self) -> str | None:
        return None if self.block_id is None else f"{self.block_type}/{self.block_id}"


@dataclass
class ExpectedCourse:
    org: str
    course: str
    run: str
    root: Expected
    policy: dict[str, Any]

    def walk(self) -> list[Expected]:
        found: list[Expected] = []
        stack = [self.root]
        while stack:
            block = stack.pop()
            found.append(block)
            stack.extend(reversed(block.children))
        return found


def _clean(name: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^\w.%-]", "_", name))


def _name(element: etree._Element) -> str | None:
    for attribute in ("url_name", "slug"):
        if attribute in element.attrib:
            return element.get(attribute) or None
    for attribute in ("name", "display_name"):
        if attribute in element.attrib:
            return _clean(element.get(attribute) or "") or None
    return None


def _is_pointer(element: etree._Element, name: str | None) -> bool:
    attributes = set(element.attrib) - {"slug"} | ({"url_name"} if name else set())
    wanted = {"url_name", "course", "org"} if element.tag == "course" else {"url_name"}
    return len(element) == 0 and not (element.text or "").strip() and attributes == wanted


class _Reader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.used: set[tuple[str, str]] = set()
        self.policy: dict[str, Any] = {}
        # (conditional, its children read so far, the show's targets as "type/id")
        self.shows: list[tuple[Expected, int, list[str]]] = []

    def block(self, element: etree._Element, source: str) -> Expected:
        tag = str(element.tag)
        name = _name(element)
        renamed = name is not None and tag in RENAMED_WHEN_REUSED and (tag, name) in self.used
        if name is not None:
            self.used.add((tag, name))
        if _is_pointer(element, name) and name is not None:
            if renamed:  # the renamed pointer names a file that does not exist
                return Expected("error", None, source)
            path = self.root / tag / f"{name.replace(':', '/')}.xml"
            if not path.is_file():
                return Expected("error", None, source)
            try:
                element = etree.parse(str(path), _PARSER).getroot()
            except etree.XMLSyntaxError:
                return Expected("error", None, source)
            source = str(path.relative_to(self.root))
        block_id = None if renamed else name
        expected = Expected(tag, block_id, source)
        expected.display_name = element.get("display_name")
        if tag == "html" and element.get("filename"):
            expected.may_be_error = True
            filename = element.get("filename", "")
            body = self.root / "html" / (filename if filename.endswith(".html") else f"{filename}.html")
            if body.is_file():
                expected.html_body = body.read_bytes().decode("utf-8")
                expected.may_be_error = False
        if tag != "html" and element.get("filename"):
            # ``filename=`` on any other block names its definition: ``<tag>/<filename>.xml``,
            # the element's attributes laid over the file's.
            definition = self.root / tag / f"{element.get('filename')}.xml"
            if definition.is_file():
                own = dict(element.attrib)
                element = etree.parse(str(definition), _PARSER).getroot()
                expected.display_name = own.get("display_name", element.get("display_name"))
            else:
                expected.may_be_error = True
        if tag in PARENT_TAGS:
            for child in element:
                if tag == "conditional" and child.tag == "show":
                    targets = [_target(location) for location in (child.get("sources") or "").split(";")]
                    self.shows.append((expected, len(expected.children), [t for t in targets if t]))
                elif isinstance(child.tag, str) and child.tag not in NOT_BLOCKS:
                    expected.children.append(self.block(child, source))
        return expected

    def add_show_targets(self, course: Expected) -> None:
        """Each show's targets the course holds, where the show stands (once the whole course is read)."""
        held: dict[str, Expected] = {}
        for block in [course, *_descendants(course)]:
            if block.key is not None:
                held.setdefault(block.key, block)
        for conditional, place, targets in reversed(self.shows):
            conditional.children[place:place] = [held[t] for t in targets if t in held]


def _target(location: str) -> str | None:
    """``i4x://org/course/type/id`` or ``block-v1:...+type@T+block@ID`` → ``type/id``."""
    location = location.strip()
    if location.startswith("i4x://"):
        parts = location[len("i4x://") :].split("/")
        return f"{parts[2]}/{parts[3]}" if len(parts) == 4 else None
    fields = dict(part.split("@", 1) for part in location.split("+") if "@" in part)
    return f"{fields['type']}/{fields['block']}" if "type" in fields and "block" in fields else None


def read_expected(root: Path) -> ExpectedCourse:
    """What the files of the export at ``root`` say the course holds."""
    top = etree.parse(str(root / "course.xml"), _PARSER).getroot()
    run = top.get("url_name") or top.get("slug") or ""
    reader = _Reader(root)
    policy: dict[str, Any] = {}
    for path in (root / "policies" / run / "policy.json", root / "policies" / f"{run}.json"):
        if path.is_file():
            try:
                policy = json.loads(path.read_bytes())
            except ValueError:
                policy = {}
            if policy:
                break
    course = reader.block(top, "course.xml")
    course.block_id = "course"
    reader.add_show_targets(course)
    for block in [course, *_descendants(course)]:
        entry = policy.get(f"{block.block_type}/{run if block is course else block.block_id}")
        if isinstance(entry, dict) and isinstance(entry.get("display_name"), str):
            block.display_name = entry["display_name"]
    return ExpectedCourse(top.get("org", "edx"), top.get("course", ""), run, course, policy)


def _descendants(block: Expected) -> list[Expected]:
    return [d for child in block.children for d in (child, *_descendants(child))]
