"""
Components read by their own XBlock class (lc_modulestore.parsing), as Studio's import reads them.

The classes are the real ones the ``platform`` extra installs (xblock-drag-and-drop-v2,
xblock-poll, ora2, ...); a test needing one skips, saying why, where it is absent or does not load
(ora2 needs its Django apps and tables: the platform test mode, ``LC_TEST_PLATFORM=1``, has them).
The normal suite reads with the rule table (settings/test.py); these tests turn the classes on.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from lxml import etree

from compile.fields import (
    PARSER_VERSION,
    RULE_TABLE,
    RULE_TABLE_PARSER,
    ParserFailure,
    cached_reading_fresh,
    install_parser,
    installed_parser,
    parser_number,
    realize_fields,
)
from compile.olx_export import read_course_export
from compile.structure import compile_snapshot
from lc_modulestore import parsing
from lc_modulestore.api import compile_course, compiled_course, last_import_report
from lc_modulestore.compiling.published_state import read_published_state
from lc_modulestore.importing.preflight import import_problems
from lc_modulestore.models import BlockEntity, CourseBinding, VersionFieldData
from lc_modulestore.parsing import classes as parsing_classes

from .conftest import SAMPLE_COURSE, SAMPLE_COURSE_KEY

pytestmark = pytest.mark.django_db
ON = override_settings(LC_MODULESTORE_PARSE_WITH_XBLOCK_CLASSES=True)
OFF = override_settings(LC_MODULESTORE_PARSE_WITH_XBLOCK_CLASSES=False)


@pytest.fixture(autouse=True)
def _site_parser() -> Iterator[None]:
    """The app's parser installed, as in every process of a site."""
    previous = install_parser(parsing.SiteParser())
    yield
    install_parser(previous)


def needs_class(block_type: str) -> type:
    with ON:
        choice = parsing.choice_for(block_type)
    if choice.block_class is None:
        pytest.skip(f"{block_type} is read by the rule table here: {choice.reason}")
    return choice.block_class


def element(text: str) -> etree._Element:
    return etree.fromstring(text.encode())


# --- the cache's identity (pure) ---------------------------------------------------------------


def test_a_class_reading_is_cached_under_its_own_number() -> None:
    ora = "class/1 ora2==7.1.2 openassessment.xblock.openassessmentblock:OpenAssessmentBlock"
    upgraded = ora.replace("7.1.2", "7.2.0")
    assert parser_number(RULE_TABLE_PARSER) == PARSER_VERSION
    assert parser_number(ora) >= parsing_classes.CLASS_READING_VERSION << 30
    assert parser_number(ora) != parser_number(upgraded)
    assert cached_reading_fresh(ora, parser_number(ora))
    assert not cached_reading_fresh(upgraded, parser_number(ora))  # an upgrade reads it again
    assert not cached_reading_fresh(ora, PARSER_VERSION)  # a new install reads it again
    assert not cached_reading_fresh(RULE_TABLE_PARSER, PARSER_VERSION - 1)  # a newer rule table
    # A process without the class keeps what a process with it read: never undone by a worker.
    assert cached_reading_fresh(RULE_TABLE_PARSER, parser_number(ora))
    assert not cached_reading_fresh(RULE_TABLE_PARSER, None)


def test_built_in_types_stay_on_the_rule_table() -> None:
    with ON:
        for block_type in ("course", "vertical", "html", "problem", "video", "split_test", "videoalpha"):
            choice = parsing.choice_for(block_type)
            assert choice.block_class is None and choice.identity == RULE_TABLE_PARSER, block_type
        absent = parsing.choice_for("no-such-xblock")
        assert absent.block_class is None and "no XBlock class is installed" in absent.reason
    with OFF:
        assert "is off" in parsing.choice_for("drag-and-drop-v2").reason


# --- real classes --------------------------------------------------------------------------------


def test_drag_and_drop_data_is_its_own_not_the_built_in_sample() -> None:
    needs_class("drag-and-drop-v2")
    text = (SAMPLE_COURSE / "sequential/tools_seq.xml").read_text()
    dnd = next(element(text).iter("drag-and-drop-v2"))
    given = json.loads(dnd.get("data") or "")
    with ON:
        fields = installed_parser().realize("drag-and-drop-v2", dnd)
    assert fields.content["data"] == given  # a Dict field of Scope.content, as Split stores it
    assert fields.content["data"]["items"][0]["displayName"] == "French press"
    assert fields.settings["display_name"] == "Match Each Brewer"
    assert fields.settings["max_attempts"] is None  # "null", read by the class's Integer field
    assert "data" not in fields.settings and "url_name" not in fields.settings


def test_poll_and_survey_are_read_by_xblock_poll() -> None:
    needs_class("poll")
    needs_class("survey")
    poll = element(
        '<poll url_name="p" display_name="Roast" question="Which roast?" feedback="Thanks"'
        ' answers=\'[["light", {"label": "Light"}], ["dark", {"label": "Dark"}]]\''
        ' visible_to_staff_only="true" private_results="true"/>'
    )
    survey = element(
        '<survey url_name="s" questions=\'[["q1", {"label": "Fresh?"}]]\''
        ' answers=\'[["Y", "Yes"], ["N", "No"]]\' feedback="Bye"/>'
    )
    with ON:
        parser = installed_parser()
        assert parser.identity("poll").startswith("class/1 xblock-poll==")
        poll_fields = parser.realize("poll", poll)
        survey_fields = parser.realize("survey", survey)
    assert poll_fields.content["question"] == "Which roast?"
    assert poll_fields.settings["answers"] == [["light", {"label": "Light"}], ["dark", {"label": "Dark"}]]
    assert poll_fields.content["private_results"] is True  # Scope.content, the Field default
    # A field every LMS block has, which the class lacks without the site's mixins: the rule table's.
    assert poll_fields.settings["visible_to_staff_only"] is True
    assert survey_fields.settings["questions"] == [["q1", {"label": "Fresh?"}]]
    assert survey_fields.settings["answers"] == [["Y", "Yes"], ["N", "No"]]
    # The rule table would have kept the attributes only, without the class's types or scopes.
    assert realize_fields("poll", poll).content == {}


def test_a_block_its_class_refuses_is_an_error_not_a_guess() -> None:
    needs_class("poll")
    with ON, pytest.raises(parsing.ClassReadError, match=r"PollBlock\.parse_xml refused it"):
        installed_parser().realize("poll", element('<poll answers="not json"/>'))


def test_an_absent_class_is_the_rule_table_and_the_import_report_says_so(sample_copy: Any) -> None:
    vertical = sample_copy / "vertical/summary_vert.xml"
    vertical.write_text(
        vertical.read_text().replace(
            '<html url_name="summary_html"/>',
            '<html url_name="summary_html"/>\n  <no-such-xblock url_name="gone" level="3"/>',
        )
    )
    with ON:
        block = element('<no-such-xblock url_name="gone" level="3"><rubric/></no-such-xblock>')
        assert installed_parser().realize("no-such-xblock", block) == RULE_TABLE.realize(
            "no-such-xblock", block
        )
        notes = [
            p
            for p in import_problems(read_course_export(sample_copy))
            if "not by its XBlock class" in p.message
        ]
    [gone] = [n for n in notes if n.key == "no-such-xblock/gone"]
    assert (gone.severity, gone.file) == ("note", "vertical/summary_vert.xml")
    assert "no XBlock class is installed for 'no-such-xblock'" in gone.message
    with OFF:  # a site that turned the classes off chose the rule table: lc_show still tells
        assert not [
            p for p in import_problems(read_course_export(sample_copy)) if "XBlock class" in p.message
        ]


# --- the course, imported, compiled and served ---------------------------------------------------


@pytest.fixture
def imported(run_import: Callable[..., Any]) -> CourseBinding:
    with ON:
        run_import(SAMPLE_COURSE)
    return CourseBinding.objects.get(course_key=SAMPLE_COURSE_KEY)


def cached(binding: CourseBinding, block_id: str) -> VersionFieldData:
    """The field-data cache of the block's published version."""
    entity = BlockEntity.objects.get(binding=binding, block_id=block_id).entity
    return VersionFieldData.objects.get(version_id=entity.published.version_id)


def test_the_sample_ora_is_served_with_its_prompt_rubric_and_steps(imported: CourseBinding) -> None:
    needs_class("openassessment")
    ora = compiled_course(SAMPLE_COURSE_KEY).blocks["openassessment/reflection_ora"]
    fields = {**ora.fields, **ora.definition}
    assert fields["title"] == "Brewing Journal"
    # One prompt: ORA keeps its text alone in ``prompt`` (its ``prompts`` property reads it back).
    assert fields["prompt"] == "Describe one brew you made this term and what you would change next time."
    [criterion] = fields["rubric_criteria"]
    assert criterion["name"] == "detail" and criterion["label"] == "Detail"
    assert [(o["name"], o["points"]) for o in criterion["options"]] == [("no", 1), ("yes", 2)]
    assert fields["rubric_feedback_prompt"] == "What could the writer try next?"
    assert [step["name"] for step in fields["rubric_assessments"]] == ["peer-assessment"]
    assert fields["allow_latex"] is False  # the class's Boolean, not the attribute's "False"
    assert cached(imported, "reflection_ora").parser.startswith("class/1 ora2==")


def test_lc_show_and_the_cache_say_who_read_each_block(imported: CourseBinding) -> None:
    needs_class("drag-and-drop-v2")
    with ON:
        identity = parsing.choice_for("drag-and-drop-v2").identity
    row = cached(imported, "sort_dnd")
    assert (row.parser, row.parser_version) == (identity, parser_number(identity))
    served = compiled_course(SAMPLE_COURSE_KEY).blocks["drag-and-drop-v2/sort_dnd"]
    assert served.definition["data"]["feedback"]["finish"] == "All sorted. Nice work!"
    with ON:
        out = io.StringIO()
        call_command("lc_show", SAMPLE_COURSE_KEY, stdout=out, stderr=io.StringIO())
    assert f"drag-and-drop-v2/sort_dnd: {identity}" in out.getvalue()
    with ON:
        ora = parsing.choice_for("openassessment")
    if ora.block_class is None:  # its class does not load here: the rule table read it, and why is said
        assert f"openassessment/reflection_ora: {RULE_TABLE_PARSER}\n" in out.getvalue()
        assert ora.reason in out.getvalue()
    else:
        assert f"openassessment/reflection_ora: {ora.identity}" in out.getvalue()
    with ON:
        out = io.StringIO()
        call_command("lc_show", SAMPLE_COURSE_KEY, "--json", stdout=out, stderr=io.StringIO())
    shown = {p["block_id"]: p for p in json.loads(out.getvalue())["parsers"]}
    assert shown["sort_dnd"]["parser"] == identity and shown["sort_dnd"]["stale"] is False
    report = last_import_report(SAMPLE_COURSE_KEY)
    assert report is not None
    assert not [
        p for p in report.problems if p.key == "drag-and-drop-v2/sort_dnd" and "rule table" in p.message
    ]


def test_a_new_parser_identity_reads_again_and_a_process_without_the_class_keeps_it(
    imported: CourseBinding, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    needs_class("drag-and-drop-v2")
    first = cached(imported, "sort_dnd").parser
    by_class = VersionFieldData.objects.filter(
        parser__startswith="class/1 "
    ).count()  # ORA too, where it loads
    # Without the class (a worker lacking it, or the reading off), a full compile keeps the class's reading.
    with OFF:
        assert parsing.stale_readings([imported]) == {}
        compile_course(SAMPLE_COURSE_KEY, full=True)
    assert cached(imported, "sort_dnd").parser == first
    # An upgrade (here: of this package's reading of classes) is stale; the operator's command reads again.
    monkeypatch.setattr(parsing_classes, "CLASS_READING_VERSION", 2)
    parsing.forget_classes()
    request.addfinalizer(parsing.forget_classes)  # after monkeypatch's undo: the real identity again
    with ON:
        assert parsing.stale_readings([imported]) == {imported: by_class}
        out = io.StringIO()
        call_command("lc_compile", "--all", "--stale-parsers", stdout=out, stderr=io.StringIO())
        assert SAMPLE_COURSE_KEY in out.getvalue()
        again = cached(imported, "sort_dnd")
        assert again.parser.startswith("class/2 ") and again.parser_version == parser_number(again.parser)
        assert parsing.stale_readings([imported]) == {}
    assert compiled_course(SAMPLE_COURSE_KEY).blocks["drag-and-drop-v2/sort_dnd"].definition["data"]["items"]


class _Failing:
    """A parser whose class breaks on drag-and-drop: its database (ParserFailure) or the OLX."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def identity(self, block_type: str) -> str:
        return "class/1 broken==0" if block_type == "drag-and-drop-v2" else RULE_TABLE_PARSER

    def realize(self, block_type: str, element: etree._Element, policy: Any = None) -> Any:
        if block_type == "drag-and-drop-v2":
            raise self.error
        return RULE_TABLE.realize(block_type, element, policy)


def test_a_parser_failure_fails_the_compile_and_a_refusal_is_an_error_block(imported: CourseBinding) -> None:
    snapshot = read_published_state(imported)
    with pytest.raises(ParserFailure):
        compile_snapshot(snapshot, parser=_Failing(ParserFailure("database gone")))
    compiled = compile_snapshot(
        snapshot, parser=_Failing(parsing.ClassReadError("DragAndDropBlock refused it"))
    )
    [(key, message)] = compiled.errors.values()
    assert key == ("drag-and-drop-v2", "sort_dnd") and "DragAndDropBlock refused it" in message
    assert all(identity == RULE_TABLE_PARSER for identity in compiled.parsers.values())
