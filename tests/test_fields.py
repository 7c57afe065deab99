"""
The OLX → field-values rule table (``compile.fields``): value typing, scope split, bodies, and a
sweep over the shared demo course. No database needed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from compile.fields import (
    COMMON_FIELDS,
    PARSER_VERSION,
    TYPE_FIELDS,
    Kind,
    RealizedFields,
    date_field_names,
    realize_fields,
    to_structure_value,
)
from compile.fields.rules import ALIASES
from compile.vocabulary import BLOCK_TYPES_WITH_CHILDREN, CONTAINER_TYPES

DEMO_COURSE = Path(__file__).resolve().parents[2] / "shared" / "olx" / "demo-course"
# The importer's parser (compile.olx_export): CDATA kept, nothing dropped.
_PARSER = etree.XMLParser(strip_cdata=False, remove_blank_text=False, resolve_entities=False)


def xml(text: str) -> etree._Element:
    return etree.fromstring(text.encode(), _PARSER)


def realize(block_type: str, text: str) -> RealizedFields:
    fields = realize_fields(block_type, xml(text))
    orjson.dumps(fields.settings)  # JSON-serializable, always
    orjson.dumps(fields.content)
    return fields


def settings_of(block_type: str, text: str) -> dict[str, Any]:
    return realize(block_type, text).settings


def with_attribute(block_type: str, name: str, value: str) -> dict[str, Any]:
    """The settings of ``<block_type name="value"/>``, any characters in the value."""
    element = etree.Element(block_type)
    element.set(name, value)
    return realize_fields(block_type, element).settings


# --- the public interface ---------------------------------------------------------------------


def test_public_constants() -> None:
    assert isinstance(PARSER_VERSION, int) and PARSER_VERSION >= 1
    # The legacy sequences (2012 OLX) are containers too, keeping their tag (IMPORT_RULES.md L2).
    assert frozenset({"course", "chapter", "sequential", "vertical", "videosequence", "problemset"}) == (
        CONTAINER_TYPES
    )
    assert {
        "split_test",
        "library_content",
        "conditional",
        "itembank",
        "randomize",
    } <= BLOCK_TYPES_WITH_CHILDREN
    assert not CONTAINER_TYPES & BLOCK_TYPES_WITH_CHILDREN
    assert {
        "start",
        "due",
        "end",
        "enrollment_start",
        "enrollment_end",
        "announcement",
        "certificate_available_date",
    } <= date_field_names()
    assert "display_name" not in date_field_names()
    # Every type the compiler splits into blocks has its own rules, or those of the type it is another
    # name for (the legacy sequences); anything else follows XBlock.parse_xml.
    assert set(TYPE_FIELDS) | set(ALIASES) >= CONTAINER_TYPES | BLOCK_TYPES_WITH_CHILDREN
    assert set(ALIASES.values()) <= set(TYPE_FIELDS)


def test_realized_fields_is_frozen() -> None:
    fields = realize("html", "<html>x</html>")
    with pytest.raises(AttributeError):
        fields.settings = {}  # type: ignore[misc]


# --- value typing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Week 1", "Week 1"),
        ("", ""),
        ("null", None),  # deserialize_field: JSON null
        ('"quoted"', "quoted"),  # JSON-dumped strings (older exports) are unquoted
        ("123", "123"),  # JSON, but not a string: the text as written
        ("true", "true"),
        ("[1, 2]", "[1, 2]"),
        ("Caf\u00e9 \u00a0\U0001f680", "Caf\u00e9 \u00a0\U0001f680"),
    ],
)
def test_string_fields(raw: str, expected: Any) -> None:
    element = etree.Element("sequential", display_name=raw)
    assert realize_fields("sequential", element).settings == {"display_name": expected}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[
            ("true", True),
            ("false", False),
            ("True", True),
            ("FALSE", False),
            (" true ", True),
            ('"true"', True),
        ],
        *[("1", True), ("0", False), ("null", False)],  # Boolean.from_json(None) is False
    ],
)
def test_boolean_fields(raw: str, expected: bool) -> None:
    assert with_attribute("sequential", "graded", raw) == {"graded": expected}


@pytest.mark.parametrize("raw", ["yes", "", "on", "[true]"])
def test_boolean_that_is_not_a_boolean_goes_to_xml_attributes(raw: str) -> None:
    assert with_attribute("sequential", "graded", raw) == {"xml_attributes": {"graded": raw}}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3", 3), (" 7 ", 7), ('"4"', 4), ("2.9", 2), ("null", None), ("", None), ("-1", -1)],
)
def test_integer_fields(raw: str, expected: int | None) -> None:
    settings = with_attribute("problem", "max_attempts", raw)
    assert settings == {"max_attempts": expected}
    assert settings["max_attempts"] is None or type(settings["max_attempts"]) is int


@pytest.mark.parametrize("raw", ["three", "3.5.1", "true", "NaN", "1e400", "[3]"])
def test_integer_that_is_not_an_integer_goes_to_xml_attributes(raw: str) -> None:
    fields = realize("problem", f'<problem max_attempts="{raw}"><p/></problem>')
    assert fields.settings == {"xml_attributes": {"max_attempts": raw}}
    assert "max_attempts" not in fields.content["data"]  # still a settings attribute: stripped from data


@pytest.mark.parametrize(
    ("raw", "expected"), [("1.0", 1.0), ("2", 2.0), ("0.25", 0.25), ("null", None), ("", None)]
)
def test_float_fields(raw: str, expected: float | None) -> None:
    settings = settings_of("problem", f'<problem weight="{raw}"/>')
    assert settings == {"weight": expected}
    assert settings["weight"] is None or type(settings["weight"]) is float


@pytest.mark.parametrize("raw", ["heavy", "Infinity", "NaN", "1e999"])
def test_float_that_is_not_a_float_goes_to_xml_attributes(raw: str) -> None:
    assert settings_of("problem", f'<problem weight="{raw}"/>') == {"xml_attributes": {"weight": raw}}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-01T00:00:00Z", "2026-03-01T00:00:00+00:00"),
        ("2026-03-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00"),
        ("2026-03-01", "2026-03-01T00:00:00+00:00"),  # date only: midnight
        ("2026-03-01T12:30", "2026-03-01T12:30:00+00:00"),  # naive: UTC, as Date.from_json assumes
        ("2026-03-01T05:00:00+05:00", "2026-03-01T00:00:00+00:00"),  # other offsets: the same instant in UTC
        ("2026-03-01T00:00:00.250000Z", "2026-03-01T00:00:00.250000+00:00"),
        ("&quot;2013-02-05T05:00:00Z&quot;", "2013-02-05T05:00:00+00:00"),  # JSON-dumped
        ("1577836800000", "2020-01-01T00:00:00+00:00"),  # a number: milliseconds since the epoch
        ("null", None),
        ("", None),
    ],
)
def test_date_fields(raw: str, expected: str | None) -> None:
    assert settings_of("sequential", f'<sequential start="{raw}" due="{raw}"/>') == {
        "start": expected,
        "due": expected,
    }


@pytest.mark.parametrize("raw", ["next Monday", "2026-13-01", "2026-03", "true", "[]"])
def test_date_that_does_not_parse_goes_to_xml_attributes(raw: str) -> None:
    assert settings_of("sequential", f'<sequential due="{raw}"/>') == {"xml_attributes": {"due": raw}}


def test_course_date_fields() -> None:
    fields = realize(
        "course",
        '<course end="2026-06-30T23:59:00Z" enrollment_start="2025-12-01"'
        ' enrollment_end="2026-01-31T00:00:00Z" announcement="2025-11-01T00:00:00Z"'
        ' certificate_available_date="2026-07-02T00:00:00Z"/>',
    )
    assert fields.settings == {
        "end": "2026-06-30T23:59:00+00:00",
        "enrollment_start": "2025-12-01T00:00:00+00:00",
        "enrollment_end": "2026-01-31T00:00:00+00:00",
        "announcement": "2025-11-01T00:00:00+00:00",
    }
    # CourseFields.certificate_available_date is Scope.content.
    assert fields.content == {"certificate_available_date": "2026-07-02T00:00:00+00:00", "textbooks": []}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[("1 day 2 hours", "1 days 7200 seconds"), ("2 days", "2 days"), ("30 minutes", "1800 seconds")],
        *[("1 day 1 second", "1 days 1 seconds"), ("", ""), ("null", None), ("&quot;2 days&quot;", "2 days")],
    ],
)
def test_timedelta_fields_stay_strings(raw: str, expected: str | None) -> None:
    assert settings_of("problem", f'<problem graceperiod="{raw}"/>') == {"graceperiod": expected}


def test_timedelta_that_does_not_parse_goes_to_xml_attributes() -> None:
    assert settings_of("sequential", '<sequential graceperiod="a while"/>') == {
        "xml_attributes": {"graceperiod": "a while"}
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("00:11:39", "00:11:39"),
        ("0:1:2", "00:01:02"),
        ("23:59:59", "23:59:59"),
        ("", "00:00:00"),
        ("null", "00:00:00"),
    ],
)
def test_relative_time_fields(raw: str, expected: str) -> None:
    assert settings_of("video", f'<video start_time="{raw}"/>') == {"start_time": expected}


@pytest.mark.parametrize("raw", ["24:00:00", "12:60:00", "90", "1:02", "soon"])
def test_relative_time_that_does_not_parse_goes_to_xml_attributes(raw: str) -> None:
    assert settings_of("video", f'<video end_time="{raw}"/>') == {"xml_attributes": {"end_time": raw}}


def test_dict_and_list_fields() -> None:
    course = settings_of(
        "course",
        '<course advanced_modules=\'["lti", "split_test"]\' tabs=\'[{"type": "courseware"}]\''
        ' discussion_topics=\'{"General": {"id": "course"}}\' teams_configuration=\'{"max_team_size": 4}\''
        ' user_partitions=\'[{"id": 1, "name": "A", "scheme": "random", "groups": []}]\''
        " lti_passports='null' grading_policy='{\"GRADER\": []}'/>",
    )
    assert course == {
        "advanced_modules": ["lti", "split_test"],
        "tabs": [{"type": "courseware"}],
        "discussion_topics": {"General": {"id": "course"}},
        "teams_configuration": {"max_team_size": 4},
        "user_partitions": [{"id": 1, "name": "A", "scheme": "random", "groups": []}],
        "lti_passports": None,
    }
    video = settings_of(
        "video",
        '<video html5_sources=\'["https://x/v.mp4"]\' transcripts=\'{"en": "a.srt"}\'/>',
    )
    assert video == {"html5_sources": ["https://x/v.mp4"], "transcripts": {"en": "a.srt"}}


@pytest.mark.parametrize("raw", ["lti", '{"a": 1}', "[1, 2", "", '"lti"'])
def test_list_that_is_not_a_list_goes_to_xml_attributes(raw: str) -> None:
    assert with_attribute("course", "advanced_modules", raw) == {"xml_attributes": {"advanced_modules": raw}}


def test_group_access_keys_are_partition_ids() -> None:
    settings = settings_of("html", '<html group_access=\'{"50": [1, 2], "07": [3]}\'>x</html>')
    assert settings == {"group_access": {"50": [1, 2], "7": [3]}}  # GroupAccessDict: int keys, str on write
    bad = settings_of("html", "<html group_access='{\"cohort\": [1]}'>x</html>")
    # Unreadable: kept raw, and the block closed to all but staff rather than open to everyone.
    assert bad == {"xml_attributes": {"group_access": '{"cohort": [1]}'}, "visible_to_staff_only": True}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("never", "never"),
        ("per_student", "per_student"),
        ("true", True),  # JSON true, which Randomization.from_json passes through (Split stores it)
        ("&quot;true&quot;", "always"),  # the JSON string "true"
        ("", "always"),
        ("false", False),
        ("&quot;false&quot;", "per_student"),
        ("null", None),
    ],
)
def test_problem_rerandomize(raw: str, expected: str | bool | None) -> None:
    assert settings_of("problem", f'<problem rerandomize="{raw}"/>') == {"rerandomize": expected}


def test_markdown_null_is_none() -> None:
    # The legacy import stores JSON null (deserialize_field), not the string "null".
    assert settings_of("problem", '<problem markdown="null"/>') == {"markdown": None}


def test_common_fields_on_every_block_type() -> None:
    attributes = (
        'display_name="X" start="2026-01-01T00:00:00Z" due="2026-02-01T00:00:00Z" graded="true"'
        ' format="Homework" visible_to_staff_only="true" group_access=\'{"1": [2]}\' hide_from_toc="false"'
        ' showanswer="always" show_correctness="past_due" rerandomize="never" max_attempts="2"'
        ' days_early_for_beta="1.5" graceperiod="1 day" static_asset_path="" self_paced="false"'
        ' show_reset_button="true" user_partitions="[]"'
    )
    expected = {
        "display_name": "X",
        "start": "2026-01-01T00:00:00+00:00",
        "due": "2026-02-01T00:00:00+00:00",
        "graded": True,
        "format": "Homework",
        "visible_to_staff_only": True,
        "group_access": {"1": [2]},
        "hide_from_toc": False,
        "showanswer": "always",
        "show_correctness": "past_due",
        "rerandomize": "never",
        "max_attempts": 2,
        "days_early_for_beta": 1.5,
        "graceperiod": "1 days",
        "static_asset_path": "",
        "self_paced": False,
        "show_reset_button": True,
        "user_partitions": [],
    }
    for block_type in [*TYPE_FIELDS, "drag-and-drop-v2", "openassessment"]:
        settings = realize(block_type, f"<{block_type} {attributes}/>").settings
        assert settings == expected, block_type


def test_every_rule_in_the_table_accepts_its_own_kind() -> None:
    samples = {
        Kind.STRING: "text",
        Kind.BOOLEAN: "true",
        Kind.INTEGER: "3",
        Kind.FLOAT: "2.5",
        Kind.DATE: "2026-01-01T00:00:00Z",
        Kind.TIMEDELTA: "1 day",
        Kind.RELATIVE_TIME: "00:01:00",
        Kind.DICT: '{"a": 1}',
        Kind.LIST: "[1]",
        Kind.GROUP_ACCESS: '{"1": [1]}',
        Kind.RANDOMIZATION: "always",
        Kind.REFERENCE_DICT: '{"0": "block-v1:O+C+R+type@vertical+block@v0"}',
        Kind.REFERENCE_LIST: '["block-v1:O+C+R+type@problem+block@p"]',
    }
    for block_type, own in TYPE_FIELDS.items():
        for name, rule in {**COMMON_FIELDS, **own}.items():
            if block_type == "video" and name == "name":
                continue  # parse_video_xml skips it
            element = etree.Element(block_type)
            element.set(name, samples[rule.kind])
            fields = realize_fields(block_type, element)
            assert "xml_attributes" not in fields.settings, (block_type, name)
            holder = fields.content if rule.scope == "content" else fields.settings
            assert name in holder, (block_type, name)


# --- unknown attributes, ignored attributes ---------------------------------------------------


def test_unknown_attributes_are_kept_in_xml_attributes() -> None:
    settings = settings_of(
        "sequential",
        '<sequential display_name="S" is_prerequisite="true" required_prereq="x" min_score="80"/>',
    )
    assert settings == {
        "display_name": "S",
        "xml_attributes": {"is_prerequisite": "true", "required_prereq": "x", "min_score": "80"},
    }
    html = settings_of("html", '<html bogus="1" display_name="H" editor="raw">x</html>')
    assert html == {"xml_attributes": {"bogus": "1"}, "display_name": "H", "editor": "raw"}


def test_identity_and_strip_list_attributes_are_never_fields() -> None:
    text = (
        '<problem url_name="p1" filename="p1" xblock-family="xblock.v1" x-is-pointer-node="true" data_dir="d"'
        ' course="C" org="O" xml_attributes="{}" parent_url="i4x://O/C/vertical/v" index_in_children_list="0"'
        ' tabs="[]" grading_policy="{}" discussion_blackouts="[]" display_name="P"><p/></problem>'
    )
    fields = realize("problem", text)
    assert fields.settings == {"display_name": "P"}
    root = etree.fromstring(fields.content["data"])
    for identity in (
        "url_name",
        "filename",
        "xblock-family",
        "x-is-pointer-node",
        "xml_attributes",
        "display_name",
    ):
        assert root.get(identity) is None
    assert root.get("course") == "C"  # not a field: edx-platform keeps it in the definition


def test_block_type_not_in_the_table_follows_xblock_parse_xml() -> None:
    fields = realize(
        "drag-and-drop-v2",
        '<drag-and-drop-v2 url_name="d" xblock-family="xblock.v1" display_name="DnD" max_attempts="null"'
        ' weight="1" show_title="true" mode="standard" item_background_color=""'
        ' data="{&quot;zones&quot;: [], &quot;items&quot;: []}"/>',
    )
    assert fields.content == {}
    assert fields.settings == {
        "display_name": "DnD",
        "max_attempts": None,
        "weight": 1,
        "show_title": True,
        "mode": "standard",
        "item_background_color": "",
        "data": {"zones": [], "items": []},
    }


def test_unmodelled_block_keeps_non_json_text_and_reads_option_children() -> None:
    fields = realize(
        "openassessment",
        '<openassessment xmlns:option="http://code.edx.org/xblock/option"'
        ' submission_start="2001-01-01T00:00:00+00:00" allow_latex="False" leaderboard_show="3" due="never">'
        "<title>T</title>"
        '<option:prompt>Say &quot;hi&quot;</option:prompt><option:gone none="true"/></openassessment>',
    )
    assert fields.settings == {
        "submission_start": "2001-01-01T00:00:00+00:00",
        "allow_latex": "False",
        "leaderboard_show": 3,
        "prompt": 'Say "hi"',
        "gone": None,
        "xml_attributes": {"due": "never"},  # a common (Date) field whose value does not parse
    }
    assert fields.content == {}


# --- bodies -----------------------------------------------------------------------------------


def test_html_body_from_cdata_keeps_characters_literal() -> None:
    body = "<p>Caf\u00e9\u00a0cr\u00e8me &amp; 2,50 \u20ac \U0001f680</p>\n<p>&nbsp;two</p>"
    fields = realize("html", f'<html display_name="H" editor="raw"><![CDATA[{body}]]></html>')
    assert fields.content == {"data": body}
    assert fields.settings == {"display_name": "H", "editor": "raw"}


def test_html_body_from_markup() -> None:
    fields = realize("html", "<html>Intro <b>bold&#160;text</b> tail<!-- c --><br/>\n end</html>")
    assert fields.content == {"data": "Intro <b>bold\u00a0text</b> tail<!-- c --><br/>\n end"}


def test_html_inlined_file_body_equals_the_file() -> None:
    element = etree.Element("html", display_name="H")
    body = "<h2>\u00c9t\u00e9</h2>\n<p>\u00a0</p>\n"
    element.text = etree.CDATA(body)
    assert realize_fields("html", element).content == {"data": body}


def test_empty_html() -> None:
    assert realize("html", "<html/>").content == {"data": ""}


@pytest.mark.parametrize("block_type", ["about", "course_info", "static_tab"])
def test_detached_pages_are_html(block_type: str) -> None:
    fields = realize(block_type, f"<{block_type} display_name='P'><![CDATA[<p>x\u00a0y</p>]]></{block_type}>")
    assert fields.content == {"data": "<p>x\u00a0y</p>"}
    assert fields.settings == {"display_name": "P"}


def test_course_info_items_are_content_and_static_tab_staff_only_a_setting() -> None:
    info = realize("course_info", '<course_info items=\'[{"id": 1, "status": "visible"}]\'>u</course_info>')
    assert info.content == {"items": [{"id": 1, "status": "visible"}], "data": "u"}
    assert info.settings == {}
    tab = realize("static_tab", '<static_tab course_staff_only="true" display_name="Syllabus">s</static_tab>')
    assert tab.settings == {"course_staff_only": True, "display_name": "Syllabus"}


PROBLEM = """<problem display_name="Checkbox" markdown="null" showanswer="always" weight="2"
    max_attempts="3" group_access='{"1": [2]}' visible_to_staff_only="false" rerandomize="never"
    data-custom="keep me" url_name="p1">
  <choiceresponse>
    <label>Pick \u00e9 \u00a0&amp; go</label>
    <checkboxgroup>
      <choice correct="true">A</choice>
      <choice correct="false">B <b>bold</b> tail</choice>
    </checkboxgroup>
  </choiceresponse>
</problem>"""


def test_problem_data_has_settings_attributes_stripped_and_unknown_ones_kept() -> None:
    fields = realize("problem", PROBLEM)
    assert fields.settings == {
        "display_name": "Checkbox",
        "markdown": None,
        "showanswer": "always",
        "weight": 2.0,
        "max_attempts": 3,
        "group_access": {"1": [2]},
        "visible_to_staff_only": False,
        "rerandomize": "never",
        "xml_attributes": {"data-custom": "keep me"},
    }
    data = fields.content["data"]
    assert list(fields.content) == ["data"]
    # Pretty-printed as the legacy import's definition_from_xml writes it.
    assert data == (
        '<problem data-custom="keep me">\n'
        "  <choiceresponse>\n"
        "    <label>Pick \u00e9 \u00a0&amp; go</label>\n"
        "    <checkboxgroup>\n"
        '      <choice correct="true">A</choice>\n'
        '      <choice correct="false">B <b>bold</b> tail</choice>\n'
        "    </checkboxgroup>\n"
        "  </choiceresponse>\n"
        "</problem>\n"
    )


def test_problem_data_keeps_comments_scripts_and_cdata_text() -> None:
    text = (
        "<problem><!-- note --><script type='loncapa/python'><![CDATA[x = 1 < 2]]></script><p>a</p></problem>"
    )
    data = realize("problem", text).content["data"]
    assert "<!-- note -->" in data
    assert "x = 1 &lt; 2" in data
    assert etree.fromstring(data).find("script").text == "x = 1 < 2"


@pytest.mark.parametrize("block_type", ["lti", "word_cloud"])
def test_raw_blocks_with_only_settings_have_empty_data(block_type: str) -> None:
    attributes = {
        "lti": 'launch_url="https://x" lti_id="t" has_score="true" weight="3" custom_parameters=\'["a=b"]\'',
        "word_cloud": 'num_inputs="3" num_top_words="100" display_student_percents="false" instructions="Go"',
    }[block_type]
    fields = realize(block_type, f'<{block_type} display_name="D" url_name="u" {attributes}/>')
    assert fields.content == {"data": ""}
    assert "xml_attributes" not in fields.settings
    assert fields.settings["display_name"] == "D"


def test_lti_settings() -> None:
    fields = realize(
        "lti",
        '<lti launch_url="https://x" lti_id="t" has_score="true" weight="3" custom_parameters=\'["a=b"]\''
        ' open_in_a_new_page="false" ask_to_send_email="false"/>',
    )
    assert fields.settings == {
        "launch_url": "https://x",
        "lti_id": "t",
        "has_score": True,
        "weight": 3.0,
        "custom_parameters": ["a=b"],
        "open_in_a_new_page": False,
        "ask_to_send_email": False,
    }


def test_word_cloud_with_unknown_attribute_keeps_it_in_data_too() -> None:
    fields = realize("word_cloud", '<word_cloud bogus_attr="1" num_inputs="2"/>')
    assert fields.content == {"data": '<word_cloud bogus_attr="1"/>\n'}
    assert fields.settings == {"num_inputs": 2, "xml_attributes": {"bogus_attr": "1"}}


def test_annotatable_data_is_the_element_without_its_settings() -> None:
    fields = realize(
        "annotatable",
        '<annotatable display_name="Sonnet"><instructions><p>Read</p></instructions>\n  <p>Weary with'
        ' <annotation title="T" body="B">toil</annotation>, I haste</p></annotatable>',
    )
    assert fields.settings == {"display_name": "Sonnet"}
    root = etree.fromstring(fields.content["data"])
    assert root.tag == "annotatable" and not root.attrib
    assert root.find("p/annotation").get("body") == "B"


def test_poll_question() -> None:
    fields = realize(
        "poll_question",
        '<poll_question display_name="Poll" reset="false"><p>Which \u00e9?</p>'
        '<answer id="yes">Yes <b>!</b></answer><answer id="no">No</answer><answer>dropped</answer>'
        "<p>after</p></poll_question>",
    )
    assert fields.content == {
        "answers": [{"id": "yes", "text": "Yes <b>!</b>"}, {"id": "no", "text": "No"}],
        "question": "<p>Which \u00e9?</p><p>after</p>",
    }
    assert fields.settings == {"display_name": "Poll", "xml_attributes": {"reset": "false"}}


def test_poll_question_without_answers_does_not_raise() -> None:
    assert realize("poll_question", "<poll_question><p>Q</p></poll_question>").content == {
        "answers": [],
        "question": "<p>Q</p>",
    }


def test_course_wiki_slug_textbooks_and_children() -> None:
    fields = realize(
        "course",
        '<course url_name="2026" org="O" course="C" display_name="Demo" language="en" self_paced="true"'
        ' license="all-rights-reserved">'
        '<chapter url_name="w1"/>'
        '<chapter url_name="w2" display_name="Week 2"><sequential url_name="s"/></chapter>'
        '<wiki slug="O.C.2026"/><textbook title="Book" book_url="https://b/"/></course>',
    )
    assert fields.settings == {"display_name": "Demo", "language": "en", "self_paced": True}
    assert fields.content == {  # wiki_slug is Scope.content, where CourseBlock reads it
        "license": "all-rights-reserved",
        "textbooks": [["Book", "https://b/"]],
        "wiki_slug": "O.C.2026",
    }


@pytest.mark.parametrize("block_type", ["chapter", "sequential", "vertical"])
def test_container_children_are_not_fields(block_type: str) -> None:
    fields = realize(
        block_type,
        f'<{block_type} display_name="C" format="Homework"><html url_name="h">text</html>'
        f'<problem url_name="p" display_name="inner" weight="1"><p/></problem>text</{block_type}>',
    )
    assert fields.settings == {"display_name": "C", "format": "Homework"}
    assert fields.content == {}


def test_sequential_settings() -> None:
    settings = settings_of(
        "sequential",
        '<sequential is_time_limited="true" default_time_limit_minutes="45" is_proctored_enabled="false"'
        ' is_practice_exam="false" hide_after_due="true" exam_review_rules="" is_onboarding_exam="false"/>',
    )
    assert settings == {
        "is_time_limited": True,
        "default_time_limit_minutes": 45,
        "is_proctored_enabled": False,
        "is_practice_exam": False,
        "hide_after_due": True,
        "exam_review_rules": "",
        "is_onboarding_exam": False,
    }


def test_split_test_children_ignored_references_as_block_keys() -> None:
    fields = realize(
        "split_test",
        '<split_test url_name="ab" display_name="AB" user_partition_id="42"'
        ' group_id_to_child=\'{"0": "block-v1:O+C+R+type@vertical+block@va",'
        ' "1": "i4x://O/C/vertical/vb"}\'>'
        '<vertical url_name="va" display_name="A"><html url_name="h">x</html></vertical>'
        '<vertical url_name="vb" display_name="B"/></split_test>',
    )
    assert fields.settings == {"display_name": "AB"}
    assert fields.content == {
        "user_partition_id": 42,
        "group_id_to_child": {"0": ["vertical", "va"], "1": ["vertical", "vb"]},
    }


def test_split_test_with_unreadable_reference_keeps_the_attribute() -> None:
    fields = realize("split_test", '<split_test group_id_to_child=\'{"0": "somewhere"}\'/>')
    assert fields.content == {}
    assert fields.settings == {"xml_attributes": {"group_id_to_child": '{"0": "somewhere"}'}}


def test_library_content_children_ignored() -> None:
    fields = realize(
        "library_content",
        '<library_content allow_resetting_children="false" max_count="2" capa_type="any"'
        ' source_library_id="library-v1:O+L" source_library_version="65a02a73775dfe9dad8b26d2">'
        '<problem url_name="a" display_name="A"/><problem url_name="b"/></library_content>',
    )
    assert fields.settings == {
        "allow_resetting_children": False,
        "max_count": 2,
        "capa_type": "any",
        "source_library_id": "library-v1:O+L",
        "source_library_version": "65a02a73775dfe9dad8b26d2",
    }
    assert fields.content == {}


@pytest.mark.parametrize("block_type", sorted(BLOCK_TYPES_WITH_CHILDREN - {"conditional"}))
def test_children_of_block_types_with_children_are_not_fields(block_type: str) -> None:
    fields = realize(
        block_type,
        f'<{block_type} display_name="X"><html url_name="h" display_name="inner">x</html>'
        f'<problem url_name="p" weight="1"><p/></problem></{block_type}>',
    )
    assert fields.settings == {"display_name": "X"}
    assert fields.content == {}


def test_conditional_olx_export_form() -> None:
    fields = realize(
        "conditional",
        '<conditional display_name="Bonus" sources="block-v1:O+C+R+type@problem+block@p1;'
        ' block-v1:O+C+R+type@problem+block@p2" attempted="True" message="Try {link} first">'
        '<show sources="block-v1:O+C+R+type@html+block@extra"/>'
        '<html url_name="unlocked">x</html></conditional>',
    )
    assert fields.settings == {
        "display_name": "Bonus",
        # edx-platform keeps these unknown attributes; ConditionalBlock reads sources back from here.
        "xml_attributes": {
            "sources": "block-v1:O+C+R+type@problem+block@p1; block-v1:O+C+R+type@problem+block@p2",
            "attempted": "True",
            "message": "Try {link} first",
        },
    }
    assert fields.content == {
        "conditional_attr": "attempted",
        "conditional_value": "True",
        "conditional_message": "Try {link} first",
        "show_tag_list": [["html", "extra"]],
    }


def test_conditional_with_field_named_attributes() -> None:
    fields = realize(
        "conditional",
        '<conditional sources="block-v1:O+C+R+type@problem+block@p" conditional_attr="attempted"'
        ' conditional_value="True" conditional_message="{link} first" show_tag_list="[]">'
        '<html url_name="h"/></conditional>',
    )
    assert fields.content == {
        "conditional_attr": "attempted",
        "conditional_value": "True",
        "conditional_message": "{link} first",
        "show_tag_list": [],
    }
    assert fields.settings == {"xml_attributes": {"sources": "block-v1:O+C+R+type@problem+block@p"}}


def test_discussion() -> None:
    settings = settings_of(
        "discussion",
        '<discussion url_name="d" xblock-family="xblock.v1" display_name="Tips"'
        ' discussion_category="Module 4" discussion_target="Tips" discussion_id="abc"/>',
    )
    assert settings == {
        "display_name": "Tips",
        "discussion_category": "Module 4",
        "discussion_target": "Tips",
        "discussion_id": "abc",
    }


# --- video ------------------------------------------------------------------------------------

VIDEO = """<video youtube="1.00:AOUEsgFrYeg" url_name="v" sub=""
    transcripts='{"en": "a-en.srt", "es": "a-es.srt"}' display_name="Reach" download_track="true"
    edx_video_id="48c9" end_time="00:12:57" handout="/asset/slide.png" html5_sources="[]"
    start_time="00:11:39" track="/static/t.pdf" youtube_id_1_0="AOUEsgFrYeg">
  <track src="/static/t.pdf"/>
  <handout src="/asset/slide.png"/>
  <video_asset client_video_id="external video" duration="0.0" image="">
    <transcripts><transcript language_code="en" file_format="srt" provider="Custom"/></transcripts>
  </video_asset>
  <transcript language="en" src="a-en.srt"/>
  <transcript language="es" src="a-es.srt"/>
</video>"""


def test_video_is_all_settings() -> None:
    fields = realize("video", VIDEO)
    assert fields.content == {}  # parse_video_xml never sets data; <video_asset> is edx-val's
    assert fields.settings == {
        "youtube_id_1_0": "AOUEsgFrYeg",
        "sub": "",
        "transcripts": {"en": "a-en.srt", "es": "a-es.srt"},
        "display_name": "Reach",
        "download_track": True,
        "edx_video_id": "48c9",
        "end_time": "00:12:57",
        "handout": "/asset/slide.png",
        "html5_sources": [],
        "start_time": "00:11:39",
        "track": "/static/t.pdf",
    }


def test_video_child_elements_old_style() -> None:
    fields = realize(
        "video",
        '<video youtube="0.75:slow,1.0:&quot;normal&quot;,1.5:fast" from="00:00:10" to="00:01:00" name="n">'
        '<source src="https://x/a.mp4"/><source src="https://x/a.webm"/><track src="/static/t.srt"/>'
        '<transcript language="fr" src="fr.srt"/></video>',
    )
    assert fields.content == {}
    assert fields.settings == {
        "html5_sources": ["https://x/a.mp4", "https://x/a.webm"],
        "track": "/static/t.srt",
        "transcripts": {"fr": "fr.srt"},
        # html5_sources are set, so every speed is written, empty or not (parse_video_xml)
        "youtube_id_0_75": "slow",
        "youtube_id_1_0": "normal",
        "youtube_id_1_25": "",
        "youtube_id_1_5": "fast",
        "start_time": "00:00:10",
        "end_time": "00:01:00",
        "download_track": True,  # a <track> without download_track means downloadable
    }


def test_video_youtube_without_html5_sources_sets_only_given_speeds() -> None:
    assert settings_of("video", '<video youtube="1.00:abc"/>') == {"youtube_id_1_0": "abc"}


def test_video_youtube_with_unusable_parts_is_also_kept_raw() -> None:
    assert settings_of("video", '<video youtube="1.00:abc,2.0:def,junk"/>') == {
        "youtube_id_1_0": "abc",
        "xml_attributes": {"youtube": "1.00:abc,2.0:def,junk"},
    }


def test_video_license_is_content() -> None:
    fields = realize("video", '<video license="creative-commons: ver=4.0 BY=true" display_name="V"/>')
    assert fields.content == {"license": "creative-commons: ver=4.0 BY=true"}
    assert fields.settings == {"display_name": "V"}


def test_videoalpha_is_video() -> None:
    assert realize("videoalpha", VIDEO) == realize("video", VIDEO)


# --- to_structure_value -----------------------------------------------------------------------


def test_to_structure_value_makes_dates_aware_utc_datetimes() -> None:
    fields = realize("sequential", '<sequential start="2026-03-01T05:30:00+02:00" display_name="S"/>')
    value = to_structure_value("start", fields.settings["start"])
    assert value == datetime(2026, 3, 1, 3, 30, tzinfo=UTC)
    assert value.tzinfo is not None and value.utcoffset().total_seconds() == 0
    assert to_structure_value("due", "2026-03-01T00:00:00+00:00") == datetime(2026, 3, 1, tzinfo=UTC)
    assert to_structure_value("due", "2026-03-01T00:00:00") == datetime(2026, 3, 1, tzinfo=UTC)
    assert to_structure_value("certificate_available_date", "2026-03-01T00:00:00Z") == datetime(
        2026, 3, 1, tzinfo=UTC
    )


def test_to_structure_value_leaves_everything_else_alone() -> None:
    assert to_structure_value("start", None) is None
    assert to_structure_value("display_name", "2026-03-01T00:00:00+00:00") == "2026-03-01T00:00:00+00:00"
    assert to_structure_value("graceperiod", "1 day") == "1 day"
    assert to_structure_value("tabs", [{"type": "courseware"}]) == [{"type": "courseware"}]
    assert to_structure_value("start", "Jan 5th") == "Jan 5th"  # left for Date.from_json to read
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert to_structure_value("start", moment) is moment


# --- robustness -------------------------------------------------------------------------------


def test_realize_is_deterministic_and_does_not_touch_the_element() -> None:
    element = xml(PROBLEM)
    before = etree.tostring(element)
    first = realize_fields("problem", element)
    assert realize_fields("problem", element) == first
    assert etree.tostring(element) == before
    assert list(first.settings) == [
        "display_name",
        "markdown",
        "showanswer",
        "weight",
        "max_attempts",
        "group_access",
        "visible_to_staff_only",
        "rerandomize",
        "xml_attributes",
    ]


_XML_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
    | st.sampled_from("\t\n"),
    max_size=40,
)
_NAMES = sorted(
    {*COMMON_FIELDS, *(name for own in TYPE_FIELDS.values() for name in own), "bogus", "youtube", "from"}
)


@settings(max_examples=300, deadline=None)
@given(
    block_type=st.sampled_from([*TYPE_FIELDS, "videoalpha", "unknown-xblock"]),
    attributes=st.dictionaries(
        st.sampled_from(_NAMES), _XML_TEXT | st.sampled_from(["null", "[]", "{}", "1"])
    ),
    body=_XML_TEXT,
)
def test_any_attribute_value_is_stored_or_kept_never_raised(
    block_type: str, attributes: dict[str, str], body: str
) -> None:
    element = etree.Element(block_type)
    for name, value in attributes.items():
        element.set(name, value)
    element.text = body
    fields = realize_fields(block_type, element)
    json.dumps(fields.settings, allow_nan=False)
    json.dumps(fields.content, allow_nan=False)
    stored = {*fields.settings, *fields.content, *fields.settings.get("xml_attributes", {})}
    # Every attribute ends up somewhere, apart from the ones edx-platform never stores.
    may_vanish = set() if block_type == "course" else {"tabs", "grading_policy", "discussion_blackouts"}
    if block_type in {"video", "videoalpha"}:
        may_vanish |= {"name", "youtube", "from"}  # skipped, or read into youtube_id_* / start_time
    assert set(attributes) - stored <= may_vanish


# --- the shared demo course -------------------------------------------------------------------


def _demo() -> Path:
    if not DEMO_COURSE.parent.parent.is_dir():
        pytest.skip("../shared/olx/demo-course not present")
    if not DEMO_COURSE.is_dir():
        pytest.skip("../shared/olx/demo-course not present")
    return DEMO_COURSE


def _file(path: Path) -> etree._Element:
    return etree.parse(str(path), _PARSER).getroot()


def demo_html(course: Path, path: Path) -> tuple[etree._Element, str]:
    """html/X.xml with its filename body inlined as CDATA, as the importer does; and that body."""
    element = _file(path)
    filename = element.attrib.pop("filename")
    name = filename if filename.endswith(".html") else f"{filename}.html"
    body = (course / "html" / name).read_text(encoding="utf-8")
    element.text = etree.CDATA(body)
    return element, body


def test_demo_course_html() -> None:
    course = _demo()
    paths = sorted((course / "html").glob("*.xml"))
    assert len(paths) == 266
    for path in paths:
        element, body = demo_html(course, path)
        fields = realize_fields("html", element)
        assert fields.content == {"data": body}, path.name
        assert fields.content["data"].strip(), path.name
        assert set(fields.settings) <= {"display_name", "editor", "group_access"}, path.name
        if "display_name" in element.attrib:
            assert fields.settings["display_name"] == element.get("display_name")
        if "group_access" in element.attrib:
            group_access = fields.settings["group_access"]
            assert group_access and all(isinstance(groups, list) for groups in group_access.values())


def test_demo_course_problems() -> None:
    course = _demo()
    paths = sorted((course / "problem").glob("*.xml"))
    assert len(paths) == 29
    for path in paths:
        element = _file(path)
        fields = realize_fields("problem", element)
        data = fields.content["data"]
        assert list(fields.content) == ["data"], path.name
        assert data.startswith("<problem"), path.name
        root = etree.fromstring(data)
        assert root.tag == "problem" and dict(root.attrib) == {}, (
            path.name
        )  # every attribute here is a setting
        assert "xml_attributes" not in fields.settings, path.name
        assert set(fields.settings) == set(element.attrib), path.name
        if "markdown" in element.attrib and element.get("markdown") == "null":
            assert fields.settings["markdown"] is None
        for name in ("weight",):
            if name in fields.settings:
                assert isinstance(fields.settings[name], float)
        for name in ("show_reset_button",):
            if name in fields.settings:
                assert isinstance(fields.settings[name], bool)
        # Same problem body, whitespace aside.
        assert len(root) == len(
            etree.fromstring(etree.tostring(element), etree.XMLParser(remove_blank_text=True))
        )


def test_demo_course_videos() -> None:
    course = _demo()
    paths = sorted((course / "video").glob("*.xml"))
    assert len(paths) == 11
    for path in paths:
        element = _file(path)
        fields = realize_fields("video", element)
        assert fields.content == {}, path.name
        settings = fields.settings
        assert "xml_attributes" not in settings, path.name
        assert settings["display_name"] == element.get("display_name")
        assert isinstance(settings["html5_sources"], list)
        assert settings["youtube_id_1_0"] == element.get("youtube_id_1_0")
        for name in ("start_time", "end_time"):
            if name in settings:
                assert len(settings[name]) == 8 and settings[name].count(":") == 2
        if "transcripts" in settings:
            assert isinstance(settings["transcripts"], dict)


def test_demo_course_lti_and_annotatable() -> None:
    course = _demo()
    for path in sorted((course / "lti").glob("*.xml")):
        fields = realize_fields("lti", _file(path))
        assert fields.content == {"data": ""}
        assert fields.settings["has_score"] is True
        assert isinstance(fields.settings["open_in_a_new_page"], bool)
        assert "xml_attributes" not in fields.settings
    for path in sorted((course / "annotatable").glob("*.xml")):
        fields = realize_fields("annotatable", _file(path))
        assert fields.content["data"].startswith("<annotatable>")
        assert "<annotation " in fields.content["data"]


def test_demo_course_every_file_and_inline_block() -> None:
    """Every element of the export realizes without error, to JSON-serializable values."""
    course = _demo()
    seen: dict[str, int] = {}
    for path in sorted(course.rglob("*.xml")):
        if path.parent.name in {"html", "policies"} or path.name == "course.xml":
            continue
        root = _file(path)
        for element in root.iter():
            if not isinstance(element.tag, str) or (element.get("url_name") is None and element is not root):
                continue
            fields = realize_fields(element.tag, element)
            orjson.dumps(fields.settings)
            orjson.dumps(fields.content)
            seen[element.tag] = seen.get(element.tag, 0) + 1
    for block_type in ("course", "chapter", "sequential", "vertical", "library_content", "discussion"):
        assert seen.get(block_type), block_type
    course_fields = realize_fields("course", _file(course / "course" / "DemoCourse.xml"))
    assert course_fields.content["wiki_slug"] == "OpenedX.DemoX.DemoCourse"
    assert course_fields.settings["start"] == "2020-01-01T00:00:00+00:00"
    assert course_fields.settings["minimum_grade_credit"] == 0.8
    assert course_fields.settings["user_partitions"][0]["groups"][0]["name"] == "Content Group A"
    assert "xml_attributes" not in course_fields.settings
    assert course_fields.content == {"textbooks": [], "wiki_slug": "OpenedX.DemoX.DemoCourse"}


def test_demo_course_inline_xblocks_keep_their_settings() -> None:
    course = _demo()
    inline = {}
    for path in sorted((course / "vertical").glob("*.xml")):
        for child in _file(path):
            if isinstance(child.tag, str) and len(child.attrib) > 1:
                inline[child.tag] = realize_fields(child.tag, child)
    dnd = inline["drag-and-drop-v2"].settings
    assert isinstance(dnd["data"], dict) and dnd["data"]["zones"]
    assert dnd["max_attempts"] is None and dnd["weight"] == 1.0
    poll = inline["poll"].settings
    assert poll["max_submissions"] == 1 and poll["private_results"] is False
    assert isinstance(poll["answers"], list)
    assert inline["discussion"].settings == {
        "display_name": "Language Learning Tools and Tips",
        "discussion_category": "Module 4: Social Learning Tools",
        "discussion_target": "Language Learning Tools and Tips",
    }
    ora = inline["openassessment"].settings
    assert ora["submission_start"] == "2001-01-01T00:00:00+00:00"


def test_a_policy_xml_attributes_replaces_the_elements_unknown_attributes() -> None:
    """``XmlMixin.apply_policy`` assigns the field: the policy's dict, not a merge with the element's."""
    element = etree.fromstring('<sequential display_name="S" legacy="1" due="not a date"/>')
    fields = realize_fields("sequential", element, {"xml_attributes": {"from_policy": "x"}})
    # The raw text of a value its field cannot read stays: this table's own record of it.
    assert fields.settings["xml_attributes"] == {"from_policy": "x", "due": "not a date"}
