"""
Executing a settings file Tutor rendered (``env/apps/openedx/settings/{lms,cms}/*.py``) here, where
there is no edx-platform and no Django: what the file imports from the platform is stood in for,
and everything else in it runs as written, the plugin's patch included, in the order Tutor wrote it.

The stand-ins (none of them platform code):

* the platform's settings module the file star-imports (``lms.envs.production``,
  ``cms.envs.devstack``, ...): the values Tutor's code reads and changes have the platform's shape
  (``MODULESTORE`` as ``lms/envs/common.py`` defines it: Mixed over Split and the old Mongo store,
  both sharing ``DOC_STORE_CONFIG``, ``fs_root`` derived; ``CONTENTSTORE``, ``INSTALLED_APPS`` and
  ``DATABASE_ROUTERS`` holding what Tutor removes); every other name the file reads is an
  :class:`Anything`;
* ``xmodule.modulestore.modulestore_settings.update_module_store_settings``, written from its
  documented behaviour (each store's ``DOC_STORE_CONFIG`` and ``OPTIONS`` updated in place);
* ``codejail.jail_code.configure`` (does nothing); ``os.makedirs`` (the folders Tutor creates
  under ``/openedx`` are not created here).

The project's own folder is put first on ``sys.path``, so that the patch's ``from
lc_modulestore.operations... import ...`` imports the project's real helpers (they import nothing
of Django, which is not installed here).
"""

from __future__ import annotations

import ast
import builtins
import sys
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from unittest import mock

__all__ = ["PLATFORM_DOC_STORE_CONFIG", "Anything", "DerivedDataDir", "execute_settings"]

SPLIT_ENGINE = "xmodule.modulestore.split_mongo.split_draft.DraftVersioningModuleStore"
OLD_MONGO_ENGINE = "xmodule.modulestore.mongo.DraftMongoModuleStore"
MIXED_ENGINE = "xmodule.modulestore.mixed.MixedModuleStore"
MONGO_CONTENTSTORE = "xmodule.contentstore.mongo.MongoContentStore"

# The platform's defaults (lms/envs/common.py), before Tutor's Mongo parameters update them.
PLATFORM_DOC_STORE_CONFIG = {
    "db": "edxapp",
    "host": "localhost",
    "replicaSet": "",
    "password": "password",
    "port": 27017,
    "user": "edxapp",
    "collection": "modulestore",
    "ssl": False,
    "socketTimeoutMS": 6000,
    "connectTimeoutMS": 2000,
    "auth_source": None,
    "read_preference": "SECONDARY_PREFERRED",
}


class Anything:
    """A setting the test does not look at: any attribute, item, call or sum is another one."""

    def __getattr__(self, name: str) -> Anything:
        if name.startswith("__"):
            raise AttributeError(name)
        return Anything()

    def __getitem__(self, key: object) -> Anything:
        return Anything()

    def __setitem__(self, key: object, value: object) -> None:
        pass

    def __call__(self, *args: object, **kwargs: object) -> Anything:
        return Anything()

    def __add__(self, other: object) -> Anything:
        return Anything()

    __radd__ = __add__


class DerivedDataDir:
    """The platform's ``fs_root`` (``Derived(lambda settings: settings.DATA_DIR)``); Tutor replaces it."""


def _platform_settings(work_dir: Path, extra_apps: Iterable[str]) -> dict[str, Any]:
    doc_store_config = dict(PLATFORM_DOC_STORE_CONFIG)
    store_options = {
        "default_class": "xmodule.hidden_block.HiddenBlock",
        "fs_root": DerivedDataDir(),
        "render_template": "common.djangoapps.edxmako.shortcuts.render_to_string",
    }
    return {
        "DOC_STORE_CONFIG": doc_store_config,
        "MODULESTORE": {
            "default": {
                "ENGINE": MIXED_ENGINE,
                "OPTIONS": {
                    "mappings": {},
                    "stores": [
                        {
                            "NAME": "split",
                            "ENGINE": SPLIT_ENGINE,
                            "DOC_STORE_CONFIG": doc_store_config,
                            "OPTIONS": dict(store_options),
                        },
                        {
                            "NAME": "draft",
                            "ENGINE": OLD_MONGO_ENGINE,
                            "DOC_STORE_CONFIG": doc_store_config,
                            "OPTIONS": dict(store_options),
                        },
                    ],
                },
            }
        },
        "CONTENTSTORE": {
            "ENGINE": MONGO_CONTENTSTORE,
            "ADDITIONAL_OPTIONS": {},
            "DOC_STORE_CONFIG": doc_store_config,
        },
        "INSTALLED_APPS": [
            "django.contrib.auth",
            "lms.djangoapps.coursewarehistoryextended",
            "openedx_content",
            *extra_apps,
        ],
        "DATABASE_ROUTERS": ["openedx.core.lib.django_courseware_routers.StudentModuleHistoryExtendedRouter"],
        "ENV_TOKENS": {
            "CONTACT_EMAIL": "contact@example.com",
            "LMS_BASE": "lms.test",
            "CMS_BASE": "cms.test",
        },
        "LOG_DIR": str(work_dir / "logs"),
        "STATIC_ROOT": str(work_dir / "static"),
    }


def update_module_store_settings(
    module_store_setting: dict[str, Any],
    doc_store_settings: dict[str, Any] | None = None,
    module_store_options: dict[str, Any] | None = None,
    **_: Any,
) -> None:
    """Stand-in for the platform's: each store's options and doc store config, updated in place."""
    for store in module_store_setting["default"]["OPTIONS"]["stores"]:
        if store["NAME"] != "xml":
            if module_store_options:
                store["OPTIONS"].update(module_store_options)
            if doc_store_settings:
                store["DOC_STORE_CONFIG"].update(doc_store_settings)


def _module(name: str, **attributes: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    module.__path__ = []  # a package, so that its submodules import
    return module


def _free_names(tree: ast.AST) -> set[str]:
    names = [node for node in ast.walk(tree) if isinstance(node, ast.Name)]
    return {node.id for node in names if isinstance(node.ctx, ast.Load)} - set(dir(builtins))


def _star_import(tree: ast.AST) -> str:
    for node in ast.walk(tree):
        star = isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names)
        if star and node.module and node.module.startswith(("lms.envs.", "cms.envs.")):
            return node.module
    raise AssertionError("no 'from lms|cms.envs.X import *' in the rendered settings")


def execute_settings(
    path: Path, *, project: Path, work_dir: Path, extra_apps: Iterable[str] = ()
) -> dict[str, Any]:
    """The settings module's namespace after running the rendered file ``path``."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, str(path))
    base = _star_import(tree)
    values = {name: Anything() for name in _free_names(tree)}
    values.update(_platform_settings(work_dir, extra_apps))
    top, envs = base.split(".")[0], base.rsplit(".", 1)[0]
    stubs = {
        top: _module(top),
        envs: _module(envs),
        base: _module(base, **values),
        "xmodule": _module("xmodule"),
        "xmodule.modulestore": _module("xmodule.modulestore"),
        "xmodule.modulestore.modulestore_settings": _module(
            "xmodule.modulestore.modulestore_settings",
            update_module_store_settings=update_module_store_settings,
        ),
        "codejail": _module("codejail"),
        "codejail.jail_code": _module("codejail.jail_code", configure=lambda *args, **kwargs: None),
    }
    for name, module in stubs.items():
        if "." in name:
            parent, _, child = name.rpartition(".")
            setattr(stubs[parent], child, module)
    namespace: dict[str, Any] = {"__name__": f"{top}.envs.tutor.{path.stem}", "__file__": str(path)}
    # patch.dict puts sys.modules back as it was: the stubs and the project's modules imported here go.
    with (
        mock.patch.dict(sys.modules, stubs),
        mock.patch.object(sys, "path", [str(project), *sys.path]),
        mock.patch("os.makedirs") as makedirs,
    ):
        exec(compile(tree, str(path), "exec"), namespace)
    namespace["__makedirs_calls__"] = makedirs.call_args_list
    return namespace
