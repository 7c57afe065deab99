"""
``serve_split_from_learning_core`` on the shape of edx-platform's own default ``MODULESTORE``
(lms/envs/common.py: Mixed over a Split store and an old Mongo draft store sharing one
``DOC_STORE_CONFIG``, ``fs_root`` derived from the settings). The fixture is written here.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lc_modulestore.operations.modulestore_settings import (
    LEARNING_CORE_ENGINE,
    learning_core_stores,
    serve_split_from_learning_core,
)
from lc_modulestore.serving.modulestore import LearningCoreModuleStore

SPLIT = "xmodule.modulestore.split_mongo.split_draft.DraftVersioningModuleStore"
DRAFT = "xmodule.modulestore.mongo.DraftMongoModuleStore"


def platform_modulestore() -> dict[str, Any]:
    doc_store = {"db": "edxapp", "host": "mongodb", "port": 27017, "collection": "modulestore"}
    options = {
        "default_class": "xmodule.hidden_block.HiddenBlock",
        "fs_root": lambda settings: settings.DATA_DIR,
        "render_template": "common.djangoapps.edxmako.shortcuts.render_to_string",
    }
    return {
        "default": {
            "ENGINE": "xmodule.modulestore.mixed.MixedModuleStore",
            "OPTIONS": {
                "mappings": {},
                "stores": [
                    {
                        "NAME": "split",
                        "ENGINE": SPLIT,
                        "DOC_STORE_CONFIG": doc_store,
                        "OPTIONS": dict(options),
                    },
                    {
                        "NAME": "draft",
                        "ENGINE": DRAFT,
                        "DOC_STORE_CONFIG": doc_store,
                        "OPTIONS": dict(options),
                    },
                ],
            },
        }
    }


def test_split_is_wrapped_under_its_own_name_with_itself_as_fallback() -> None:
    original = platform_modulestore()
    before = copy.deepcopy(original)
    result = serve_split_from_learning_core(original)
    split, draft = result["default"]["OPTIONS"]["stores"]
    assert split["NAME"] == "split" and split["ENGINE"] == LEARNING_CORE_ENGINE
    assert split["DOC_STORE_CONFIG"] == {}
    fallback = split["OPTIONS"].pop("fallback")
    assert fallback["ENGINE"] == SPLIT and fallback["DOC_STORE_CONFIG"]["host"] == "mongodb"
    assert (
        fallback["OPTIONS"].keys()
        == split["OPTIONS"].keys()
        == {"default_class", "fs_root", "render_template"}
    )
    assert split["OPTIONS"]["fs_root"] is before["default"]["OPTIONS"]["stores"][0]["OPTIONS"]["fs_root"]
    assert draft == before["default"]["OPTIONS"]["stores"][1]  # every other store as it was
    assert original["default"]["OPTIONS"]["stores"][0]["ENGINE"] == SPLIT  # the input is left alone
    assert result["default"]["OPTIONS"]["mappings"] == {}


def test_wrapping_twice_changes_nothing_and_the_flag_name_is_passed() -> None:
    once = serve_split_from_learning_core(platform_modulestore(), flag_name="ops.serve_from_lc")
    twice = serve_split_from_learning_core(once)
    assert learning_core_stores(twice) == learning_core_stores(once)
    (store,) = learning_core_stores(once)
    assert store["OPTIONS"]["flag_name"] == "ops.serve_from_lc"


def test_the_wrapped_entry_builds_the_store_with_split_as_its_lazy_fallback() -> None:
    (entry,) = learning_core_stores(serve_split_from_learning_core(platform_modulestore()))
    options = dict(entry["OPTIONS"])
    options["fs_root"] = "/edx/var/edxapp/data"  # what the platform's derive_settings makes of it
    store = LearningCoreModuleStore(doc_store_config=entry["DOC_STORE_CONFIG"], **options)
    assert store._fallback_spec["ENGINE"] == SPLIT and store._fallback is None  # built on first use
    assert store.flag.name == "lc_modulestore.serve_from_learning_core"


def test_without_split_it_says_what_it_found() -> None:
    setting = platform_modulestore()
    del setting["default"]["OPTIONS"]["stores"][0]
    with pytest.raises(ValueError, match=r"no Split store.*DraftMongoModuleStore"):
        serve_split_from_learning_core(setting)


def test_importable_from_a_settings_file_before_django_is_configured() -> None:
    code = (
        "import sys; from lc_modulestore.operations.modulestore_settings"
        " import serve_split_from_learning_core; assert 'django.conf' not in sys.modules, 'imports Django'"
    )
    project = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], cwd=project, check=True, timeout=60)
