"""
Where a block's ``filename=`` body lives, with the legacy fallbacks Open edX still honours.

Courses written before Studio (2012-2013) point at their files loosely: a path relative to the
course root instead of ``html/``, ``.html`` written into the name, ``problems/`` instead of
``problem/``. Open edX's importer tries a fixed list of alternatives when the expected file is
missing (``HtmlBlock.backcompat_paths``, ``ProblemBlock.backcompat_paths``); a course that only
resolves through them must import here too (``docs/IMPORT_RULES.md``, rules H1-H4).

The candidates are computed as the platform computes them; :func:`resolve_inside` then keeps only
paths that stay inside the export, whatever ``..``, absolute paths or symbolic links say, and
:func:`read_body` returns the file's text exactly as stored.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Resolution",
    "definition_candidates",
    "html_backcompat_paths",
    "html_body_candidates",
    "problem_backcompat_paths",
    "read_body",
    "resolve_inside",
]


def html_backcompat_paths(filepath: str) -> list[str]:
    """
    The alternatives to an html body path, in the order the platform tries them.

    ``x.html.xml`` becomes ``x.html`` and a doubled ``.html.html`` loses one; then the path and
    every shorter form that still has a folder (leading folders dropped one at a time), then the
    same list with ``.xml`` endings read as ``.html``.
    """
    if filepath.endswith(".html.xml"):
        filepath = filepath[: -len(".html.xml")] + ".html"
    if filepath.endswith(".html.html"):
        filepath = filepath[: -len(".html")]
    candidates: list[str] = []
    while "/" in filepath:
        candidates.append(filepath)
        filepath = filepath.partition("/")[2]
    return candidates + [c[: -len(".xml")] + ".html" for c in candidates if c.endswith(".xml")]


def problem_backcompat_paths(filepath: str) -> list[str]:
    """A problem's alternatives: its path under ``problems/``, then relative to the course root."""
    rest = filepath[len("problem/") :]
    return [f"problems/{rest}", rest]


def html_body_candidates(url_name: str, filename: str) -> list[str]:
    """
    Every path an html block's body may be read from, first choice first, without repeats.

    The first choice is ``<filename>.html`` next to where the block's own file would be: in
    ``html/``, or in ``html/a/`` for a url_name ``a:b`` (a colon is a folder in OLX names).
    The platform uses the first that exists; if none does, the block cannot be read.
    """
    folder = posixpath.dirname(f"html/{url_name.replace(':', '/')}")
    first = f"{folder}/{filename}.html"
    return _unique([first, *html_backcompat_paths(first)])


def definition_candidates(tag: str, filename: str) -> list[str]:
    """
    Where a non-html block's ``filename=`` definition is read from (a 2012-style problem).

    ``<tag>/<filename>.xml`` first; problems also try ``problems/`` and the course root. Other
    types have no fallback.
    """
    first = f"{tag}/{filename}.xml"
    fallbacks = problem_backcompat_paths(first) if tag == "problem" else []
    return _unique([first, *fallbacks])


@dataclass(frozen=True, slots=True)
class Resolution:
    """
    The outcome of looking for a file: the candidate found (or None), and what was looked at.

    ``refused`` lists candidates that lead outside the export (``..`` past its root, or a
    symbolic link pointing out); they are never opened, so a crafted export cannot read other files.
    """

    found: str | None
    path: Path | None
    tried: tuple[str, ...]
    refused: tuple[str, ...]


def resolve_inside(root: Path, candidates: list[str]) -> Resolution:
    """
    The first candidate that is a regular file inside ``root``.

    Paths are read as the platform's file system reads them: relative to the export's root even
    when they start with ``/``, and ``a/../b`` is ``b``. A path that climbs above the root, or
    whose real location (symbolic links followed) is outside it, is refused, not opened.
    """
    base = root.resolve()
    tried: list[str] = []
    refused: list[str] = []
    for candidate in candidates:
        normal = posixpath.normpath(candidate.lstrip("/"))
        target = (base / normal).resolve()
        if normal == ".." or normal.startswith("../") or not target.is_relative_to(base):
            refused.append(candidate)
            continue
        tried.append(candidate)
        if target.is_file():
            return Resolution(candidate, target, tuple(tried), tuple(refused))
    return Resolution(None, None, tuple(tried), tuple(refused))


def read_body(path: Path) -> str:
    """
    A body file's text exactly as stored: strict UTF-8, line endings and a BOM kept.

    The platform opens these files as UTF-8 without translating newlines; ``Path.read_text``
    would turn ``\\r\\n`` into ``\\n`` and so change the body. Invalid UTF-8 raises
    :class:`UnicodeDecodeError`, which the platform also turns into an unreadable block.
    """
    return path.read_bytes().decode("utf-8")


def _unique(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(paths))
