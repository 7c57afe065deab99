"""
Puts edx-platform's real read path (``../shared/platform``: unmodified public files plus a few stubs)
on ``sys.path``, as its README says, for the platform test mode.

It has to happen before ``lc_modulestore`` is imported, as in an LMS where ``xmodule`` is always
importable: the store then raises the platform's own exception classes and answers with its
``CourseSummary``, which is what Mixed and LMS code catch and expect. So the root conftest calls
:func:`install` first thing when ``LC_TEST_PLATFORM`` is set, and the platform tests run in a
pytest process of their own (``make test-platform``); the rest of the suite keeps testing the
store outside the platform.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

PLATFORM = Path(__file__).resolve().parents[3] / "shared" / "platform"
ENV_VAR = "LC_TEST_PLATFORM"
# Packages present both as real files (src/) and as stubs: the stubs join the real package's path.
_SHARED_PACKAGES = ("xmodule", "xmodule.util", "xmodule.modulestore")

installed = False


def requested() -> bool:
    return bool(os.environ.get(ENV_VAR))


def skip_reason() -> str | None:
    """Why the platform tests cannot run in this process, or None when they can."""
    if not (PLATFORM / "src" / "xmodule").is_dir():
        return f"{PLATFORM} is not present (../shared/platform comes with CI, not with a bare clone)"
    if not installed:
        return (
            f"the platform mode runs in its own process: {ENV_VAR}=1 pytest tests/platform "
            "(make test-platform), so that xmodule is importable before lc_modulestore is, as in an LMS"
        )
    return None


def install() -> bool:
    """Make ``xmodule`` (and the stubbed ``common``, ``openedx.core``) importable; False if absent."""
    global installed
    if installed:
        return True
    if not (PLATFORM / "src" / "xmodule").is_dir():
        return False
    if "lc_modulestore.exceptions" in sys.modules:
        raise RuntimeError("install the platform before lc_modulestore is imported (see tests/conftest.py)")
    sys.path[:0] = [str(PLATFORM / "src"), str(PLATFORM / "stubs")]
    for name in _SHARED_PACKAGES:
        package = importlib.import_module(name)
        stub_dir = PLATFORM / "stubs" / Path(*name.split("."))
        if stub_dir.is_dir() and str(stub_dir) not in package.__path__:
            package.__path__.append(str(stub_dir))
    installed = True
    return True
