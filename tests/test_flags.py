"""
The serving flag: course override > org override > global waffle flag, evaluated on every call
(request-cached inside a request), forcing, and ``manage.py lc_flag``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import crum
import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.test import RequestFactory
from edx_django_utils.cache import RequestCache
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey
from openedx_content import api as content_api
from waffle.models import Flag

from lc_modulestore.models import CourseBinding, CourseFlagOverride, OrgFlagOverride
from lc_modulestore.serving import flags
from lc_modulestore.serving.flags import (
    DEFAULT_FLAG_NAME,
    SERVING_FLAG,
    FlagDecision,
    ServingFlag,
    forced_on,
    normalize_course_key,
    set_course_override,
    set_org_override,
)

pytestmark = pytest.mark.django_db

NAME = DEFAULT_FLAG_NAME
KEY = "course-v1:LCDemo+LC101+2026"
OTHER = "course-v1:LCDemo+LC102+2026"
VERSION = "0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def _clean_caches() -> Iterator[None]:
    # Rolled-back tests leave django-waffle's cached Flag rows and request caches behind otherwise.
    cache.clear()
    RequestCache.clear_all_namespaces()
    crum.set_current_request(None)
    yield
    crum.set_current_request(None)
    RequestCache.clear_all_namespaces()
    cache.clear()


SetGlobal = Callable[..., Flag]


@pytest.fixture
def set_global(django_capture_on_commit_callbacks: Any) -> SetGlobal:
    """Set the global waffle Flag as an operator would: committed, so django-waffle flushes its cache."""

    def set_flag(everyone: bool | None, name: str = NAME, **fields: Any) -> Flag:
        with django_capture_on_commit_callbacks(execute=True):
            flag, _ = Flag.objects.update_or_create(name=name, defaults={"everyone": everyone, **fields})
        return flag

    return set_flag


@pytest.fixture
def in_request() -> Iterator[HttpRequest]:
    """What the LMS's middleware sets up: a current request, a fresh request cache."""
    request = RequestFactory().get("/courses/")
    request.user = AnonymousUser()
    RequestCache.clear_all_namespaces()
    crum.set_current_request(request)
    yield request
    crum.set_current_request(None)
    RequestCache.clear_all_namespaces()


def new_request() -> None:
    """The next request: RequestCacheMiddleware clears the caches between requests."""
    RequestCache.clear_all_namespaces()


# --- precedence --------------------------------------------------------------------------------


def test_no_global_flag_row_is_off() -> None:
    assert SERVING_FLAG.is_enabled(KEY) is False
    assert SERVING_FLAG.explain(KEY) == FlagDecision(False, "global flag", "no waffle Flag row: off")


def test_precedence_course_over_org_over_global(set_global: SetGlobal) -> None:
    set_global(True)
    assert SERVING_FLAG.explain(KEY).source == "global flag"
    assert SERVING_FLAG.is_enabled(KEY) is True

    set_org_override(NAME, "LCDemo", False)
    assert SERVING_FLAG.explain(KEY) == FlagDecision(False, "org override", "LCDemo")
    assert SERVING_FLAG.is_enabled(OTHER) is False

    set_course_override(NAME, KEY, True)
    assert SERVING_FLAG.explain(KEY) == FlagDecision(True, "course override", KEY)
    assert SERVING_FLAG.is_enabled(OTHER) is False  # its own course has no override
    assert SERVING_FLAG.is_enabled("course-v1:Elsewhere+X+1") is True  # other org: global

    set_global(False)
    set_org_override(NAME, "LCDemo", True)
    set_course_override(NAME, KEY, False)
    assert SERVING_FLAG.is_enabled(KEY) is False
    assert SERVING_FLAG.is_enabled(OTHER) is True
    assert SERVING_FLAG.is_enabled("course-v1:Elsewhere+X+1") is False


def test_unset_falls_through(set_global: SetGlobal) -> None:
    set_global(True)
    set_org_override(NAME, "LCDemo", False)
    set_course_override(NAME, KEY, True)
    assert set_course_override(NAME, KEY, None).previous is True
    assert SERVING_FLAG.explain(KEY).source == "org override"
    assert SERVING_FLAG.is_enabled(KEY) is False
    set_org_override(NAME, "LCDemo", None)
    assert SERVING_FLAG.explain(KEY).source == "global flag"
    assert SERVING_FLAG.is_enabled(KEY) is True
    assert not CourseFlagOverride.objects.exists()
    assert not OrgFlagOverride.objects.exists()
    # Unsetting what is not set changes nothing.
    change = set_course_override(NAME, KEY, None)
    assert (change.previous, change.current, change.changed) == (None, None, False)


def test_overrides_are_per_flag_name() -> None:
    set_course_override("other_app.flag", KEY, True)
    set_org_override("other_app.flag", "LCDemo", True)
    assert SERVING_FLAG.is_enabled(KEY) is False
    assert ServingFlag("other_app.flag").is_enabled(KEY) is True


def test_without_a_course_key_only_the_global_flag_counts(set_global: SetGlobal) -> None:
    set_global(True)
    set_org_override(NAME, "LCDemo", False)
    assert SERVING_FLAG.is_enabled() is True
    # A version-only locator names no course; a v2 library is not a course.
    assert SERVING_FLAG.is_enabled(f"course-v1:version@{VERSION}") is True
    from opaque_keys.edx.locator import LibraryLocatorV2

    assert SERVING_FLAG.is_enabled(LibraryLocatorV2("LCDemo", "lib")) is True


def test_global_flag_outside_a_request_counts_only_everyone(set_global: SetGlobal) -> None:
    # Per-user rules need a request; without one (celery, commands) edx-toggles' rule applies.
    set_global(None, authenticated=True)
    assert SERVING_FLAG.is_enabled(KEY) is False
    assert "per-user rules" in SERVING_FLAG.explain(KEY).detail


def test_global_flag_in_a_request_uses_every_waffle_rule(
    in_request: HttpRequest, set_global: SetGlobal
) -> None:
    set_global(None, authenticated=True)
    assert SERVING_FLAG.is_enabled(KEY) is False  # anonymous
    new_request()
    in_request.user = User(username="learner")
    assert SERVING_FLAG.is_enabled(KEY) is True


# --- keys --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        f"{KEY}+branch@published-branch",
        f"{KEY}+branch@draft-branch",
        f"{KEY}+version@{VERSION}",
        f"{KEY}+branch@published-branch+version@{VERSION}",
    ],
)
def test_branch_and_version_resolve_like_the_bare_key(variant: str) -> None:
    set_course_override(NAME, KEY, True)
    assert SERVING_FLAG.is_enabled(variant) is True
    assert SERVING_FLAG.is_enabled(CourseKey.from_string(variant)) is True
    # And an override set through such a key is stored under the bare key.
    change = set_course_override(NAME, variant, False)
    assert change.target == KEY
    assert list(CourseFlagOverride.objects.values_list("course_key", "enabled")) == [
        (CourseKey.from_string(KEY), False)
    ]
    assert SERVING_FLAG.is_enabled(KEY) is False


def test_normalize_course_key() -> None:
    assert str(normalize_course_key(f"{KEY}+branch@draft-branch+version@{VERSION}")) == KEY
    assert normalize_course_key(f"course-v1:version@{VERSION}") is None
    assert str(normalize_course_key("LCDemo/LC101/2026")) == "LCDemo/LC101/2026"
    with pytest.raises(InvalidKeyError):
        normalize_course_key("not a key")


def test_course_key_and_org_case_do_not_matter() -> None:
    set_course_override(NAME, KEY, True)
    assert SERVING_FLAG.is_enabled(KEY.upper().replace("COURSE-V1", "course-v1")) is True
    # Setting it again in another case updates the same row, which keeps its spelling.
    change = set_course_override(NAME, "course-v1:lcdemo+lc101+2026", False)
    assert (change.previous, change.current) == (True, False)
    assert [str(k) for k in CourseFlagOverride.objects.values_list("course_key", flat=True)] == [KEY]
    assert SERVING_FLAG.is_enabled(KEY) is False

    set_org_override(NAME, "LCDEMO", True)
    assert SERVING_FLAG.explain(OTHER) == FlagDecision(True, "org override", "LCDemo")
    set_org_override(NAME, "lcdemo", False)
    assert OrgFlagOverride.objects.count() == 1
    assert SERVING_FLAG.is_enabled(OTHER) is False


def test_database_refuses_case_variants() -> None:
    CourseFlagOverride.objects.create(flag_name=NAME, course_key=CourseKey.from_string(KEY), enabled=True)
    OrgFlagOverride.objects.create(flag_name=NAME, org="LCDemo", enabled=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseFlagOverride.objects.create(
            flag_name=NAME, course_key=CourseKey.from_string(KEY.lower()), enabled=False
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgFlagOverride.objects.create(flag_name=NAME, org="lcdemo", enabled=False)


# --- flips take effect without a restart -------------------------------------------------------


def test_flips_show_on_the_next_call_outside_a_request(set_global: SetGlobal) -> None:
    assert SERVING_FLAG.is_enabled(KEY) is False
    set_global(True)
    assert SERVING_FLAG.is_enabled(KEY) is True
    set_course_override(NAME, KEY, False)
    assert SERVING_FLAG.is_enabled(KEY) is False
    # Even a write that bypasses set_course_override: nothing is cached outside a request.
    CourseFlagOverride.objects.update(enabled=True)
    assert SERVING_FLAG.is_enabled(KEY) is True
    OrgFlagOverride.objects.create(flag_name=NAME, org="LCDemo", enabled=False)
    assert SERVING_FLAG.is_enabled(OTHER) is False


def test_request_cached_and_cleared_by_set_override(
    in_request: HttpRequest, django_assert_num_queries: Any, set_global: SetGlobal
) -> None:
    set_global(True)
    set_org_override(NAME, "LCDemo", False)
    assert SERVING_FLAG.is_enabled(KEY) is False
    with django_assert_num_queries(0):  # course, org and global lookups all cached
        assert SERVING_FLAG.is_enabled(KEY) is False
        assert SERVING_FLAG.is_enabled(f"{KEY}+branch@draft-branch") is False
    assert RequestCache(flags.REQUEST_CACHE_NAMESPACE).data

    set_course_override(NAME, KEY, True)  # clears the cache: seen within the same request
    assert not RequestCache(flags.REQUEST_CACHE_NAMESPACE).data
    assert SERVING_FLAG.is_enabled(KEY) is True
    set_org_override(NAME, "LCDemo", True)
    assert not RequestCache(flags.REQUEST_CACHE_NAMESPACE).data
    assert SERVING_FLAG.is_enabled(OTHER) is True
    assert SERVING_FLAG.is_enabled(KEY) is True

    # A write behind its back (an admin edit) waits for the next request, as waffle flags do.
    CourseFlagOverride.objects.update(enabled=False)
    set_global(False)
    assert SERVING_FLAG.is_enabled(KEY) is True
    new_request()
    assert SERVING_FLAG.is_enabled(KEY) is False
    set_course_override(NAME, KEY, None)
    set_org_override(NAME, "LCDemo", None)
    assert SERVING_FLAG.is_enabled(KEY) is False  # global, now off
    new_request()
    set_global(True)
    assert SERVING_FLAG.is_enabled(KEY) is True


# --- forcing -----------------------------------------------------------------------------------


def test_forced_on(set_global: SetGlobal) -> None:
    set_global(False)
    set_course_override(NAME, KEY, False)
    assert SERVING_FLAG.is_enabled(KEY) is False
    with forced_on():
        assert SERVING_FLAG.is_enabled(KEY) is True
        assert SERVING_FLAG.explain(KEY) == FlagDecision(True, "forced")
        assert SERVING_FLAG.explain_org("LCDemo").source == "forced"
        with forced_on(NAME):  # nests
            assert SERVING_FLAG.is_enabled(KEY) is True
        assert SERVING_FLAG.is_enabled(KEY) is True
    assert SERVING_FLAG.is_enabled(KEY) is False
    with SERVING_FLAG.forced_on():
        assert SERVING_FLAG.is_enabled(KEY) is True
        assert ServingFlag("other_app.flag").is_enabled(KEY) is False
    with forced_on("other_app.flag"):
        assert SERVING_FLAG.is_enabled(KEY) is False
    with pytest.raises(RuntimeError), forced_on():
        raise RuntimeError("the block fails")
    assert SERVING_FLAG.is_enabled(KEY) is False


def test_forced_on_is_per_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ServingFlag, "global_enabled", lambda self: False)  # no DB in the thread
    seen: list[bool] = []
    with forced_on():
        thread = threading.Thread(target=lambda: seen.append(SERVING_FLAG.is_enabled()))
        thread.start()
        thread.join()
        assert SERVING_FLAG.is_enabled() is True
    assert seen == [False]


# --- the API's checks --------------------------------------------------------------------------


def test_set_override_validation() -> None:
    with pytest.raises(ValueError, match="non-namespaced"):
        set_course_override("serve", KEY, True)
    with pytest.raises(ValueError, match="non-namespaced"):
        ServingFlag("serve")
    with pytest.raises(InvalidKeyError):
        set_course_override(NAME, "LCDemo+LC101", True)
    with pytest.raises(ValueError, match="does not name a course"):
        set_course_override(NAME, f"course-v1:version@{VERSION}", True)
    with pytest.raises(ValueError, match="not a valid org"):
        set_org_override(NAME, "LC Demo", True)
    with pytest.raises(ValueError, match="not a valid org"):
        set_org_override(NAME, "", True)
    assert not CourseFlagOverride.objects.exists()


def test_notes_and_changes() -> None:
    change = set_course_override(NAME, KEY, True, note="pilot")
    assert (change.flag_name, change.target, change.previous, change.current) == (NAME, KEY, None, True)
    assert change.changed
    assert not set_course_override(NAME, KEY, True).changed
    assert CourseFlagOverride.objects.get().note == "pilot"  # kept when none is given
    set_course_override(NAME, KEY, False, note="rolled back")
    row = CourseFlagOverride.objects.get()
    assert (row.enabled, row.note) == (False, "rolled back")
    assert str(row) == f"{NAME} off for {KEY}"
    set_org_override(NAME, "LCDemo", True, note="whole org")
    assert str(OrgFlagOverride.objects.get()) == f"{NAME} on for org LCDemo"


# --- manage.py lc_flag -------------------------------------------------------------------------


def lc_flag(*args: str) -> str:
    out = StringIO()
    call_command("lc_flag", *args, stdout=out)
    return out.getvalue()


def test_command_on_off_unset(set_global: SetGlobal) -> None:
    out = lc_flag("on", KEY, OTHER, "--note", "pilot")
    assert f"course override for {KEY}: unset -> on" in out
    assert f"course override for {OTHER}: unset -> on" in out
    assert f"effective: on (course override: {KEY})" in out
    assert CourseFlagOverride.objects.filter(enabled=True, note="pilot").count() == 2

    out = lc_flag("on", KEY)
    assert f"course override for {KEY}: already on" in out

    out = lc_flag("off", f"{KEY}+branch@draft-branch")
    assert f"course override for {KEY}: on -> off" in out
    assert SERVING_FLAG.is_enabled(KEY) is False

    set_global(True)
    out = lc_flag("unset", KEY)
    assert f"course override for {KEY}: off -> unset" in out
    assert "effective: on (global flag: everyone=on)" in out
    assert SERVING_FLAG.is_enabled(KEY) is True


def test_command_org() -> None:
    package = content_api.create_learning_package("lc-flag-test", "Flag test")
    CourseBinding.objects.create(course_key=CourseKey.from_string(KEY), learning_package=package)

    out = lc_flag("off", "--org", "LCDemo", "Nobody")
    assert "org override for LCDemo: unset -> off" in out
    assert "effective for its courses without their own override: off (org override: LCDemo)" in out
    assert f"  {KEY}: off (org override: LCDemo)" in out
    assert "no course of Nobody is bound to Learning Core" in out
    assert set(OrgFlagOverride.objects.values_list("org", "enabled")) == {
        ("LCDemo", False),
        ("Nobody", False),
    }

    lc_flag("on", KEY)
    out = lc_flag("show", KEY, OTHER, "--org", "lcdemo")
    assert f"flag {NAME}; global: no waffle Flag row: off" in out
    assert f"{KEY}: on (course override: {KEY})" in out
    assert f"{OTHER}: off (org override: LCDemo)" in out
    assert "org lcdemo (courses without their own override): off (org override: lcdemo)" in out

    out = lc_flag("unset", "--org", "LCDemo")
    assert "org override for LCDemo: off -> unset" in out
    assert "effective for its courses without their own override: off (global flag: no waffle Flag row" in out
    assert f"  {KEY}: on (course override: {KEY})" in out


def test_command_show(set_global: SetGlobal) -> None:
    set_global(False)
    set_org_override(NAME, "LCDemo", True)
    set_course_override(NAME, KEY, False)
    out = lc_flag("show", KEY, OTHER, "course-v1:Elsewhere+X+1")
    assert f"flag {NAME}; global: everyone=off" in out
    assert f"{KEY}: off (course override: {KEY})" in out
    assert f"{OTHER}: on (org override: LCDemo)" in out
    assert "course-v1:Elsewhere+X+1: off (global flag: everyone=off)" in out
    # --flag names another flag, with its own (empty) overrides.
    out = lc_flag("show", KEY, "--flag", "other_app.flag")
    assert f"{KEY}: off (global flag: no waffle Flag row: off)" in out


def test_command_errors_change_nothing() -> None:
    with pytest.raises(CommandError, match="invalid course key 'not-a-key'"):
        lc_flag("on", KEY, "not-a-key")
    with pytest.raises(CommandError, match="names no course"):
        lc_flag("on", f"course-v1:version@{VERSION}")
    with pytest.raises(CommandError, match="invalid org 'bad org'"):
        lc_flag("on", "--org", "bad org")
    with pytest.raises(CommandError, match="at least one COURSE_KEY"):
        lc_flag("off")
    with pytest.raises(CommandError, match="non-namespaced"):
        lc_flag("on", KEY, "--flag", "serve")
    with pytest.raises(CommandError, match="invalid choice"):
        lc_flag("maybe", KEY)
    assert not CourseFlagOverride.objects.exists()
    assert not OrgFlagOverride.objects.exists()
