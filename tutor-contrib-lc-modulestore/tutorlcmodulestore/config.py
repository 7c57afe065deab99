"""
The plugin's Tutor configuration keys and their defaults (``tutor config save --set KEY=VALUE``).
Imports nothing, Tutor included, so that anything (the docs check, the tests) can read them.

The keys named like a Django setting of lc-modulestore (``LC_MODULESTORE_COMPILE_ASYNC``,
``..._COMPILE_QUEUE``, ``..._STRUCTURE_CACHE``) set that setting in the LMS and Studio; the others
are the plugin's own.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULTS", "LC_MODULESTORE_VERSION"]

# The lc-modulestore release this plugin release installs (the project's own version).
LC_MODULESTORE_VERSION = "0.1.0"

DEFAULTS: dict[str, Any] = {
    # What the openedx image pip-installs: a requirement (``lc-modulestore==0.1.0``), a VCS URL
    # (``git+https://host/org/lc-modulestore@v0.1.0``) or a wheel's URL.
    "LC_MODULESTORE_VERSION": LC_MODULESTORE_VERSION,
    "LC_MODULESTORE_PIP_SPEC": "lc-modulestore=={{ LC_MODULESTORE_VERSION }}",
    # Install it with every package already in the image as a constraint: a conflict fails the build
    # instead of replacing a package of the platform (openedx-core, Django, ...).
    "LC_MODULESTORE_PIN_PLATFORM_PACKAGES": True,
    # Put LearningCoreModuleStore in front of Split and LearningCoreContentStore in front of
    # MongoContentStore, in the LMS and Studio. Off: the app is installed (import, compile, status,
    # flags all work) and Split serves every course. On: each course's flag decides (lc-flag).
    "LC_MODULESTORE_SERVE": False,
    # Compile publishes in a Celery task, on this queue (None: the Celery app's own routing; the LMS
    # and Studio workers both have the package).
    "LC_MODULESTORE_COMPILE_ASYNC": False,
    "LC_MODULESTORE_COMPILE_QUEUE": None,
    # The CACHES alias holding compiled structures for every process: Tutor's Redis "default" cache
    # (None: no shared cache).
    "LC_MODULESTORE_STRUCTURE_CACHE": "default",
    # Any other LC_MODULESTORE_* Django setting, as {name: value} (e.g. LC_MODULESTORE_COMPILE_COUNTDOWN).
    "LC_MODULESTORE_EXTRA_SETTINGS": {},
}
