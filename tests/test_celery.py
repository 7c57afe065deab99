"""
Compiles in Celery (``LC_MODULESTORE_COMPILE_ASYNC``), run eagerly: the task compiles, a burst of
publishes compiles the newest once, transient database errors are retried and others are not, and
a task that cannot be queued compiles in the publishing process instead of not at all. The
real broker and worker are in ``test_celery_worker.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from celery.signals import task_postrun, task_prerun, task_retry
from django.db import OperationalError, connection
from django.test import override_settings

from lc_modulestore.api import SnapshotError, course_published
from lc_modulestore.compiling.compile_draft import course_drafts_compiled
from lc_modulestore.compiling.tasks import DRAFT_TASK_NAME, TASK_NAME, is_transient, retry_countdown
from lc_modulestore.models import CompileFailure, CourseBinding, CourseIndex

from . import lc_ops
from .celery_broker import private_redis, sending_to
from .conftest import SAMPLE_COURSE
from .storage_checks import assert_incremental_equals_full

pytestmark = pytest.mark.django_db
ASYNC = override_settings(LC_MODULESTORE_COMPILE_ASYNC=True)


@pytest.fixture
def binding(run_import: Any) -> CourseBinding:
    run_import(SAMPLE_COURSE)
    return CourseBinding.objects.get()


@contextmanager
def recorded(signal: Any) -> Iterator[list[dict[str, Any]]]:
    """Every send of a Django or Celery signal while the block runs, as its keyword arguments."""
    sent: list[dict[str, Any]] = []

    def listen(**kwargs: Any) -> None:
        sent.append(kwargs)

    signal.connect(listen, weak=False)
    try:
        yield sent
    finally:
        signal.disconnect(listen)


def edit(binding: CourseBinding, text: str) -> int:
    html = lc_ops.entity_of(binding, "html", "summary_html")
    lc_ops.set_block_xml(binding, html, f'<html display_name="{text}"><![CDATA[<p>{text}</p>]]></html>')
    return html


def live_publish_log(binding: CourseBinding) -> int:
    return CourseIndex.objects.get(binding=binding).publish_log_id


@pytest.fixture
def publish(django_capture_on_commit_callbacks: Any) -> Callable[[CourseBinding, list[int]], int]:
    def run(binding: CourseBinding, entity_ids: list[int]) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return lc_ops.publish(binding, entity_ids).id

    return run


@contextmanager
def failing_queries(fragment: str, error: Exception, times: int) -> Iterator[list[str]]:
    """The next ``times`` queries whose SQL contains ``fragment`` fail with ``error`` (Django's hook)."""
    failed: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if fragment in sql and len(failed) < times:
            failed.append(sql)
            raise error
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield failed


DEADLOCK = OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")


def test_a_publish_compiles_through_the_task(binding: CourseBinding, publish: Any) -> None:
    html = edit(binding, "through celery")
    with ASYNC, recorded(task_prerun) as runs:
        log_id = publish(binding, [html])
    assert [run["task"].name for run in runs] == [TASK_NAME]
    assert list(runs[0]["args"]) == [binding.pk, log_id]
    assert live_publish_log(binding) == log_id


def test_a_burst_of_publishes_compiles_the_newest_once(
    binding: CourseBinding, django_capture_on_commit_callbacks: Any
) -> None:
    """
    Five edits and publishes queued before the worker gets to them: one compile of the published
    branch, of the fifth; the draft branch compiles for the fifth edit and once more when the fifth
    publish goes live, not once per edit.
    """
    queued: list[Callable[[], Any]] = []
    log_ids = []
    for n in range(5):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            log_ids.append(lc_ops.publish(binding, [edit(binding, f"edit {n}")]).id)
        queued += callbacks
    with (
        ASYNC,
        recorded(course_published) as compiles,
        recorded(course_drafts_compiled) as draft_compiles,
        recorded(task_prerun) as runs,
    ):
        for deliver in queued:  # the worker drains the queue: each change's task, in order
            with django_capture_on_commit_callbacks(execute=True):
                deliver()
    assert [run["task"].name for run in runs] == [DRAFT_TASK_NAME, TASK_NAME] * 5
    assert [c["publish_log_id"] for c in compiles] == [log_ids[-1]]
    assert len(draft_compiles) == 2
    assert live_publish_log(binding) == log_ids[-1]


def test_a_burst_of_draft_edits_compiles_the_drafts_once(
    binding: CourseBinding, django_capture_on_commit_callbacks: Any
) -> None:
    """Three draft edits queued before the worker gets to them: the drafts compile once, for the third."""
    queued: list[Callable[[], Any]] = []
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            edit(binding, f"draft {n}")
        queued += callbacks
    with ASYNC, recorded(course_drafts_compiled) as draft_compiles, recorded(task_prerun) as runs:
        for deliver in queued:
            with django_capture_on_commit_callbacks(execute=True):
                deliver()
    assert [run["task"].name for run in runs] == [DRAFT_TASK_NAME] * 3
    newest = max(run["args"][1] for run in runs)
    assert [c["draft_change_log_id"] for c in draft_compiles] == [newest]


def test_a_deadlock_is_retried_and_the_retry_compiles(binding: CourseBinding, publish: Any) -> None:
    html = edit(binding, "after a deadlock")
    with (
        ASYNC,
        recorded(task_retry) as retries,
        failing_queries("lc_modulestore_compiledstructure", DEADLOCK, times=1) as failed,
    ):
        log_id = publish(binding, [html])
    assert len(failed) == 1 and len(retries) == 1
    assert live_publish_log(binding) == log_id


@pytest.mark.parametrize("newer_compiles", ["before the retry", "after the retry"])
def test_a_retry_after_a_newer_publish_ends_on_the_newest(
    binding: CourseBinding, django_capture_on_commit_callbacks: Any, newer_compiles: str
) -> None:
    """
    The compile of publish A deadlocks; before its retry runs, publish B lands, and B's own task
    runs before or after A's retry. Either way the course ends on B, compiled once, and A's retry
    never stores A's state over it.
    """
    log_ids: list[int] = []

    def publish_b_meanwhile(**kwargs: Any) -> None:
        before = newer_compiles == "before the retry"
        start = len(connection.run_on_commit)
        with django_capture_on_commit_callbacks(execute=before):
            log_ids.append(lc_ops.publish(binding, [edit(binding, "edit B")]).id)
        if before:  # run, as at a real commit: gone, or the outer capture would run them again
            del connection.run_on_commit[start:]
        # else B's task was queued on commit: the outer capture runs it once A's task is done

    task_retry.connect(publish_b_meanwhile, weak=False)
    try:
        with (
            ASYNC,
            recorded(task_postrun) as finished,
            recorded(course_published) as compiles,
            failing_queries("lc_modulestore_compiledstructure", DEADLOCK, times=1) as failed,
            django_capture_on_commit_callbacks(execute=True),
        ):
            log_ids.insert(0, lc_ops.publish(binding, [edit(binding, "edit A")]).id)
    finally:
        task_retry.disconnect(publish_b_meanwhile)
    a, b = log_ids
    assert len(failed) == 1 and b > a
    results = [(run["task"].name, list(run["args"]), run["retval"]) for run in finished]
    retries = [retval for name, args, retval in results if name == TASK_NAME and args[1] == a]
    assert retries[-1]["skipped"] == f"superseded by {b}"  # A's retry knew B was newer
    assert [c["publish_log_id"] for c in compiles] == [b]  # B compiled, once; A never
    assert live_publish_log(binding) == b
    assert_incremental_equals_full(binding)


def test_retries_stop_at_the_setting_and_the_old_structure_keeps_serving(
    binding: CourseBinding, publish: Any
) -> None:
    before = live_publish_log(binding)
    html = edit(binding, "never stored")
    with (
        ASYNC,
        override_settings(LC_MODULESTORE_COMPILE_RETRIES=2),
        recorded(task_retry) as retries,
        failing_queries("lc_modulestore_compiledstructure", DEADLOCK, times=100) as failed,
    ):
        publish(binding, [html])
    assert len(failed) == 3 and len(retries) == 2
    assert live_publish_log(binding) == before
    assert CompileFailure.objects.filter(binding=binding, message__contains="Deadlock").count() == 3


def test_a_broken_course_is_recorded_and_not_retried(
    binding: CourseBinding, publish: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A compile failing for a reason that will not go away (the course cannot be a Split structure)."""
    before = live_publish_log(binding)

    def not_a_tree(*args: Any, **kwargs: Any) -> Any:
        raise SnapshotError("html/summary_html is a child of both vertical/a and vertical/b")

    monkeypatch.setattr("lc_modulestore.compiling.compile_publish.compile_snapshot", not_a_tree)
    html = lc_ops.entity_of(binding, "html", "summary_html")
    lc_ops.set_block_xml(binding, html, lc_ops.block_xml(html).replace("</html>", "<p>changed</p></html>"))
    with ASYNC, recorded(task_retry) as retries:
        bad_log = publish(binding, [html])
    assert retries == []
    assert CompileFailure.objects.get(binding=binding).publish_log_id == bad_log
    assert live_publish_log(binding) == before


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (DEADLOCK, True),
        (OperationalError(1205, "Lock wait timeout exceeded"), True),
        (OperationalError(2006, "Server has gone away"), True),
        (OperationalError(2013, "Lost connection to server during query"), True),
        (OperationalError("database is locked"), True),
        (OperationalError(1054, "Unknown column"), False),
        (ValueError("bad OLX"), False),
    ],
)
def test_which_errors_are_transient(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient


def test_backoff_doubles_up_to_five_minutes() -> None:
    assert [retry_countdown(n) for n in (0, 1, 2, 3, 10)] == [1, 2, 4, 8, 300]


def test_without_celery_the_publish_compiles_in_process(
    binding: CourseBinding, publish: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    monkeypatch.setitem(sys.modules, "lc_modulestore.compiling.tasks", None)  # import fails
    html = edit(binding, "no celery")
    with ASYNC, recorded(task_prerun) as runs:
        log_id = publish(binding, [html])
    assert runs == []
    assert live_publish_log(binding) == log_id
    assert "Celery cannot be imported" in caplog.text


def test_with_the_broker_down_the_publish_compiles_in_process(
    binding: CourseBinding, publish: Any, tmp_path: Any, caplog: Any
) -> None:
    with sending_to(f"redis+socket://{tmp_path}/no-broker.sock", publish_retry=False):
        html = edit(binding, "broker down")
        with ASYNC, recorded(task_prerun) as runs:
            log_id = publish(binding, [html])
    assert runs == []
    assert live_publish_log(binding) == log_id
    assert "Could not queue the compile" in caplog.text


def test_a_broker_lost_after_queuing_falls_back_in_process(
    binding: CourseBinding, publish: Any, caplog: Any
) -> None:
    """
    A real broker takes the first publish's task (no worker here: it waits in the queue), then goes
    away: the next publish, with Celery's default publish retries, compiles in the publishing process,
    and that compile is of the newest publish.
    """
    before = live_publish_log(binding)
    with private_redis() as redis, sending_to(redis.url), ASYNC:
        with recorded(task_prerun) as runs:
            queued = publish(binding, [edit(binding, "queued")])
        assert runs == [] and live_publish_log(binding) == before  # in the queue, not compiled here
        assert "Could not queue" not in caplog.text
        redis.stop()
        with recorded(task_prerun) as runs:
            log_id = publish(binding, [edit(binding, "broker lost")])
    assert runs == [] and log_id > queued
    assert live_publish_log(binding) == log_id
    assert "Could not queue the compile" in caplog.text
