"""
``CONTENTSTORE`` with course files served from Learning Core, in one call from a settings file,
next to :func:`~lc_modulestore.operations.modulestore_settings.serve_split_from_learning_core`::

    from lc_modulestore.operations.contentstore_settings import serve_files_from_learning_core
    CONTENTSTORE = serve_files_from_learning_core(CONTENTSTORE)

The site's engine (``MongoContentStore``) becomes the ``fallback_engine`` of
``LearningCoreContentStore``, with the same ``DOC_STORE_CONFIG`` (the platform's ``contentstore()``
passes those options to the engine, which passes them on to the fallback when it builds it) and the
same ``ADDITIONAL_OPTIONS``. Imports nothing of Django or of the app: settings are not configured
when a settings file runs.
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from typing import Any

__all__ = ["LEARNING_CORE_CONTENTSTORE", "MONGO_CONTENTSTORE", "serve_files_from_learning_core"]

LEARNING_CORE_CONTENTSTORE = "lc_modulestore.contentstore.LearningCoreContentStore"
# The engine edx-platform and Tutor configure.
MONGO_CONTENTSTORE = "xmodule.contentstore.mongo.MongoContentStore"


def serve_files_from_learning_core(
    contentstore: dict[str, Any],
    *,
    flag_name: str | None = None,
    replacing: Collection[str] | None = None,
) -> dict[str, Any]:
    """
    A copy of ``contentstore`` whose engine is ``LearningCoreContentStore`` over the one configured.
    Calling it on a setting already wrapped returns an equal copy; the input is not changed.
    ``flag_name`` names the serving flag, which must be the modulestore's (default:
    ``lc_modulestore.serve_from_learning_core``). ``replacing`` lists the engines it may put itself
    in front of (the platform plugin passes ``MONGO_CONTENTSTORE``: an engine it has not been tested
    over is not wrapped behind an operator's back); None takes any.

    Raises ValueError when no engine is configured, or one ``replacing`` does not list.
    """
    result = copy.deepcopy(contentstore)
    engine = result.get("ENGINE")
    if not engine:
        raise ValueError("CONTENTSTORE has no ENGINE to serve course files from Learning Core in front of")
    if replacing is not None and engine != LEARNING_CORE_CONTENTSTORE and engine not in replacing:
        raise ValueError(
            f"CONTENTSTORE's ENGINE {engine!r} is not one to serve course files from Learning Core in"
            f" front of (expected one of {sorted(replacing)})"
        )
    options = dict(result.get("DOC_STORE_CONFIG") or {})
    if engine != LEARNING_CORE_CONTENTSTORE:
        options = {"fallback_engine": engine, **options}
    if flag_name is not None:
        options["flag_name"] = flag_name
    result["ENGINE"] = LEARNING_CORE_CONTENTSTORE
    result["DOC_STORE_CONFIG"] = options
    return result
