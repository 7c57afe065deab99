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

from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

__all__ = ["ERROR", "NOTE", "WARNING", "ImportProblem", "Severity"]

Severity = Literal["error", "warning", "note"]
# The block could not be read: it became an error block (or was left out) and the rest imported.
ERROR: Final[Severity] = "error"
# A value or file could not be used as written: a default or a rename applied instead.
WARNING: Final[Severity] = "warning"
# Something Open edX ignores was ignored (drafts/, a comment, a policy for an absent block).
NOTE: Final[Severity] = "note"


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
