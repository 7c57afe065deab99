"""
An export's policy (``policies/<run>/policy.json``): checked, and each entry found again by line.

Studio keeps block settings there, by ``"type/url_name"``. Its values end up as OLX attributes
of components (and as fields of containers), so a field name must be one an attribute can have
and every string one XML can hold; the course's ``tabs`` must be a list of tab objects. Every
error (and every warning about a value) names the file, the line of the entry and the key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from .export_files import ExportFiles, OlxError, json_strings, xml_text_problem

__all__ = ["PolicyFile"]

# A policy key becomes an XML attribute (components) or a field name: no spaces, no namespace.
_FIELD_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_JSON_KEY: Final = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:')


class PolicyFile:
    """
    ``entries``: ``{"type/url_name": {field: value}}`` as :func:`compile.lenient_json.read_policy`
    chose them (empty when the export has no usable policy file); ``source`` the file they come from.
    """

    def __init__(self, files: ExportFiles, source: str | None, entries: Mapping[str, dict[str, Any]]) -> None:
        self.files = files
        self.name = source or ""
        self.path: Path | None = files.root / source if source else None
        self._lines: tuple[list[str], dict[str, int]] | None = None
        self.entries = dict(entries)
        for key, values in self.entries.items():
            for name, value in values.items():
                self._check(key, name, value)

    def _check(self, key: str, name: str, value: Any) -> None:
        if not _FIELD_NAME.match(name):
            raise OlxError(
                self.where(key, name), f"{key}: {name!r} is not a valid field name", key=f"{key}.{name}"
            )
        if _not_finite(value):
            raise OlxError(
                self.where(key, name), f"{key}: {name}: NaN is not a JSON value", key=f"{key}.{name}"
            )
        for text in json_strings(value):
            problem = xml_text_problem(text)
            if problem is not None:
                raise OlxError(self.where(key, name), f"{key}: {name} {problem}", key=f"{key}.{name}")

    def where(self, key: str, name: str | None = None) -> str:
        """``policy.json:LINE`` of the entry ``key`` (of its field ``name`` after it, when found)."""
        lines, first_lines = self._index()
        line = first_lines.get(key, 0)
        if name is not None and line:
            line = next((n for n in range(line, len(lines) + 1) if f'"{name}"' in lines[n - 1]), line)
        return f"{self.name}:{line}"

    def _index(self) -> tuple[list[str], dict[str, int]]:
        """The file's lines, and the first line each ``"key":`` is on (read once)."""
        if self._lines is None:
            text = self.files.read_text(self.path, self.name) if self.path is not None else ""
            lines = text.splitlines()
            first: dict[str, int] = {}
            for number, content in enumerate(lines, start=1):
                for match in _JSON_KEY.finditer(content):
                    first.setdefault(match.group(1), number)
            self._lines = (lines, first)
        return self._lines

    def static_tabs(self) -> dict[str, dict[str, Any]]:
        """The course entry's static tabs by url_slug; ``tabs`` must be a list of objects."""
        course_key = next((k for k in self.entries if k.startswith("course/")), "")
        tabs: Any = self.entries[course_key].get("tabs", []) if course_key else []
        if not isinstance(tabs, list) or not all(isinstance(t, dict) for t in tabs):
            raise OlxError(
                self.where(course_key, "tabs"),
                f"{course_key}: tabs must be a list of tab objects, not {tabs!r:.60}",
                key=f"{course_key}.tabs",
            )
        return {
            t["url_slug"]: t
            for t in tabs
            if t.get("type") == "static_tab" and isinstance(t.get("url_slug"), str)
        }


def _not_finite(value: Any) -> bool:
    """NaN or an infinity anywhere in the value: Python's JSON reads them, no database column stores them."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Mapping):
        return any(_not_finite(item) for item in value.values())
    if isinstance(value, list):
        return any(_not_finite(item) for item in value)
    return False
