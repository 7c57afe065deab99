"""
``MODULESTORE`` with Split served through ``LearningCoreModuleStore``, in one call from a
settings file (``lms/envs/...`` or a Tutor plugin), so that operators do not copy the platform's
store configuration by hand::

    from lc_modulestore.operations.modulestore_settings import serve_split_from_learning_core
    MODULESTORE = serve_split_from_learning_core(MODULESTORE)

Imports nothing of Django or of the app: settings are not configured when a settings file runs.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

__all__ = [
    "LEARNING_CORE_ENGINE",
    "SPLIT_ENGINE_SUFFIXES",
    "learning_core_stores",
    "serve_split_from_learning_core",
]

LEARNING_CORE_ENGINE = "lc_modulestore.store.modulestore.LearningCoreModuleStore"
# Split's engines: the draft-aware one the platform configures, and its read-only base.
SPLIT_ENGINE_SUFFIXES = (".DraftVersioningModuleStore", ".SplitMongoModuleStore")
# Options the wrapper takes from Split's entry (the rest stay with the fallback alone).
SHARED_OPTIONS = ("default_class", "fs_root", "render_template")


def _stores(modulestore: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every store entry: Mixed's listed stores, or a bare store given as ``default``."""
    for entry in modulestore.values():
        if not isinstance(entry, dict):
            continue
        stores = entry.get("OPTIONS", {}).get("stores")
        if isinstance(stores, list):
            yield from (store for store in stores if isinstance(store, dict))
        elif "ENGINE" in entry:
            yield entry


def learning_core_stores(modulestore: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``LearningCoreModuleStore`` entries of a ``MODULESTORE`` setting."""
    return [store for store in _stores(modulestore) if str(store.get("ENGINE", "")) == LEARNING_CORE_ENGINE]


def serve_split_from_learning_core(
    modulestore: dict[str, Any], *, flag_name: str | None = None
) -> dict[str, Any]:
    """
    A copy of ``modulestore`` in which Split's entry is a ``LearningCoreModuleStore`` under the
    same ``NAME`` (Studio and Mixed look the store up by name), with Split's own entry as its
    ``fallback`` and Split's ``default_class``, ``fs_root`` and ``render_template``. Every other
    store is left as it is; the input is not changed. Calling it on a setting already wrapped
    returns an equal copy. ``flag_name`` names the serving flag (default:
    ``lc_modulestore.serve_from_learning_core``).

    Raises ValueError when no Split store is configured, naming the engines found.
    """
    result = copy.deepcopy(modulestore)
    wrapped = False
    for store in _stores(result):
        engine = str(store.get("ENGINE", ""))
        if engine == LEARNING_CORE_ENGINE:
            wrapped = True
            continue
        if not engine.endswith(SPLIT_ENGINE_SUFFIXES):
            continue
        split = copy.deepcopy(store)
        options = {
            name: split["OPTIONS"][name] for name in SHARED_OPTIONS if name in split.get("OPTIONS", {})
        }
        options["fallback"] = split
        if flag_name is not None:
            options["flag_name"] = flag_name
        store.clear()
        store.update({"NAME": split.get("NAME", "split"), "ENGINE": LEARNING_CORE_ENGINE})
        store.update({"DOC_STORE_CONFIG": {}, "OPTIONS": options})
        wrapped = True
    if not wrapped:
        engines = sorted(str(store.get("ENGINE")) for store in _stores(modulestore))
        raise ValueError(
            f"MODULESTORE configures no Split store to serve from Learning Core (engines: {engines})"
        )
    return result
