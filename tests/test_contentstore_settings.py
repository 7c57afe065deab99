"""
``serve_files_from_learning_core`` on the shape of edx-platform's own ``CONTENTSTORE``
(lms/envs/common.py and Tutor: ``MongoContentStore`` with its ``DOC_STORE_CONFIG``, sometimes
``ADDITIONAL_OPTIONS``), and what the platform's ``contentstore()`` then passes the engine.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lc_modulestore.operations.contentstore_settings import (
    LEARNING_CORE_CONTENTSTORE,
    serve_files_from_learning_core,
)

MONGO = "xmodule.contentstore.mongo.MongoContentStore"


def platform_contentstore() -> dict[str, Any]:
    return {
        "ENGINE": MONGO,
        "ADDITIONAL_OPTIONS": {"trashcan": {"bucket": "trash_fs"}},
        "DOC_STORE_CONFIG": {"db": "edxapp", "host": "mongodb", "port": 27017, "user": None},
    }


def engine_options(setting: dict[str, Any], name: str = "default") -> dict[str, Any]:
    """What ``xmodule.contentstore.django.contentstore(name)`` passes the engine's constructor."""
    options = dict(setting["DOC_STORE_CONFIG"])
    options.update(setting.get("ADDITIONAL_OPTIONS", {}).get(name, {}))
    return options


def test_the_site_engine_becomes_the_fallback_with_its_own_options() -> None:
    site = platform_contentstore()
    before = copy.deepcopy(site)
    wrapped = serve_files_from_learning_core(site)

    assert site == before  # the input is not changed
    assert wrapped["ENGINE"] == LEARNING_CORE_CONTENTSTORE
    assert engine_options(wrapped) == {"fallback_engine": MONGO, **before["DOC_STORE_CONFIG"]}
    # The trashcan store gets its bucket too, passed on to its fallback.
    assert engine_options(wrapped, "trashcan")["bucket"] == "trash_fs"
    assert wrapped["ADDITIONAL_OPTIONS"] == before["ADDITIONAL_OPTIONS"]


def test_wrapping_twice_changes_nothing_more_and_the_flag_can_be_named() -> None:
    once = serve_files_from_learning_core(platform_contentstore())
    assert serve_files_from_learning_core(once) == once
    named = serve_files_from_learning_core(platform_contentstore(), flag_name="my.flag")
    assert named["DOC_STORE_CONFIG"]["flag_name"] == "my.flag"


def test_a_setting_without_an_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="no ENGINE"):
        serve_files_from_learning_core({"DOC_STORE_CONFIG": {}})
