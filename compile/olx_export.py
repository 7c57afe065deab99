"""
Read a Studio OLX course export into one in-memory tree, before anything touches a database.

Everything that can be wrong with an export (broken XML, a pointer to a missing file, a policy
for a block that does not exist) is found here, so an import either has a complete, consistent
course to write or stops with an error that names the file and line, having written nothing.

The reader resolves what Studio spreads over many files: pointer tags (``<chapter url_name="x"/>``
whose body is ``chapter/x.xml``), html ``filename`` bodies, ``policies/<run>/policy.json`` overrides,
and the detached pages (``about/``, ``info/``, ``tabs/``). What comes out is one element per block,
self-contained, ready to become a Learning Core component's ``block.xml`` or a container's settings.
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from .vocabulary import BLOCK_TYPES_WITH_CHILDREN, CONTAINER_TYPES, NON_BLOCK_CHILDREN

__all__ = [
    "OlxBlock",
    "OlxCourse",
    "OlxError",
    "olx_export_folder",
    "read_course_export",
    "serialize_element",
]

_BLOCK_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
# A block id in a usage key: opaque-keys accepts these characters.
_BLOCK_ID = re.compile(r"^[\w\-~.:]+$", re.UNICODE)
_XML_PARSER = etree.XMLParser(strip_cdata=False, remove_blank_text=False, resolve_entities=False)


class OlxError(ValueError):
    """An export that cannot be imported, with the file (and line, when known) to look at."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass(slots=True)
class OlxBlock:
    """
    One block of the course, fully resolved.

    ``element`` holds everything the block says about itself. For containers (course, chapter,
    sequential, vertical) its block children are removed and listed in ``children`` instead; for
    every other block it is the complete OLX, inline children of split_test/library_content/...
    included (with their own ``url_name``), which is what its ``block.xml`` stores.
    """

    block_type: str
    block_id: str
    element: etree._Element
    source: str
    children: list[OlxBlock] = field(default_factory=list)
    policy: dict[str, Any] = field(default_factory=dict)

    @property
    def is_container(self) -> bool:
        return self.block_type in CONTAINER_TYPES

    @property
    def display_name(self) -> str:
        name = self.policy.get("display_name", self.element.get("display_name"))
        return name if isinstance(name, str) and name else self.block_id

    def walk(self) -> Iterator[OlxBlock]:
        """This block and its container descendants, parents before children, in OLX order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(slots=True)
class OlxCourse:
    org: str
    course: str
    run: str
    root: OlxBlock
    detached: list[OlxBlock]
    grading_policy: dict[str, Any]
    notes: list[str]

    def blocks(self) -> Iterator[OlxBlock]:
        """Every block that becomes a Learning Core entity: the outline, then detached pages."""
        yield from self.root.walk()
        yield from self.detached


def serialize_element(element: etree._Element) -> str:
    """OLX text as stored in ``block.xml``: unicode, so non-ASCII characters stay literal."""
    text: str = etree.tostring(element, encoding="unicode", with_tail=False)
    return text


@contextmanager
def olx_export_folder(path: Path) -> Iterator[Path]:
    """The export's root folder (the one holding ``course.xml``), unpacking a ``.tar.gz`` if given one."""
    if path.is_dir():
        yield _find_course_root(path)
        return
    if not path.is_file():
        raise OlxError(str(path), "no such file or folder")
    try:
        with tempfile.TemporaryDirectory(prefix="lc-olx-") as tmp, tarfile.open(path) as archive:
            archive.extractall(tmp, filter="data")
            yield _find_course_root(Path(tmp))
    except tarfile.TarError as exc:
        raise OlxError(str(path), f"not a readable .tar.gz course export ({exc})") from exc


def _find_course_root(folder: Path) -> Path:
    if (folder / "course.xml").is_file():
        return folder
    # Studio's .tar.gz holds one top folder (``course/``) with course.xml inside.
    candidates = sorted(p.parent for p in folder.glob("*/course.xml"))
    if len(candidates) == 1:
        return candidates[0]
    raise OlxError(str(folder), "no course.xml found (expected an OLX course export)")


def read_course_export(root: Path) -> OlxCourse:
    """Parse a whole export folder; raises :class:`OlxError` at the first problem."""
    return _ExportReader(root).read()


class _ExportReader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.seen: dict[tuple[str, str], str] = {}

    # --- files -------------------------------------------------------------------------------

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def parse_file(self, path: Path, referrer: str) -> etree._Element:
        if not path.is_file():
            raise OlxError(referrer, f"points to {self.rel(path)}, which does not exist")
        try:
            return etree.parse(str(path), _XML_PARSER).getroot()
        except etree.XMLSyntaxError as exc:
            line = exc.lineno or 0
            raise OlxError(f"{self.rel(path)}:{line}", f"malformed XML: {exc.msg}") from exc

    def read_json(self, path: Path) -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise OlxError(f"{self.rel(path)}:{exc.lineno}", f"malformed JSON: {exc.msg}") from exc

    def where(self, element: etree._Element, path: Path) -> str:
        return f"{self.rel(path)}:{element.sourceline or 0}"

    # --- the course ----------------------------------------------------------------------------

    def read(self) -> OlxCourse:
        course_xml = self.root / "course.xml"
        top = self.parse_file(course_xml, str(self.root))
        if top.tag != "course":
            raise OlxError(self.where(top, course_xml), f"expected <course>, found <{top.tag}>")
        org, number = top.get("org"), top.get("course")
        run = top.get("url_name") or top.get("slug")
        if not (org and number and run):
            raise OlxError(self.where(top, course_xml), "<course> needs org, course and url_name attributes")
        notes: list[str] = []
        drafts = self.root / "drafts"
        if drafts.is_dir():
            count = sum(1 for p in drafts.rglob("*") if p.is_file())
            notes.append(f"drafts/ ignored ({count} files): only published content is imported")

        policy_dir = self.root / "policies" / run
        policies = self.read_policies(policy_dir / "policy.json")
        grading_path = policy_dir / "grading_policy.json"
        grading = self.read_json(grading_path) if grading_path.is_file() else {}

        root = self.read_block(top, course_xml, run)
        root.block_id = "course"  # Split's root is always course/course; the run lives in the course key.
        detached = self.read_detached(policies)
        blocks = {(b.block_type, b.block_id): b for b in root.walk()}
        self.apply_policies(policies, blocks, policy_dir / "policy.json", run, root)
        return OlxCourse(org, number, run, root, detached, grading, notes)

    def read_block(self, element: etree._Element, path: Path, default_id: str | None = None) -> OlxBlock:
        """One block from its element, following a pointer tag to its own file."""
        tag = element.tag
        if not isinstance(tag, str) or not _BLOCK_TAG.match(tag):
            raise OlxError(self.where(element, path), f"<{tag}> is not a valid block type")
        if _is_pointer(element):
            url_name = element.get("url_name", "")
            file = self.root / tag / f"{url_name.replace(':', '/')}.xml"
            body = self.parse_file(file, self.where(element, path))
            if body.tag != tag:
                raise OlxError(self.where(body, file), f"expected <{tag}>, found <{body.tag}>")
            return self.read_definition(body, file, url_name)
        url_name = element.get("url_name") or default_id or _generated_id(element)
        return self.read_definition(element, path, url_name)

    def read_definition(self, element: etree._Element, path: Path, url_name: str) -> OlxBlock:
        tag = element.tag
        where = self.where(element, path)
        if not _BLOCK_ID.match(url_name):
            raise OlxError(where, f"url_name {url_name!r} is not a valid block id")
        previous = self.seen.setdefault((tag, url_name), where)
        if previous is not where:
            # Split gives every block one parent: a block used twice cannot be served.
            raise OlxError(where, f"{tag}/{url_name} appears twice in the course (first at {previous})")
        if tag in CONTAINER_TYPES:
            children = [
                self.read_block(child, path)
                for child in element
                if isinstance(child.tag, str) and child.tag not in NON_BLOCK_CHILDREN
            ]
            own = _copy(element)
            for child in list(own):
                if not isinstance(child.tag, str) or child.tag not in NON_BLOCK_CHILDREN:
                    own.remove(child)
            own.attrib.pop("url_name", None)
            return OlxBlock(tag, url_name, own, where, children)
        own = _copy(element)
        own.attrib.pop("url_name", None)
        self.inline_file_body(own, element, path)
        if tag in BLOCK_TYPES_WITH_CHILDREN:
            self.inline_children(own, element, path)
        return OlxBlock(tag, url_name, own, where)

    def inline_file_body(self, element: etree._Element, original: etree._Element, path: Path) -> None:
        """An html block's ``filename`` names the file with its body: move the body into the element."""
        filename = element.attrib.pop("filename", None)
        if filename is None or element.tag != "html":
            if filename is not None:
                element.set("filename", filename)
            return
        name = filename if filename.endswith(".html") else f"{filename}.html"
        body_path = self.root / "html" / name
        if not body_path.is_file():
            raise OlxError(
                self.where(original, path), f"filename points to {self.rel(body_path)}, which does not exist"
            )
        element.text = etree.CDATA(body_path.read_text(encoding="utf-8"))
        for child in list(element):
            element.remove(child)

    def inline_children(self, element: etree._Element, original: etree._Element, path: Path) -> None:
        """Replace the children of a split_test/library_content/... with their full, resolved elements."""
        for child in list(element):
            if child.tag not in NON_BLOCK_CHILDREN:
                element.remove(child)
        for child in original:
            if isinstance(child.tag, str) and child.tag not in NON_BLOCK_CHILDREN:
                # A vertical inside a split_test keeps its own children inline too.
                element.append(_with_url_name(self.read_block(child, path)))

    # --- policies and detached pages ---------------------------------------------------------

    def read_policies(self, path: Path) -> dict[str, Any]:
        if not path.is_file():
            return {}
        policies = self.read_json(path)
        if not isinstance(policies, dict) or not all(isinstance(v, dict) for v in policies.values()):
            raise OlxError(self.rel(path), 'expected {"type/url_name": {field: value}}')
        return policies

    def apply_policies(
        self,
        policies: dict[str, Any],
        blocks: dict[tuple[str, str], OlxBlock],
        path: Path,
        run: str,
        root: OlxBlock,
    ) -> None:
        blocks[("course", run)] = root
        for key, values in policies.items():
            block_type, _, url_name = key.partition("/")
            target = blocks.get((block_type, url_name))
            if target is None:
                line = _line_of(path, f'"{key}"')
                raise OlxError(
                    f"{self.rel(path)}:{line}", f"policy for {key!r}, but the course has no such block"
                )
            if target.is_container:
                target.policy = dict(values)
                continue
            # A component carries everything in its block.xml: policy values become attributes.
            for name, value in values.items():
                target.element.set(name, value if isinstance(value, str) else json.dumps(value))

    def read_detached(self, policies: dict[str, Any]) -> list[OlxBlock]:
        detached: list[OlxBlock] = []
        about = self.root / "about"
        for page in sorted(about.glob("*.html")) if about.is_dir() else []:
            detached.append(self.page("about", page.stem, page))
        info = self.root / "info"
        for page in sorted(info.glob("*.html")) if info.is_dir() else []:
            block = self.page("course_info", page.stem, page)
            items = info / f"{page.stem}.items.json"
            if items.is_file():
                block.element.set("items", json.dumps(self.read_json(items)))
            detached.append(block)
        tabs = self.root / "tabs"
        run_policy: dict[str, Any] = next((v for k, v in policies.items() if k.startswith("course/")), {})
        tab_settings = {
            t.get("url_slug"): t for t in run_policy.get("tabs", []) if t.get("type") == "static_tab"
        }
        for page in sorted(tabs.glob("*.html")) if tabs.is_dir() else []:
            block = self.page("static_tab", page.stem, page)
            tab = tab_settings.get(page.stem, {})
            if tab.get("name"):
                block.element.set("display_name", tab["name"])
            if "course_staff_only" in tab:
                block.element.set("course_staff_only", json.dumps(bool(tab["course_staff_only"])))
            detached.append(block)
        return detached

    def page(self, block_type: str, block_id: str, path: Path) -> OlxBlock:
        element = etree.Element(block_type)
        element.text = etree.CDATA(path.read_text(encoding="utf-8"))
        return OlxBlock(block_type, block_id, element, self.rel(path))


def _is_pointer(element: etree._Element) -> bool:
    """Studio's pointer form: only identity attributes, no body (edx-platform's rule)."""
    expected = {"url_name", "course", "org"} if element.tag == "course" else {"url_name"}
    has_text = bool(element.text and element.text.strip())
    return len(element) == 0 and set(element.attrib) == expected and not has_text


def _generated_id(element: etree._Element) -> str:
    """A stable id for a hand-written inline block without ``url_name``: derived from its content."""
    digest = hashlib.blake2b(etree.tostring(element), digest_size=10).hexdigest()
    return f"{element.tag}_{digest}"


def _copy(element: etree._Element) -> etree._Element:
    copied = etree.fromstring(etree.tostring(element), _XML_PARSER)
    copied.tail = None
    return copied


def _with_url_name(block: OlxBlock) -> etree._Element:
    element = _copy(block.element)
    element.set("url_name", block.block_id)
    for child in block.children:
        element.append(_with_url_name(child))
    return element


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    return 0
