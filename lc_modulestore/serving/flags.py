"""
Whether Learning Core serves a course: a waffle flag with per-course and per-org overrides.

The precedence is edx-platform's ``CourseWaffleFlag``: a course override (:class:`CourseFlagOverride`)
beats an org override (:class:`OrgFlagOverride`), which beats the global django-waffle ``Flag`` of the
same name, read through edx-toggles' :class:`WaffleFlag`. "Unset" at a level means no row there.

The flag is evaluated on every call, never once at start-up: Mixed's routing caches a course's store
for the life of the process (docs/SPLIT_CONTRACT.md §8 pitfall 11), so the store asks this module each time
and a flip takes effect on the next request without a restart. Inside a request the lookups are
request-cached (edx_django_utils ``RequestCache``, cleared by its middleware at each request's start
and end, and by :func:`set_course_override` / :func:`set_org_override`). Outside a request (celery,
management commands) nothing is cached and, as edx-toggles does, the global flag counts only if it
is on for everyone; overrides apply everywhere.

Operators turn the global flag on or off with django-waffle: the Django admin ("Waffle > Flags",
name ``lc_modulestore.serve_from_learning_core``), or ::

    manage.py waffle_flag lc_modulestore.serve_from_learning_core --create --everyone    # on
    manage.py waffle_flag lc_modulestore.serve_from_learning_core --deactivate           # off

and set or clear overrides with ``manage.py lc_flag on|off|unset COURSE_KEY ... | --org ORG ...``
(``lc_flag show COURSE_KEY ...`` says what decides a course).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

import crum
from django.db import transaction
from django.db.models.functions import Lower
from edx_django_utils.cache import RequestCache
from edx_toggles.toggles import WaffleFlag
from opaque_keys.edx.keys import CourseKey, LearningContextKey
from opaque_keys.edx.locator import CourseLocator, LibraryLocator
from waffle import get_waffle_flag_model

from .models import CourseFlagOverride, OrgFlagOverride

__all__ = [
    "DEFAULT_FLAG_NAME",
    "SERVING_FLAG",
    "FlagDecision",
    "FlagSource",
    "OverrideChange",
    "ServingFlag",
    "forced_on",
    "global_flag_state",
    "normalize_course_key",
    "set_course_override",
    "set_org_override",
]

log = logging.getLogger(__name__)

DEFAULT_FLAG_NAME = "lc_modulestore.serve_from_learning_core"
REQUEST_CACHE_NAMESPACE = "lc_modulestore.flags"

FlagSource = Literal["forced", "course override", "org override", "global flag"]

# Flag names forced on in this thread (or asyncio task); "*" means every flag. A ContextVar starts
# empty in each new thread, so forcing never leaks into other threads' requests.
_ALL = "*"
_forced: ContextVar[frozenset[str]] = ContextVar("lc_modulestore_forced_flags", default=frozenset())


@dataclass(frozen=True)
class FlagDecision:
    """The effective value of a flag for one course, and which level decided it."""

    enabled: bool
    source: FlagSource
    detail: str = ""

    def __str__(self) -> str:
        text = f"{'on' if self.enabled else 'off'} ({self.source}"
        return text + (f": {self.detail})" if self.detail else ")")


@dataclass(frozen=True)
class OverrideChange:
    """What :func:`set_course_override` / :func:`set_org_override` did (None = unset)."""

    flag_name: str
    target: str  # the normalized course key, or the org
    previous: bool | None
    current: bool | None

    @property
    def changed(self) -> bool:
        return self.previous != self.current


def _state(value: bool | None) -> str:
    return "unset" if value is None else ("on" if value else "off")


def normalize_course_key(course_key: LearningContextKey | str) -> CourseKey | None:
    """
    The course key overrides are stored under: branch and version dropped. None when the key
    names no course overrides could apply to (a version-only locator, a v2 library).

    Raises ``InvalidKeyError`` for a string that is not a course key.
    """
    key = CourseKey.from_string(course_key) if isinstance(course_key, str) else course_key
    if not isinstance(key, CourseKey):
        return None
    if getattr(key, "org", None) is None:  # "course-v1:version@...": no org, course or run
        return None
    if isinstance(key, CourseLocator | LibraryLocator):  # CCX keys are CourseLocators
        key = key.for_branch(None).version_agnostic()
    return key


def _request_cache() -> RequestCache | None:
    """The request cache, only while a request is being served: elsewhere nothing clears it."""
    return RequestCache(REQUEST_CACHE_NAMESPACE) if crum.get_current_request() is not None else None


OverrideModel = type[CourseFlagOverride] | type[OrgFlagOverride]


def _override_value(model: OverrideModel, field: str, flag_name: str, target: str) -> bool | None:
    """
    One override's value (None: no row), request-cached while a request is served. ``target`` is
    compared case-insensitively (MariaDB's collation would, SQLite's would not).
    """
    cache = _request_cache()
    cache_key = f"{flag_name}.{field}.{target.lower()}"
    if cache is not None:
        hit = cache.get_cached_response(cache_key)
        if hit.is_found:
            return hit.value
    rows = (
        model.objects.annotate(lc_lower=Lower(field))
        .filter(flag_name=flag_name, lc_lower=target.lower())
        .values_list("enabled", flat=True)
    )
    value = next(iter(rows), None)
    if cache is not None:
        cache.set(cache_key, value)
    return value


def global_flag_state(flag_name: str) -> str:
    """How django-waffle's global ``Flag`` is set, for operators (no request involved)."""
    flag = get_waffle_flag_model().objects.filter(name=flag_name).first()
    if flag is None:
        return "no waffle Flag row: off"
    if flag.everyone is not None:
        return f"everyone={'on' if flag.everyone else 'off'}"
    return "everyone unset: off outside requests, per-user rules (percent, users, groups...) in requests"


class ServingFlag:
    """
    A waffle flag with per-course and per-org overrides (edx-platform's ``CourseWaffleFlag``).

    ``name`` must be namespaced (contain a "."), as edx-toggles requires. One instance per name,
    created at import time; instances hold no state, so a flip is seen on the next call.
    """

    def __init__(self, name: str = DEFAULT_FLAG_NAME, module_name: str = __name__) -> None:
        self.waffle_flag = WaffleFlag(name, module_name=module_name)

    @property
    def name(self) -> str:
        return str(self.waffle_flag.name)

    def __repr__(self) -> str:
        return f"ServingFlag({self.name!r})"

    def is_enabled(self, course_key: LearningContextKey | str | None = None) -> bool:
        """
        Course override > org override > global flag, for the course ``course_key`` names (any
        branch or version of it, any case). With no key, or a key that is not a course's, only the
        global flag counts.
        """
        return self._decide(course_key, explain=False).enabled

    def explain(self, course_key: LearningContextKey | str | None = None) -> FlagDecision:
        """:meth:`is_enabled`, saying which level decided and, for the global flag, how it is set."""
        return self._decide(course_key, explain=True)

    def is_enabled_for_org(self, org: str) -> bool:
        """What a course of ``org`` without a course override gets: org override > global flag."""
        return self._decide_org(org, explain=False).enabled

    def explain_org(self, org: str) -> FlagDecision:
        """:meth:`is_enabled_for_org`, saying which level decided."""
        return self._decide_org(org, explain=True)

    def forced_on(self) -> AbstractContextManager[None]:
        """:func:`forced_on` for this flag only."""
        return forced_on(self.name)

    def global_enabled(self) -> bool:
        """
        The global waffle flag. In a request: edx-toggles' ``WaffleFlag`` (every django-waffle rule,
        request-cached). Outside one: on only if on for everyone, which is what ``WaffleFlag`` falls
        back to there too; read here directly so a celery task asking per block does not log
        edx-toggles' "accessed without a request" warning each time, nor read a request cache left
        over in the thread.
        """
        if crum.get_current_request() is not None:
            return bool(self.waffle_flag.is_enabled())
        return get_waffle_flag_model().objects.filter(name=self.name, everyone=True).exists()

    def _is_forced(self) -> bool:
        forced = _forced.get()
        return self.name in forced or _ALL in forced

    def _decide(self, course_key: LearningContextKey | str | None, *, explain: bool) -> FlagDecision:
        if self._is_forced():
            return FlagDecision(True, "forced")
        key = normalize_course_key(course_key) if course_key is not None else None
        if key is None:
            return self._global(explain)
        key_text = str(key)
        value = _override_value(CourseFlagOverride, "course_key", self.name, key_text)
        if value is not None:
            return FlagDecision(value, "course override", key_text if explain else "")
        return self._decide_org(str(key.org), explain=explain)

    def _decide_org(self, org: str, *, explain: bool) -> FlagDecision:
        if self._is_forced():
            return FlagDecision(True, "forced")
        value = _override_value(OrgFlagOverride, "org", self.name, org)
        if value is not None:
            return FlagDecision(value, "org override", org if explain else "")
        return self._global(explain)

    def _global(self, explain: bool) -> FlagDecision:
        return FlagDecision(
            self.global_enabled(), "global flag", global_flag_state(self.name) if explain else ""
        )


# The flag the store asks: one per process, holding no state.
SERVING_FLAG = ServingFlag(DEFAULT_FLAG_NAME)


@contextmanager
def forced_on(*flag_names: str) -> Iterator[None]:
    """
    Treat the named flags (every flag when none is named) as on, in this thread only, until the
    block ends; for one call path such as ``lc_show --source store``. Nests.
    """
    token = _forced.set(_forced.get() | (frozenset(flag_names) if flag_names else frozenset({_ALL})))
    try:
        yield
    finally:
        _forced.reset(token)


def _clear_request_cache() -> None:
    RequestCache(REQUEST_CACHE_NAMESPACE).clear()


def _validate_flag_name(flag_name: str) -> None:
    WaffleFlag.validate_name(flag_name)  # ValueError unless namespaced


def _apply(
    row: CourseFlagOverride | OrgFlagOverride | None,
    value: bool | None,
    note: str | None,
    new_row: Callable[[], CourseFlagOverride | OrgFlagOverride],
) -> tuple[bool | None, bool | None]:
    """Write ``value`` to the locked override row (None deletes it); returns (previous, current)."""
    previous = None if row is None else row.enabled
    if value is None:
        if row is not None:
            row.delete()
        return previous, None
    if row is None:
        row = new_row()
    row.enabled = value
    if note is not None:
        row.note = note
    row.save()
    return previous, value


def set_course_override(
    flag_name: str, course_key: LearningContextKey | str, value: bool | None, *, note: str | None = None
) -> OverrideChange:
    """
    Force ``flag_name`` on (True) or off (False) for one course, or unset it (None: the row goes).
    The key is stored without branch or version; an existing override is found case-insensitively
    and keeps its spelling. ``note`` replaces the row's note when given. Clears the request cache,
    so the change shows on the next call even within this request.

    Raises ``InvalidKeyError`` for a malformed key, ``ValueError`` for a key naming no course or a
    flag name without a ".".
    """
    _validate_flag_name(flag_name)
    key = normalize_course_key(course_key)
    if key is None:
        raise ValueError(f"{course_key} does not name a course (org, course and run)")
    key_text = str(key)
    with transaction.atomic():
        row = (
            CourseFlagOverride.objects.select_for_update()
            .annotate(lc_lower=Lower("course_key"))
            .filter(flag_name=flag_name, lc_lower=key_text.lower())
            .first()
        )
        previous, current = _apply(
            row, value, note, lambda: CourseFlagOverride(flag_name=flag_name, course_key=key)
        )
    _clear_request_cache()
    change = OverrideChange(flag_name, key_text, previous, current)
    if change.changed:
        log.info(
            "%s course override for %s: %s -> %s", flag_name, key_text, _state(previous), _state(current)
        )
    return change


def set_org_override(
    flag_name: str, org: str, value: bool | None, *, note: str | None = None
) -> OverrideChange:
    """
    Force ``flag_name`` on, off, or unset it (None) for every course of ``org`` that has no course
    override. Matched case-insensitively; clears the request cache like :func:`set_course_override`.
    Raises ``ValueError`` for an org no course key could carry.
    """
    _validate_flag_name(flag_name)
    if not org or not CourseLocator.ALLOWED_ID_RE.match(org):
        raise ValueError(f"{org!r} is not a valid org")
    with transaction.atomic():
        row = (
            OrgFlagOverride.objects.select_for_update()
            .annotate(lc_lower=Lower("org"))
            .filter(flag_name=flag_name, lc_lower=org.lower())
            .first()
        )
        previous, current = _apply(row, value, note, lambda: OrgFlagOverride(flag_name=flag_name, org=org))
    _clear_request_cache()
    change = OverrideChange(flag_name, org, previous, current)
    if change.changed:
        log.info("%s org override for %s: %s -> %s", flag_name, org, _state(previous), _state(current))
    return change
