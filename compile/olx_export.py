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
import os
import re
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from .export_files import XML_PARSER, ExportFiles, OlxError
from .export_policy import PolicyFile
from .import_report import ImportProblem
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
# Deeper than any course (course > chapter > sequential > vertical > a few levels of split_test):
# beyond it, pointer files nest without end and would exhaust the stack.
_MAX_DEPTH = 64


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
    policy_source: str = ""  # policy.json:LINE of the block's entry, when it has one
    policy_keys: frozenset[str] = frozenset()  # the fields that entry sets

    @property
    def key(self) -> tuple[str, str]:
        return (self.block_type, self.block_id)

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
    problems: list[ImportProblem] = field(default_factory=list)  # every problem found, in document order

    def blocks(self) -> Iterator[OlxBlock]:
        """Every block that becomes a Learning Core entity: the outline, then detached pages."""
        yield from {id(block): block for block in self.root.walk()}.values()  # a shared block once
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
    with tempfile.TemporaryDirectory(prefix="lc-olx-") as tmp:
        _extract(path, Path(tmp))
        yield _find_course_root(Path(tmp), str(path))


def _extract(archive_path: Path, target: Path) -> None:
    """
    Unpack with tarfile's ``data`` filter: no member outside ``target``, no absolute path, no link
    pointing out, no device file. Anything it refuses, and a truncated or corrupt archive, is an
    OlxError naming the archive (and the member).
    """
    try:
        with tarfile.open(archive_path) as archive:
            archive.extractall(target, filter="data")
    except tarfile.FilterError as exc:
        member = exc.tarinfo.name
        raise OlxError(str(archive_path), f"unsafe member {member!r} refused ({exc})", key=member) from exc
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise OlxError(str(archive_path), f"not a readable .tar.gz course export ({exc})") from exc


def _find_course_root(folder: Path, name: str | None = None) -> Path:
    """The folder holding course.xml: ``folder`` or its one subfolder. Errors name ``name`` (the archive)."""
    if (folder / "course.xml").is_file():
        return folder
    # Studio's .tar.gz holds one top folder (``course/``) with course.xml inside.
    candidates = sorted(p.parent for p in folder.glob("*/course.xml"))
    if len(candidates) == 1:
        return candidates[0]
    raise OlxError(name or str(folder), "no course.xml found (expected an OLX course export)")


def read_course_export(root: Path) -> OlxCourse:
    """Parse a whole export folder; raises :class:`OlxError` at the first problem."""
    return _ExportReader(root).read()


class _ExportReader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = ExportFiles(root)
        self.seen: dict[tuple[str, str], str] = {}
        self.depth = 0

    def rel(self, path: Path) -> str:
        return self.files.rel(path)

    def where(self, element: etree._Element, path: Path) -> str:
        return f"{self.rel(path)}:{element.sourceline or 0}"

    # --- the course ----------------------------------------------------------------------------

    def read(self) -> OlxCourse:
        course_xml = self.root / "course.xml"
        top = self.files.parse_xml(course_xml, str(self.root))
        if top.tag != "course":
            raise OlxError(self.where(top, course_xml), f"expected <course>, found <{top.tag}>")
        org, number = top.get("org"), top.get("course")
        run = top.get("url_name") or top.get("slug")
        if not (org and number and run):
            raise OlxError(self.where(top, course_xml), "<course> needs org, course and url_name attributes")
        if not _BLOCK_ID.match(run):
            raise OlxError(
                self.where(top, course_xml), f"url_name {run!r} is not a valid run", key="url_name"
            )
        notes: list[str] = []
        drafts = self.root / "drafts"
        if drafts.is_dir():
            count = sum(len(files) for _, _, files in os.walk(drafts))  # links not followed
            notes.append(f"drafts/ ignored ({count} files): only published content is imported")

        policy_dir = self.root / "policies" / run
        policies = PolicyFile(self.files, policy_dir / "policy.json")
        grading_path = policy_dir / "grading_policy.json"
        grading = self.files.read_json(grading_path, self.rel(policy_dir)) if grading_path.is_file() else {}
        if not isinstance(grading, dict):
            raise OlxError(self.rel(grading_path), "expected a JSON object (the grading policy)")

        root = self.read_block(top, course_xml, run)
        root.block_id = "course"  # Split's root is always course/course; the run lives in the course key.
        detached = self.read_detached(policies)
        blocks = {(b.block_type, b.block_id): b for b in root.walk()}
        self.apply_policies(policies, blocks, run, root)
        return OlxCourse(org, number, run, root, detached, grading, notes)

    def read_block(self, element: etree._Element, path: Path, default_id: str | None = None) -> OlxBlock:
        """One block from its element, following a pointer tag to its own file."""
        tag = element.tag
        if not isinstance(tag, str) or not _BLOCK_TAG.match(tag):
            raise OlxError(self.where(element, path), f"<{tag}> is not a valid block type")
        if self.depth >= _MAX_DEPTH:
            raise OlxError(self.where(element, path), f"blocks nested more than {_MAX_DEPTH} levels deep")
        self.depth += 1
        try:
            if _is_pointer(element):
                url_name = element.get("url_name", "")
                self.check_url_name(url_name, self.where(element, path))
                file = self.root / tag / f"{url_name.replace(':', '/')}.xml"
                body = self.files.parse_xml(file, self.where(element, path))
                if body.tag != tag:
                    raise OlxError(self.where(body, file), f"expected <{tag}>, found <{body.tag}>")
                return self.read_definition(body, file, url_name)
            url_name = element.get("url_name") or default_id or _generated_id(element)
            return self.read_definition(element, path, url_name)
        finally:
            self.depth -= 1

    @staticmethod
    def check_url_name(url_name: str, where: str) -> None:
        if not _BLOCK_ID.match(url_name):
            raise OlxError(where, f"url_name {url_name!r} is not a valid block id", key=url_name)

    def read_definition(self, element: etree._Element, path: Path, url_name: str) -> OlxBlock:
        tag = element.tag
        where = self.where(element, path)
        self.check_url_name(url_name, where)
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
        where = self.where(original, path)
        if not self.files.is_file(body_path, where):
            raise OlxError(
                where, f"filename points to {self.rel(body_path)}, which does not exist", key=filename
            )
        _set_body(element, self.files.xml_text(body_path, where))
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

    def apply_policies(
        self, policies: PolicyFile, blocks: dict[tuple[str, str], OlxBlock], run: str, root: OlxBlock
    ) -> None:
        blocks[("course", run)] = root
        for key, values in policies.entries.items():
            block_type, _, url_name = key.partition("/")
            target = blocks.get((block_type, url_name))
            if target is None:
                raise OlxError(
                    policies.where(key), f"policy for {key!r}, but the course has no such block", key=key
                )
            target.policy_source = policies.where(key)
            target.policy_keys = frozenset(values)
            if target.is_container:
                target.policy = dict(values)
                continue
            # A component carries everything in its block.xml: policy values become attributes.
            for name, value in values.items():
                target.element.set(name, value if isinstance(value, str) else json.dumps(value))

    def read_detached(self, policies: PolicyFile) -> list[OlxBlock]:
        detached: list[OlxBlock] = []
        for page in self.files.pages(self.root / "about"):
            detached.append(self.page("about", page.stem, page))
        info = self.root / "info"
        for page in self.files.pages(info):
            block = self.page("course_info", page.stem, page)
            items = info / f"{page.stem}.items.json"
            if self.files.is_file(items, self.rel(page)):
                block.element.set("items", json.dumps(self.files.read_json(items, self.rel(page))))
            detached.append(block)
        tab_settings = policies.static_tabs()
        for page in self.files.pages(self.root / "tabs"):
            block = self.page("static_tab", page.stem, page)
            tab = tab_settings.get(page.stem, {})
            if tab.get("name"):
                block.element.set("display_name", str(tab["name"]))
            if "course_staff_only" in tab:
                block.element.set("course_staff_only", json.dumps(bool(tab["course_staff_only"])))
            detached.append(block)
        return detached

    def page(self, block_type: str, block_id: str, path: Path) -> OlxBlock:
        self.check_url_name(block_id, self.rel(path))
        element = etree.Element(block_type)
        _set_body(element, self.files.xml_text(path, self.rel(path)))
        return OlxBlock(block_type, block_id, element, self.rel(path))


def _set_body(element: etree._Element, text: str) -> None:
    """The body as CDATA, as Studio writes it; as plain (escaped) text when it holds ``]]>`` itself."""
    element.text = etree.CDATA(text) if "]]>" not in text else text


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
    copied = etree.fromstring(etree.tostring(element), XML_PARSER)
    copied.tail = None
    return copied


def _with_url_name(block: OlxBlock) -> etree._Element:
    element = _copy(block.element)
    element.set("url_name", block.block_id)
    for child in block.children:
        element.append(_with_url_name(child))
    return element
