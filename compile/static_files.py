"""
The course files of an export (``static/``, any depth, with ``policies/assets.json``), named and
described by Open edX's own rules, so that a file keeps the URL it had in a Split course.

Studio's import (``xml_importer.import_static_content``) walks ``static/``, skips editor and macOS
leftovers (``ASSET_IGNORE_REGEX``), names each file by its path with ``/`` turned into ``_`` and
every character an asset key cannot hold turned into ``_`` (``StaticContent.compute_location``), and
takes its display name, ``locked`` flag and content type from the ``assets.json`` entry of that
name, falling back to the file's name and to the content type its extension gives. Two paths that
end up with one name are one file to the platform (the later one wins); here that is a warning
naming both. Nothing is read here but names and sizes: the bytes are read once, by the importer,
through :class:`~compile.export_files.ExportFiles`, so a link out of the export is never followed.
"""

from __future__ import annotations

import mimetypes
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from opaque_keys.edx.locator import AssetLocator

from .export_files import DEFAULT_LIMITS, ExportFiles, ExportLimits, OlxError, OlxUnreadable, xml_text_problem
from .import_report import ERROR, NOTE, WARNING, ImportProblem
from .lenient_json import read_json_leniently

__all__ = ["ASSETS_POLICY", "STATIC_FOLDER", "CourseFiles", "StaticFile", "asset_name", "read_static_files"]

STATIC_FOLDER: Final = "static"
ASSETS_POLICY: Final = "policies/assets.json"
# edx-platform's ASSET_IGNORE_REGEX (xmodule.modulestore.django): AppleDouble files, .DS_Store, backups.
_IGNORED: Final = re.compile(r"(^\._.*$)|(^\.DS_Store$)|(^.*~$)")
# The content types a platform process knows: Python's table and the machine's (/etc/mime.types), as
# ``mimetypes.init()`` reads them, plus the two the import registers before guessing (transcripts
# are downloads). A private table: the process-wide one is left as it is.
_TYPES: Final = mimetypes.MimeTypes(filenames=[name for name in mimetypes.knownfiles if os.path.isfile(name)])
_TYPES.add_type("application/octet-stream", ".sjson")
_TYPES.add_type("application/octet-stream", ".srt")
_KNOWN_TYPES: Final = frozenset(_TYPES.types_map[True].values())


@dataclass(frozen=True, slots=True)
class StaticFile:
    """
    One course file as the platform names it. ``name`` is the asset key's block id (the URL's last
    part, ``assets.json``'s key, what ADR 0014 calls the ``legacy_path``); ``import_path`` is where it
    lies under ``static/``; ``source`` the file itself.
    """

    name: str
    import_path: str
    display_name: str
    content_type: str | None
    locked: bool
    size: int
    source: Path

    @property
    def where(self) -> str:
        return f"{STATIC_FOLDER}/{self.import_path}"


@dataclass(frozen=True, slots=True)
class CourseFiles:
    """
    What the export's ``static/`` holds. ``kept`` names files it has but that cannot be imported
    this time (reported in ``problems``): a re-import keeps what the course had under those names
    rather than delete it. ``complete`` is False when a folder could not be listed: then no file is
    known to be gone, and none is deleted.
    """

    files: tuple[StaticFile, ...]
    problems: tuple[ImportProblem, ...]
    kept: frozenset[str] = frozenset()
    complete: bool = True


def asset_name(import_path: str) -> str:
    """The asset key block id Open edX gives the file at ``static/<import_path>``."""
    return AssetLocator.clean_keeping_underscores(import_path.replace("/", "_"))


def read_static_files(root: Path, limits: ExportLimits = DEFAULT_LIMITS) -> CourseFiles:
    """
    Every course file of the export at ``root`` and its ``assets.json`` facts, in walk order.
    An ``assets.json`` over ``limits.max_file_bytes`` refuses the import (OlxError): read with its
    defaults instead, every locked file would be served to anyone.
    """
    return _StaticReader(root, limits).read()


class _StaticReader:
    def __init__(self, root: Path, limits: ExportLimits = DEFAULT_LIMITS) -> None:
        self.root = root
        self.files = ExportFiles(root, limits.max_file_bytes)
        self.problems: list[ImportProblem] = []
        self.kept: set[str] = set()
        self.complete = True

    def problem(self, severity: Any, file: str, message: str, action: str, line: int = 0) -> None:
        self.problems.append(ImportProblem(severity, file, line, "", message, action))

    def read(self) -> CourseFiles:
        folder = self.root / STATIC_FOLDER
        if not self._inside(folder):
            return CourseFiles((), tuple(self.problems), complete=False)
        policy = self._policy()
        if not folder.is_dir():
            return CourseFiles((), (*self.problems, *self._unused(policy, {})))
        by_name: dict[str, StaticFile] = {}
        for found in self._walk(folder):
            entry = policy.get(asset_name(found[0]), {})
            static = self._describe(found, entry)
            earlier = by_name.get(static.name)
            if earlier is not None:
                self.problem(
                    WARNING,
                    static.where,
                    f"names the same course file as {earlier.where} ({static.name}: Open edX turns '/' into"
                    " '_' and keeps one file per name)",
                    f"{static.where} is imported as {static.name}, as the platform's import keeps the"
                    f" later file; {earlier.where} is not imported",
                )
            by_name[static.name] = static
        problems = (*self.problems, *self._unused(policy, by_name))
        return CourseFiles(
            tuple(by_name.values()), problems, frozenset(self.kept - by_name.keys()), self.complete
        )

    def _walk(self, folder: Path) -> list[tuple[str, Path, int]]:
        """(import path, file, size) of every regular file under ``folder``, top-down, in name order."""
        found: list[tuple[str, Path, int]] = []
        for dirpath, dirnames, filenames in os.walk(folder, onerror=self._walk_error):
            here = Path(dirpath)
            dirnames.sort()
            for dirname in list(dirnames):
                if (here / dirname).is_symlink():  # os.walk does not follow it; neither does Open edX
                    dirnames.remove(dirname)
                    self._linked_folder(here / dirname)
            for filename in sorted(filenames):
                path = here / filename
                relative = path.relative_to(folder).as_posix()
                where = f"{STATIC_FOLDER}/{relative}"
                if _IGNORED.match(filename):
                    self.problem(
                        NOTE, where, "an editor backup or macOS leftover", "skipped, as Open edX does"
                    )
                    continue
                size = self._checked_size(path, where, relative)
                if size is not None:
                    found.append((relative, path, size))
                elif _utf8(relative):
                    self.kept.add(asset_name(relative))
        return found

    def _checked_size(self, path: Path, where: str, relative: str) -> int | None:
        """The file's size when it can be imported; otherwise None and the reason reported."""
        if not _utf8(relative):
            self.problem(ERROR, where, "its name is not valid UTF-8", "the file is not imported")
            return None
        # os.walk follows no linked folder, so only a linked file can lead out of the export:
        # resolving every path (a system call per part of it) made a large static/ slow to list.
        if path.is_symlink() and not self._inside(path):
            return None
        try:
            if not path.is_file():
                self.problem(ERROR, where, "is not a regular file", "the file is not imported")
                return None
            size = path.stat().st_size
        except OSError as exc:
            self.problem(ERROR, where, f"cannot be read ({exc.strerror or exc})", "the file is not imported")
            return None
        if not os.access(path, os.R_OK):
            self.problem(ERROR, where, "cannot be read (permission denied)", "the file is not imported")
            return None
        return size

    def _inside(self, path: Path) -> bool:
        try:
            self.files.inside(path, self.files.rel(path))
        except OlxError as exc:
            self.problem(ERROR, self.files.rel(path), exc.message, "nothing behind it is read or imported")
            return False
        return True

    def _linked_folder(self, path: Path) -> None:
        if not self._inside(path):
            self.complete = False  # what the course had from there is neither re-read nor deleted
        else:
            self.problem(
                NOTE,
                self.files.rel(path),
                "a folder that is a symbolic link",
                "not followed, as Open edX does",
            )

    def _walk_error(self, exc: OSError) -> None:
        self.complete = False
        where = self.files.rel(Path(exc.filename)) if exc.filename else STATIC_FOLDER
        self.problem(
            ERROR, where, f"cannot be listed ({exc.strerror or exc})", "the files in it are not imported"
        )

    def _describe(self, found: tuple[str, Path, int], entry: dict[str, Any]) -> StaticFile:
        relative, path, size = found
        name = asset_name(relative)
        display_name = entry.get("displayname", path.name)
        if not isinstance(display_name, str) or xml_text_problem(display_name):
            # A control character or a lone surrogate (a JSON "\\ud800"): no column or page holds it.
            self._entry_problem(name, "displayname", display_name, f"the file's name {path.name!r} is shown")
            display_name = path.name
        content_type = entry.get("contentType")
        if not content_type or content_type not in _KNOWN_TYPES:
            content_type = _TYPES.guess_type(path.name)[0]
        return StaticFile(name, relative, display_name, content_type, self._locked(name, entry), size, path)

    def _locked(self, name: str, entry: dict[str, Any]) -> bool:
        """What Open edX's ``bool()`` takes as true locks the file; an odd value fails closed."""
        locked = entry.get("locked", False)
        if isinstance(locked, bool):
            return locked
        if locked is None or locked == 0 or locked == "":
            return False
        self._entry_problem(name, "locked", locked, "the file is locked (served to enrolled learners only)")
        return True

    def _entry_problem(self, name: str, field: str, value: Any, action: str) -> None:
        self.problems.append(
            ImportProblem(
                WARNING, ASSETS_POLICY, 0, name, f"{field} is {value!r}, not what it should be", action
            )
        )

    def _policy(self) -> dict[str, dict[str, Any]]:
        path = self.root / ASSETS_POLICY
        if not self._inside(path) or not path.is_file():
            return {}
        try:
            self.files.check_size(path, ASSETS_POLICY)
        except OlxUnreadable as exc:
            raise OlxError(exc.where, f"{exc.message}; refusing to import", key=exc.key) from exc
        value, warnings = read_json_leniently(
            self.root, ASSETS_POLICY, "files get their default names and types"
        )
        for warning in warnings:
            self.problem(WARNING, warning.file, warning.message, "defaults apply", warning.line)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(
                WARNING, ASSETS_POLICY, f"is a JSON {type(value).__name__}, not an object", "defaults apply"
            )
            return {}
        entries: dict[str, dict[str, Any]] = {}
        for name, entry in value.items():
            if isinstance(entry, dict):
                entries[name] = entry
            else:
                self.problems.append(
                    ImportProblem(
                        WARNING, ASSETS_POLICY, 0, name, "the entry is not an object", "defaults apply"
                    )
                )
        return entries

    def _unused(self, policy: dict[str, dict[str, Any]], files: dict[str, StaticFile]) -> list[ImportProblem]:
        """One note for every entry naming a file the export lacks (exports keep thousands of them)."""
        unused = sorted(name for name in policy if name not in files)
        if not unused:
            return []
        listed = ", ".join(unused[:5]) + (f" and {len(unused) - 5} more" if len(unused) > 5 else "")
        message = f"{len(unused)} entries describe files the export does not have ({listed})"
        return [ImportProblem(NOTE, ASSETS_POLICY, 0, "", message, "ignored, as Open edX does")]


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
