"""
An import's problems as the commands print them (``lc_import_olx``, ``lc_show``): one line each,
severity first, then where, the block, what is wrong and what the import did, so an operator can
grep a long list by severity, file or block.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from django.core.management.color import Style

from compile.import_report import ERROR, NOTE, WARNING, ImportProblem
from lc_modulestore.importing.models import problem_summary

__all__ = ["problem_counts", "write_problems"]


def write_problems(write: Callable[[str], None], style: Style, problems: Iterable[ImportProblem]) -> None:
    styles: dict[str, Callable[[str], str]] = {ERROR: style.ERROR, WARNING: style.WARNING, NOTE: str}
    for problem in problems:
        action = f" ({problem.action})" if problem.action else ""
        line = f"{problem.severity}: {problem.where or '-'}: {problem.key or '-'}: {problem.message}{action}"
        write(styles[problem.severity](line))


def problem_counts(problems: Iterable[ImportProblem]) -> str:
    counts = Counter(problem.severity for problem in problems)
    return problem_summary(counts[ERROR], counts[WARNING], counts[NOTE])
