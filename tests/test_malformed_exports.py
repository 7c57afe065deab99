"""
The malformed-export corpus: exports broken in every way this project has met or can think of
(broken XML, encodings, missing files, symlinks and traversal out of folders and archives, XXE and
entity expansion, cycles, shared children, oversized names, bad JSON). Each must stop the import
with the importer's own error, naming the file, and leave every table of Learning Core and of
this project exactly as it was. Nothing outside the export may end up in the database.

Each case edits a private copy of the bundled sample course (or packs it into an archive with a
hostile member) next to an ``outside/`` folder holding what must never be read.
"""

from __future__ import annotations

import io
import json
import os
import re
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from openedx_content.models_api import Media

from compile.olx_export import olx_export_folder, read_course_export
from lc_modulestore.api import ImportReport, OlxImportError, import_olx

from .db_counts import table_counts

pytestmark = pytest.mark.django_db

SECRET = "TOP-SECRET-OUTSIDE-THE-EXPORT"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """What lies next to the export: a secret file, an XML file, a folder of pages."""
    folder = tmp_path / "outside"
    (folder / "pages").mkdir(parents=True)
    (folder / "secret.txt").write_text(SECRET)
    (folder / "secret.html").write_text(f"<p>{SECRET}</p>")
    (folder / "secret.xml").write_text(f'<problem display_name="{SECRET}"><p>{SECRET}</p></problem>')
    (folder / "pages" / "overview.html").write_text(f"<p>{SECRET}</p>")
    (folder / "2026").mkdir()  # for a policies/ folder linked here
    (folder / "2026" / "policy.json").write_text(json.dumps({"course/2026": {"display_name": SECRET}}))
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_policy(export: Path, change: Callable[[dict], None]) -> None:
    path = export / "policies/2026/policy.json"
    policy = json.loads(path.read_text())
    change(policy)
    path.write_text(json.dumps(policy, indent=4))


def relink(path: Path, target: Path) -> None:
    """Replace ``path`` (a file or folder of the export) with a symlink to ``target``."""
    if path.is_dir() and not path.is_symlink():
        for child in sorted(path.rglob("*"), reverse=True):
            child.rmdir() if child.is_dir() else child.unlink()
        path.rmdir()
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target)


def pack(export: Path, extra: Callable[[tarfile.TarFile], None] | None = None) -> Path:
    """The export as Studio ships it (``course/`` inside a .tar.gz), plus hostile members."""
    archive = export.parent / "export.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(export, arcname="course")
        if extra is not None:
            extra(tar)
    return archive


def member(name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"", link: str = "") -> Callable:
    def add(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.size = len(data) if kind == tarfile.REGTYPE else 0
        info.linkname = link
        tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)

    return add


# --- the cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """``breaks`` edits the export (given it and ``outside/``) and returns what to import."""

    breaks: Callable[[Path, Path], Path]
    names: str  # the file the error must name (a substring of its ``where`` or message)
    says: str  # a regex the message must match


def _(breaks: Callable[[Path, Path], object], names: str = "", says: str = "") -> Case:
    def run(export: Path, outside: Path) -> Path:
        result = breaks(export, outside)
        return result if isinstance(result, Path) else export

    return Case(run, names, says)


@dataclass(frozen=True)
class Outcome:
    """
    A broken export Open edX imports anyway (an error block, a default, a note): ``case`` breaks it,
    and the reader must report ``severity`` naming ``names`` with a message matching ``says``
    (``severity`` None: nothing to report).
    """

    case: Case
    severity: str | None
    names: str
    says: str


def deep_verticals(export: Path, levels: int) -> None:
    edit(
        export / "sequential/intro_seq.xml",
        '<vertical url_name="welcome_vert"/>',
        '<vertical url_name="welcome_vert"/><vertical url_name="deep0"/>',
    )
    for level in range(levels):
        (export / f"vertical/deep{level}.xml").write_text(
            f'<vertical><vertical url_name="deep{level + 1}"/></vertical>'
        )
    (export / f"vertical/deep{levels}.xml").write_text("<vertical/>")


def billion_laughs() -> str:
    entities = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    return f'<?xml version="1.0"?><!DOCTYPE problem [<!ENTITY l0 "lol">{entities}]><problem>&l9;</problem>'


CASES: dict[str, Case] = {
    # broken XML
    "course.xml is not a course": _(
        lambda e, o: (e / "course.xml").write_text('<chapter url_name="2026"/>'),
        "course.xml",
        "expected <course>",
    ),
    "namespaced block tag": _(
        lambda e, o: edit(
            e / "vertical/hw1_vert.xml",
            '<problem url_name="hw1_mcq"/>',
            '<x:problem xmlns:x="urn:x" url_name="hw1_mcq"/>',
        ),
        "vertical/hw1_vert.xml:",
        "not a valid block type",
    ),
    # encodings and characters
    # missing files
    "course run file missing": _(
        lambda e, o: (e / "course/2026.xml").unlink(), "course.xml", "course/2026\\.xml' not found"
    ),
    "no course.xml at all": _(lambda e, o: (e / "course.xml").unlink(), "sample", "no course\\.xml"),
    # symlinks and traversal out of a folder export
    "problem file symlinked outside": _(
        lambda e, o: relink(e / "problem/hw1_mcq.xml", o / "secret.xml"),
        "problem/hw1_mcq.xml",
        "leads outside the export",
    ),
    "about folder symlinked outside": _(
        lambda e, o: relink(e / "about", o / "pages"), "about", "leads outside the export"
    ),
    "tabs folder symlinked outside": _(
        lambda e, o: relink(e / "tabs", o / "pages"), "tabs", "leads outside the export"
    ),
    "course.xml symlinked outside": _(
        lambda e, o: relink(e / "course.xml", o / "secret.xml"), "course.xml", "leads outside the export"
    ),
    "policy.json symlinked outside": _(
        lambda e, o: relink(e / "policies/2026/policy.json", o / "secret.txt"),
        "policies/2026/policy.json",
        "leads outside the export",
    ),
    "policies folder symlinked outside": _(
        lambda e, o: relink(e / "policies", o), "policies/2026/policy.json", "leads outside the export"
    ),
    "items.json symlinked outside": _(
        lambda e, o: relink(e / "info/updates.items.json", o / "secret.txt"),
        "info/updates.items.json",
        "leads outside the export",
    ),
    "url_name colons climbing out": _(
        lambda e, o: edit(
            e / "vertical/hw1_vert.xml",
            '<problem url_name="hw1_mcq"/>',
            '<problem url_name="..:..:outside:secret"/>',
        ),
        "problem/../../outside/secret.xml",
        "leads outside the export",
    ),
    "run climbing out": _(
        lambda e, o: (e / "course.xml").write_text(
            '<course url_name="../outside" org="LCDemo" course="LC101"/>'
        ),
        "course.xml",
        "not a valid run",
    ),
    # archives
    "archive member climbing out": _(
        lambda e, o: pack(e, member("../evil.txt", data=b"x")), "export.tar.gz", "unsafe member '../evil.txt'"
    ),
    "archive member climbing out of its folder": _(
        lambda e, o: pack(e, member("course/../../lc-evil.txt", data=b"x")), "export.tar.gz", "unsafe member"
    ),
    "archive symlink pointing outside": _(
        lambda e, o: pack(e, member("course/html/leak.html", tarfile.SYMTYPE, link=str(o / "secret.html"))),
        "export.tar.gz",
        "unsafe member 'course/html/leak.html'",
    ),
    "archive symlink climbing out": _(
        lambda e, o: pack(
            e, member("course/about/leak.html", tarfile.SYMTYPE, link="../../../outside/secret.html")
        ),
        "export.tar.gz",
        "unsafe member",
    ),
    "archive hard link outside": _(
        lambda e, o: pack(e, member("course/html/hard.html", tarfile.LNKTYPE, link=str(o / "secret.html"))),
        "export.tar.gz",
        "unsafe member",
    ),
    "archive device file": _(
        lambda e, o: pack(e, member("course/static/tty", tarfile.CHRTYPE)), "export.tar.gz", "unsafe member"
    ),
    "truncated archive": _(
        lambda e, o: (a := pack(e)).write_bytes(a.read_bytes()[: a.stat().st_size // 2]) and a,
        "export.tar.gz",
        "not a readable \\.tar\\.gz",
    ),
    "not an archive": _(
        lambda e, o: (
            (e.parent / "export.tar.gz").write_bytes(b"PK\x03\x04 this is a zip")
            and e.parent / "export.tar.gz"
        ),
        "export.tar.gz",
        "not a readable \\.tar\\.gz",
    ),
    "archive without a course": _(
        lambda e, o: [(e / "course.xml").unlink(), pack(e)][1],
        "export.tar.gz",
        "no course\\.xml",
    ),
    "archive whose html links out after unpacking": _(
        lambda e, o: relink(e / "html/summary_html.html", o / "secret.html") or pack(e),
        "export.tar.gz",
        "unsafe member",
    ),
    # XXE and entity expansion
    "external entity in a problem": _(
        lambda e, o: (e / "problem/hw1_mcq.xml").write_text(
            f'<?xml version="1.0"?><!DOCTYPE problem [<!ENTITY x SYSTEM "file://{o}/secret.txt">]><problem>&x;</problem>'
        ),
        "problem/hw1_mcq.xml:1",
        "declares entities",
    ),
    "external parameter entity": _(
        lambda e, o: (e / "problem/hw1_mcq.xml").write_text(
            f'<?xml version="1.0"?><!DOCTYPE problem [<!ENTITY % p SYSTEM "file://{o}/secret.txt"> %p;]>'
            "<problem/>"
        ),
        "problem/hw1_mcq.xml",
        "declares entities|malformed XML",
    ),
    "entity in course.xml": _(
        lambda e, o: (e / "course.xml").write_text(
            f'<!DOCTYPE course [<!ENTITY x SYSTEM "file://{o}/secret.txt">]>'
            '<course url_name="2026" org="LCDemo" course="LC101"/>'
        ),
        "course.xml:1",
        "declares entities",
    ),
    # cycles and shared children
    "pointers nested without end": _(
        lambda e, o: deep_verticals(e, 80), "vertical/deep", "nested more than 64 levels"
    ),
    # oversized names
    "url_name longer than Learning Core's column": _(
        lambda e, o: edit(e / "vertical/hw1_vert.xml", 'url_name="hw1_inline"', f'url_name="{"x" * 300}"'),
        "vertical/hw1_vert.xml:",
        "url_name is 300 characters long; Learning Core holds at most 255",
    ),
    "container url_name that overflows its code": _(
        lambda e, o: (
            edit(
                e / "sequential/intro_seq.xml",
                '<vertical url_name="welcome_vert"/>',
                f'<vertical url_name="welcome_vert"/><vertical url_name="{"v" * 250}"/>',
            )
            or (e / f"vertical/{'v' * 250}.xml").write_text("<vertical/>")
        ),
        "vertical/",
        "container code\\) is 259 characters",
    ),
    "block type longer than its column": _(
        lambda e, o: edit(
            e / "vertical/hw1_vert.xml",
            '<problem url_name="hw1_mcq"/>',
            f'<{"t" * 80} url_name="long_type">x</{"t" * 80}>',
        ),
        "vertical/hw1_vert.xml:",
        "block type is 80 characters",
    ),
    "course key too long": _(
        lambda e, o: (e / "course.xml").write_text(
            f'<course url_name="2026" org="{"O" * 250}" course="LC101"/>'
        ),
        "course.xml",
        "course key .* at most 255",
    ),
    "invalid course key characters": _(
        lambda e, o: (e / "course.xml").write_text('<course url_name="2026" org="LC Demo!" course="LC101"/>'),
        "course.xml",
        "not make a valid course key",
    ),
    # bad JSON
    "policy.json is a list": _(
        lambda e, o: (e / "policies/2026/policy.json").write_text("[1, 2]"),
        "policies/2026/policy.json",
        "expected",
    ),
    "policy key that is no attribute name": _(
        lambda e, o: edit_policy(e, lambda p: p.update({"problem/hw1_mcq": {"bad key": 1}})),
        "policies/2026/policy.json:",
        "'bad key' is not a valid field name",
    ),
    "policy value with a control character": _(
        lambda e, o: edit_policy(e, lambda p: p.update({"problem/hw1_mcq": {"display_name": "a\x07b"}})),
        "policies/2026/policy.json:",
        "display_name holds the character U\\+0007",
    ),
    "tabs that are not a list": _(
        lambda e, o: edit_policy(e, lambda p: p["course/2026"].update({"tabs": "oops"})),
        "policies/2026/policy.json:",
        "tabs must be a list",
    ),
    "policy with NaN": _(
        lambda e, o: (e / "policies/2026/policy.json").write_text(
            '{"course/2026": {"days_early_for_beta": NaN}}'
        ),
        "policies/2026/policy.json",
        "NaN is not a JSON value",
    ),
    "grading policy that is a list": _(
        lambda e, o: (e / "policies/2026/grading_policy.json").write_text("[]"),
        "policies/2026/grading_policy.json",
        "expected an object",
    ),
    "policy nested too deeply": _(
        lambda e, o: (e / "policies/2026/policy.json").write_text(
            '{"course/2026": {"x": ' + "[" * 100000 + "]" * 100000 + "}}"
        ),
        "policies/2026/policy.json",
        "nested too deeply|malformed JSON",
    ),
}


IMPORTED: dict[str, Outcome] = {
    "unclosed tag": Outcome(
        _(
            lambda e, o: edit(e / "vertical/hw1_vert.xml", "</vertical>", "</vertikal>"),
        ),
        "error",
        "vertical/hw1_vert.xml",
        "malformed XML",
    ),
    "empty xml file": Outcome(
        _(lambda e, o: (e / "problem/hw1_mcq.xml").write_text("")),
        "error",
        "problem/hw1_mcq.xml",
        "malformed XML",
    ),
    "binary garbage as xml": Outcome(
        _(
            lambda e, o: (e / "problem/hw1_mcq.xml").write_bytes(os.urandom(64) + b"\x00"),
        ),
        "error",
        "problem/hw1_mcq.xml",
        "malformed XML",
    ),
    "wrong root tag in pointer file": Outcome(
        _(
            lambda e, o: (e / "chapter/week1.xml").write_text('<sequential display_name="W"/>'),
        ),
        # The root tag is not checked (N6): chapter/week1 is read from the file, its blocks gone.
        "note",
        "policies/2026/policy.json",
        "html/course_map_html', but the course has no such block",
    ),
    "course.xml without org": Outcome(
        _(
            lambda e, o: (e / "course.xml").write_text('<course url_name="2026" course="LC101"/>'),
        ),
        "warning",
        "course.xml",
        "no 'org' attribute",
    ),
    "declared ascii holds utf-8": Outcome(
        _(
            lambda e, o: (e / "problem/hw1_mcq.xml").write_bytes(
                '<?xml version="1.0" encoding="ascii"?><problem><p>°</p></problem>'.encode()
            ),
        ),
        "error",
        "problem/hw1_mcq.xml",
        "malformed XML",
    ),
    "latin-1 html body": Outcome(
        _(
            lambda e, o: (e / "html/summary_html.html").write_bytes(
                "<p>caf\u00e9</p>\n<p>cr\u00e8me</p>".encode("latin-1")
            ),
        ),
        "error",
        "html/summary_html.html",
        "not UTF-8 text \\(byte 0xe9",
    ),
    "latin-1 on line 3 of an about page": Outcome(
        _(
            lambda e, o: (e / "about/overview.html").write_bytes(
                b"<h2>About</h2>\n<p>ok</p>\n<p>na\xefve</p>"
            ),
        ),
        "error",
        "about/overview.html:3",
        "not UTF-8",
    ),
    "latin-1 policy.json": Outcome(
        _(
            lambda e, o: (e / "policies/2026/policy.json").write_bytes(
                b'{"course/2026": {"display_name": "Caf\xe9"}}'
            ),
        ),
        "warning",
        "policies/2026/policy.json:1",
        "not UTF-8",
    ),
    "latin-1 grading policy": Outcome(
        _(
            lambda e, o: (e / "policies/2026/grading_policy.json").write_bytes(
                b'{"GRADER": [], "x": "\xff"}'
            ),
        ),
        "warning",
        "policies/2026/grading_policy.json",
        "not UTF-8",
    ),
    "control character in an html body": Outcome(
        _(
            lambda e, o: (e / "html/summary_html.html").write_text("<p>one</p>\n<p>t\x01wo</p>"),
        ),
        "error",
        "html/summary_html.html",
        "U\\+0001",
    ),
    "control character in an info page": Outcome(
        _(
            lambda e, o: (e / "info/handouts.html").write_text("<p>\x1b[31mred</p>"),
        ),
        "error",
        "info/handouts.html",
        "U\\+001B",
    ),
    "NUL in a tab page": Outcome(
        _(
            lambda e, o: (e / "tabs/syllabus.html").write_text("<p>a\x00b</p>"),
        ),
        "error",
        "tabs/syllabus.html",
        "U\\+0000",
    ),
    "pointer to a missing problem": Outcome(
        _(
            lambda e, o: (e / "problem/hw1_numeric.xml").unlink(),
        ),
        "error",
        "vertical/hw1_vert.xml:",
        "resource 'problem/hw1_numeric\\.xml' not found",
    ),
    "html filename missing": Outcome(
        _(
            lambda e, o: (e / "html/summary_html.html").unlink(),
        ),
        "error",
        "html/summary_html.xml:",
        "html/summary_html\\.html: resource .* not found",
    ),
    "html body symlinked outside": Outcome(
        _(
            lambda e, o: relink(e / "html/summary_html.html", o / "secret.html"),
        ),
        "warning",
        "html/summary_html.xml",
        "html/summary_html.html, outside the export",
    ),
    "html filename climbing out": Outcome(
        _(
            lambda e, o: edit(
                e / "html/summary_html.xml", 'filename="summary_html"', 'filename="../../outside/secret"'
            ),
        ),
        "warning",
        "html/summary_html.xml",
        "outside/secret.html, outside the export",
    ),
    "symlink loop": Outcome(
        _(
            lambda e, o: relink(e / "html/summary_html.html", e / "html/summary_html.html"),
        ),
        "error",
        "html/summary_html.xml",
        "not found|cannot be resolved",
    ),
    "entity expansion bomb": Outcome(
        _(
            lambda e, o: (e / "problem/hw1_mcq.xml").write_text(billion_laughs()),
        ),
        "error",
        "problem/hw1_mcq.xml",
        "malformed XML|declares entities",
    ),
    "undefined entity reference": Outcome(
        _(
            lambda e, o: (e / "problem/hw1_mcq.xml").write_text("<problem><p>a&nbsp;b</p></problem>"),
        ),
        "error",
        "problem/hw1_mcq.xml:1",
        "malformed XML.*nbsp",
    ),
    "vertical that contains itself": Outcome(
        _(
            lambda e, o: edit(
                e / "vertical/hw1_vert.xml",
                '<problem url_name="hw1_mcq"/>',
                '<vertical url_name="hw1_vert"/>',
            ),
        ),
        "error",
        "vertical/hw1_vert.xml",
        "vertical_hw1_vert_[0-9a-f]{12}\\.xml' not found",
    ),
    "two chapters sharing a sequential": Outcome(
        _(
            lambda e, o: edit(
                e / "chapter/week2.xml", "</chapter>", '<sequential url_name="intro_seq"/></chapter>'
            ),
        ),
        "error",
        "chapter/week2.xml",
        "sequential_intro_seq_[0-9a-f]{12}\\.xml' not found",
    ),
    "component listed twice": Outcome(
        _(
            lambda e, o: edit(
                e / "vertical/summary_vert.xml",
                '<html url_name="summary_html"/>',
                '<html url_name="summary_html"/><html url_name="summary_html"/>',
            ),
        ),
        None,
        "",
        "",
    ),
    "invalid url_name characters": Outcome(
        _(
            lambda e, o: edit(e / "vertical/hw1_vert.xml", 'url_name="hw1_inline"', 'url_name="a b/c"'),
        ),
        "error",
        "vertical/hw1_vert.xml:",
        "'a b/c' is not a valid block id",
    ),
    "malformed policy.json": Outcome(
        _(
            lambda e, o: edit(e / "policies/2026/policy.json", "{", "{,"),
        ),
        "warning",
        "policies/2026/policy.json:1",
        "invalid JSON",
    ),
    "policy for a block that does not exist": Outcome(
        _(
            lambda e, o: edit_policy(e, lambda p: p.update({"sequential/nope": {"graded": True}})),
        ),
        "note",
        "policies/2026/policy.json:",
        "no such block",
    ),
    "malformed grading policy": Outcome(
        _(
            lambda e, o: (e / "policies/2026/grading_policy.json").write_text('{"GRADER": [}'),
        ),
        "warning",
        "policies/2026/grading_policy.json:1",
        "invalid JSON",
    ),
    "malformed info items": Outcome(
        _(
            lambda e, o: (e / "info/updates.items.json").write_text('[{"id": 1,'),
        ),
        "error",
        "info/updates.items.json:1",
        "malformed JSON",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_export_is_refused_naming_the_file(name: str, sample_copy: Path, outside: Path) -> None:
    case = CASES[name]
    target = case.breaks(sample_copy, outside)
    before = table_counts()
    with pytest.raises(OlxImportError) as error:
        import_olx(target)
    assert case.names in error.value.where or case.names in error.value.message, str(error.value)
    assert re.search(case.says, error.value.message), str(error.value)
    assert table_counts() == before
    assert not Media.objects.filter(text__contains=SECRET).exists()
    # The refusal, reported with the error as its last problem.
    report = ImportReport.objects.get(outcome="refused")
    assert (report.outcome, report.message, report.problems[-1].severity) == (
        "refused",
        str(error.value),
        "error",
    )
    assert (report.problems[-1].file, report.problems[-1].message) == (error.value.file, error.value.message)
    assert SECRET not in report.problems_json + report.message


@pytest.mark.parametrize("name", list(IMPORTED))
def test_malformed_export_that_open_edx_imports(name: str, sample_copy: Path, outside: Path) -> None:
    outcome = IMPORTED[name]
    target = outcome.case.breaks(sample_copy, outside)
    with olx_export_folder(target) as folder:
        problems = read_course_export(folder).problems
    if outcome.severity is None:  # the sample's drafts/ note aside
        assert [p for p in problems if p.file != "drafts"] == []
    else:
        assert any(
            p.severity == outcome.severity
            and (outcome.names in p.where or outcome.names in p.message)
            and re.search(outcome.says, p.message)
            for p in problems
        ), problems
    # The import reports them all, the reader's first, and writes what Open edX would.
    assert import_olx(target).problems[: len(problems)] == problems
    assert not Media.objects.filter(text__contains=SECRET).exists()


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) + len(IMPORTED) >= 40


def test_errors_carry_file_line_and_key(sample_copy: Path) -> None:
    """One error type for every failure, with its parts apart for tools (and a lenient importer)."""
    edit_policy(sample_copy, lambda p: p["course/2026"].update({"tabs": "oops"}))
    with pytest.raises(OlxImportError) as error:
        import_olx(sample_copy)
    lines = (sample_copy / "policies/2026/policy.json").read_text().splitlines()
    assert error.value.file == "policies/2026/policy.json"
    assert error.value.line is not None and '"tabs"' in lines[error.value.line - 1]
    assert error.value.key == "course/2026.tabs"


def test_links_that_stay_inside_the_export_are_followed(sample_copy: Path, run_import: Callable) -> None:
    """A symlink is refused only for where it leads: one to a file of the export is read."""
    (sample_copy / "shared").mkdir()
    (sample_copy / "html/summary_html.html").rename(sample_copy / "shared/summary.html")
    (sample_copy / "html/summary_html.html").symlink_to(sample_copy / "shared/summary.html")
    result = run_import(sample_copy)
    assert result.created > 0


def test_html_body_holding_a_cdata_end_imports(sample_copy: Path, run_import: Callable) -> None:
    """``]]>`` (old inline scripts) cannot sit in CDATA: the body is kept as escaped text instead."""
    (sample_copy / "html/summary_html.html").write_text("<script>//<![CDATA[\nvar a = 1;\n//]]></script>")
    run_import(sample_copy)
    body = Media.objects.filter(text__contains="var a = 1").get().text
    assert "//]]&gt;" in body


def test_an_absolute_archive_member_lands_inside_the_unpacking_folder(
    sample_copy: Path, tmp_path: Path, run_import: Callable
) -> None:
    """tarfile's data filter strips the leading slash: the member is unpacked, never written there."""
    target = tmp_path / "absolute-member-target.txt"
    archive = pack(sample_copy, member(str(target), data=b"x"))
    run_import(archive)
    assert not target.exists()
