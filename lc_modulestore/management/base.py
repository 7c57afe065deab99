"""
What every ``lc_*`` command shares: ``--help`` ending with examples, a one-line summary as the
last line of its output, ``--json`` for scripts (the JSON alone on stdout, the summary on stderr),
and a non-zero exit status on failure (``CommandError``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandParser, DjangoHelpFormatter

__all__ = ["OperatorCommand", "on_terminal"]


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's option order, with the examples' line breaks kept."""


def on_terminal() -> bool:
    """Progress bars only for a person watching (stderr is a terminal), never in logs or pipes."""
    return sys.stderr.isatty()


class OperatorCommand(BaseCommand):
    examples = ""  # shell lines, one per example, shown at the end of --help

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        if self.examples:
            lines = [f"  manage.py {line}" if line and not line.startswith("#") else f"  {line}" for line in
                     self.examples.strip().splitlines()]  # fmt: skip
            kwargs.setdefault("epilog", "examples:\n" + "\n".join(lines))
        return super().create_parser(prog_name, subcommand, **kwargs)

    def write_json(self, document: Any) -> None:
        self.stdout.write(
            orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str).decode()
        )

    def summary(self, text: str, *, as_json: bool = False, ok: bool = True) -> None:
        """The one-line summary: last on stdout, or on stderr when stdout carries JSON."""
        styled = self.style.SUCCESS(text) if ok else self.style.ERROR(text)
        (self.stderr if as_json else self.stdout).write(styled)
