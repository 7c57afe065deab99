"""
One process of the MariaDB suites of operations run at once (tests/test_concurrent_operations.py),
started by it; each prints one JSON line of results. Its database is the test's (``LC_MYSQL_NAME``).

    python -m tests.concurrency_ops_worker import GO_FILE PATH...      # lc_import_olx of each PATH
    python -m tests.concurrency_ops_worker compile GO STOP ARGS...     # lc_compile ARGS until STOP
    python -m tests.concurrency_ops_worker draft GO_FILE BLOCK COUNT   # COUNT draft edits of html BLOCK
    python -m tests.concurrency_ops_worker publish GO_FILE BLOCK COUNT # the same, each one published
    python -m tests.concurrency_ops_worker read STOP_FILE WATCH_JSON   # read until STOP_FILE

Every process says when it is ready (the reader after its first read); the others then wait for
GO_FILE, which the test touches once all are, so that the operations overlap instead of running
one after the other while Django starts.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.test")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402
from django.db import OperationalError, transaction  # noqa: E402
from edx_django_utils.cache import RequestCache  # noqa: E402
from opaque_keys.edx.keys import CourseKey  # noqa: E402

from compile.vocabulary import DRAFT_BRANCH  # noqa: E402
from lc_modulestore.exceptions import ItemNotFoundError  # noqa: E402
from lc_modulestore.models import CourseBinding  # noqa: E402
from lc_modulestore.serving.modulestore import LearningCoreModuleStore  # noqa: E402

from . import lc_ops  # noqa: E402
from .concurrency_worker import structure_log_id  # noqa: E402

KEY = CourseKey.from_string("course-v1:LCDemo+LC101+2026")


def wait_for(go_file: Path) -> None:
    """Say this process is ready (Django set up, its data read), then wait for the test's go."""
    (go_file.parent / f"ready.{os.getpid()}").touch()
    while not go_file.exists():
        time.sleep(0.02)


def import_exports(go_file: Path, paths: list[str]) -> dict[str, Any]:
    """``lc_import_olx --json`` of each export in turn: what each printed, or the error it raised."""
    wait_for(go_file)
    outcomes: list[dict[str, Any]] = []
    for path in paths:
        out = io.StringIO()
        try:
            call_command("lc_import_olx", path, "--json", stdout=out, stderr=io.StringIO())
        except CommandError as exc:  # what the command's user sees: a refusal with its reason
            outcomes.append({"path": path, "refused": str(exc)})
        except Exception as exc:  # anything else reaches the operator as a traceback: unclear
            outcomes.append({"path": path, "crashed": f"{type(exc).__name__}: {exc}"})
        else:
            result = json.loads(out.getvalue())
            outcomes.append({"path": path, "publish_log_id": result["publish_log_id"]})
    return {"imports": outcomes}


def compile_until(go_file: Path, stop_file: Path, args: list[str]) -> dict[str, Any]:
    """``lc_compile ARGS`` over and over (at least once) from the go until the stop file appears."""
    wait_for(go_file)
    runs, failures = 0, []
    while not runs or not stop_file.exists():
        try:
            call_command("lc_compile", *args, stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError as exc:
            failures.append(str(exc))
        runs += 1
    return {"runs": runs, "failures": failures}


def _retrying(what: str, step: Callable[[], int | None]) -> tuple[int | None, int]:
    """Run ``step`` in a transaction, again after a deadlock inside Learning Core (as a caller must)."""
    for attempt in range(10):
        try:
            with transaction.atomic():  # the edit (and its publish); the compiles run on commit
                return step(), attempt
        except OperationalError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} kept deadlocking")


def edit_block(block_id: str, count: int, *, publish: bool, go_file: Path) -> dict[str, Any]:
    """``count`` edits of html ``block_id``, each marked with its step, each published or not."""
    binding = CourseBinding.objects.get(course_key=KEY)
    html = lc_ops.entity_of(binding, "html", block_id)
    original = lc_ops.block_xml(html)
    role = "publisher" if publish else "drafter"
    wait_for(go_file)
    log_ids: list[int] = []
    retries = 0
    for step in range(count):

        def change(step: int = step) -> int | None:
            marker = f"<p>{role} step {step}</p>"
            lc_ops.set_block_xml(binding, html, original.replace("</html>", f"{marker}</html>"))
            return lc_ops.publish(binding, [html]).id if publish else None

        log_id, attempts = _retrying(f"{role} step {step}", change)
        retries += attempts
        if log_id is not None:
            log_ids.append(log_id)
    return {"edits": count, "retries": retries, "log_ids": log_ids}


def _step(text: str, marker: str) -> int:
    return int(text.split(marker)[-1].split("<")[0]) if marker in text else -1


def read(stop_file: Path, watched: list[list[str]]) -> dict[str, Any]:
    """
    Read the course, a new request each time, until the stop file appears (and 20 reads at least).
    ``watched`` names [branch, block_id, marker, rule]: the number after ``marker`` in the block's
    data must never go down from one read to the next (rule "up"; "any" for writers racing each
    other), and is the same, in one read, in every block watched on that branch with that marker
    (blocks a writer changes together are never seen half changed). Nor must the published
    structure's PublishLog ever go down.
    """
    store = LearningCoreModuleStore()
    seen: list[int] = []
    steps: dict[tuple[str, str], int] = {}
    regressions: list[str] = []
    vanished: list[str] = []
    torn: list[str] = []
    done = False
    while not done:  # one more read once the stop file is seen: that one sees the writers' last work
        done = stop_file.exists() and len(seen) >= 20
        RequestCache.clear_all_namespaces()
        log_id = structure_log_id(store.get_course(KEY).course_version)
        if seen and log_id < seen[-1]:
            regressions.append(f"structure of PublishLog {log_id} after {seen[-1]}")
        seen.append(log_id)
        together: dict[tuple[str, str], set[int]] = {}
        for branch, block_id, marker, rule in watched:
            course_key = KEY.for_branch(DRAFT_BRANCH) if branch == "draft" else KEY
            try:
                data = store.get_item(course_key.make_usage_key("html", block_id)).data
            except ItemNotFoundError as exc:
                vanished.append(f"{branch} {block_id} at PublishLog {log_id}: {exc}")
                continue
            step, last = _step(data, marker), steps.get((branch, block_id), -1)
            if rule == "up" and step < last:
                regressions.append(f"{branch} {block_id}: {marker}{step} after {marker}{last}")
            together.setdefault((branch, marker), set()).add(step)
            steps[(branch, block_id)] = step
        torn += [f"PublishLog {log_id}: {b} {m}{sorted(s)}" for (b, m), s in together.items() if len(s) > 1]
        (stop_file.parent / f"ready.{os.getpid()}").touch()
    return {
        "reads": len(seen),
        "distinct": len(set(seen)),
        "regressions": regressions,
        "vanished": vanished,
        "torn": torn,
        "steps": {f"{branch} {block}": step for (branch, block), step in steps.items()},
    }


def main(role: str, args: list[str]) -> dict[str, Any]:
    if role == "import":
        return import_exports(Path(args[0]), args[1:])
    if role == "compile":
        return compile_until(Path(args[0]), Path(args[1]), args[2:])
    if role in ("draft", "publish"):
        return edit_block(args[1], int(args[2]), publish=role == "publish", go_file=Path(args[0]))
    if role == "read":
        return read(Path(args[0]), json.loads(args[1]))
    raise SystemExit(f"unknown role {role!r}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2:])))
