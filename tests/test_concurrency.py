"""
Concurrency on MariaDB: two publisher processes, each editing and publishing its own block 30
times (every publish compiled in that process, as after a Studio publish), and a reader process
reading the course the whole time. At the end the newest PublishLog is the one served, no row is
left over, what is served equals a full recompile, and no read ever saw an older structure (or an
older edit) after a newer one.

Skipped on SQLite: the test database is in memory, private to one connection, and SQLite runs
one writer at a time anyway, so there is no concurrency to test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from openedx_content.models_api import PublishLog

from lc_modulestore.api import compile_course
from lc_modulestore.models import (
    CompiledDefinition,
    CompiledErrorBlock,
    CompiledStructure,
    CompileFailure,
    CourseBinding,
    CourseIndex,
)
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.storage import writes

from .conftest import SAMPLE_COURSE
from .storage_checks import assert_incremental_equals_full, assert_storage_invariant

PUBLISHES = 30
KEY = "course-v1:LCDemo+LC101+2026"
ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("mysql"),
    reason="needs MariaDB (LC_TEST_DB=mysql): SQLite's in-memory test database has one connection",
)


def start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "LC_TEST_DB": "mysql", "LC_MYSQL_NAME": connection.settings_dict["NAME"]}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.concurrency_worker", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def result_of(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate(timeout=900)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_two_publishers_and_a_reader(
    run_import: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_import(SAMPLE_COURSE)
    set_course_override(DEFAULT_FLAG_NAME, KEY, True)
    connection.close()  # the workers take over; this process only looks at the end
    stop = tmp_path / "stop"
    reader = start("read", str(stop))
    publishers = [start("publish", str(which), str(PUBLISHES)) for which in (0, 1)]
    results = [result_of(p) for p in publishers]
    stop.touch()
    reads = result_of(reader)

    assert [r["publishes"] for r in results] == [PUBLISHES, PUBLISHES]
    binding = CourseBinding.objects.select_related("learning_package").get(course_key=KEY)
    newest = PublishLog.objects.filter(learning_package_id=binding.learning_package_id).latest("id").id
    assert max(max(r["log_ids"]) for r in results) == newest
    assert CourseIndex.objects.get(binding=binding).publish_log_id == newest  # the newest publish won
    assert_incremental_equals_full(binding)
    # No orphan rows: the live rows are exactly those the live structure names; the superseded
    # ones (kept for reads in flight) all go with the first compile after the grace.
    assert_storage_invariant(binding)
    later = writes._now() + writes.SUPERSEDED_GRACE + timedelta(seconds=1)
    with monkeypatch.context() as patch:
        patch.setattr(writes, "_now", lambda: later)
        compile_course(KEY, full=True)
    assert CompiledStructure.objects.filter(binding=binding).count() == 1
    assert not CompiledDefinition.objects.filter(binding=binding, superseded_at__isnull=False).exists()
    assert_storage_invariant(binding)
    assert not CompiledErrorBlock.objects.filter(binding=binding).exists()
    failures = CompileFailure.objects.filter(binding=binding)
    assert not failures.exists(), list(failures.values_list("message", flat=True))
    # The reader never went back in time, and saw the course move.
    assert reads["regressions"] == []
    assert reads["vanished"] == []  # what a read was given stays readable while it reads
    assert reads["reads"] >= 20 and reads["distinct"] > 1
    print(
        f"publishes: {2 * PUBLISHES}, deadlock retries: {sum(r['retries'] for r in results)}, reads: {reads}"
    )
