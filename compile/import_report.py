"""
What an import found wrong with an export, as data: one record per problem, all of them at once.

Open edX's importer does not stop at the first problem: a block it cannot read becomes an error
block, a policy it cannot parse falls back to the defaults, a name it must change is renamed, and
the course is imported. An operator needs the whole list, each with the file, line and block it
concerns and what the import did about it, in the command's output, in ``--json`` and later in
``lc_show`` and the admin; ``--strict`` refuses an export that has any. The reader, the importer
and the commands all speak this one type (``docs/IMPORT_RULES.md``, gap G9).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

__all__ = ["ERROR", "NOTE", "WARNING", "ImportProblem", "Severity", "printable"]

Severity = Literal["error", "warning", "note"]
# The block could not be read: it was left out (or became an error block) and the rest imported.
ERROR: Final[Severity] = "error"
# A value or file could not be used as written: a default or a rename applied instead.
WARNING: Final[Severity] = "warning"
# Something Open edX ignores was ignored (drafts/, a comment, a policy for an absent block).
NOTE: Final[Severity] = "note"
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """
    ``text`` as a report, an error or a terminal can hold it. A lone surrogate (what Python makes
    of a byte of a file name that is not UTF-8, or of a JSON ``"\\ud800"``) has no UTF-8 form, so
    no JSON encoder or database column takes it: the byte is written ``\\xff``, another lone
    surrogate ``\\ud800``; everything else is kept as it is.
    """
    if _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """
    One problem of one export.

    ``file`` is relative to the export's root; ``line`` is 0 when the problem is a whole file's;
    ``key`` is the block's ``type/id`` as the course will have it (after renames), or ``""``.
    ``action`` says what the import did instead, so the operator knows what learners will see.
    """

    severity: Severity
    file: str
    line: int
    key: str
    message: str
    action: str

    def __post_init__(self) -> None:
        # A problem naming a non-UTF-8 file, or quoting a JSON "\\ud800", stays storable.
        for name in ("file", "key", "message", "action"):
            object.__setattr__(self, name, printable(getattr(self, name)))

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        key = f" {self.key}:" if self.key else ""
        return f"{self.severity}: {self.where}:{key} {self.message} ({self.action})"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ImportProblem:
        return cls(
            severity=value["severity"],
            file=str(value["file"]),
            line=int(value["line"]),
            key=str(value["key"]),
            message=str(value["message"]),
            action=str(value["action"]),
        )
