"""
The files of an OLX export, read without ever leaving it, and the one error an import raises.

An export is untrusted input. A symlink, an html ``filename="../../x"`` or a pointer ``url_name``
whose colons become path separators would otherwise let the importer read any file the process
can, and store it in a course. Every path the reader opens goes through :class:`ExportFiles`,
which resolves it (symlinks included) and refuses anything that ends up outside the export's
root. Every problem with a file is an :class:`OlxError` naming the file, the line when there is
one, and the key involved, so that the importer (strict today, perhaps lenient one day, as
Studio turns an unreadable block into an error block) has one place to decide what an error is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from lxml import etree

from .import_report import printable

__all__ = [
    "DEFAULT_LIMITS",
    "XML_PARSER",
    "ExportFiles",
    "ExportLimits",
    "OlxError",
    "OlxUnreadable",
    "json_strings",
    "printable",
    "split_where",
    "unencodable_problem",
    "xml_text_problem",
]

# CDATA kept, entities never resolved, no DTD loaded, nothing fetched from the network.
XML_PARSER: Final = etree.XMLParser(
    strip_cdata=False, remove_blank_text=False, resolve_entities=False, load_dtd=False, no_network=True
)
# Characters XML 1.0 cannot hold (lxml refuses them in attributes and text).
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# A lone surrogate: UTF-8 cannot encode it, so no database column or JSON encoder takes it.
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def unencodable_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored (a lone surrogate, which UTF-8 cannot encode), or None."""
    bad = _SURROGATE.search(text)
    if bad is None:
        return None
    return f"holds U+{ord(bad.group()):04X}, a lone surrogate, which UTF-8 cannot encode"


def json_strings(value: Any) -> Iterator[str]:
    """Every string in a parsed JSON value: object keys and values, nested ones included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


@dataclass(frozen=True, slots=True)
class ExportLimits:
    """
    How big an export may be, so that a hostile or broken one is refused (naming it) before it
    fills the disk or the memory, or holds an import for hours. The defaults hold the largest real
    exports with room to spare: the Open edX demo course unpacks to 21 MB in 800 files, has 407
    blocks, and its biggest OLX file is a 200 KB html body (no course of the corpus has a unit of
    more than 43 children).

    ``max_bytes``: what a ``.tar.gz`` may unpack to (a few kilobytes of gzip can declare
    gigabytes). ``max_members``: the files and folders an export holds, in an archive or a folder
    (each course file becomes a Learning Core component). ``max_file_bytes``: the largest file read
    whole into memory (XML, html bodies, pages, policy JSON; a course file of ``static/`` has
    Learning Core's own limit of 50 MB): parsed, a file takes several times its size, and Split
    could not store a definition over MongoDB's 16 MB either. ``max_blocks``: the block uses read
    (a shared block counts at each use), so that a unit of 50,000 children or a flood of pointers
    stops the read, not the process.
    """

    max_bytes: int = 8 * 1024**3
    max_members: int = 100_000
    max_file_bytes: int = 8 * 1024**2
    max_blocks: int = 20_000


DEFAULT_LIMITS: Final = ExportLimits()


class OlxError(ValueError):
    """
    An export that cannot be imported. ``where`` is ``file`` or ``file:line`` (also split into
    ``file`` and ``line``), ``key`` the policy key, attribute or url_name involved when there is one.
    """

    def __init__(self, where: str, message: str, *, key: str | None = None) -> None:
        # Named from a non-UTF-8 file name or a JSON escape, the error is still printable and storable.
        where, message = printable(where), printable(message)
        key = None if key is None else printable(key)
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message
        self.key = key
        self.file, self.line = split_where(where)


def split_where(where: str) -> tuple[str, int | None]:
    """``file:line`` (as problems and errors name places) into the file and the line, when it has one."""
    file, _, line = where.rpartition(":")
    return (file, int(line)) if file and line.isdigit() else (where, None)


class OlxUnreadable(OlxError):
    """
    A file inside the export that cannot be read as what it should be (missing, malformed XML, not
    UTF-8, a character XML cannot hold). Open edX turns the block that needs it into an error block
    and imports the rest, so the reader does too; a file leading *outside* the export stays an
    :class:`OlxError` (a refusal), whatever the platform would do.
    """


def xml_text_problem(text: str) -> str | None:
    """Why ``text`` cannot be XML text or an attribute value (a control character...), or None."""
    bad = _NOT_XML.search(text)
    if bad is None:
        return None
    return f"holds the character U+{ord(bad.group()):04X}, which XML cannot contain"


def _line_at(data: str | bytes, offset: int) -> int:
    newline = "\n" if isinstance(data, str) else b"\n"
    return data.count(newline, 0, offset) + 1  # type: ignore[arg-type]  # str with str, bytes with bytes


class ExportFiles:
    """Every file access of the reader: paths resolved and kept inside ``root``."""

    def __init__(self, root: Path, max_file_bytes: int | None = None) -> None:
        self.root = root
        self.real_root = root.resolve()
        # Files read whole into memory (XML, bodies, JSON) are refused past this size; None: any size.
        self.max_file_bytes = max_file_bytes
        self._relative: dict[Path, str] = {}

    def rel(self, path: Path) -> str:
        """The path as the export names it (relative to the root, ``..`` left as written)."""
        # Asked for every block of a file (its problems' and sources' places): remembered, as
        # pathlib's relative_to was most of the time a unit of 20,000 children took to read.
        known = self._relative.get(path)
        if known is None:
            try:
                known = str(path.relative_to(self.root))
            except ValueError:
                known = str(path)
            self._relative[path] = known
        return known

    def inside(self, path: Path, referrer: str) -> Path:
        """``path`` resolved, symlinks followed; OlxError (naming ``referrer``) if it leaves the export."""
        try:
            resolved = path.resolve()
        except (RuntimeError, OSError) as exc:  # a symlink loop (RuntimeError before Python 3.13)
            raise OlxError(
                referrer, f"{self.rel(path)} cannot be resolved ({exc})", key=self.rel(path)
            ) from exc
        if not resolved.is_relative_to(self.real_root):
            raise OlxError(
                referrer,
                f"{self.rel(path)} leads outside the export; refusing to read it",
                key=self.rel(path),
            )
        return resolved

    def is_file(self, path: Path, referrer: str) -> bool:
        """Whether the export has this file; one that is a link out of the export is an error."""
        return path.is_file() and self.inside(path, referrer).is_file()

    def is_dir(self, path: Path) -> bool:
        return path.is_dir() and self.inside(path, self.rel(path)).is_dir()

    def pages(self, folder: Path) -> list[Path]:
        """
        The files of one of the export's extra-content folders (``about/``...), in name order: every
        regular file, as Open edX reads them, except editor backups (names ending in ``~``).
        """
        if not self.is_dir(folder):
            return []
        return sorted(
            p for p in folder.iterdir() if not p.name.endswith("~") and self.is_file(p, self.rel(p))
        )

    def read_bytes(self, path: Path, referrer: str) -> bytes:
        resolved = self.inside(path, referrer)
        if not resolved.is_file():
            raise OlxUnreadable(
                referrer, f"points to {self.rel(path)}, which does not exist", key=self.rel(path)
            )
        self.check_size(resolved, self.rel(path))
        try:
            return resolved.read_bytes()
        except OSError as exc:
            raise OlxError(self.rel(path), f"cannot be read ({exc.strerror or exc})") from exc

    def check_size(self, path: Path, relative: str) -> None:
        """
        A file over ``max_file_bytes`` is not read: parsed, it would take several times its size
        in memory, and no real export has one near the limit. It counts as unreadable (its block
        becomes an error block), as a file that is not UTF-8 does; the caller decides otherwise.
        """
        if self.max_file_bytes is None:
            return
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise OlxError(relative, f"cannot be read ({exc.strerror or exc})") from exc
        if size > self.max_file_bytes:
            raise OlxUnreadable(
                relative,
                f"{relative} is {size:,} bytes; the import reads no file of the export over"
                f" {self.max_file_bytes:,} bytes (LC_MODULESTORE_IMPORT_FILE_MAX_BYTES)",
                key=relative,
            )

    def read_text(self, path: Path, referrer: str) -> str:
        """The file as UTF-8 text (what Studio writes); anything else names the first bad byte."""
        data = self.read_bytes(path, referrer)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise OlxUnreadable(
                f"{self.rel(path)}:{_line_at(data, exc.start)}",
                f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            ) from exc

    def xml_text(self, path: Path, referrer: str) -> str:
        """A text file that becomes XML text (an html body, a page): UTF-8 and XML characters only."""
        text = self.read_text(path, referrer)
        problem = xml_text_problem(text)
        if problem is not None:
            offset = _NOT_XML.search(text).start()  # type: ignore[union-attr]  # problem says it matches
            raise OlxUnreadable(f"{self.rel(path)}:{_line_at(text, offset)}", problem)
        return text

    def parse_xml(self, path: Path, referrer: str, parser: etree.XMLParser = XML_PARSER) -> etree._Element:
        """The file's root element. A DOCTYPE that declares entities is refused (no DTD is ever loaded)."""
        data = self.read_bytes(path, referrer)
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            raise OlxUnreadable(f"{self.rel(path)}:{exc.lineno or 0}", f"malformed XML: {exc.msg}") from exc
        dtd = root.getroottree().docinfo.internalDTD
        if dtd is not None and any(True for _ in dtd.iterentities()):
            raise OlxError(
                f"{self.rel(path)}:1",
                "declares entities in its DOCTYPE; OLX needs none, and they could read other files or"
                " expand without bound (XXE)",
            )
        return root

    def read_json(self, path: Path, referrer: str) -> Any:
        text = self.read_text(path, referrer)
        try:
            return json.loads(text, parse_constant=_not_json)
        except json.JSONDecodeError as exc:
            raise OlxUnreadable(f"{self.rel(path)}:{exc.lineno}", f"malformed JSON: {exc.msg}") from exc
        except ValueError as exc:  # NaN, Infinity
            raise OlxUnreadable(self.rel(path), f"malformed JSON: {exc}") from exc
        except RecursionError as exc:
            raise OlxUnreadable(self.rel(path), "malformed JSON: nested too deeply") from exc


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")
