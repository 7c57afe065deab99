"""
The operators' commands: ``--help`` with examples, a one-line summary, ``--json`` a script can
read, a non-zero exit status on failure, and progress bars only on a terminal.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from compile.vocabulary import PUBLISHED_BRANCH
from lc_modulestore.management import base
from lc_modulestore.models import CompiledStructure, CourseBinding
from lc_modulestore.operations.status import course_status
from lc_modulestore.serving.flags import SERVING_FLAG, set_course_override, set_org_override

from . import lc_ops
from .conftest import SAMPLE_COURSE

pytestmark = pytest.mark.django_db
KEY = "course-v1:LCDemo+LC101+2026"
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
    out, _ = run("lc_demo")
    assert "by an earlier run" in out and f"{len(structure.data)} bytes" in out


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
