"""
docs/OPERATIONS.md's rollout and rollback, run as written: every ``python manage.py`` line of
those two sections, in order, in a scratch directory (database and media), each expected to exit 0,
and the import printing what the guide shows.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
GUIDE = PROJECT / "docs" / "OPERATIONS.md"
SECTIONS = ("## 2. Rolling one course out", "## 3. Rolling back")
KEY = "course-v1:LCDemo+LC101+2026"


def walkthrough_commands() -> list[str]:
    """The ``python manage.py`` lines of the bash blocks in the rollout and rollback sections."""
    text = GUIDE.read_text()
    commands: list[str] = []
    for heading in SECTIONS:
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S):
            commands += [line for line in block.splitlines() if line.startswith("python manage.py ")]
    return commands


def shown_import_output() -> list[str]:
    """The output the rollout section shows for its import (its first ``text`` block)."""
    section = GUIDE.read_text().split(SECTIONS[0], 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```text\n(.*?)```", section, flags=re.S)[0].splitlines()


def test_the_guide_has_a_walkthrough() -> None:
    commands = walkthrough_commands()
    assert commands[0] == "python manage.py migrate"
    assert any("lc_flag on" in c for c in commands) and any("lc_flag off" in c for c in commands)


def test_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.walkthrough_settings", "LC_VAR_DIR": str(tmp_path)}
    outputs: dict[str, str] = {}
    for command in walkthrough_commands():
        argv = shlex.split(command)
        assert argv[:2] == ["python", "manage.py"]
        done = subprocess.run(
            [sys.executable, *argv[1:]], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            pytest.fail(f"{command!r} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        outputs[command] = done.stdout
    assert (tmp_path / "lc_modulestore.sqlite3").is_file()  # the scratch database, not var/
    imported = next(out for command, out in outputs.items() if " lc_import_olx " in command)
    assert imported.splitlines() == shown_import_output()  # the guide shows what the import prints
    status = next(out for command, out in outputs.items() if "lc_status" in command and "--json" in command)
    (course,) = json.loads(status)["courses"]
    assert course["course_key"] == KEY and course["served"] and course["flag_source"] == "course override"
    after = next(
        out for command, out in outputs.items() if command.startswith("python manage.py lc_flag show")
    )
    assert "global flag" in after  # rolled back to the default
