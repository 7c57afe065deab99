"""
Operations an operator or an author runs while others run, on MariaDB, each in processes of its
own (``tests/concurrency_ops_worker.py``) with a reader process reading the course throughout:

* two ``lc_import_olx`` of the same course at once, its first import and a re-import: one waits
  for the other (or is refused, saying why); nothing is half written;
* a re-import while ``lc_compile --full`` runs over and over;
* ``lc_compile --all --full`` (the upgrade step of docs/OPERATIONS.md) while publishes happen;
* drafts edited while publishes compile (both branches compiling at once).

After each: the rows stored for the course are exactly those its live structures reference
(``assert_storage_invariant``), both live structures equal a compile from scratch, nothing failed,
and the reader never saw the course go back (an older structure, or an older edit, after a newer
one), nor a read lose what it was given, nor a half-applied import.

Skipped on SQLite: its test database is in memory, private to one connection.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from openedx_content import api as content_api
from openedx_content.models_api import PublishLog

from compile.vocabulary import DRAFT_BRANCH
from lc_modulestore.models import CompiledErrorBlock, CompileFailure, CourseBinding, CourseIndex
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.storage.codec import decode_definition
from lc_modulestore.storage.models import CompiledDefinition

from .conftest import SAMPLE_COURSE, SAMPLE_COURSE_KEY
from .storage_checks import assert_incremental_equals_full, assert_storage_invariant, live_structure

ROOT = Path(__file__).resolve().parents[1]
EDITS = 12  # publishes (or draft edits) per writer: enough to overlap the other operation many times
IMPORTED = ("summary_html", "welcome_html")  # the blocks a test export changes, both at once

pytestmark = [
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("mysql"),
        reason="needs MariaDB (LC_TEST_DB=mysql): SQLite's in-memory test database has one connection",
    ),
    pytest.mark.django_db(transaction=True),
]


class Processes:
    """The worker processes of one test: started together, released at once, their results read."""

    def __init__(self, folder: Path) -> None:
        self.go = folder / "go"
        self.stop = folder / "stop"
        self.started: list[subprocess.Popen[str]] = []

    def start(self, role: str, *args: str) -> subprocess.Popen[str]:
        env = {**os.environ, "LC_TEST_DB": "mysql", "LC_MYSQL_NAME": str(connection.settings_dict["NAME"])}
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.concurrency_ops_worker", role, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.started.append(process)
        return process

    def release(self) -> None:
        """Let the writers go at once, when every process started is ready (a dead one fails the test)."""
        deadline = time.monotonic() + 120
        while len(list(self.go.parent.glob("ready.*"))) < len(self.started):
            dead = [p for p in self.started if p.poll() is not None]
            assert not dead and time.monotonic() < deadline, [p.communicate() for p in dead]
            time.sleep(0.05)
        self.go.touch()

    def reader(self, watched: list[list[str]]) -> subprocess.Popen[str]:
        return self.start("read", str(self.stop), json.dumps(watched))

    @staticmethod
    def result(process: subprocess.Popen[str]) -> dict[str, Any]:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]
        result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        return result

    def kill_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.communicate()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    connection.close()  # the workers take over; this process only looks at the end
    try:
        yield started
    finally:
        started.kill_all()  # a failed test leaves none running


@pytest.fixture
def course(run_import: Any) -> CourseBinding:
    run_import(SAMPLE_COURSE)
    set_course_override(DEFAULT_FLAG_NAME, SAMPLE_COURSE_KEY, True)
    return CourseBinding.objects.get(course_key=SAMPLE_COURSE_KEY)


def export_marked(tmp_path: Path, name: str, marker: str) -> Path:
    """A copy of the sample course whose two IMPORTED bodies both end with ``marker``."""
    target = tmp_path / name
    shutil.copytree(SAMPLE_COURSE, target)
    for block_id in IMPORTED:
        body = target / "html" / f"{block_id}.html"
        body.write_text(body.read_text() + f"<p>{marker}</p>\n")
    return target


def served_html(binding: CourseBinding, block_id: str, branch: str | None = None) -> str:
    """The html body a structure's live definition of ``block_id`` holds (read from the rows)."""
    structure = live_structure(binding, branch) if branch else live_structure(binding)
    assert structure is not None
    (block,) = [b for b in structure["blocks"] if b["block_id"] == block_id and b["block_type"] == "html"]
    row = CompiledDefinition.objects.get(binding=binding, object_id=str(block["definition"]))
    return str(decode_definition(bytes(row.data))["fields"]["data"])


def newest_publish_log(binding: CourseBinding) -> int:
    return int(PublishLog.objects.filter(learning_package_id=binding.learning_package_id).latest("id").id)


def assert_consistent(binding: CourseBinding) -> None:
    """What every suite ends with: the newest publish served, rows exact, equal to a full compile."""
    binding.refresh_from_db()
    assert CourseIndex.objects.get(binding=binding).publish_log_id == newest_publish_log(binding)
    assert_storage_invariant(binding)
    assert_incremental_equals_full(binding)
    failures = CompileFailure.objects.filter(binding=binding)
    assert not failures.exists(), list(failures.values_list("message", flat=True))
    assert not CompiledErrorBlock.objects.filter(binding=binding).exists()


def assert_never_went_back(reads: dict[str, Any]) -> None:
    assert reads["regressions"] == []
    assert reads["vanished"] == []  # what a read was given stays readable while it reads
    assert reads["torn"] == []  # an import is seen whole or not at all
    assert reads["reads"] >= 20


def test_two_first_imports_of_one_course_at_once(processes: Processes, tmp_path: Path) -> None:
    """
    Neither finds the course: one creates it; the other waits for it and finds nothing to change,
    or is refused naming the course. One package, one binding, nothing else written.
    """
    importers = [processes.start("import", str(processes.go), str(SAMPLE_COURSE)) for _ in range(2)]
    processes.release()
    outcomes = [processes.result(p)["imports"][0] for p in importers]

    assert not [o for o in outcomes if "crashed" in o], outcomes
    published = [o["publish_log_id"] for o in outcomes if o.get("publish_log_id")]
    assert len(published) == 1, outcomes  # one import wrote the course, the other changed nothing
    for outcome in outcomes:
        if "refused" in outcome:
            assert SAMPLE_COURSE_KEY in outcome["refused"] and "nothing was changed" in outcome["refused"]
    binding = CourseBinding.objects.get(course_key=SAMPLE_COURSE_KEY)  # exactly one
    package = content_api.get_learning_package(binding.learning_package_id)
    assert package.package_ref == f"lc-modulestore:{SAMPLE_COURSE_KEY}"
    assert PublishLog.objects.filter(learning_package_id=package.id).count() == 1
    assert_consistent(binding)
    print(f"two first imports: {outcomes}")


def test_two_reimports_of_one_course_at_once(
    course: CourseBinding, processes: Processes, tmp_path: Path
) -> None:
    """Both exports change the same two blocks: the course ends as one of them whole, as every read saw."""
    exports = [export_marked(tmp_path, name, f"import step {n}") for n, name in ((1, "one"), (2, "two"))]
    watched = [["published", block_id, "import step ", "any"] for block_id in IMPORTED]
    reader = processes.reader(watched)
    importers = [processes.start("import", str(processes.go), str(path)) for path in exports]
    processes.release()
    outcomes = [processes.result(p)["imports"][0] for p in importers]
    processes.stop.touch()
    reads = processes.result(reader)

    assert not [o for o in outcomes if "crashed" in o or "refused" in o], outcomes
    assert all(o["publish_log_id"] for o in outcomes)  # the second waited, then imported its changes
    last = max(range(2), key=lambda n: outcomes[n]["publish_log_id"])
    for block_id in IMPORTED:
        assert served_html(course, block_id).endswith(f"<p>import step {last + 1}</p>\n")
    assert_consistent(course)
    assert_never_went_back(reads)
    print(f"two re-imports: {outcomes}; reads: {reads}")


def test_an_import_while_compiles_run(course: CourseBinding, processes: Processes, tmp_path: Path) -> None:
    """Four re-imports in a row, each changing two blocks, while ``lc_compile --full`` runs in a loop."""
    exports = [str(export_marked(tmp_path, f"step{n}", f"import step {n}")) for n in range(1, 5)]
    watched = [["published", block_id, "import step ", "up"] for block_id in IMPORTED]
    reader = processes.reader(watched)
    compiler = processes.start("compile", str(processes.go), str(processes.stop), SAMPLE_COURSE_KEY, "--full")
    importer = processes.start("import", str(processes.go), *exports)
    processes.release()
    outcomes = processes.result(importer)["imports"]
    processes.stop.touch()
    compiles, reads = processes.result(compiler), processes.result(reader)

    assert [bool(o.get("publish_log_id")) for o in outcomes] == [True] * 4, outcomes
    assert compiles["failures"] == [] and compiles["runs"] >= 2
    for block_id in IMPORTED:
        assert served_html(course, block_id).endswith("<p>import step 4</p>\n")
    assert_consistent(course)
    assert_never_went_back(reads)
    assert reads["steps"] == {f"published {block_id}": 4 for block_id in IMPORTED}
    print(f"imports: {outcomes}; compiles: {compiles['runs']}; reads: {reads}")


def test_compile_all_full_while_publishes_happen(course: CourseBinding, processes: Processes) -> None:
    """The upgrade step (``lc_compile --all --full``) in a loop while an author publishes 12 edits."""
    reader = processes.reader([["published", "summary_html", "publisher step ", "up"]])
    compiler = processes.start("compile", str(processes.go), str(processes.stop), "--all", "--full")
    publisher = processes.start("publish", str(processes.go), "summary_html", str(EDITS))
    processes.release()
    published = processes.result(publisher)
    processes.stop.touch()
    compiles, reads = processes.result(compiler), processes.result(reader)

    assert len(published["log_ids"]) == EDITS
    assert compiles["failures"] == [] and compiles["runs"] >= 2
    assert max(published["log_ids"]) == newest_publish_log(course)
    assert f"publisher step {EDITS - 1}<" in served_html(course, "summary_html")
    assert_consistent(course)
    assert_never_went_back(reads)
    assert reads["distinct"] > 1 and reads["steps"] == {"published summary_html": EDITS - 1}
    print(
        f"publishes: {EDITS}, retries: {published['retries']}; compiles: {compiles['runs']}; reads: {reads}"
    )


def test_drafts_edited_while_publishes_compile(course: CourseBinding, processes: Processes) -> None:
    """
    One author publishes 12 edits of one block while another edits a second block 24 times without
    publishing: both branches compile at once, and neither loses the other's work.
    """
    reader = processes.reader(
        [
            ["published", "summary_html", "publisher step ", "up"],
            ["draft", "summary_html", "publisher step ", "up"],
            ["draft", "welcome_html", "drafter step ", "up"],
        ]
    )
    publisher = processes.start("publish", str(processes.go), "summary_html", str(EDITS))
    drafter = processes.start("draft", str(processes.go), "welcome_html", str(2 * EDITS))
    processes.release()
    published, drafted = processes.result(publisher), processes.result(drafter)
    processes.stop.touch()
    reads = processes.result(reader)

    assert len(published["log_ids"]) == EDITS and drafted["edits"] == 2 * EDITS
    assert f"publisher step {EDITS - 1}<" in served_html(course, "summary_html")
    assert f"drafter step {2 * EDITS - 1}<" in served_html(course, "welcome_html", DRAFT_BRANCH)
    assert "drafter step" not in served_html(course, "welcome_html")  # never published
    assert_consistent(course)
    assert_never_went_back(reads)
    assert reads["steps"]["draft welcome_html"] == 2 * EDITS - 1
    retries = published["retries"] + drafted["retries"]
    print(f"publishes: {EDITS}, draft edits: {2 * EDITS}, retries: {retries}; reads: {reads}")
