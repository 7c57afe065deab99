"""
The async path as operators run it: a real broker (Debian's ``redis-server`` on a private unix
socket, started and stopped here) and a real ``celery worker`` process consuming the queue the
setting names. Publish -> the worker compiles -> the store serves the new structure.

Both processes must see one database, so this runs on the MariaDB leg of ``make test``; an
in-memory SQLite database exists only inside this process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings
from edx_django_utils.cache import RequestCache
from opaque_keys.edx.keys import CourseKey

from lc_modulestore.api import import_olx
from lc_modulestore.models import CourseBinding, CourseIndex
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore

from . import lc_ops
from .celery_broker import private_redis, sending_to
from .conftest import SAMPLE_COURSE

PROJECT = Path(__file__).resolve().parents[1]
QUEUE = "lc-compile-e2e"
TIMEOUT = 90.0  # seconds for the worker to start and compile; a compile itself takes well under one


def _wait_for(what: str, ready: Callable[[], bool], logs: list[Path], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    tails = "\n".join(f"--- {log}:\n{log.read_text()[-4000:]}" for log in logs if log.exists())
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{tails}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def broker() -> Iterator[str]:
    """A private redis-server on a unix socket; its URL. Stopped (and its files removed) afterwards."""
    if connection.vendor != "mysql":
        pytest.skip(
            "the worker process cannot see this process's in-memory SQLite database;"
            " this test runs on the MariaDB leg (make test-mysql)"
        )
    with private_redis() as redis:
        yield redis.url


@pytest.fixture
def worker(broker: str, transactional_db: Any, tmp_path: Path) -> Iterator[Path]:
    """A ``celery worker`` process on the test database, consuming only ``QUEUE``; its log."""
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.test",
        "LC_TEST_DB": "mysql",
        "LC_MYSQL_NAME": str(connection.settings_dict["NAME"]),  # the test database, not the dev one
        "LC_CELERY_BROKER_URL": broker,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "settings.celery_app", "worker", "-Q", QUEUE,
             "--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--hostname", f"lc-e2e-{os.getpid()}@%h", "--loglevel", "INFO"],
            cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield log
    finally:
        _stop(process)


def _live_publish_log(binding_id: int) -> int | None:
    return CourseIndex.objects.filter(binding_id=binding_id).values_list("publish_log_id", flat=True).first()


def _served_display_name(course_key: str, block_type: str, block_id: str) -> str:
    RequestCache.clear_all_namespaces()  # a new request
    key = CourseKey.from_string(course_key)
    block = LearningCoreModuleStore().get_item(key.make_usage_key(block_type, block_id))
    return str(block.display_name)


def test_publish_then_the_worker_compiles_then_the_store_serves_it(worker: Path, broker: str) -> None:
    with (
        override_settings(LC_MODULESTORE_COMPILE_ASYNC=True, LC_MODULESTORE_COMPILE_QUEUE=QUEUE),
        sending_to(broker),
    ):
        result = import_olx(SAMPLE_COURSE)  # commits: the publish queues its compile
        binding = CourseBinding.objects.get(course_key=result.course_key)
        assert _live_publish_log(binding.pk) is None  # nothing compiled in this process
        _wait_for(
            "the worker's first compile",
            lambda: _live_publish_log(binding.pk) == result.publish_log_id,
            [worker],
        )
        key = str(result.course_key)
        set_course_override(DEFAULT_FLAG_NAME, key, True)
        html = lc_ops.entity_of(binding, "html", "summary_html")
        assert _served_display_name(key, "html", "summary_html") != "Edited in Celery"

        with transaction.atomic():
            lc_ops.set_block_xml(binding, html, '<html display_name="Edited in Celery"><p>new</p></html>')
            log_id = lc_ops.publish(binding, [html]).id
        _wait_for(
            "the worker's compile of the edit", lambda: _live_publish_log(binding.pk) == log_id, [worker]
        )
    assert _served_display_name(key, "html", "summary_html") == "Edited in Celery"
    text = worker.read_text()
    assert text.count("lc_modulestore.compile_course") >= 2 and "succeeded" in text
