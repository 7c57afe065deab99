"""
The Tutor plugin (``tutor plugins enable lc-modulestore``): its configuration defaults, the pip
install in the openedx image, the LMS and Studio settings, the ``do`` jobs, and a checkout of
lc-modulestore mounted with ``tutor mounts add``.
"""

from __future__ import annotations

import math
import re
from importlib import resources
from typing import Any

from tutor import hooks

from .config import DEFAULTS
from .jobs import COMMANDS

__all__ = ["python_literal", "setting_name"]

SETTING_NAME = re.compile(r"LC_MODULESTORE_[A-Z0-9_]+")


def python_literal(value: Any) -> str:
    """A configuration value as Python source, for the settings patch (YAML gives these types)."""
    if isinstance(value, dict):
        for key, item in value.items():
            python_literal(key)
            python_literal(item)
    elif isinstance(value, list | tuple):
        for item in value:
            python_literal(item)
    elif not (value is None or isinstance(value, bool | int | str)) and not (
        isinstance(value, float) and math.isfinite(value)
    ):
        raise TypeError(f"lc-modulestore: cannot write {value!r} ({type(value).__name__}) as a setting")
    return repr(value)


def setting_name(name: Any) -> str:
    """
    A name from LC_MODULESTORE_EXTRA_SETTINGS, checked: lc-modulestore's own settings only, and not
    one that has a configuration key of its own (LC_MODULESTORE_SERVE would switch nothing there).
    """
    extra = "LC_MODULESTORE_EXTRA_SETTINGS"
    if not isinstance(name, str) or not SETTING_NAME.fullmatch(name):
        raise ValueError(f"lc-modulestore: {extra} names LC_MODULESTORE_* settings only, not {name!r}")
    if name in DEFAULTS:
        raise ValueError(f"lc-modulestore: {name} is a configuration key of its own, not one for {extra}")
    return name


def _patch(name: str) -> str:
    return resources.files("tutorlcmodulestore").joinpath("patches", name).read_text(encoding="utf-8")


hooks.Filters.CONFIG_DEFAULTS.add_items(list(DEFAULTS.items()))

hooks.Filters.ENV_TEMPLATE_FILTERS.add_items(
    [("lc_modulestore_python", python_literal), ("lc_modulestore_setting_name", setting_name)]
)

hooks.Filters.ENV_PATCHES.add_items(
    [
        (
            "openedx-dockerfile-post-python-requirements",
            _patch("openedx-dockerfile-post-python-requirements"),
        ),
        # The same in both: each runs at the end of its service's common settings, which the
        # production and development settings both include, after Tutor's MODULESTORE and CONTENTSTORE.
        ("openedx-lms-common-settings", _patch("openedx-common-settings")),
        ("openedx-cms-common-settings", _patch("openedx-common-settings")),
    ]
)

hooks.Filters.CLI_DO_COMMANDS.add_items(COMMANDS)

# `tutor mounts add /path/to/lc-modulestore`: a checkout installed in the images (editable, after the
# pip install above) and bind-mounted in the containers, as Tutor does for XBlocks.
hooks.Filters.MOUNTED_DIRECTORIES.add_item(("openedx", r"lc[-_]modulestore$"))
