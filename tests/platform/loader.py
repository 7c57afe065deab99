"""
Whether this process runs the platform test mode: edx-platform's real read path
(``../shared/platform``) importable, installed by :func:`lc_modulestore.bench.platform.install`.

It has to be installed before ``lc_modulestore`` is imported, as in an LMS where ``xmodule`` is
always importable: the store then raises the platform's own exception classes, builds the
platform's ``BlockData`` and runs on its ``ModuleStoreRuntime``, which is what Mixed and LMS code
catch and expect. So the root conftest installs it first thing when ``LC_TEST_PLATFORM`` is set,
and the platform tests run in a pytest process of their own (``make test-platform``); the rest of
the suite keeps testing the store outside the platform.
"""

from __future__ import annotations

import os

from lc_modulestore.bench import platform

ENV_VAR = "LC_TEST_PLATFORM"

installed = False


def requested() -> bool:
    return bool(os.environ.get(ENV_VAR))


def install() -> None:
    global installed
    installed = platform.install()


def skip_reason() -> str | None:
    """Why the platform tests cannot run in this process, or None when they can."""
    if not platform.present():
        return f"{platform.PLATFORM_DIR} is absent (../shared/platform comes with CI, not with a bare clone)"
    if not installed:
        return (
            f"the platform mode runs in its own process: {ENV_VAR}=1 pytest tests/platform "
            "(make test-platform), so that xmodule is importable before lc_modulestore is, as in an LMS"
        )
    return None
