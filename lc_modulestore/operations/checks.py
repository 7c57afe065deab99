"""
System checks (``manage.py check``; the database ones with ``--database default``, and before
every ``migrate``): the misconfigurations that would otherwise show only when a request or a
publish hits them. Ids are ``lc_modulestore.E00n`` (errors) and ``lc_modulestore.W00n`` (warnings).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connections
from openedx_content.settings_api import openedx_content_backcompat_apps_to_install

from .. import conf
from ..courses.models import BlockEntity, CourseBinding
from ..serving.flags import DEFAULT_FLAG_NAME, ServingFlag
from ..serving.models import CourseFlagOverride
from ..storage.models import CourseIndex
from .contentstore_settings import LEARNING_CORE_CONTENTSTORE
from .modulestore_settings import learning_core_stores

__all__ = ["REQUIRED_APPS", "register_checks"]

REQUIRED_APPS = ("openedx_content", *openedx_content_backcompat_apps_to_install(), "openedx_catalog")
TAG = "lc_modulestore"


def register_checks() -> None:
    checks.register(check_learning_core_apps, TAG)
    checks.register(check_structure_cache, TAG, checks.Tags.caches)
    checks.register(check_async_compile, TAG)
    checks.register(check_serving_switch, TAG)
    checks.register(check_flags_have_structures, TAG, checks.Tags.database)
    checks.register(check_store_fallback, TAG, checks.Tags.database)
    checks.register(check_block_key_collation, TAG, checks.Tags.database)


def missing_apps(installed: Iterable[str]) -> list[checks.CheckMessage]:
    names = set(installed)
    missing = [name for name in REQUIRED_APPS if name not in names]
    if not missing:
        return []
    return [
        checks.Error(
            f"Learning Core apps missing from INSTALLED_APPS: {', '.join(missing)}",
            hint='Install them next to "lc_modulestore": "openedx_content",'
            " *openedx_content_backcompat_apps_to_install() (openedx_content.settings_api),"
            ' "openedx_catalog".',
            id="lc_modulestore.E001",
        )
    ]


def check_learning_core_apps(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return missing_apps(config.name for config in apps.get_app_configs())


def check_structure_cache(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    alias = conf.STRUCTURE_CACHE.value
    if alias is None or alias in settings.CACHES:
        return []
    return [
        checks.Error(
            f"LC_MODULESTORE_STRUCTURE_CACHE names the cache {alias!r}, which is not in CACHES",
            hint=f"Add {alias!r} to CACHES (memcached, redis, or django_mysql.cache.MySQLCache), name an"
            " existing alias, or set LC_MODULESTORE_STRUCTURE_CACHE = None for no shared cache.",
            id="lc_modulestore.E002",
        )
    ]


def check_async_compile(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not conf.COMPILE_ASYNC.value:
        return []
    try:
        import_module("celery")
    except ImportError:
        return [
            checks.Error(
                "LC_MODULESTORE_COMPILE_ASYNC is on but Celery cannot be imported",
                hint="pip install 'lc-modulestore[celery]' and run a worker, or set"
                " LC_MODULESTORE_COMPILE_ASYNC = False (publishes then compile in the publishing"
                " process, as they do meanwhile).",
                id="lc_modulestore.E003",
            )
        ]
    return []


def check_serving_switch(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """
    The platform plugin wraps the stores while settings load; a settings file that sets them again
    afterwards (Tutor's sets ``CONTENTSTORE``), or a store it does not recognize, leaves one unwrapped.
    """
    if not conf.SERVE.value:
        return []
    messages: list[checks.CheckMessage] = []
    again = (
        "a settings file that sets it after the platform's production settings (Tutor's) must end with"
        " `from lc_modulestore.plugin_settings import configure; configure(globals())`"
    )
    if not learning_core_stores(getattr(settings, "MODULESTORE", None) or {}):
        messages.append(
            checks.Warning(
                "LC_MODULESTORE_SERVE is on, but MODULESTORE has no LearningCoreModuleStore: every course"
                " is served by the other stores",
                hint=f"MODULESTORE needs a Split store (DraftVersioningModuleStore) to wrap; {again}.",
                id="lc_modulestore.W003",
            )
        )
    engine = (getattr(settings, "CONTENTSTORE", None) or {}).get("ENGINE")
    if engine != LEARNING_CORE_CONTENTSTORE:
        messages.append(
            checks.Warning(
                f"LC_MODULESTORE_SERVE is on, but CONTENTSTORE's engine is {engine!r}: course files of"
                " courses served from Learning Core are not found",
                hint="Only MongoContentStore is wrapped by the switch; wrap another engine yourself"
                " (lc_modulestore.operations.contentstore_settings.serve_files_from_learning_core),"
                f" and {again}.",
                id="lc_modulestore.W004",
            )
        )
    return messages


def _wanted(databases: Sequence[str] | None) -> bool:
    return bool(databases) and "default" in (databases or ())


def _flag_names() -> set[str]:
    names = {
        str(store.get("OPTIONS", {}).get("flag_name", DEFAULT_FLAG_NAME))
        for store in learning_core_stores(getattr(settings, "MODULESTORE", {}) or {})
    }
    return names or {DEFAULT_FLAG_NAME}


def check_flags_have_structures(
    app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    if not _wanted(databases):
        return []
    try:
        return _flags_without_structures()
    except DatabaseError:  # tables not migrated yet (migrate runs the checks first)
        return []


def _flags_without_structures() -> list[checks.CheckMessage]:
    compiled = {str(key).lower() for key in CourseIndex.objects.values_list("binding__course_key", flat=True)}
    bound = {str(key).lower(): str(key) for key in CourseBinding.objects.values_list("course_key", flat=True)}
    messages: list[checks.CheckMessage] = []

    def warn(course: str, source: str) -> None:
        state = (
            "is not bound to a learning package" if course.lower() not in bound else "has nothing compiled"
        )
        messages.append(
            checks.Warning(
                f"The Learning Core flag is on for {course} ({source}), but it {state}: the fallback store"
                " serves it meanwhile",
                hint=f"Import or compile it (lc_import_olx, lc_compile {course}), or turn its flag off"
                f" (lc_flag unset {course}); lc_status {course} says where it stands.",
                id="lc_modulestore.W001",
            )
        )

    for flag_name in sorted(_flag_names()):
        flag = ServingFlag(flag_name)
        for lowered, key in sorted(bound.items()):
            decision = flag.explain(key)
            if lowered not in compiled and decision.enabled:
                warn(key, decision.source)
        overridden = CourseFlagOverride.objects.filter(flag_name=flag_name, enabled=True)
        for override in overridden.values_list("course_key", flat=True):
            if str(override).lower() not in bound:
                warn(str(override), "course override")
    return messages


def check_store_fallback(
    app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    if not _wanted(databases):
        return []
    stores = [
        s for s in learning_core_stores(getattr(settings, "MODULESTORE", {}) or {})
        if not s.get("OPTIONS", {}).get("fallback")
    ]  # fmt: skip
    messages: list[checks.CheckMessage] = []
    for store in stores:
        flag = ServingFlag(str(store.get("OPTIONS", {}).get("flag_name", DEFAULT_FLAG_NAME)))
        try:
            bound = [str(key) for key in CourseBinding.objects.values_list("course_key", flat=True)]
            off = [key for key in bound if not flag.is_enabled(key)]
        except DatabaseError:
            return []
        if not off and flag.global_enabled():
            continue
        some = ", ".join(sorted(off)[:3]) or "every course without an override (the global flag is off)"
        messages.append(
            checks.Warning(
                f"The store {store.get('NAME')!r} has no fallback, and the Learning Core flag is off for"
                f" some courses ({some}): they will not be found",
                hint="Give the store Split's configuration as OPTIONS['fallback']"
                " (lc_modulestore.operations.modulestore_settings.serve_split_from_learning_core does),"
                " or turn the flag on for every course.",
                id="lc_modulestore.W002",
            )
        )
    return messages


def check_block_key_collation(
    app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    if not _wanted(databases):
        return []
    connection = connections["default"]
    if connection.vendor != "mysql":
        return []  # SQLite and PostgreSQL compare case-sensitively already
    table = BlockEntity._meta.db_table
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_name, collation_name FROM information_schema.columns"
                " WHERE table_schema = DATABASE() AND table_name = %s"
                " AND column_name IN ('block_type', 'block_id')",
                [table],
            )
            collations = {str(name).lower(): str(collation) for name, collation in cursor.fetchall()}
    except DatabaseError:
        return []
    wrong = {name: collation for name, collation in collations.items() if not collation.endswith("_bin")}
    if not wrong:
        return []
    found = ", ".join(f"{name} {collation}" for name, collation in sorted(wrong.items()))
    return [
        checks.Error(
            f"{table} compares block keys case-insensitively ({found}): blocks 'Intro' and 'intro'"
            " of one course would collide",
            hint="Run the app's migrations (0003 gives those columns utf8mb4_bin); if a restore or"
            f" a conversion reset them: ALTER TABLE {table} MODIFY block_type varchar(64) CHARACTER SET"
            " utf8mb4 COLLATE utf8mb4_bin NOT NULL, MODIFY block_id varchar(255) CHARACTER SET utf8mb4"
            " COLLATE utf8mb4_bin NOT NULL",
            id="lc_modulestore.E004",
        )
    ]
