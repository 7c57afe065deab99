"""
Scratch Tutor sites: a ``TUTOR_ROOT`` (and ``TUTOR_PLUGINS_ROOT``) of their own under pytest's
temporary folder, configured with the real ``tutor`` CLI of this environment (Tutor 22 from PyPI).
Nothing here needs Docker or the network.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

PLUGIN_DIR = Path(__file__).resolve().parents[1]
PROJECT = PLUGIN_DIR.parent  # lc-modulestore's repository: lc_modulestore/, README.rst
TUTOR = Path(sys.executable).with_name("tutor")
PLUGIN = "lc-modulestore"


def project_version() -> str:
    """lc-modulestore's version, from its pyproject.toml."""
    text = (PROJECT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'^version = "([^"]+)"$', text, re.MULTILINE)
    assert found, "no version in pyproject.toml"
    return found.group(1)


@dataclass
class Site:
    """One scratch Tutor site."""

    root: Path
    env: dict[str, str]

    def tutor(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(TUTOR), *args], env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=120
        )
        if check and result.returncode != 0:
            output = result.stdout + result.stderr
            raise AssertionError(f"tutor {' '.join(args)} exited {result.returncode}:\n{output}")
        return result

    def rendered(self, *parts: str) -> Path:
        return self.root / "env" / Path(*parts)


def new_site(base: Path) -> Site:
    env = {name: value for name, value in os.environ.items() if not name.startswith("TUTOR_")}
    env.update(TUTOR_ROOT=str(base / "root"), TUTOR_PLUGINS_ROOT=str(base / "plugins"))
    return Site(base / "root", env)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Site]:
    """
    ``site("KEY=VALUE", ...)``: a site with the plugin enabled and ``tutor config save --set
    KEY=VALUE ...`` done (``plugin=False``: without the plugin). One per set of arguments.
    """
    sites: dict[tuple[tuple[str, ...], bool], Site] = {}

    def make(*settings: str, plugin: bool = True) -> Site:
        key = (settings, plugin)
        if key not in sites:
            scratch = new_site(tmp_path_factory.mktemp("tutor"))
            if plugin:
                scratch.tutor("plugins", "enable", PLUGIN)
            scratch.tutor("config", "save", *(arg for setting in settings for arg in ("--set", setting)))
            sites[key] = scratch
        return sites[key]

    return make
