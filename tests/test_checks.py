"""
The system checks: each triggered by the misconfiguration it is for, and silent on a good one.
(The MySQL collation check and django-mysql's checks are in ``test_mysql_operations.py``.)
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from django.core import checks
from django.test import override_settings
from waffle.models import Flag

from lc_modulestore.compiling.receivers import compiles_paused
from lc_modulestore.models import CourseBinding
from lc_modulestore.operations.checks import REQUIRED_APPS, missing_apps
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override, set_org_override

from .conftest import SAMPLE_COURSE

pytestmark = pytest.mark.django_db
KEY = "course-v1:LCDemo+LC101+2026"
STORE = "lc_modulestore.store.modulestore.LearningCoreModuleStore"


def ids(*, database: bool = True) -> list[str]:
    found = checks.run_checks(tags=["lc_modulestore"], databases=["default"] if database else None)
    return [message.id for message in found if message.id]


def messages(check_id: str) -> list[checks.CheckMessage]:
    return [m for m in checks.run_checks(tags=["lc_modulestore"], databases=["default"]) if m.id == check_id]


@pytest.fixture
def compiled(run_import: Any) -> CourseBinding:
    run_import(SAMPLE_COURSE)
    return CourseBinding.objects.get()


@pytest.fixture
def uncompiled(run_import: Any) -> CourseBinding:
    with compiles_paused():
        run_import(SAMPLE_COURSE)
    return CourseBinding.objects.get()


def test_a_good_configuration_is_silent(compiled: CourseBinding) -> None:
    set_course_override(DEFAULT_FLAG_NAME, KEY, True)
    assert ids() == []
    assert all(m.hint for m in checks.run_checks(databases=["default"]) if m.id.startswith("lc_modulestore"))


def test_e001_learning_core_apps_missing() -> None:
    (error,) = missing_apps([name for name in REQUIRED_APPS if name != "openedx_catalog"])
    assert error.id == "lc_modulestore.E001" and "openedx_catalog" in error.msg and error.hint
    assert missing_apps(REQUIRED_APPS) == []
    assert "lc_modulestore.E001" not in ids(database=False)  # the test settings install them all


def test_e002_structure_cache_alias_missing() -> None:
    with override_settings(LC_MODULESTORE_STRUCTURE_CACHE="structures"):
        (error,) = messages("lc_modulestore.E002")
        assert "'structures'" in error.msg and "MySQLCache" in error.hint
    with override_settings(LC_MODULESTORE_STRUCTURE_CACHE="default"):
        assert ids() == []


def test_e003_async_compile_without_celery(monkeypatch: pytest.MonkeyPatch) -> None:
    with override_settings(LC_MODULESTORE_COMPILE_ASYNC=True):
        assert ids() == []  # Celery is installed here
        monkeypatch.setitem(sys.modules, "celery", None)
        (error,) = messages("lc_modulestore.E003")
        assert "lc-modulestore[celery]" in error.hint
    assert ids() == []  # not async: Celery is not needed


@pytest.mark.parametrize("level", ["course override", "org override", "global flag"])
def test_w001_flag_on_for_a_course_with_nothing_compiled(uncompiled: CourseBinding, level: str) -> None:
    assert ids() == []  # flag off: nothing to warn about
    if level == "course override":
        set_course_override(DEFAULT_FLAG_NAME, KEY, True)
    elif level == "org override":
        set_org_override(DEFAULT_FLAG_NAME, "LCDemo", True)
    else:
        Flag.objects.create(name=DEFAULT_FLAG_NAME, everyone=True)
    (warning,) = messages("lc_modulestore.W001")
    assert KEY in warning.msg and f"({level})" in warning.msg and "nothing compiled" in warning.msg
    assert f"lc_compile {KEY}" in warning.hint


def test_w001_flag_on_for_a_course_that_is_not_bound(compiled: CourseBinding) -> None:
    set_course_override(DEFAULT_FLAG_NAME, "course-v1:Other+X+Y", True)
    (warning,) = messages("lc_modulestore.W001")
    assert "course-v1:Other+X+Y" in warning.msg and "not bound" in warning.msg


def _modulestore(**options: Any) -> dict[str, Any]:
    store = {"NAME": "split", "ENGINE": STORE, "DOC_STORE_CONFIG": {}, "OPTIONS": options}
    mixed = "xmodule.modulestore.mixed.MixedModuleStore"
    return {"default": {"ENGINE": mixed, "OPTIONS": {"mappings": {}, "stores": [store]}}}


def test_w002_no_fallback_while_some_course_is_off(compiled: CourseBinding) -> None:
    with override_settings(MODULESTORE=_modulestore()):
        (warning,) = messages("lc_modulestore.W002")
        assert KEY in warning.msg and "serve_split_from_learning_core" in warning.hint
        set_course_override(DEFAULT_FLAG_NAME, KEY, True)
        (warning,) = messages("lc_modulestore.W002")  # the global flag is off: other courses are lost
        assert "global flag is off" in warning.msg
        Flag.objects.create(name=DEFAULT_FLAG_NAME, everyone=True)
        assert ids() == []  # every course served from Learning Core: no fallback needed
    with override_settings(MODULESTORE=_modulestore(fallback={"ENGINE": "split.Engine"})):
        set_course_override(DEFAULT_FLAG_NAME, KEY, False)
        assert ids() == []


def test_w003_w004_switch_on_but_a_store_is_not_wrapped() -> None:
    mongo = {"ENGINE": "xmodule.contentstore.mongo.MongoContentStore", "DOC_STORE_CONFIG": {}}
    with override_settings(LC_MODULESTORE_SERVE=False, MODULESTORE={}, CONTENTSTORE=mongo):
        assert ids(database=False) == []  # switch off: the site configures its stores itself
    with override_settings(LC_MODULESTORE_SERVE=True, MODULESTORE={}, CONTENTSTORE=mongo):
        assert ids(database=False) == ["lc_modulestore.W003", "lc_modulestore.W004"]
        (warning,) = messages("lc_modulestore.W004")
        assert "MongoContentStore" in warning.msg and "configure(globals())" in warning.hint
    wrapped = {"ENGINE": "lc_modulestore.contentstore.LearningCoreContentStore", "DOC_STORE_CONFIG": {}}
    with override_settings(
        LC_MODULESTORE_SERVE=True, MODULESTORE=_modulestore(fallback={"ENGINE": "s"}), CONTENTSTORE=wrapped
    ):
        assert ids(database=False) == []


def test_database_checks_wait_for_a_database() -> None:
    set_course_override(DEFAULT_FLAG_NAME, "course-v1:Other+X+Y", True)
    assert ids(database=False) == []  # plain `check` does not query; `check --database default` does
    assert ids() == ["lc_modulestore.W001"]
