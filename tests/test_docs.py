"""
The docs against the code (also run by ``make lint``): every setting and every management command
README.rst and docs/*.md name exists, every file of the project they name is there, and README.rst
renders without a docutils warning (PyPI renders it: a warning there is a page that lost a section).
And the rule the docs cannot show: a module over 400 lines says why on its first line.
"""

from __future__ import annotations

import importlib.util
import io
import re
from pathlib import Path
from typing import Any

import docutils.core
import pytest

from lc_modulestore import conf

PROJECT = Path(__file__).resolve().parents[1]
README = PROJECT / "README.rst"
DOCS = [README, *sorted((PROJECT / "docs").glob("*.md"))]
COMMANDS = {path.stem for path in (PROJECT / "lc_modulestore" / "management" / "commands").glob("lc_*.py")}
TUTOR_CONFIG = PROJECT / "tutor-contrib-lc-modulestore" / "tutorlcmodulestore" / "config.py"

SETTING = re.compile(r"\bLC_MODULESTORE_[A-Z0-9_]*[A-Z0-9]\b")
# An ``lc_`` word that is not a dotted or slashed path: a command, unless it is one of the names below.
LC_WORD = re.compile(r"(?<![\w./-])lc_[a-z0-9_]+\b(?![./:])")
NOT_COMMANDS = {
    "lc_modulestore": "the package, the app label and the Tutor plugin",
    "lc_structures": "a CACHES alias in OPERATIONS.md's example",
    "lc_structure_cache": "that cache's table",
}
# A path in this project (not one in the platform's or openedx-core's tree: ``xmodule/tests/...``).
PROJECT_PATH = re.compile(
    r"(?<![\w/:.-])(?:lc_modulestore|compile|tests|docs|settings)/[\w/.-]*\w\.(?:py|md|sh|rst)\b"
)


def tutor_config_keys() -> set[str]:
    """The Tutor plugin's config keys (``LC_MODULESTORE_PIP_SPEC`` ...), named in the README's Tutor part."""
    if not TUTOR_CONFIG.is_file():
        return set()
    spec = importlib.util.spec_from_file_location("_lc_tutor_config", TUTOR_CONFIG)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # the file imports nothing: its docstring says so
    defaults: dict[str, Any] = module.DEFAULTS
    return set(defaults)


def named(pattern: re.Pattern[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for doc in DOCS:
        for match in pattern.finditer(doc.read_text()):
            found.setdefault(match.group(0), set()).add(doc.name)
    return found


def test_every_setting_the_docs_name_exists() -> None:
    known = {setting.name for setting in conf.ALL_SETTINGS} | tutor_config_keys()
    unknown = {name: sorted(docs) for name, docs in named(SETTING).items() if name not in known}
    assert not unknown, f"settings the docs name that lc_modulestore/conf.py does not have: {unknown}"


def test_every_command_the_docs_name_exists() -> None:
    assert {"lc_import_olx", "lc_compile", "lc_status", "lc_show", "lc_flag"} <= COMMANDS
    unknown = {
        name: sorted(docs)
        for name, docs in named(LC_WORD).items()
        if name not in COMMANDS and name not in NOT_COMMANDS
    }
    assert not unknown, f"commands the docs name that lc_modulestore/management/commands/ lacks: {unknown}"


def test_every_project_file_the_docs_name_exists() -> None:
    missing = {
        path: sorted(docs) for path, docs in named(PROJECT_PATH).items() if not (PROJECT / path).exists()
    }
    assert not missing, f"files the docs name that are not in the project: {missing}"


def test_the_readme_renders_without_a_warning() -> None:
    warnings = io.StringIO()
    docutils.core.publish_doctree(
        README.read_text(),
        source_path=str(README),
        settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": warnings},
    )
    assert warnings.getvalue() == ""


def test_the_readme_renders_as_pypi_renders_it() -> None:
    renderer = pytest.importorskip("readme_renderer.rst", reason="readme_renderer comes with twine")
    html = renderer.render(README.read_text(), stream=io.StringIO())
    assert html is not None
    for heading in ("Quick start", "Settings", "Guarantees", "Performance"):
        assert re.search(rf"<h\d>{heading}<", html), f"the README's {heading!r} heading is lost when rendered"


def test_every_module_over_400_lines_says_why() -> None:
    modules = [
        path
        for folder in ("lc_modulestore", "compile", "settings")
        for path in (PROJECT / folder).rglob("*.py")
        if "migrations" not in path.parts
    ]
    silent = [
        str(path.relative_to(PROJECT))
        for path in modules
        if len(path.read_text().splitlines()) > 400 and not path.read_text().startswith("# Over 400 lines: ")
    ]
    assert not silent, f"over 400 lines without the one-line reason (or split them): {silent}"
