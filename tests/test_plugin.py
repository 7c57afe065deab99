"""
The platform plugin through edx-django-utils' own machinery, as the LMS and Studio run it:
``get_plugin_apps`` finds the app from the installed entry points, and ``add_plugins`` runs its
plugin settings over a settings module shaped like the platform's (``MODULESTORE``: Mixed over Split
and the old draft store; ``CONTENTSTORE``: ``MongoContentStore``), at the end of ``common.py`` and
again at the end of ``production.py``.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from edx_django_utils.plugins import add_plugins, get_plugin_apps

from lc_modulestore import conf
from lc_modulestore.apps import CMS, COMMON, LMS, PRODUCTION
from lc_modulestore.operations.contentstore_settings import LEARNING_CORE_CONTENTSTORE
from lc_modulestore.operations.modulestore_settings import LEARNING_CORE_ENGINE, learning_core_stores
from lc_modulestore.plugin_settings import SWITCH, configure

from .test_contentstore_settings import MONGO, platform_contentstore
from .test_modulestore_settings import SPLIT, platform_modulestore

APP = "lc_modulestore.apps.LcModulestoreConfig"
SETTINGS_MODULE = "tests.platform_like_settings"  # registered in sys.modules by the fixture
# The site's stores, built once: ``fs_root`` is a callable (the platform's Derived), equal only to itself.
MODULESTORE = platform_modulestore()
CONTENTSTORE = platform_contentstore()


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """A settings module as ``lms/envs/common.py`` leaves it, importable by ``add_plugins``."""
    module = types.ModuleType(SETTINGS_MODULE)
    module.MODULESTORE = copy.deepcopy(MODULESTORE)  # type: ignore[attr-defined]
    module.CONTENTSTORE = copy.deepcopy(CONTENTSTORE)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, SETTINGS_MODULE, module)
    yield module


def load(project: str, *settings_types: str) -> None:
    for settings_type in settings_types:
        add_plugins(SETTINGS_MODULE, project, settings_type)


@pytest.fixture
def warnings(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    caplog.set_level("WARNING", logger="lc_modulestore.plugin_settings")
    return lambda: [record.getMessage() for record in caplog.records]


@pytest.mark.parametrize("project", [LMS, CMS])
def test_the_platform_finds_the_app_from_its_entry_points(project: str) -> None:
    assert APP in get_plugin_apps(project)


@pytest.mark.parametrize("project", [LMS, CMS])
def test_switch_off_every_default_is_set_and_no_store_is_touched(
    project: str, site: types.ModuleType, warnings: Callable[[], list[str]]
) -> None:
    site.LC_MODULESTORE_COMPILE_ASYNC = True  # type: ignore[attr-defined]  # the site's own value
    load(project, COMMON, PRODUCTION)

    assert site.MODULESTORE == MODULESTORE
    assert site.CONTENTSTORE == CONTENTSTORE
    for setting in conf.ALL_SETTINGS:
        expected = True if setting is conf.COMPILE_ASYNC else setting.default
        assert getattr(site, setting.name) == expected, setting.name
    assert getattr(site, SWITCH) is False
    assert warnings() == []


@pytest.mark.parametrize("project", [LMS, CMS])
def test_switch_on_wraps_split_and_mongo_as_readme_configures_them(
    project: str, site: types.ModuleType, warnings: Callable[[], list[str]]
) -> None:
    load(project, COMMON)  # the site's configuration is read after common.py ...
    setattr(site, SWITCH, True)
    load(project, PRODUCTION)  # ... and production.py's plugin call sees it

    lc_store, draft = site.MODULESTORE["default"]["OPTIONS"]["stores"]
    split, old_draft = MODULESTORE["default"]["OPTIONS"]["stores"]
    assert lc_store == {
        "NAME": "split",
        "ENGINE": LEARNING_CORE_ENGINE,
        "DOC_STORE_CONFIG": {},
        "OPTIONS": {
            "default_class": "xmodule.hidden_block.HiddenBlock",
            "fs_root": split["OPTIONS"]["fs_root"],
            "render_template": "common.djangoapps.edxmako.shortcuts.render_to_string",
            "fallback": split,
        },
    }
    assert split["ENGINE"] == SPLIT and draft == old_draft
    assert {
        "ENGINE": LEARNING_CORE_CONTENTSTORE,
        "DOC_STORE_CONFIG": {"fallback_engine": MONGO, **CONTENTSTORE["DOC_STORE_CONFIG"]},
        "ADDITIONAL_OPTIONS": CONTENTSTORE["ADDITIONAL_OPTIONS"],
    } == site.CONTENTSTORE
    assert warnings() == []


def test_running_again_changes_nothing(site: types.ModuleType) -> None:
    setattr(site, SWITCH, True)
    load(LMS, COMMON, PRODUCTION)
    once = copy.deepcopy(vars(site))
    load(LMS, COMMON, PRODUCTION)
    namespace = dict(vars(site))
    configure(namespace)  # as a settings file loaded later calls it on its globals()
    assert len(learning_core_stores(site.MODULESTORE)) == 1
    for name in ("MODULESTORE", "CONTENTSTORE", *(setting.name for setting in conf.ALL_SETTINGS)):
        assert namespace[name] == getattr(site, name) == once[name], name


def test_stores_it_does_not_recognize_are_left_alone_with_a_warning(
    site: types.ModuleType, warnings: Callable[[], list[str]]
) -> None:
    mongo_only = platform_modulestore()
    del mongo_only["default"]["OPTIONS"]["stores"][0]  # no Split: the old Mongo draft store only
    s3_files = {"ENGINE": "myorg.contentstore.S3ContentStore", "DOC_STORE_CONFIG": {"bucket": "files"}}
    site.MODULESTORE, site.CONTENTSTORE = copy.deepcopy(mongo_only), copy.deepcopy(s3_files)  # type: ignore[attr-defined]
    setattr(site, SWITCH, True)
    load(LMS, PRODUCTION)

    assert mongo_only == site.MODULESTORE and s3_files == site.CONTENTSTORE
    modulestore_warning, contentstore_warning = warnings()
    assert "MODULESTORE is left as it is" in modulestore_warning
    assert "DraftMongoModuleStore" in modulestore_warning
    assert "CONTENTSTORE is left as it is" in contentstore_warning
    assert "S3ContentStore" in contentstore_warning


def test_a_site_without_the_stores_is_told_so(
    site: types.ModuleType, warnings: Callable[[], list[str]]
) -> None:
    del site.MODULESTORE, site.CONTENTSTORE
    setattr(site, SWITCH, True)
    load(LMS, PRODUCTION)
    assert not hasattr(site, "MODULESTORE") and not hasattr(site, "CONTENTSTORE")
    assert [message.split(" is not configured")[0] for message in warnings()] == [
        f"{SWITCH} is on but MODULESTORE",
        f"{SWITCH} is on but CONTENTSTORE",
    ]


def test_settings_time_loads_no_models_and_reads_no_django_settings() -> None:
    """
    What the platform's settings files run of this app, in a fresh process: the entry point loaded
    (as ``get_plugin_apps`` loads it) and its production settings run, with Django not configured.
    (Through ``add_plugins`` itself every installed plugin would run: xblocks-contrib's read settings.)
    """
    modulestore = platform_modulestore()
    for store in modulestore["default"]["OPTIONS"]["stores"]:
        store["OPTIONS"]["fs_root"] = "/edx/var/edxapp/data"  # a literal the child process can read
    code = f"""
import importlib, sys, types
from importlib.metadata import entry_points
from edx_django_utils.plugins import PluginSettings
site = types.ModuleType("site_settings")
site.MODULESTORE = {modulestore!r}
site.CONTENTSTORE = {platform_contentstore()!r}
site.{SWITCH} = True
config = entry_points(group="{LMS}")["lc_modulestore"].load()
path = config.plugin_app[PluginSettings.CONFIG]["{LMS}"]["{PRODUCTION}"][PluginSettings.RELATIVE_PATH]
importlib.import_module(config.name + "." + path).plugin_settings(site)
assert site.CONTENTSTORE["ENGINE"] == "{LEARNING_CORE_CONTENTSTORE}"
ours = ("lc_modulestore", "openedx_content")
loaded = sorted(name for name in sys.modules if name.partition(".")[0] in ours)
print(" ".join(loaded))
from django.conf import settings
assert not settings.configured
"""
    project = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project, timeout=120, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == {
        "lc_modulestore",
        "lc_modulestore.apps",
        "lc_modulestore.conf",
        "lc_modulestore.operations",
        "lc_modulestore.operations.contentstore_settings",
        "lc_modulestore.operations.modulestore_settings",
        "lc_modulestore.plugin_settings",
    }


def test_the_contentstore_wrapper_refuses_an_engine_it_is_not_asked_to_replace() -> None:
    from lc_modulestore.operations.contentstore_settings import serve_files_from_learning_core

    with pytest.raises(ValueError, match="S3ContentStore"):
        serve_files_from_learning_core({"ENGINE": "x.S3ContentStore"}, replacing=(MONGO,))
    ours = serve_files_from_learning_core(platform_contentstore())
    assert serve_files_from_learning_core(ours, replacing=(MONGO,)) == ours  # already ours: as it is
    assert serve_files_from_learning_core({"ENGINE": "x.S3ContentStore"})["DOC_STORE_CONFIG"] == {
        "fallback_engine": "x.S3ContentStore"
    }  # asked by an operator directly, any engine
