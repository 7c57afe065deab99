# Over 400 lines: Open edX's reading rules for each part of an export, on the one reader sharing their state.
"""
Read an OLX course export into one in-memory tree, the way Open edX's importer reads it.

A course Open edX imports must import here, with the same block ids (learner state is keyed on
them) and the same outcome for what cannot be read (``docs/IMPORT_RULES.md``). So the reader
follows the platform's rules, not tidier ones of its own: names come from ``url_name``, ``slug``,
``name`` or ``display_name`` or a hash of the element (:mod:`compile.naming`); a second use of a
learner-state block is renamed, any other block listed twice is shared by its parents; a block
whose file is missing or broken is left out of its parent as Studio's import leaves it (or becomes
an error block, :mod:`compile.error_blocks`, in ``XMLModuleStore``'s default mode) and the rest of
the course is read; broken policy JSON falls back to the defaults (:mod:`compile.lenient_json`);
legacy file layouts resolve (:mod:`compile.html_paths`). Every such problem is recorded in
``OlxCourse.problems`` (file, line, block, what was done), all of them at once.

What stays a refusal (:class:`OlxError`) is what Open edX cannot load either (a ``course.xml``
that is no course) and what this project refuses for safety or storage: a path or symlink leading
out of the export, DTD entities, a cycle, nesting without end, names no column holds.

What comes out is one element per block, self-contained, ready to become a Learning Core
component's ``block.xml`` or a container's settings, with bodies exactly as their files hold them.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from lxml import etree

from .error_blocks import error_block_fields, missing_body_error, missing_definition_error
from .export_files import (
    DEFAULT_LIMITS,
    ExportFiles,
    ExportLimits,
    OlxError,
    OlxUnreadable,
    json_strings,
    unencodable_problem,
    xml_text_problem,
)
from .export_policy import PolicyFile
from .html_paths import definition_candidates, html_body_candidates, read_body, resolve_inside
from .import_report import ERROR, NOTE, WARNING, ImportProblem, Severity
from .lenient_json import (
    JsonWarning,
    PolicyShapeError,
    grading_policy_paths,
    policy_paths,
    read_grading_policy,
    read_policy,
)
from .lenient_json import (
    PolicyFile as LenientFile,
)
from .naming import (
    BlockNamer,
    NamingOutcome,
    clean_name,
    is_pointer_after_naming,
    naming_text,
    platform_parser,
)
from .vocabulary import BLOCK_TYPES_WITH_CHILDREN, CONTAINER_TYPES, ERROR_TYPE, NON_BLOCK_CHILDREN

__all__ = [
    "DEFAULT_LIMITS",
    "ArchiveLimits",
    "ExportLimits",
    "OlxBlock",
    "OlxCourse",
    "OlxError",
    "XmlFilename",
    "olx_export_folder",
    "read_course_export",
    "serialize_element",
]

# ``[path, name]`` as ``XmlMixin.parse_xml`` records a block's source: ``[p, p]`` for a pointer to
# ``p``, ``["", None]`` for an element read where it stands, ``[p, name]`` for one whose
# ``filename="name"`` was read from ``p``.
type XmlFilename = tuple[str, str | None]
INLINE: Final[XmlFilename] = ("", None)

_BLOCK_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
# A block id in a usage key: opaque-keys accepts these characters.
_BLOCK_ID = re.compile(r"^[\w\-~.:]+$", re.UNICODE)
# Deeper than any course (course > chapter > sequential > vertical > a few levels of split_test):
# beyond it, pointer files nest without end and would exhaust the stack.
_MAX_DEPTH = 64
# Parents whose loader catches a child's failure and goes on without it when Studio imports
# (``load_error_blocks=False``): SequenceBlock's (course, chapter, sequential), VerticalBlock's,
# SplitTestBlock's and ConditionalBlock's ``definition_from_xml``. Item banks catch only XML
# syntax errors of their own, so a broken child fails them as a whole.
_LEAVE_OUT_BROKEN_CHILDREN: Final = CONTAINER_TYPES | {"split_test", "conditional"}
# Extra content (XMLModuleStore._load_extra_content): folder → block type.
_EXTRA_CONTENT = (("about", "about"), ("info", "course_info"), ("tabs", "static_tab"))


@dataclass(slots=True, eq=False)
class OlxBlock:
    """
    One block of the course, fully resolved.

    ``element`` holds everything the block says about itself. For containers (course, chapter,
    sequential, vertical) its block children are removed and listed in ``children`` instead; for
    every other block it is the complete OLX, inline children of split_test/library_content/...
    included (with their own ``url_name``), which is what its ``block.xml`` stores. A shared block
    (rule S1) is one object listed in the ``children`` of each of its parents.
    """

    block_type: str
    block_id: str
    element: etree._Element
    source: str
    children: list[OlxBlock] = field(default_factory=list)
    policy: dict[str, Any] = field(default_factory=dict)
    policy_source: str = ""  # policy.json:LINE of the block's entry, when it has one
    policy_keys: frozenset[str] = frozenset()  # the fields that entry sets
    # The file each block of this element was read from, as Open edX's reader records it in
    # ``xml_attributes["filename"]`` ("type/id" -> :data:`XmlFilename`): the block's own, and for a
    # block kept whole with its inline children (split_test, ...) each child's too.
    xml_filenames: dict[str, XmlFilename] = field(default_factory=dict)

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

    def replace_with(self, other: OlxBlock) -> None:
        """Take ``other``'s definition, keeping this object (and so every parent's reference to it)."""
        self.element, self.source, self.children = other.element, other.source, other.children
        self.policy, self.policy_source, self.policy_keys = (
            other.policy,
            other.policy_source,
            other.policy_keys,
        )
        self.xml_filenames = other.xml_filenames


@dataclass(slots=True)
class OlxCourse:
    org: str
    course: str
    run: str
    root: OlxBlock
    detached: list[OlxBlock]
    grading_policy: dict[str, Any]
    # Every problem the reader found, in document order (the import report).
    problems: list[ImportProblem] = field(default_factory=list)

    def blocks(self) -> Iterator[OlxBlock]:
        """
        Every block that becomes a Learning Core entity, once each: the outline (a shared block,
        one object under each parent, at its first use), then detached pages.
        """
        yield from {id(block): block for block in self.root.walk()}.values()
        yield from self.detached


def serialize_element(element: etree._Element) -> str:
    """OLX text as stored in ``block.xml``: unicode, so non-ASCII characters stay literal."""
    text: str = etree.tostring(element, encoding="unicode", with_tail=False)
    return text


# The name the archive limits were first given (the importer builds them under it).
ArchiveLimits = ExportLimits


@contextmanager
def olx_export_folder(path: Path, limits: ExportLimits = DEFAULT_LIMITS) -> Iterator[Path]:
    """The export's root folder (the one holding ``course.xml``), unpacking a ``.tar.gz`` if given one."""
    if path.is_dir():
        root = _find_course_root(path)
        _count_members(root, limits)
        yield root
        return
    if not path.is_file():
        raise OlxError(str(path), "no such file or folder")
    with tempfile.TemporaryDirectory(prefix="lc-olx-") as tmp:
        _extract(path, Path(tmp), limits)
        yield _find_course_root(Path(tmp), str(path))


def _count_members(root: Path, limits: ExportLimits) -> None:
    """
    A folder export holds no more files and folders than an archive may (``max_members``),
    counted before anything is read, without following links, stopping at the first one over.
    """
    count = 0
    folders = [root]
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except OSError:
            continue  # reported by whoever reads that folder
        for entry in entries:
            count += 1
            if count > limits.max_members:
                raise OlxError(
                    str(root),
                    f"holds more than {limits.max_members:,} files and folders"
                    " (LC_MODULESTORE_ARCHIVE_MAX_MEMBERS); refusing to import it",
                    key=os.path.relpath(entry.path, root),
                )
            if entry.is_dir(follow_symlinks=False):
                folders.append(Path(entry.path))


def _extract(archive_path: Path, target: Path, limits: ExportLimits) -> None:
    """
    Unpack with tarfile's ``data`` filter: no member outside ``target``, no absolute path, no link
    pointing out, no device file; and no more than ``limits`` allow, counted from each member's
    header before it is written. Anything refused, and a truncated or corrupt archive, is an
    OlxError naming the archive (and the member); the caller's temporary folder is then removed.
    """
    unpacked = {"bytes": 0, "members": 0}

    def within_limits(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
        unpacked["members"] += 1
        unpacked["bytes"] += member.size
        if unpacked["members"] > limits.max_members:
            raise OlxError(
                str(archive_path),
                f"holds more than {limits.max_members:,} members (LC_MODULESTORE_ARCHIVE_MAX_MEMBERS);"
                " refusing to unpack it",
                key=member.name,
            )
        if unpacked["bytes"] > limits.max_bytes:
            raise OlxError(
                str(archive_path),
                f"unpacks to more than {limits.max_bytes:,} bytes (at {member.name!r};"
                " LC_MODULESTORE_ARCHIVE_MAX_BYTES); refusing to unpack it",
                key=member.name,
            )
        return tarfile.data_filter(member, dest)

    try:
        with tarfile.open(archive_path) as archive:
            archive.extractall(target, filter=within_limits)
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


def read_course_export(
    root: Path, limits: ExportLimits = DEFAULT_LIMITS, *, error_blocks: bool = False
) -> OlxCourse:
    """
    Parse a whole export folder. Problems Open edX survives are in ``problems``; raises
    :class:`OlxError` only for a course that cannot be imported at all (or past ``limits``).

    A block that cannot be read is left out of its parent, as Studio's import leaves it
    (``load_error_blocks=False``), or with ``error_blocks`` becomes an error block in its place, as
    ``XMLModuleStore`` does by default; either way ``problems`` names it.
    """
    return _ExportReader(root, limits, error_blocks=error_blocks).read()


class _Unreadable(Exception):
    """One use of an element cannot be loaded (rule E1): left out, or an error block in its place."""

    def __init__(self, message: str, where: str, key: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.key = key


class _ExportReader:
    def __init__(
        self, root: Path, limits: ExportLimits = DEFAULT_LIMITS, *, error_blocks: bool = False
    ) -> None:
        self.root = root
        self.limits = limits
        self.error_blocks = error_blocks
        self.files = ExportFiles(root, limits.max_file_bytes)
        self.uses = 0  # block uses read so far (limits.max_blocks)
        self.parser = platform_parser()
        self.namer = BlockNamer()
        self.problems: list[ImportProblem] = []
        # Every block read so far, by key: a later use of a shared key is the same object (S1).
        self.blocks: dict[tuple[str, str], OlxBlock] = {}
        self.reading: list[tuple[str, str]] = []  # the uses being read, outermost first (cycles)
        self.policies: PolicyFile = PolicyFile(self.files, None, {})
        self.unusable: frozenset[str] = frozenset()
        self.looked_up: set[str] = set()
        self.org = self.number = ""

    def rel(self, path: Path) -> str:
        return self.files.rel(path)

    def where(self, element: etree._Element, path: Path) -> str:
        return f"{self.rel(path)}:{element.sourceline or 0}"

    def report(self, severity: Severity, where: str, key: str, message: str, action: str) -> None:
        file, _, line = where.rpartition(":")
        if not (file and line.isdigit()):
            file, line = where, "0"
        self.problems.append(ImportProblem(severity, file, int(line), key, message, action))

    # --- the course ----------------------------------------------------------------------------

    def read(self) -> OlxCourse:
        course_xml = self.root / "course.xml"
        try:
            top = self.files.parse_xml(course_xml, str(self.root), self.parser)
        except OlxUnreadable as exc:  # without its course element, nothing of the course loads
            raise OlxError(exc.where, exc.message, key=exc.key) from exc
        where = self.where(top, course_xml)
        if top.tag != "course":
            raise OlxError(where, f"expected <course>, found <{top.tag}>")
        self.org = self.course_attribute(top, "org", "edx", where)
        self.number = self.course_attribute(top, "course", self.root.name, where)
        run, has_policy = self.course_run(top, where)
        drafts = self.root / "drafts"
        if drafts.is_dir():
            count = sum(len(files) for _, _, files in os.walk(drafts))  # links not followed
            self.report(
                NOTE, "drafts", "", f"drafts/ ignored ({count} files)", "only published content is imported"
            )
        if has_policy:
            self.read_policies(run)
        grading = self.read_grading(run if has_policy else None)
        try:
            root = self.read_use(top, course_xml)
        except _Unreadable as exc:  # the course element itself: Open edX cannot load the course either
            raise OlxError(exc.where, exc.message, key=exc.key) from exc
        if root.block_type == ERROR_TYPE:
            problem = self.problems[-1]
            raise OlxError(problem.where, problem.message, key=problem.key)
        # Split's root is always course/course; the run lives in the course key.
        root.xml_filenames = {"course/course": root.xml_filenames[f"course/{root.block_id}"]}
        root.block_id = "course"
        detached = self.read_detached(run)
        for key in self.policies.entries:
            if key not in self.looked_up:
                self.report(
                    NOTE,
                    self.policies.where(key),
                    key,
                    f"policy for {key!r}, but the course has no such block",
                    "ignored, as Open edX ignores it",
                )
        return OlxCourse(self.org, self.number, run, root, detached, grading, self.problems)

    def course_attribute(self, top: etree._Element, name: str, default: str, where: str) -> str:
        """``org`` and ``course`` (rule C1): missing, the platform's default and a warning."""
        value = top.get(name)
        if value:
            return str(value)
        self.report(
            WARNING,
            where,
            "",
            f"no {name!r} attribute set for the course",
            f"using {default!r}, as Open edX does",
        )
        return default

    def course_run(self, top: etree._Element, where: str) -> tuple[str, bool]:
        """The run (rule C2) and whether the course's policy files are read (not for ``name=``)."""
        if "url_name" in top.attrib or "slug" in top.attrib:
            run, has_policy = top.get("url_name", top.get("slug", "")), True
        elif "name" in top.attrib:
            run, has_policy = clean_name(top.get("name", "")), False
            self.report(
                NOTE,
                where,
                "",
                "'name' is deprecated for block xml. Please use display_name and url_name.",
                f"run {run!r} taken from name=; no policy file is read for it, as in Open edX",
            )
        else:
            raise OlxError(
                where,
                "Can't load a course without a 'url_name' (or 'name') set. Set url_name.",
                key="url_name",
            )
        if not _BLOCK_ID.match(run):
            raise OlxError(where, f"url_name {run!r} is not a valid run", key="url_name")
        return run, has_policy

    # --- policies (P1-P5) ----------------------------------------------------------------------

    def read_policies(self, run: str) -> None:
        found = self.lenient(policy_paths(run), lambda: read_policy(self.root, run))
        self.policies = PolicyFile(self.files, found.source, found.value)
        self.unusable = frozenset(found.unusable)

    def read_grading(self, run: str | None) -> dict[str, Any]:
        """
        The grading policy as Split stores it: the file's keys over the default (P3). A string
        no database can store (a lone surrogate) refuses the import, as such a policy value does.
        """
        found = self.lenient(grading_policy_paths(run), lambda: read_grading_policy(self.root, run))
        for text in json_strings(found.value):
            problem = unencodable_problem(text)
            if problem is not None:
                raise OlxError(found.source or "grading_policy.json", f"{text!r:.60} {problem}")
        return found.value

    def lenient(self, relatives: tuple[str, ...], read: Callable[[], LenientFile]) -> LenientFile:
        """
        A policy file read leniently (its warnings reported); a wrong shape is still a refusal
        (P5), and so is a file too big to read: Open edX would read it, so ignoring it would
        import another course than Open edX's.
        """
        self.check_inside(relatives)
        for relative in relatives:
            path = self.root / relative
            if path.is_file():
                try:
                    self.files.check_size(path, relative)
                except OlxUnreadable as exc:
                    raise OlxError(exc.where, f"{exc.message}; refusing to import", key=exc.key) from exc
        try:
            found = read()
        except PolicyShapeError as exc:
            raise OlxError(exc.where, exc.message) from exc
        except RecursionError as exc:
            raise OlxError(relatives[0], "malformed JSON: nested too deeply") from exc
        self.report_json(found.warnings)
        return found

    def check_inside(self, relatives: tuple[str, ...]) -> None:
        """A policy file that leads out of the export is refused before it is read."""
        for relative in relatives:
            path = self.root / relative
            if path.exists() or path.is_symlink():
                self.files.inside(path, relative)

    def report_json(self, warnings: tuple[JsonWarning, ...]) -> None:
        for warning in warnings:
            message, _, action = warning.message.partition("; ")
            self.report(WARNING, warning.where, "", message, action)

    def apply_policy(self, block: OlxBlock) -> None:
        """The block's policy entry (P4): container fields, or attributes of a component's OLX."""
        key = f"{block.block_type}/{block.block_id}"
        values = self.policies.entries.get(key)
        self.looked_up.add(key)
        if values is None:
            return
        block.policy_source = self.policies.where(key)
        block.policy_keys = frozenset(values)
        if block.is_container:
            block.policy = dict(values)
            return
        for name, value in values.items():
            block.element.set(name, value if isinstance(value, str) else json.dumps(value))

    # --- one use of an element -----------------------------------------------------------------

    def read_use(self, element: etree._Element, path: Path) -> OlxBlock:
        """
        One use of an element, named in the platform's order. When it cannot load: an error block,
        or (Studio's mode) :class:`_Unreadable` naming it, for its parent's loader to decide.
        """
        tag = element.tag
        where = self.where(element, path)
        if not isinstance(tag, str) or not _BLOCK_TAG.match(tag):
            raise OlxError(where, f"<{tag}> is not a valid block type")
        if len(self.reading) >= _MAX_DEPTH:
            raise OlxError(where, f"blocks nested more than {_MAX_DEPTH} levels deep")
        self.uses += 1
        if self.uses > self.limits.max_blocks:
            raise OlxError(
                where,
                f"the course has more than {self.limits.max_blocks:,} blocks (each use of a shared one"
                " counted; LC_MODULESTORE_IMPORT_MAX_BLOCKS); refusing to import it",
            )
        text = naming_text(element)
        if tag == ERROR_TYPE:
            return self.error_block(text, "", where, f"{tag}/?")  # an exported error block (E4)
        outcome = self.namer.name(tag, dict(element.attrib), text)
        key = (tag, outcome.url_name)
        for note in outcome.notes:
            self.report(
                WARNING if outcome.renamed_from else NOTE,
                where,
                f"{tag}/{outcome.url_name}",
                note,
                "renamed" if outcome.renamed_from else "named from a hash",
            )
        if key in self.reading:
            chain = " → ".join(f"{t}/{i}" for t, i in self.reading[self.reading.index(key) :])
            raise OlxError(
                where, f"{tag}/{outcome.url_name} contains itself: {chain} → {tag}/{outcome.url_name}"
            )
        self.reading.append(key)
        try:
            block = self.read_definition(element, path, outcome)
        except _Unreadable as exc:
            if not self.error_blocks:
                exc.key = exc.key or f"{tag}/{outcome.url_name}"
                raise  # the parent's loader decides (read_children)
            return self.error_block(text, exc.message, exc.where, f"{tag}/{outcome.url_name}")
        finally:
            self.reading.pop()
        return self.keep(block, where)

    def keep(self, block: OlxBlock, where: str) -> OlxBlock:
        """The block under its key; a later definition of a shared block replaces the earlier (S2)."""
        earlier = self.blocks.get(block.key)
        if earlier is None:
            self.blocks[block.key] = block
            return block
        if _definition(earlier) != _definition(block):
            key = f"{block.block_type}/{block.block_id}"
            self.report(
                WARNING,
                where,
                key,
                f"{key} has more than one definition",
                f"the last one is used (the one at {block.source}), as Open edX does",
            )
        earlier.replace_with(block)
        return earlier

    def error_block(self, text: str, error: str, where: str, key: str) -> OlxBlock:
        """The error block ``XMLModuleStore`` leaves for a use that cannot load (E1-E4)."""
        fields = error_block_fields(text, error, f"at {where}" if error else "")
        element = etree.Element(ERROR_TYPE)
        element.text = fields.contents
        etree.SubElement(element, "error_msg").text = fields.error_msg
        block = OlxBlock(ERROR_TYPE, fields.block_id, element, where)
        self.report(
            ERROR, where, key, error or fields.error_msg, f"became error block {ERROR_TYPE}/{fields.block_id}"
        )
        return self.blocks.setdefault(block.key, block)

    def usage(self, tag: str, url_name: str) -> str:
        return f"i4x://{self.org}/{self.number}/{tag}/{url_name}"

    def read_definition(self, element: etree._Element, path: Path, outcome: NamingOutcome) -> OlxBlock:
        tag = str(element.tag)
        url_name = outcome.url_name
        where = self.where(element, path)
        if not _BLOCK_ID.match(url_name):
            raise _Unreadable(f"url_name {url_name!r} is not a valid block id", where)
        pointer = is_pointer_after_naming(element, outcome)
        filename = INLINE
        if pointer:
            relative = f"{tag}/{url_name.replace(':', '/')}.xml"
            file = self.root / relative
            if not self.files.is_file(file, where):
                raise _Unreadable(missing_definition_error(relative, self.usage(tag, url_name)), where)
            definition = original = self.parse(file, where)
            definition.attrib.pop("url_name", None)  # the pointer named the block (N6)
            path = file
            filename = (relative, relative)
        else:
            # Children are read from the element itself: a copy loses the line of a comment.
            definition, original = _copy(element), element
            for name in ("url_name", *outcome.drop_attributes):
                definition.attrib.pop(name, None)
        definition.tag = tag  # a pointed-to file's root tag is not checked (N6, H2)
        if "filename" in definition.attrib:
            definition, path, read_from = self.file_definition(definition, path, url_name)
            original = definition
            # A pointer's own file is what the platform records, whatever that file then names.
            filename = filename if pointer else read_from
        if f"{tag}/{url_name}" in self.unusable:
            raise _Unreadable(
                f"the policy entry {tag}/{url_name} is not an object",
                self.policies.where(f"{tag}/{url_name}"),
            )
        source = self.where(definition, path) if definition.sourceline else where
        block = OlxBlock(tag, url_name, definition, source, xml_filenames={f"{tag}/{url_name}": filename})
        if tag in CONTAINER_TYPES or tag in BLOCK_TYPES_WITH_CHILDREN:
            # Named as Split names it: the root is course/course whatever its url_name.
            parent = "course/course" if tag == "course" else f"{tag}/{url_name}"
            read = self.read_children(original, path, parent, container=tag in CONTAINER_TYPES)
            children = list(read.values())
            # What stays of the element: its non-block children (a conditional's <show>) and, for a
            # block kept whole, each child block read, where it stood (the order is the platform's
            # children order: ConditionalBlock lists show targets and blocks as they come).
            kept = []
            for position, copied in enumerate(definition):
                if isinstance(copied.tag, str) and copied.tag in NON_BLOCK_CHILDREN:
                    kept.append(copied)
                elif position in read and tag not in CONTAINER_TYPES:
                    kept.append(_with_url_name(read[position]))
            for child in list(definition):
                definition.remove(child)
            definition.extend(kept)
            if tag in CONTAINER_TYPES:
                block.children = children
            else:  # kept inline in the block's own OLX
                for descendant in (d for child in children for d in child.walk()):
                    block.xml_filenames.update(descendant.xml_filenames)
        self.apply_policy(block)
        return block

    def read_children(
        self, definition: etree._Element, path: Path, parent: str, *, container: bool
    ) -> dict[int, OlxBlock]:
        """The child blocks read, in order, by the position of the element each was read from."""
        children: dict[int, OlxBlock] = {}
        for position, child in enumerate(definition):
            if isinstance(child, etree._Comment):
                if container:  # E6: Open edX's Studio mode drops it; we say so
                    self.report(
                        NOTE,
                        self.where(child, path),
                        "",
                        f"a comment inside <{definition.tag}>",
                        "ignored",
                    )
                continue
            if not isinstance(child.tag, str) or child.tag in NON_BLOCK_CHILDREN:
                continue
            try:
                children[position] = self.read_use(child, path)
            except _Unreadable as exc:
                self.leave_out(exc, parent)
        return children

    def leave_out(self, exc: _Unreadable, parent: str) -> None:
        """
        A child that cannot be read, as Studio's import treats it: the loaders of the outline,
        split_test and conditional log it and go on without it; any other parent (library_content,
        itembank, ...) lets the failure through, and is left out of its own parent in turn.
        """
        if parent.split("/", 1)[0] not in _LEAVE_OUT_BROKEN_CHILDREN:
            raise _Unreadable(f"{exc.key}: {exc.message}", exc.where)
        self.report(
            ERROR,
            exc.where,
            exc.key,
            exc.message,
            f"left out of {parent}, as Studio's import leaves it (LC_MODULESTORE_IMPORT_ERROR_BLOCKS"
            " keeps an error block instead)",
        )

    def parse(self, file: Path, where: str) -> etree._Element:
        try:
            return self.files.parse_xml(file, where, self.parser)
        except OlxUnreadable as exc:
            raise _Unreadable(exc.message, exc.where) from exc

    def file_definition(
        self, definition: etree._Element, path: Path, url_name: str
    ) -> tuple[etree._Element, Path, XmlFilename]:
        """
        ``filename=`` (H1, H2): an html body file, or another block's definition file; and what the
        platform records of it (the candidate it read, and the name as written).
        """
        tag = str(definition.tag)
        filename = definition.attrib.pop("filename")
        where = self.where(definition, path)
        if tag == "html":
            candidates = html_body_candidates(url_name, filename)
        else:
            candidates = definition_candidates(tag, filename)
        try:
            found = resolve_inside(self.root, candidates)
        except (RuntimeError, OSError) as exc:  # a symlink loop
            raise _Unreadable(f"{candidates[0]} cannot be resolved ({exc})", where) from exc
        for refused in found.refused:
            self.report(
                WARNING,
                where,
                f"{tag}/{url_name}",
                f"filename leads to {refused}, outside the export",
                "not read",
            )
        if found.path is None or found.found is None:
            missing = (
                missing_body_error(candidates[0])
                if tag == "html"
                else missing_definition_error(candidates[0], self.usage(tag, url_name))
            )
            raise _Unreadable(missing, where)
        if tag == "html":
            _set_body(definition, self.body_text(found.path, found.found))
            for child in list(definition):
                definition.remove(child)
            return definition, path, (found.found, filename)
        # The file's root, with the element's own attributes laid over its attributes.
        own = self.parse(found.path, where)
        own.tag = tag
        for name, value in definition.attrib.items():
            own.set(name, value)
        own.attrib.pop("url_name", None)
        return own, found.path, (found.found, filename)

    def body_text(self, path: Path, relative: str) -> str:
        """A body file's text, exactly as stored (H3); unreadable or too big, the block cannot load."""
        resolved = self.files.inside(path, relative)
        try:
            self.files.check_size(resolved, relative)
        except OlxUnreadable as exc:
            raise _Unreadable(exc.message, exc.where) from exc
        try:
            text = read_body(resolved)
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            raise _Unreadable(
                f"{relative} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
                f"{relative}:{line}",
            ) from exc
        problem = xml_text_problem(text)
        if problem is not None:
            raise _Unreadable(f"{relative} {problem}", relative)
        return text

    # --- extra content (L4) --------------------------------------------------------------------

    def read_detached(self, run: str) -> list[OlxBlock]:
        """
        ``about/``, ``info/``, ``tabs/``, then their ``<run>/`` subfolders (same names override).
        A file that cannot be read is left out, with the error in the report, as Open edX does.
        """
        pages: dict[tuple[str, str], OlxBlock] = {}
        fields: list[tuple[tuple[str, str], str, Path]] = []
        for folder, block_type in _EXTRA_CONTENT:
            for base in (self.root / folder, self.root / folder / run):
                for file in self.files.pages(base):
                    slug, _, rest = file.name.partition(".")
                    if ".json" in file.name:
                        fields.append(((block_type, slug), rest.partition(".")[0], file))
                        continue
                    page = self.page(block_type, file.stem, file)
                    if page is not None:
                        pages[page.key] = page
        for key, name, file in fields:
            self.page_field(pages.get(key), name, file)
        tab_settings = self.policies.static_tabs()
        for page in pages.values():
            if page.block_type != "static_tab":
                continue
            tab = tab_settings.get(page.block_id)
            if tab is None:
                continue
            if tab.get("name"):
                page.element.set("display_name", str(tab["name"]))
            # XMLModuleStore._load_extra_content sets it from the tab the course lists (StaticTab's
            # course_staff_only: false unless the tab says so), and saves it: set on every such page.
            page.element.set("course_staff_only", json.dumps(bool(tab.get("course_staff_only", False))))
        return list(pages.values())

    def page(self, block_type: str, block_id: str, path: Path) -> OlxBlock | None:
        where = self.rel(path)
        key = f"{block_type}/{block_id}"
        if not _BLOCK_ID.match(block_id):
            self.report(ERROR, where, key, f"{block_id!r} is not a valid block id", "left out")
            return None
        try:
            text = self.body_text(path, where)
        except _Unreadable as exc:
            self.report(ERROR, exc.where, key, exc.message, "left out, as Open edX leaves it out")
            return None
        element = etree.Element(block_type)
        _set_body(element, text)
        return OlxBlock(block_type, block_id, element, where)

    def page_field(self, page: OlxBlock | None, name: str, path: Path) -> None:
        """``<slug>.<field>.json`` sets one field of its page (``info/updates.items.json``)."""
        where = self.rel(path)
        if page is None:
            self.report(NOTE, where, "", f"{path.name} names no page of its folder", "ignored")
            return
        key = f"{page.block_type}/{page.block_id}"
        try:
            value = self.files.read_json(path, where)
        except OlxUnreadable as exc:
            self.report(ERROR, exc.where, key, exc.message, f"{name} not set")
            return
        for text in json_strings(value):
            problem = unencodable_problem(text)
            if problem is not None:  # the compile could not store the field
                self.report(ERROR, where, key, f"{text!r:.60} {problem}", f"{name} not set")
                return
        page.element.set(name, json.dumps(value))


def _definition(block: OlxBlock) -> tuple[str, list[tuple[str, str]]]:
    return serialize_element(block.element), [child.key for child in block.children]


def _set_body(element: etree._Element, text: str) -> None:
    """
    The body as CDATA, as Studio writes it; as plain (escaped) text when CDATA would change it: when
    it holds ``]]>`` itself, or a carriage return, which an XML parser turns into a newline inside
    CDATA but keeps when written as a character reference.
    """
    element.text = etree.CDATA(text) if "]]>" not in text and "\r" not in text else text


def _copy(element: etree._Element) -> etree._Element:
    """A detached copy; never through a serializer, which would change characters of a CDATA body."""
    copied = copy.deepcopy(element)
    copied.tail = None
    return copied


def _with_url_name(block: OlxBlock) -> etree._Element:
    element = _copy(block.element)
    element.set("url_name", block.block_id)
    for child in block.children:
        element.append(_with_url_name(child))
    return element
