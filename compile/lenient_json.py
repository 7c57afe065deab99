"""
Policy and grading files read the way Open edX reads them: a broken file is a warning, not a refusal.

Studio imports a course whose ``policy.json`` or ``grading_policy.json`` is not valid JSON (a
trailing comma, ``"weight" : .02``): it records an error for the course author and carries on
with an empty policy, so the defaults apply. This module gives the same outcome, as data: the
value to use and the warnings to report, each naming the file and the line
(``docs/IMPORT_RULES.md``, rules P1-P6). A file whose JSON is valid but of the wrong shape is
different: Open edX cannot load such a course at all, so :class:`PolicyShapeError` is raised.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

__all__ = [
    "DEFAULT_GRADING_POLICY",
    "JsonWarning",
    "PolicyFile",
    "PolicyShapeError",
    "grading_policy_paths",
    "merged_grading_policy",
    "policy_paths",
    "read_grading_policy",
    "read_json_leniently",
    "read_policy",
]

# The grading policy of a course that has none (edx-platform ``DEFAULT_GRADING_POLICY``): what a
# course gets when its grading file is absent or unreadable.
DEFAULT_GRADING_POLICY: Final[dict[str, Any]] = {
    "GRADER": [
        {"type": "Homework", "short_label": "HW", "min_count": 12, "drop_count": 2, "weight": 0.15},
        {"type": "Lab", "min_count": 12, "drop_count": 2, "weight": 0.15},
        {"type": "Midterm Exam", "short_label": "Midterm", "min_count": 1, "drop_count": 0, "weight": 0.3},
        {"type": "Final Exam", "short_label": "Final", "min_count": 1, "drop_count": 0, "weight": 0.4},
    ],
    "GRADE_CUTOFFS": {"Pass": 0.5},
}


@dataclass(frozen=True, slots=True)
class JsonWarning:
    """A problem the import reports and survives: the file (relative to the export), line, column."""

    file: str
    line: int
    column: int
    message: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class PolicyShapeError(ValueError):
    """Valid JSON that cannot be a policy (a list where an object is needed): Open edX refuses it too."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass(frozen=True, slots=True)
class PolicyFile:
    """
    What was read: the value to use, the file it came from (None when no file was used), warnings.

    ``unusable`` names policy entries that are not objects (``"chapter/x": "oops"``): they are left
    out of ``value``; Open edX cannot load the block such an entry names, which becomes an error
    block (and the whole course fails when it is the course's own entry).
    """

    value: dict[str, Any]
    source: str | None
    warnings: tuple[JsonWarning, ...]
    unusable: tuple[str, ...] = ()


def read_json_leniently(root: Path, relative: str, consequence: str) -> tuple[Any, list[JsonWarning]]:
    """
    The parsed file, or None and a warning naming file, line and ``consequence`` when it does not parse.

    Unreadable bytes (not UTF-8) count as a file that does not parse, as they do for the platform.
    """
    path = root / relative
    try:
        return json.loads(path.read_bytes().decode("utf-8")), []
    except json.JSONDecodeError as exc:
        return None, [
            JsonWarning(relative, exc.lineno, exc.colno, f"invalid JSON ({exc.msg}); {consequence}")
        ]
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        return None, [JsonWarning(relative, line, 0, f"not UTF-8 ({exc.reason}); {consequence}")]


def policy_paths(run: str) -> tuple[str, str]:
    """Where a run's policy lives: its folder first, then the 2012 single-file location."""
    return f"policies/{run}/policy.json", f"policies/{run}.json"


def read_policy(root: Path, run: str) -> PolicyFile:
    """
    The run's policy (``{"type/url_name": {field: value}}``) as the platform chooses it.

    ``policies/<run>/policy.json`` is read first; when it gives nothing (absent, invalid, or an
    empty object), ``policies/<run>.json`` is tried the same way. Invalid JSON is a warning and
    counts as no policy. Entries naming a block the course lacks are the caller's to ignore.
    """
    warnings: list[JsonWarning] = []
    for relative in policy_paths(run):
        if not (root / relative).is_file():
            continue
        value, problems = read_json_leniently(root, relative, "the file is ignored and no policy applies")
        warnings.extend(problems)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise PolicyShapeError(relative, 'expected an object {"type/url_name": {field: value}}')
        if value:
            usable = {key: entry for key, entry in value.items() if isinstance(entry, dict)}
            unusable = tuple(key for key in value if key not in usable)
            return PolicyFile(usable, relative, tuple(warnings), unusable)
    return PolicyFile({}, None, tuple(warnings))


def grading_policy_paths(run: str | None) -> tuple[str, ...]:
    """The grading files the platform looks for, in order: the run's folder, then the export's root."""
    own = (f"policies/{run}/grading_policy.json",) if run else ()
    return (*own, "grading_policy.json")


def read_grading_policy(root: Path, run: str | None) -> PolicyFile:
    """
    The course's grading policy, merged over the default as the platform stores it.

    Only the first grading file that exists is read; if it is invalid JSON, the platform does not
    try the next one: a warning, and the default policy.
    """
    for relative in grading_policy_paths(run):
        if not (root / relative).is_file():
            continue
        value, warnings = read_json_leniently(root, relative, "the default grading policy applies")
        if value is None:
            return PolicyFile(merged_grading_policy({}), relative, tuple(warnings))
        if not isinstance(value, dict):
            raise PolicyShapeError(relative, 'expected an object {"GRADER": [...], "GRADE_CUTOFFS": {...}}')
        return PolicyFile(merged_grading_policy(value), relative, ())
    return PolicyFile(merged_grading_policy({}), None, ())


def merged_grading_policy(course_policy: dict[str, Any]) -> dict[str, Any]:
    """
    The default policy with the course's top-level keys laid over it.

    The merge is shallow, as the platform's: a file with only ``GRADE_CUTOFFS`` keeps the default
    ``GRADER``, and its cutoffs replace the default ones whole.
    """
    merged = copy.deepcopy(DEFAULT_GRADING_POLICY)
    merged.update(copy.deepcopy(course_policy))
    return merged
