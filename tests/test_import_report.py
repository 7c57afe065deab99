"""
One report, every problem: an import lists every problem of its export (severity, file, line,
block, what was done), stores it with the import (refused imports too, which change nothing
else), and shows it in ``lc_import_olx``, ``lc_show``, ``lc_status`` and the API. ``--strict``
refuses an export with any error or warning, changing nothing and listing them all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from io import StringIO
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from compile.import_report import ERROR, NOTE, WARNING, ImportProblem
from compile.olx_export import OlxCourse
from lc_modulestore.api import (
    ImportReport,
    ImportResult,
    OlxImportError,
    compiled_course,
    last_import_report,
)
from lc_modulestore.importing import importer
from lc_modulestore.operations.status import course_status

from .db_counts import table_counts

pytestmark = pytest.mark.django_db
KEY = "course-v1:Org+C1+run"

COURSE = """\
<course display_name="Tiny">
  <chapter url_name="ch" display_name="Week 1">
    <sequential url_name="seq" display_name="Lesson"{seq}>
      <vertical url_name="v" display_name="Unit">
        <html url_name="h" display_name="Text"{html}>Hello</html>
      </vertical>
    </sequential>
  </chapter>
</course>
"""


def tiny_export(folder: Path, *, seq: str = "", html: str = "", policy: dict[str, Any] | None = None) -> Path:
    """A whole export in a few lines: the sequential is on line 3, the html on line 5."""
    (folder / "course").mkdir(parents=True, exist_ok=True)
    (folder / "course.xml").write_text('<course url_name="run" org="Org" course="C1"/>\n')
    (folder / "course/run.xml").write_text(COURSE.format(seq=seq, html=html))
    if policy is not None:
        (folder / "policies/run").mkdir(parents=True, exist_ok=True)
        (folder / "policies/run/policy.json").write_text(json.dumps(policy, indent=4))
    return folder


@pytest.fixture
def with_problems(tmp_path: Path) -> Path:
    """Two unreadable values (warnings today), in the OLX and in policy.json, and drafts/ (a note)."""
    export = tiny_export(
        tmp_path / "export",
        seq=' start="soon"',
        policy={"html/h": {"visible_to_staff_only": "maybe"}},
    )
    (export / "drafts/vertical").mkdir(parents=True)
    (export / "drafts/vertical/v.xml").write_text("<vertical/>")
    return export


def test_every_problem_has_its_severity_file_line_block_and_action(
    with_problems: Path, run_import: Callable[..., ImportResult]
) -> None:
    result = run_import(with_problems)
    assert [(p.severity, p.where, p.key) for p in result.problems] == [
        (NOTE, "drafts", ""),  # the reader's note: drafts/ ignored
        (WARNING, "course/run.xml:3", "sequential/seq"),  # document order
        (WARNING, "policies/run/policy.json:2", "html/h"),  # set by the policy: its entry's line
    ]
    assert "drafts/ ignored (1 files)" in result.problems[0].message
    assert result.problems[1].message == "start='soon' is not a valid date"
    assert result.problems[1].action.startswith('ignored, and start is set to "2999-01-01')
    assert result.problems[2].message == "visible_to_staff_only='maybe' is not a valid boolean"
    assert "visible_to_staff_only is set to true (fail closed)" in result.problems[2].action


def test_each_import_is_stored_with_its_report(
    with_problems: Path, run_import: Callable[..., ImportResult], django_user_model: Any
) -> None:
    user = django_user_model.objects.create(username="ops")
    result = run_import(with_problems, user_id=user.id)
    report = ImportReport.objects.get(course_key=KEY)
    assert result.report_id == report.id and last_import_report(KEY) == report
    assert (report.course_key, report.user_id, report.source) == (KEY, user.id, str(with_problems))
    assert (report.outcome, report.strict, report.message) == ("imported", False, "")
    assert report.publish_log_id == result.publish_log_id is not None
    assert (report.created, report.changed, report.unchanged, report.deleted) == (5, 0, 0, 0)
    assert report.problems == result.problems
    assert (report.errors, report.warnings, report.notes) == (0, 2, 1)
    assert orjson.loads(report.problems_json)[1]["file"] == "course/run.xml"

    again = run_import(with_problems)  # nothing changed: reported too, with no publish
    assert again.publish_log_id is None and ImportReport.objects.filter(course_key=KEY).count() == 2
    newest = last_import_report(KEY.upper().replace("COURSE-V1", "course-v1"))  # any case finds it
    assert newest is not None and newest.id == again.report_id and newest.unchanged == 5


def test_a_refused_import_is_reported_and_changes_nothing_else(
    tmp_path: Path, run_import: Callable[..., ImportResult]
) -> None:
    export = tiny_export(tmp_path / "export")
    (export / "course/run.xml").write_text("<course>\n  <chapter url_name='ch'>\n</course>\n")
    before = table_counts()
    with pytest.raises(OlxImportError) as error:
        run_import(export, KEY)
    assert table_counts() == before
    report = ImportReport.objects.get(course_key=KEY)
    assert (report.course_key, report.outcome, report.publish_log_id) == (KEY, "refused", None)
    assert report.message == str(error.value)
    [problem] = report.problems
    assert (problem.severity, problem.file, problem.line) == (ERROR, "course/run.xml", error.value.line)
    assert problem.action == "import refused, nothing changed"
    status = course_status(KEY)  # not bound, but the refusal shows
    assert not status.bound and status.last_import is not None and status.last_import["outcome"] == "refused"
    assert any("the last import was refused" in p for p in status.problems)


def test_strict_refuses_errors_and_warnings_changing_nothing(
    tmp_path: Path, with_problems: Path, run_import: Callable[..., ImportResult]
) -> None:
    clean = run_import(tiny_export(tmp_path / "clean"))
    served = compiled_course(KEY)
    before = table_counts()
    with pytest.raises(OlxImportError) as error:
        run_import(with_problems, strict=True)
    assert table_counts() == before
    message = str(error.value)
    assert "2 problem(s) of severity error or warning" in message
    assert "course/run.xml:3: sequential/seq: start='soon'" in message
    assert "policies/run/policy.json:2: html/h: visible_to_staff_only='maybe'" in message
    assert "drafts/" not in message  # notes do not refuse
    again = compiled_course(KEY)  # the version imported before is still the one served
    assert (again.structure_id, again.publish_log_id) == (served.structure_id, clean.publish_log_id)
    assert "start" not in again.blocks["sequential/seq"].fields
    report = last_import_report(KEY)
    assert report is not None and (report.outcome, report.strict) == ("refused", True)
    assert [p.severity for p in report.problems] == [NOTE, WARNING, WARNING]  # all of them, listed


def test_notes_do_not_refuse_a_strict_import(tmp_path: Path, run_import: Callable[..., ImportResult]) -> None:
    export = tiny_export(tmp_path / "export")
    (export / "drafts").mkdir()
    result = run_import(export, strict=True)
    assert [p.severity for p in result.problems] == [NOTE] and result.publish_log_id is not None
    report = last_import_report(KEY)
    assert report is not None and (report.outcome, report.strict) == ("imported", True)


def test_any_problem_the_reader_finds_flows_into_the_report(
    tmp_path: Path, run_import: Callable[..., ImportResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader's own problems (blocks left out...) come first, whatever their severity."""
    found = ImportProblem(ERROR, "course/run.xml", 4, "error/abc", "cannot be read", "an error block")
    read = importer.read_course_export

    def reading(folder: Path, *limits: Any, **mode: Any) -> OlxCourse:
        return replace(read(folder, *limits, **mode), problems=[found])

    monkeypatch.setattr(importer, "read_course_export", reading)
    export = tiny_export(tmp_path / "export", seq=' start="soon"')
    result = run_import(export)
    assert result.problems[0] == found and [p.severity for p in result.problems] == [ERROR, WARNING]
    with pytest.raises(OlxImportError, match=re.escape("course/run.xml:4: error/abc: cannot be read")):
        run_import(export, strict=True)


@pytest.mark.parametrize(("kept", "left"), [(2, 2), (None, 3)])
def test_old_reports_are_pruned_per_course(
    tmp_path: Path, run_import: Callable[..., ImportResult], kept: int | None, left: int
) -> None:
    export = tiny_export(tmp_path / "export")
    other = run_import(export, "course-v1:Org+C1+other")
    with override_settings(LC_MODULESTORE_IMPORT_REPORTS_KEPT=kept):
        ids = [run_import(export).report_id for _ in range(3)]
    assert (
        list(ImportReport.objects.filter(course_key=KEY).order_by("id").values_list("id", flat=True))
        == (ids[-left:])
    )
    assert ImportReport.objects.filter(id=other.report_id).exists()  # another course keeps its own


def test_lc_import_olx_prints_every_problem_and_counts_them(
    with_problems: Path, django_capture_on_commit_callbacks: Any
) -> None:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("lc_import_olx", str(with_problems), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "note: drafts: -: drafts/ ignored (1 files) (only published content is imported)"
    assert lines[1].startswith(
        "warning: course/run.xml:3: sequential/seq: start='soon' is not a valid date ("
    )
    assert lines[2].startswith("warning: policies/run/policy.json:2: html/h: visible_to_staff_only='maybe'")
    assert lines[-1].endswith("3 problem(s): 0 error(s), 2 warning(s), 1 note(s)")

    out = StringIO()
    call_command("lc_import_olx", str(with_problems), "--json", stdout=out, stderr=StringIO())
    problems = orjson.loads(out.getvalue())["problems"]
    assert [ImportProblem.from_json(p) for p in problems] == last_import_report(KEY).problems  # type: ignore[union-attr]
    assert problems[1] == {
        "severity": "warning",
        "file": "course/run.xml",
        "line": 3,
        "key": "sequential/seq",
        "message": "start='soon' is not a valid date",
        "action": problems[1]["action"],
    }


def test_lc_import_olx_strict_exits_1_listing_the_problems(with_problems: Path) -> None:
    with pytest.raises(CommandError) as error:
        call_command("lc_import_olx", str(with_problems), "--strict", stdout=StringIO())
    assert "Import failed, nothing was changed." in str(error.value)
    assert "course/run.xml:3: sequential/seq" in str(error.value)
    assert not ImportReport.objects.filter(course_key=KEY, outcome="imported").exists()


def test_lc_show_and_lc_status_show_the_last_report(
    with_problems: Path, run_import: Callable[..., ImportResult]
) -> None:
    run_import(with_problems)
    out = StringIO()
    call_command("lc_show", KEY, stdout=out)
    text = out.getvalue()
    assert "last import: " in text and f"from {with_problems}" in text
    assert (
        "  imported: 5 new, 0 changed" in text and "3 problem(s): 0 error(s), 2 warning(s), 1 note(s)" in text
    )
    assert "  warning: course/run.xml:3: sequential/seq: start='soon'" in text

    out = StringIO()
    call_command("lc_show", KEY, "--json", stdout=out, stderr=StringIO())
    shown = orjson.loads(out.getvalue())["last_import"]
    assert shown["outcome"] == "imported" and len(shown["problems"]) == 3
    assert shown["counts"] == {"error": 0, "warning": 2, "note": 1}

    out = StringIO()
    call_command("lc_status", KEY, stdout=out)
    assert "3 problem(s): 0 error(s), 2 warning(s), 1 note(s)" in out.getvalue()
    out = StringIO()
    call_command("lc_status", stdout=out)
    assert "import: 3 problem(s)" in out.getvalue()


def test_lc_show_shows_why_an_uncompiled_course_was_refused(tmp_path: Path) -> None:
    export = tiny_export(tmp_path / "export")
    (export / "course/run.xml").write_text("<course>\n  <chapter url_name='ch'>\n</course>\n")
    with pytest.raises(OlxImportError):
        importer.import_olx(export, KEY)
    out = StringIO()
    with pytest.raises(CommandError, match="no course"):
        call_command("lc_show", KEY, stdout=out)
    assert "  refused: nothing changed; 1 problem(s): 1 error(s)" in out.getvalue()
    assert "error: course/run.xml:" in out.getvalue()


def test_refused_imports_of_a_key_in_another_case_are_pruned_too(
    tmp_path: Path, run_import: Callable[..., ImportResult]
) -> None:
    """Issue 19, defect 6: the report was saved under the course's spelling, pruned under the given one."""
    run_import(tiny_export(tmp_path / "export"))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "course.xml").write_text("<course")  # malformed: refused
    with override_settings(LC_MODULESTORE_IMPORT_REPORTS_KEPT=2):
        for _ in range(4):
            with pytest.raises(OlxImportError):
                run_import(broken, KEY.upper())
    reports = ImportReport.objects.filter(course_key=KEY)
    assert reports.count() == 2
    assert set(reports.values_list("outcome", flat=True)) == {ImportReport.REFUSED}
