"""
The operators' commands: ``--help`` with examples, a one-line summary, ``--json`` a script can
read, a non-zero exit status on failure, and progress bars only on a terminal.
"""

from __future__ import annotations

import hashlib
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from compile.vocabulary import PUBLISHED_BRANCH
from lc_modulestore.management import base
from lc_modulestore.models import CompiledStructure, CourseBinding, CourseFile
from lc_modulestore.operations.status import course_status
from lc_modulestore.serving.flags import SERVING_FLAG, set_course_override, set_org_override

from . import lc_ops
from .conftest import SAMPLE_COURSE

pytestmark = pytest.mark.django_db
KEY = "course-v1:LCDemo+LC101+2026"
STATIC = SAMPLE_COURSE / "static"
NOTES_MD5 = hashlib.md5((STATIC / "notes.txt").read_bytes()).hexdigest()
SRT_MD5 = hashlib.md5((STATIC / "intro_video-en.srt").read_bytes()).hexdigest()
NOTES_SIZE, SRT_SIZE = (len((STATIC / name).read_bytes()) for name in ("notes.txt", "intro_video-en.srt"))
COMMANDS = ["lc_import_olx", "lc_compile", "lc_show", "lc_flag", "lc_status", "lc_demo", "lc_bench"]


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


@pytest.fixture
def course(run_import: Any) -> CourseBinding:
    run_import(SAMPLE_COURSE)
    return CourseBinding.objects.get()


@pytest.mark.parametrize("name", COMMANDS)
def test_help_ends_with_examples(name: str) -> None:
    text = load_command_class("lc_modulestore", name).create_parser("manage.py", name).format_help()
    examples = text.split("examples:\n", 1)[1]
    assert f"manage.py {name}" in examples
    assert all(line.startswith("  ") for line in examples.splitlines() if line)  # kept as written


def test_status_of_every_course_and_of_one(course: CourseBinding) -> None:
    out, _ = run("lc_status")
    assert KEY in out and "fallback" in out
    assert last_line(out) == (
        "1 course(s): 1 bound, 1 compiled, 0 served from Learning Core, 0 behind, 0 with problems"
    )
    set_course_override(SERVING_FLAG.name, KEY, True)
    out, _ = run("lc_status", KEY)
    structure = CompiledStructure.objects.get(branch=PUBLISHED_BRANCH)
    assert f"compiled:  PublishLog {structure.publish_log_id} -> structure {structure.object_id}" in out
    assert f"{len(structure.data)} bytes" in out
    assert "served:    yes, served from Learning Core: flag on (course override" in out


def test_status_json_says_which_override_decides(course: CourseBinding) -> None:
    set_org_override(SERVING_FLAG.name, "LCDemo", True)
    out, err = run("lc_status", KEY, "--json")
    (status,) = json.loads(out)["courses"]
    assert status["served"] and status["flag_source"] == "org override" and status["current"]
    assert "1 served from Learning Core" in err  # the summary stays off stdout
    set_course_override(SERVING_FLAG.name, KEY, False)
    (status,) = json.loads(run("lc_status", KEY, "--json")[0])["courses"]
    assert not status["served"] and status["flag_source"] == "course override"
    assert "the fallback store serves it" in status["reason"]


def test_status_exits_non_zero_for_a_course_that_needs_attention(
    course: CourseBinding, django_capture_on_commit_callbacks: Any
) -> None:
    with pytest.raises(CommandError, match="not-bound"):
        run("lc_status", "course-v1:Org+not-bound+Run")
    with pytest.raises(CommandError, match="is not a course key"):
        run("lc_status", "garbage")
    html = lc_ops.entity_of(course, "html", "summary_html")
    lc_ops.set_block_xml(course, html, "<html><p>unclosed</html")
    with django_capture_on_commit_callbacks(execute=True):
        lc_ops.publish(course, [html])
    with pytest.raises(CommandError, match="1 course"):  # it compiles, around one error block
        run("lc_status", KEY)
    status = course_status(KEY)
    assert status.current and [e["block"] for e in status.error_blocks] == ["html/summary_html"]
    out, _ = run("lc_status")  # the summary of all courses is information, not a failure
    assert "served as error blocks" in out


def test_status_gives_each_course_its_published_files_and_bytes(
    course: CourseBinding, run_import: Any, sample_copy: Path
) -> None:
    both = f"2 file(s), {NOTES_SIZE + SRT_SIZE} bytes"
    (line,) = [line for line in run("lc_status")[0].splitlines() if line.startswith(KEY)]
    assert both in line
    assert f"  files:     {both} published" in run("lc_status", KEY)[0]
    (status,) = json.loads(run("lc_status", KEY, "--json")[0])["courses"]
    assert (status["files"], status["file_bytes"]) == (2, NOTES_SIZE + SRT_SIZE)
    # A file gone from the export is deleted by the re-import: no longer counted. That publish
    # changed course files only: no new structure, and the course is not behind for it.
    (sample_copy / "static" / "intro_video-en.srt").unlink()
    assert run_import(sample_copy).publish_log_id is not None
    out, _ = run("lc_status", KEY)  # exits 0: nothing needs attention
    assert f"  files:     1 file(s), {NOTES_SIZE} bytes published" in out
    assert "(current: the publishes since changed course files only)" in out and " 0 behind," in out
    (status,) = json.loads(run("lc_status", KEY, "--json")[0])["courses"]
    assert (status["files"], status["file_bytes"]) == (1, NOTES_SIZE)
    assert status["current"] and status["only_files_since"] and status["problems"] == []
    assert status["latest_publish_log_id"] > status["compiled_publish_log_id"]
    assert course_status("course-v1:Org+not-bound+Run").files is None  # not bound: nothing to count


def test_a_block_published_after_a_files_only_publish_is_behind_until_compiled(
    course: CourseBinding, run_import: Any, sample_copy: Path
) -> None:
    (sample_copy / "static" / "notes.txt").write_bytes(b"new notes")
    run_import(sample_copy)  # files only: compiled into nothing new, and current
    assert course_status(KEY).current
    html = lc_ops.entity_of(course, "html", "summary_html")
    lc_ops.set_block_xml(course, html, "<html><p>changed</p></html>")
    lc_ops.publish(course, [html])  # its compile (on commit) does not run here
    status = course_status(KEY)
    assert not status.current and not status.only_files_since
    assert any("is newer than the compiled" in problem for problem in status.problems)
    with pytest.raises(CommandError, match="need attention"):
        run("lc_status", KEY)
    run("lc_compile", KEY)
    assert course_status(KEY).current and not course_status(KEY).only_files_since


def test_show_lists_the_course_files(course: CourseBinding, run_import: Any, sample_copy: Path) -> None:
    out, _ = run("lc_show", KEY)
    assert f"files: 2 published, {NOTES_SIZE + SRT_SIZE} bytes" in out
    listed = [line.split() for line in out.splitlines() if line.startswith("  ") and " md5 " in line]
    rows = {cells[0]: cells[1:] for cells in listed}
    srt_type = CourseFile.objects.get(legacy_path="intro_video-en.srt").content_type  # the import's rule
    assert srt_type and rows == {
        "intro_video-en.srt": [str(SRT_SIZE), "bytes", srt_type, "unlocked", "md5", SRT_MD5],
        "notes.txt": [str(NOTES_SIZE), "bytes", "text/plain", "unlocked", "md5", NOTES_MD5],
    }
    assert last_line(out).endswith(f"; 2 file(s), {NOTES_SIZE + SRT_SIZE} bytes")
    files = json.loads(run("lc_show", KEY, "--json")[0])["files"]
    assert [(f["name"], f["size"], f["content_type"], f["locked"], f["md5"]) for f in files] == [
        ("intro_video-en.srt", SRT_SIZE, srt_type, False, SRT_MD5),
        ("notes.txt", NOTES_SIZE, "text/plain", False, NOTES_MD5),
    ]
    # Locked in assets.json and given new bytes: a new version, shown with its new digest.
    policy = json.loads((sample_copy / "policies" / "assets.json").read_text())
    policy["notes.txt"]["locked"] = True
    (sample_copy / "policies" / "assets.json").write_text(json.dumps(policy))
    (sample_copy / "static" / "notes.txt").write_bytes(b"new notes")
    run_import(sample_copy)
    files = json.loads(run("lc_show", KEY, "--json")[0])["files"]
    assert files[1] == files[1] | {
        "name": "notes.txt", "size": 9, "locked": True, "md5": hashlib.md5(b"new notes").hexdigest()
    }  # fmt: skip
    (notes,) = [line for line in run("lc_show", KEY)[0].splitlines() if line.startswith("  notes.txt")]
    assert notes.split()[1:5] == ["9", "bytes", "text/plain", "locked"]


def test_compile_json_and_exit_status(course: CourseBinding) -> None:
    out, err = run("lc_compile", KEY, "--full", "--json")
    (report,) = json.loads(out)
    assert report["course_key"] == KEY and report["blocks"] > 0 and not report["incremental"]
    assert last_line(err) == "1 compiled, 0 failed"
    with pytest.raises(CommandError, match="1 compiled, 1 failed"):
        run("lc_compile", KEY, "course-v1:No+Such+Course")


def test_import_json_and_a_bad_export(tmp_path: Path) -> None:
    out, err = run("lc_import_olx", str(SAMPLE_COURSE), "--json")
    result = json.loads(out)
    assert result["course_key"] == KEY and result["publish_log_id"] and result["blocks"] == 46
    assert "published as PublishLog" in last_line(err)
    out, _ = run("lc_import_olx", str(SAMPLE_COURSE))
    assert last_line(out).endswith(
        "nothing changed, nothing published; 1 problem(s): 0 error(s), 0 warning(s), 1 note(s)"
    )
    (tmp_path / "course.xml").write_text("<course")
    with pytest.raises(CommandError, match="nothing was changed"):
        run("lc_import_olx", str(tmp_path))


def test_show_summarizes_and_fails_for_an_uncompiled_course(course: CourseBinding) -> None:
    out, _ = run("lc_show", KEY)
    assert last_line(out).startswith(f"{KEY}: 54 blocks compiled, structure ")
    out, err = run("lc_show", KEY, "--json")
    assert len(json.loads(out)["blocks"]) == 54 and "54 blocks" in err
    with pytest.raises(CommandError):
        run("lc_show", "course-v1:No+Such+Course")


def test_flag_json_and_summary(course: CourseBinding) -> None:
    out, err = run("lc_flag", "on", KEY, "--json")
    assert json.loads(out)["courses"] == [
        {"course_key": KEY, "enabled": True, "source": "course override", "detail": KEY}
    ]
    assert last_line(err) == "on: 1 override(s) changed, 0 already on"
    out, _ = run("lc_flag", "on", KEY)
    assert last_line(out) == "on: 0 override(s) changed, 1 already on"
    with pytest.raises(CommandError):
        run("lc_flag", "on")


@pytest.mark.django_db(transaction=True)  # commits, so the import's publish compiles as in production
def test_demo_prints_the_live_structure_and_every_name() -> None:
    out, _ = run("lc_demo")
    structure = CompiledStructure.objects.get(branch=PUBLISHED_BRANCH)
    assert (
        f"PublishLog {structure.publish_log_id} -> structure {structure.object_id}, 54 blocks,"
        f" {len(structure.data)} bytes compressed" in out
    )
    assert "by the publish signal" in out and " 0 bytes" not in out
    assert "openassessment   reflection ora" in out  # no display name: the LMS shows the url_name
    assert all(line.split(maxsplit=1)[1:] for line in out.splitlines() if line.startswith(" "))
    assert last_line(out).startswith(f"{KEY}: served from Learning Core")
    assert "4. Course files: 2 imported from static/ (2 new, 0 changed, 0 unchanged, 0 deleted;" in out
    url = f"/assets/courseware/v1/{NOTES_MD5}/asset-v1:LCDemo+LC101+2026+type@asset+block/notes.txt"
    assert f"/static/notes.txt in a page becomes {url}\n" in out
    assert "The contentserver answers 200:" in out
    assert "Content-Type: text/plain" in out and f"Content-Length: {NOTES_SIZE}\n" in out
    assert "Cache-Control: none sent (unlocked" in out
    assert "first bytes: b'LC101 Everyday Coffee Science - course notes'" in out
    out, _ = run("lc_demo")
    assert "by an earlier run" in out and f"{len(structure.data)} bytes" in out
    assert "(0 new, 0 changed, 2 unchanged, 0 deleted; 0 bytes written)" in out and url in out


def test_progress_bars_only_on_a_terminal(
    run_import: Any, sample_copy: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_import(SAMPLE_COURSE)
    run_import(sample_copy, "course-v1:LCDemo+LC102+2026")
    run("lc_compile", "--all", "--full")
    assert "course/s" not in capsys.readouterr().err
    monkeypatch.setattr(base.sys.stderr, "isatty", lambda: True)
    run("lc_compile", "--all", "--full")
    assert "2/2" in capsys.readouterr().err
