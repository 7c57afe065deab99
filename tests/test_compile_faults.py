"""
Fault injection at each step of a compile. A fault before the commit rolls the compile back: the
previous structure keeps serving, the failure is recorded, and the next compile recovers with a
structure equal to a full recompile. A fault after the commit (caches, ``course_published``)
never records a failure for the structure that is live, and a signal that could not be sent is
sent by the next compile, even one that finds nothing new to compile.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from opaque_keys.edx.keys import CourseKey

from lc_modulestore.api import compile_course, course_published
from lc_modulestore.models import (
    CompileFailure,
    CourseBinding,
    CourseIndex,
)
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore
from lc_modulestore.storage.recent import forget_recent_compiles

from . import lc_ops
from .conftest import SAMPLE_COURSE
from .storage_checks import assert_incremental_equals_full, assert_storage_invariant, live_structure

KEY = "course-v1:LCDemo+LC101+2026"


class Fault(RuntimeError):
    pass


def raise_fault(*args: Any, **kwargs: Any) -> Any:
    raise Fault("injected")


def assert_sound(binding: CourseBinding) -> None:
    assert_incremental_equals_full(binding)
    assert_storage_invariant(binding)


def served_version(binding: CourseBinding) -> Any:
    set_course_override(DEFAULT_FLAG_NAME, str(binding.course_key), True)
    return LearningCoreModuleStore().get_course(CourseKey.from_string(KEY)).course_version


@pytest.fixture
def publish_edit(django_capture_on_commit_callbacks: Any) -> Any:
    step = iter(range(1000))

    def run(binding: CourseBinding) -> int:
        html = lc_ops.entity_of(binding, "html", "summary_html")
        lc_ops.set_block_xml(
            binding, html, lc_ops.block_xml(html).replace("</html>", f"<p>{next(step)}</p></html>")
        )
        with django_capture_on_commit_callbacks(execute=True):
            return lc_ops.publish(binding, [html]).id

    return run


@pytest.fixture
def compile_now(django_capture_on_commit_callbacks: Any) -> Any:
    """``compile_course`` with what it does after its commit run, as outside a test transaction."""

    def run(**kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return compile_course(KEY, **kwargs)

    return run


@pytest.fixture
def received() -> Iterator[list[dict[str, Any]]]:
    signals: list[dict[str, Any]] = []

    def listen(**kwargs: Any) -> None:
        signals.append(kwargs)

    course_published.connect(listen)
    yield signals
    course_published.disconnect(listen)


# Every step of a compile before its commit, in order: reading, compiling, each write.
BEFORE_COMMIT = [
    "lc_modulestore.compiling.compile_publish.lock_course",
    "lc_modulestore.compiling.compile_publish.latest_publish_logs",
    "lc_modulestore.compiling.compile_publish.live_structure",
    "lc_modulestore.compiling.compile_publish.previous_structure",
    "lc_modulestore.compiling.compile_publish.read_changes_since",
    "lc_modulestore.compiling.compile_publish.compile_snapshot",
    "lc_modulestore.compiling.compile_publish.ids_in_use",
    "lc_modulestore.storage.writes._definition_changes",
    "lc_modulestore.storage.codec.StructureEncoder.encode",
    "lc_modulestore.storage.writes.course_index",  # after the structure row is replaced
    "lc_modulestore.storage.writes._record_error_blocks",  # after the index swap and the deletes
    "lc_modulestore.storage.writes._index_published",
    "lc_modulestore.storage.writes._delete_expired",
]
# Every step after it.
AFTER_COMMIT = [
    "lc_modulestore.compiling.compile_publish.forget_course_indexes",
    "lc_modulestore.compiling.compile_publish.remember_compile",
    "lc_modulestore.compiling.compile_publish.course_published.send_robust",
]


@pytest.mark.django_db
@pytest.mark.parametrize("target", BEFORE_COMMIT)
def test_a_fault_before_the_commit_keeps_the_previous_structure(
    target: str, binding: CourseBinding, publish_edit: Any, compile_now: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_edit(binding)  # a compile with a previous structure to patch: the incremental path
    before = live_structure(binding)
    with monkeypatch.context() as patch:
        patch.setattr(target, raise_fault)
        failed_log = publish_edit(binding)
    failure = CompileFailure.objects.get(binding=binding)
    # (Recording the failure asks for the latest PublishLog too: that fault leaves it unknown.)
    assert failure.publish_log_id == (None if target.endswith("latest_publish_logs") else failed_log)
    assert "Fault: injected" in failure.message
    assert live_structure(binding) == before
    assert served_version(binding) == before["_id"]
    assert_storage_invariant(binding)  # the rolled-back compile left no row behind

    forget_recent_compiles()
    report = compile_now()
    assert report.publish_log_id == failed_log and not report.skipped
    assert served_version(binding) == live_structure(binding)["_id"] != before["_id"]
    assert_sound(binding)
    publish_edit(binding)  # and the one after that is incremental again
    assert_sound(binding)


@pytest.mark.django_db
@pytest.mark.parametrize("target", AFTER_COMMIT)
def test_a_fault_after_the_commit_is_no_failure_and_is_made_up(
    target: str,
    binding: CourseBinding,
    publish_edit: Any,
    compile_now: Any,
    monkeypatch: pytest.MonkeyPatch,
    received: list,
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(target, raise_fault)
        log_id = publish_edit(binding)
    assert not CompileFailure.objects.filter(binding=binding).exists()
    index = CourseIndex.objects.get(binding=binding)
    assert index.publish_log_id == log_id
    # The draft branch follows course_published: behind until the publish is announced.
    assert_incremental_equals_full(binding, drafts=index.announced)
    assert_storage_invariant(binding)
    sent = [r["publish_log_id"] for r in received]
    assert index.announced == (log_id in sent)

    report = compile_now()
    assert report.skipped == "already up to date"
    assert [r["publish_log_id"] for r in received].count(log_id) == 1  # sent exactly once in all
    assert CourseIndex.objects.get(binding=binding).announced
    assert_sound(binding)  # the drafts caught up with the announcement
    publish_edit(binding)
    assert_sound(binding)
    assert not CompileFailure.objects.filter(binding=binding).exists()


@pytest.mark.django_db
def test_a_failing_receiver_is_told_again_by_the_next_compile(
    binding: CourseBinding, publish_edit: Any, compile_now: Any, received: list
) -> None:
    calls: list[int] = []

    def flaky(**kwargs: Any) -> None:
        calls.append(kwargs["publish_log_id"])
        if len(calls) == 1:
            raise Fault("the LMS cache is down")

    course_published.connect(flaky)
    try:
        log_id = publish_edit(binding)
        assert (
            not CompileFailure.objects.filter(binding=binding).exists()
            and not CourseIndex.objects.get(binding=binding).announced
        )
        assert compile_now().skipped == "already up to date"
        assert calls == [log_id, log_id]
        assert CourseIndex.objects.get(binding=binding).announced
        compile_now()
        assert calls == [log_id, log_id]  # announced: not sent a third time
    finally:
        course_published.disconnect(flaky)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_failed_send_is_no_failed_compile(
    monkeypatch: pytest.MonkeyPatch, received: list
) -> None:
    """As in a worker: the compile's own transaction is the outermost, its on_commit runs inside it."""
    from lc_modulestore.api import import_olx

    with monkeypatch.context() as patch:
        patch.setattr("lc_modulestore.compiling.compile_publish.course_published.send_robust", raise_fault)
        result = import_olx(SAMPLE_COURSE)
    binding = CourseBinding.objects.get(course_key=KEY)
    assert not CompileFailure.objects.filter(binding=binding).exists()
    index = CourseIndex.objects.get(binding=binding)
    assert index.publish_log_id == result.publish_log_id and not index.announced
    compile_course(KEY)
    assert [r["publish_log_id"] for r in received] == [result.publish_log_id]
    assert CourseIndex.objects.get(binding=binding).announced


# Steps of the code under test that get no fault of their own, and why.
NOT_FAULTED = {
    "lc_modulestore.compiling.compile_publish.CompileReport": "a dataclass built for the caller",
    "lc_modulestore.compiling.compile_publish.StructureEncoder": "a constructor: no I/O, nothing to fail",
    "lc_modulestore.compiling.compile_publish.PresentKeys": "a view over the previous structure",
    "lc_modulestore.compiling.compile_publish.read_published_state": "read_changes_since's full twin",
    "lc_modulestore.compiling.compile_publish._after_commit": "runs the AFTER_COMMIT steps, each faulted",
    "lc_modulestore.compiling.compile_publish.store_compile": "faulted step by step (storage.writes.*)",
    "lc_modulestore.compiling.compile_publish.next_id_generation": "taken only when the ids are in use:"
    " tests/test_recompile_ids.py faults that path",
    "lc_modulestore.storage.writes._now": "the clock",
    "lc_modulestore.storage.writes.StoredCompile": "a dataclass built for the caller",
    "lc_modulestore.storage.writes._field_data": "rows built for one bulk insert",
}


def _steps(function: Any) -> set[str]:
    """The project's functions and classes ``function`` calls by name, as ``module.name``."""
    module = inspect.getmodule(function)
    assert module is not None
    called: set[str] = set()
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(function)))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            target = getattr(module, node.func.id, None)
            if target is not None and getattr(target, "__module__", "").startswith(
                ("lc_modulestore", "compile")
            ):
                called.add(f"{module.__name__}.{node.func.id}")
    return called


def test_the_fault_points_cover_every_step() -> None:
    """
    Every step the compile takes (read from the code under test, not listed here by hand) has a
    fault test or a written reason not to: a new step without either fails this test.
    """
    from lc_modulestore.compiling import compile_publish
    from lc_modulestore.storage import writes

    steps = _steps(compile_publish.compile_published) | _steps(compile_publish._after_commit)
    steps |= _steps(writes.store_compile)
    faulted = {target.rsplit(".", 1)[0] if target.endswith(".encode") else target for target in BEFORE_COMMIT}
    faulted |= {target.removesuffix(".send_robust") for target in AFTER_COMMIT}
    faulted.add("lc_modulestore.compiling.compile_publish._announce")  # sends course_published
    uncovered = steps - faulted - NOT_FAULTED.keys()
    assert not uncovered, f"compile steps without a fault test or a reason: {sorted(uncovered)}"
    assert not NOT_FAULTED.keys() - steps, "a reason for a step the code no longer takes"
