"""
The LMS and Studio settings Tutor renders with the plugin enabled: what they say, and what they do
when run (``settings_exec``): with the switch off, Tutor's own stores; on, the configuration
README.rst documents, over the ``MODULESTORE`` and ``CONTENTSTORE`` Tutor's own code defines.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PROJECT, Site, new_site
from readme import documented_configuration, without_default_flag
from settings_exec import MIXED_ENGINE, MONGO_CONTENTSTORE, SPLIT_ENGINE, DerivedDataDir, execute_settings

SETTINGS = [("lms", "production"), ("lms", "development"), ("cms", "production"), ("cms", "development")]
SERVE = "LC_MODULESTORE_SERVE=true"
LC_MODULESTORE = "lc_modulestore.store.modulestore.LearningCoreModuleStore"
LC_CONTENTSTORE = "lc_modulestore.contentstore.LearningCoreContentStore"


def settings_file(site: Site, service: str, kind: str) -> Path:
    return site.rendered("apps", "openedx", "settings", service, f"{kind}.py")


def run(site: Site, service: str, kind: str, work_dir: Path, **kwargs: Any) -> dict[str, Any]:
    return execute_settings(settings_file(site, service, kind), project=PROJECT, work_dir=work_dir, **kwargs)


def stores(settings: dict[str, Any]) -> list[dict[str, Any]]:
    return settings["MODULESTORE"]["default"]["OPTIONS"]["stores"]


@pytest.mark.parametrize(("service", "kind"), SETTINGS)
def test_the_settings_run_the_plugins_code_after_tutors_stores(site, service, kind):
    text = settings_file(site(SERVE), service, kind).read_text()
    wrap = "MODULESTORE = serve_split_from_learning_core(MODULESTORE)"
    assert 'INSTALLED_APPS.append("lc_modulestore")' in text
    assert "CONTENTSTORE = serve_files_from_learning_core(CONTENTSTORE)" in text
    # After Tutor's own definitions: the wrapped stores are the final ones.
    assert text.index("update_module_store_settings(MODULESTORE") < text.index(wrap)
    assert text.index('store["OPTIONS"]["fs_root"] = DATA_DIR') < text.index(wrap)
    assert text.index("CONTENTSTORE = {") < text.index(wrap)
    assert text.count(wrap) == 1
    off = settings_file(site(), service, kind).read_text()
    assert 'INSTALLED_APPS.append("lc_modulestore")' in off
    assert "serve_split_from_learning_core" not in off and "serve_files_from_learning_core" not in off


@pytest.mark.parametrize(("service", "kind"), SETTINGS)
def test_switch_off_tutors_stores_as_they_are_and_the_app_installed(site, service, kind, tmp_path):
    bare = run(site(plugin=False), service, kind, tmp_path)
    off = run(site(), service, kind, tmp_path)
    assert off["MODULESTORE"] == bare["MODULESTORE"]
    assert off["CONTENTSTORE"] == bare["CONTENTSTORE"]
    assert off["INSTALLED_APPS"] == [*bare["INSTALLED_APPS"], "lc_modulestore"]
    assert off["LC_MODULESTORE_SERVE"] is False
    assert (off["LC_MODULESTORE_COMPILE_ASYNC"], off["LC_MODULESTORE_COMPILE_QUEUE"]) == (False, None)
    assert off["LC_MODULESTORE_STRUCTURE_CACHE"] == "default"
    assert "default" in off["CACHES"]  # the alias exists (the app's system check E002 looks)


@pytest.mark.parametrize(("service", "kind"), SETTINGS)
def test_switch_on_serves_as_readme_documents(site, service, kind, tmp_path):
    bare = run(site(plugin=False), service, kind, tmp_path)
    on = run(site(SERVE), service, kind, tmp_path)
    # What Tutor's own code made of the platform's stores: the stand-ins did not leak through.
    (split,) = [store for store in stores(bare) if store["ENGINE"] == SPLIT_ENGINE]
    assert split["DOC_STORE_CONFIG"]["host"] == "mongodb"
    assert split["OPTIONS"]["fs_root"] == bare["DATA_DIR"] == "/openedx/data/modulestore"
    assert not any(isinstance(store["OPTIONS"]["fs_root"], DerivedDataDir) for store in stores(bare))
    assert bare["CONTENTSTORE"]["ENGINE"] == MONGO_CONTENTSTORE

    modulestore, contentstore, names = documented_configuration(
        split_doc_store_config=split["DOC_STORE_CONFIG"],
        contentstore_doc_store_config=bare["CONTENTSTORE"]["DOC_STORE_CONFIG"],
        data_dir=bare["DATA_DIR"],
    )
    # README's Mixed holds the Learning Core store alone; Tutor's keeps its other stores as they were.
    (documented_store,) = modulestore["default"]["OPTIONS"]["stores"]
    expected = copy.deepcopy(bare["MODULESTORE"])
    expected["default"]["OPTIONS"]["stores"] = [
        documented_store if store["NAME"] == "split" else store for store in stores(bare)
    ]
    assert without_default_flag(on["MODULESTORE"]) == without_default_flag(expected)
    assert modulestore["default"]["ENGINE"] == on["MODULESTORE"]["default"]["ENGINE"] == MIXED_ENGINE
    assert (
        modulestore["default"]["OPTIONS"]["mappings"]
        == on["MODULESTORE"]["default"]["OPTIONS"]["mappings"]
        == {}
    )
    assert without_default_flag(on["CONTENTSTORE"]) == without_default_flag(contentstore)
    assert on["LC_MODULESTORE_STRUCTURE_CACHE"] == names["LC_MODULESTORE_STRUCTURE_CACHE"]

    # The same, said plainly.
    (served,) = [store for store in stores(on) if store["NAME"] == "split"]
    assert served["ENGINE"] == LC_MODULESTORE
    assert served["OPTIONS"]["fallback"] == split
    assert on["CONTENTSTORE"]["ENGINE"] == LC_CONTENTSTORE
    assert on["CONTENTSTORE"]["DOC_STORE_CONFIG"] == {
        "fallback_engine": MONGO_CONTENTSTORE,
        **bare["CONTENTSTORE"]["DOC_STORE_CONFIG"],
    }
    assert on["INSTALLED_APPS"] == [*bare["INSTALLED_APPS"], "lc_modulestore"]
    assert on["LC_MODULESTORE_SERVE"] is True  # the platform plugin's switch, as the system checks read it


def test_app_added_by_the_platform_plugin_is_not_added_twice(site, tmp_path):
    app = "lc_modulestore.apps.LearningCoreModuleStoreConfig"  # as edx-django-utils' get_plugin_apps names it
    on = run(site(SERVE), "lms", "production", tmp_path, extra_apps=[app])
    assert [name for name in on["INSTALLED_APPS"] if name.startswith("lc_modulestore")] == [app]


def test_settings_from_the_configuration(site, tmp_path):
    configured = site(
        SERVE,
        "LC_MODULESTORE_COMPILE_ASYNC=true",
        "LC_MODULESTORE_COMPILE_QUEUE=edx.cms.core.default",
        "LC_MODULESTORE_STRUCTURE_CACHE=null",
        "LC_MODULESTORE_EXTRA_SETTINGS="
        '{"LC_MODULESTORE_COMPILE_COUNTDOWN": 5, "LC_MODULESTORE_COMPILE_DRAFTS": false}',
    )
    for service in ("lms", "cms"):
        settings = run(configured, service, "production", tmp_path)
        assert settings["LC_MODULESTORE_COMPILE_ASYNC"] is True
        assert settings["LC_MODULESTORE_COMPILE_QUEUE"] == "edx.cms.core.default"
        assert settings["LC_MODULESTORE_STRUCTURE_CACHE"] is None
        assert settings["LC_MODULESTORE_COMPILE_COUNTDOWN"] == 5
        assert settings["LC_MODULESTORE_COMPILE_DRAFTS"] is False


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"SECRET_KEY": "x"}', "LC_MODULESTORE_* settings only"),
        ('{"LC_MODULESTORE_COMPILE_COUNTDOWN": {"a": !!set {}}}', "cannot write"),
    ],
)
def test_extra_settings_refused_when_not_lc_modulestores(tmp_path, value, message):
    scratch = new_site(tmp_path)
    scratch.tutor("plugins", "enable", "lc-modulestore")
    result = scratch.tutor("config", "save", "--set", f"LC_MODULESTORE_EXTRA_SETTINGS={value}", check=False)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_learning_core_files_are_on_one_volume_every_process_mounts(site, tmp_path):
    """Course files' bytes (OPENEDX_LEARNING["MEDIA"]): imported by a job, served by the LMS."""
    settings = run(site(SERVE), "lms", "production", tmp_path)
    location = settings["OPENEDX_LEARNING"]["MEDIA"]["OPTIONS"]["location"]
    assert location.startswith("/openedx/media-private/")
    services: dict[str, Any] = {}
    for name in ("docker-compose.yml", "docker-compose.prod.yml", "docker-compose.jobs.yml"):
        services.update(yaml.safe_load(site(SERVE).rendered("local", name).read_text())["services"])
    for service in ("lms", "cms", "lms-worker", "cms-worker", "lms-job", "cms-job"):
        assert "../../data/openedx-media-private:/openedx/media-private:z" in services[service]["volumes"], (
            service
        )
