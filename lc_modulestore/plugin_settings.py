"""
The platform plugin's settings: what ``pip install lc-modulestore`` does to an LMS's and Studio's
settings, through edx-django-utils' ``plugin_app`` (:class:`lc_modulestore.apps.LcModulestoreConfig`
names this module for the common and the production settings of both).

Every ``LC_MODULESTORE_*`` setting the site has not set gets its default (from :mod:`.conf`, so
``manage.py lms diffsettings`` shows them), and with ``LC_MODULESTORE_SERVE = True`` the stores go in
place: Split in ``MODULESTORE`` behind ``LearningCoreModuleStore``, ``MongoContentStore`` in
``CONTENTSTORE`` behind ``LearningCoreContentStore``, each with the store it replaces as its
fallback. Nothing is served from Learning Core until a course's flag is on.

The platform calls it twice: at the end of ``common.py``, before the site's own configuration is
read (the switch is still off there, whatever the site says), and at the end of ``production.py``,
after ``MODULESTORE``, ``CONTENTSTORE`` and the switch have been read from the site's YAML. So it is
idempotent, and it leaves alone what it does not recognize (no Split store, a contentstore engine
other than ``MongoContentStore``), saying so: wrapping a store it has not been tested over would
change a site behind its operator's back. Logging is not configured while settings load; the
warning goes to stderr through Python's last-resort handler, and the system checks
(``lc_modulestore.W003``, ``W004``) say it again once Django runs.

A settings file that loads after the plugin's call and sets the stores again (Tutor's does) calls
:func:`configure` itself, on its ``globals()``. Imports nothing of the app but :mod:`.conf` and the
two helpers, which import no models: settings are not configured when a settings file runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from types import ModuleType
from typing import Any

from . import conf
from .operations.contentstore_settings import MONGO_CONTENTSTORE, serve_files_from_learning_core
from .operations.modulestore_settings import serve_split_from_learning_core

__all__ = ["SWITCH", "configure", "plugin_settings"]

log = logging.getLogger(__name__)

SWITCH = conf.SERVE.name


def plugin_settings(settings: ModuleType) -> None:
    """edx-django-utils' hook (``add_plugins``): ``settings`` is the settings module being loaded."""
    configure(vars(settings))


def configure(namespace: MutableMapping[str, Any]) -> None:
    """
    Give ``namespace`` (a settings module's globals) every ``LC_MODULESTORE_*`` default it lacks and,
    when the switch is on, the stores wrapped. Running it again changes nothing.
    """
    for setting in conf.ALL_SETTINGS:
        namespace.setdefault(setting.name, setting.default)
    if not namespace[SWITCH]:
        return
    _wrap(namespace, "MODULESTORE", serve_split_from_learning_core)
    _wrap(
        namespace,
        "CONTENTSTORE",
        lambda setting: serve_files_from_learning_core(setting, replacing=(MONGO_CONTENTSTORE,)),
    )


def _wrap(
    namespace: MutableMapping[str, Any], name: str, wrap: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    setting = namespace.get(name)
    if not isinstance(setting, dict):
        log.warning("%s is on but %s is not configured: left as it is", SWITCH, name)
        return
    try:
        namespace[name] = wrap(setting)
    except ValueError as exc:
        log.warning("%s is on but %s is left as it is: %s", SWITCH, name, exc)
