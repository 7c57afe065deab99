"""
Not stale outside a request: a store in a process with no request boundary (a Celery worker, a
management command, a shell) sees a newer compiled index at once when this process compiled it,
and within INDEX_MAX_AGE_OUTSIDE_REQUEST when another process did. Inside a request the index
stays what the request first saw, as Split keeps it. (The clock is replaced: no test sleeps.)
"""

from __future__ import annotations

from typing import Any

import crum
import pytest
from django.test import RequestFactory
from edx_django_utils.cache import RequestCache
from opaque_keys.edx.keys import CourseKey

from lc_modulestore.models import CourseBinding
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore
from lc_modulestore.storage import backend

from . import lc_ops

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("outside_a_request")]
KEY = CourseKey.from_string("course-v1:LCDemo+LC101+2026")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(backend, "_clock", fake)
    return fake


@pytest.fixture(autouse=True)
def _served(binding: CourseBinding) -> None:
    set_course_override(DEFAULT_FLAG_NAME, str(KEY), True)


def edit_and_publish(binding: CourseBinding, publish: Any, text: str) -> None:
    html = lc_ops.entity_of(binding, "html", "summary_html")
    lc_ops.set_block_xml(binding, html, lc_ops.block_xml(html).replace("</html>", f"<p>{text}</p></html>"))
    publish(binding, [html])


def version(store: LearningCoreModuleStore) -> Any:
    return store.get_course(KEY).course_version


def test_a_store_outside_a_request_sees_what_this_process_compiled(
    binding: CourseBinding, publish: Any, clock: Clock
) -> None:
    store = LearningCoreModuleStore()
    first = version(store)
    edit_and_publish(binding, publish, "one")
    second = version(store)
    assert second != first  # no time passed: the compile's commit made the store forget the index
    assert "one" in store.get_item(KEY.make_usage_key("html", "summary_html")).data


def test_a_compile_elsewhere_is_seen_within_the_bound(
    binding: CourseBinding,
    publish: Any,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = LearningCoreModuleStore()
    first = version(store)
    # Another process compiles: nothing tells this one.
    monkeypatch.setattr("lc_modulestore.compiling.compile_publish.forget_course_indexes", lambda: None)
    edit_and_publish(binding, publish, "elsewhere")
    clock.now += backend.INDEX_MAX_AGE_OUTSIDE_REQUEST / 2
    assert version(store) == first  # within the bound, the cached index may still serve
    clock.now += backend.INDEX_MAX_AGE_OUTSIDE_REQUEST
    assert version(store) != first


def test_inside_a_request_the_index_stays_put(
    binding: CourseBinding,
    publish: Any,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crum.set_current_request(RequestFactory().get("/courses/"))
    store = LearningCoreModuleStore()
    first = version(store)
    monkeypatch.setattr("lc_modulestore.compiling.compile_publish.forget_course_indexes", lambda: None)
    edit_and_publish(binding, publish, "elsewhere")
    clock.now += 10 * backend.INDEX_MAX_AGE_OUTSIDE_REQUEST
    assert version(store) == first  # one request, one view of the course (Split's request cache)
    RequestCache.clear_all_namespaces()  # the next request (RequestCacheMiddleware)
    assert version(store) != first
