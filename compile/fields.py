"""
One OLX element → its XBlock field values, split into Scope.settings and Scope.content.

This is a static rule table standing in for the XBlock classes edx-platform's XML import would
load (``XmlMixin.load_metadata`` / ``load_definition`` / ``clean_metadata_from_xml`` /
``deserialize_field``, ``VideoBlock.parse_video_xml``, ``CourseBlock.definition_from_xml``, ...).
It needs no XBlock class, no Django and no database, and gives the same answer for the same
element every time. The values are the ones a Split document stores after that import, i.e.
``field.to_json(field.from_json(deserialize_field(field, attribute)))``, JSON-serializable.

Settings (the structure's block ``fields``)
    Every attribute of the element is looked up in :data:`COMMON_FIELDS` (fields every block has in
    the LMS: XBlock core, ``XModuleMixin``, ``InheritanceMixin``, ``LmsBlockMixin``) and in the
    block type's :data:`TYPE_FIELDS`, and converted for its type tag (:class:`Kind`):

    * a value is first ``json.loads``-ed, as ``deserialize_field`` does: ``"null"`` is None for
      every type, ``'"x"'`` is ``"x"``, and a JSON value of the wrong type falls back to the raw text;
    * string → str; boolean → bool (``true``/``false`` in any case, JSON numbers, ``null`` → False as
      ``Boolean.from_json(None)`` gives); integer/float → number (``""`` → None);
      date → normalized ISO-8601 UTC string (``"2026-03-01T00:00:00+00:00"``, naive = UTC; turned
      into a datetime only by :func:`to_structure_value`); timedelta (``graceperiod``) → a string,
      as ``Timedelta.to_json`` writes it (``"1 day 2 hours"`` → ``"1 days 7200 seconds"``);
      relative time (video ``start_time``/``end_time``) → ``"HH:MM:SS"``;
      dict/list → the parsed JSON; references (split_test, conditional) → ``[block_type, block_id]``.
    * A value its type cannot hold (``weight="heavy"``, a date that does not parse, ``graded="yes"``)
      does not raise: the raw text goes to ``xml_attributes`` instead, so nothing is lost and the
      field keeps its default.
    * An attribute no rule knows for a *modelled* block type (one in :data:`TYPE_FIELDS`) is kept, as
      the raw string, in the settings field ``xml_attributes`` (a dict), as ``load_metadata`` does.
      ``xml_attributes`` is only present when it is not empty.
    * Block types the table does not model (pure XBlocks installed separately: drag-and-drop-v2,
      openassessment, xblock-poll, lti_consumer, ...) follow ``XBlock.parse_xml`` instead: every
      attribute is a settings field of that name (common fields typed, the others ``json.loads``-ed
      when they parse, else kept as strings), ``<option:field>`` children included. Their other
      child elements (an ORA's rubric, ...) are not fields and are not read.
    * Never fields: ``url_name`` (identity), ``filename`` (the importer has inlined the body),
      ``xblock-family``, ``x-is-pointer-node``, ``data_dir``, ``course``, ``org``, ``xml_attributes``
      and the draft-wiring ``parent_url`` / ``parent_sequential_url`` / ``index_in_children_list``.
      ``tabs``, ``grading_policy`` and ``discussion_blackouts`` are dropped too (edx-platform only takes
      them from policy files), except on ``course``, whose table types them.

Content (the definition's ``fields``)
    * html, about, course_info, static_tab: ``data`` = the element's inner body (text + serialized
      child nodes, ``stringify_children``), non-ASCII characters kept literal.
    * problem: ``data`` = the ``<problem>`` element with every attribute that is a settings field
      removed (``clean_metadata_from_xml``; unknown attributes stay, in ``data`` and in
      ``xml_attributes``), re-parsed with blank text removed and pretty-printed, exactly as the
      legacy import's ``EDX_XML_PARSER`` + ``definition_from_xml`` do for ``problem/x.xml``.
    * lti, annotatable, word_cloud: ``data`` the same way, or ``""`` when nothing but settings is left.
    * poll_question: ``answers`` = ``[{"id", "text"}]`` from ``<answer id=...>`` children, ``question``
      = the inner markup of the rest (no ``<answer>`` gives ``answers=[]`` instead of an error).
    * video: no ``data``. The legacy import never sets it (``parse_video_xml`` returns settings only)
      and the new runtime neither; ``<source>``, ``<track>``, ``<handout>`` and ``<transcript>``
      children are settings (``html5_sources``, ``track``, ``handout``, ``transcripts``, overridden by
      the attributes of the same name), ``youtube="1.00:id,..."`` sets ``youtube_id_*``, and
      ``<video_asset>`` belongs to edx-val, not to the block. Only a ``license`` attribute is content.
    * course: ``textbooks`` (list of ``[title, book_url]``, always present) from ``<textbook>``
      children; ``<wiki slug=...>`` gives ``wiki_slug`` -- as a *setting* (edx-platform declares it
      Scope.content; this project's structure code reads it from the settings, and Split's key-value
      store finds either). ``grading_policy``, ``certificate_available_date`` and ``license`` are
      content when given as attributes.
    * split_test: ``user_partition_id`` and ``group_id_to_child``; conditional: ``conditional_attr`` /
      ``conditional_value`` (from a ``correct=``/``attempted=``/... attribute), ``conditional_message``
      (``message=``), ``show_tag_list`` (``<show sources="...">``; edx-platform also makes those
      references children). ``sources=`` stays in ``xml_attributes``, where ConditionalBlock reads it.
    * Fields whose scope is content are content even when given as attributes (``items`` of
      course_info, ``license``, ...).

Children
    Child elements that are blocks (children of :data:`CONTAINER_TYPES` and of
    :data:`BLOCK_TYPES_WITH_CHILDREN`) are not fields and are ignored: the caller handles children.
    A conditional's ``<show>`` elements are not blocks (they only reference blocks elsewhere).

Deliberate differences from edx-platform's import
    * ``wiki_slug`` is a setting (see above).
    * A value that does not convert goes to ``xml_attributes``; edx-platform stores the raw text and
      fails when the block loads, or (Boolean) silently reads anything but "true" as False.
    * ``rerandomize="true"``/``"false"`` are stored as the ``"always"``/``"per_student"`` they mean;
      ``deserialize_field`` would keep the JSON boolean.
    * ``xml_attributes["filename"]`` (the source file, a git link for Studio) is not recorded.
    * A video ``handout`` is not rewritten for the target course, and an empty ``edx_video_id`` is not
      replaced by the id edx-val would generate on import.
    * A conditional whose OLX uses the field names (``conditional_message=`` ...) rather than the
      export's ``message=`` keeps them; edx-platform would overwrite them with the defaults.
    * A ``<meta>`` child (JSON metadata in 2012-era OLX) is not read.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from lxml import etree

__all__ = [
    "BLOCK_TYPES_WITH_CHILDREN",
    "COMMON_FIELDS",
    "CONTAINER_TYPES",
    "CONTENT",
    "PARSER_VERSION",
    "SETTINGS",
    "TYPE_FIELDS",
    "FieldRule",
    "Kind",
    "RealizedFields",
    "date_field_names",
    "realize_fields",
    "to_structure_value",
]

# Bump whenever a rule below changes what realize_fields returns: cached results are keyed on it.
PARSER_VERSION: Final[int] = 2

# Blocks whose children are the course outline.
CONTAINER_TYPES: Final = frozenset({"course", "chapter", "sequential", "vertical"})
# Other blocks with children (has_children in edx-platform), kept whole with their inline children.
BLOCK_TYPES_WITH_CHILDREN: Final = frozenset(
    {"split_test", "library_content", "conditional", "itembank", "randomize", "unit", "wrapper"}
)


@dataclass(frozen=True, slots=True)
class RealizedFields:
    settings: dict[str, Any]  # JSON-serializable values only
    content: dict[str, Any]  # JSON-serializable values only


# --- the rule table ---------------------------------------------------------------------------


class Kind(StrEnum):
    """How an attribute's text becomes the stored JSON value (see the module docstring)."""

    STRING = "string"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    FLOAT = "float"
    DATE = "date"
    TIMEDELTA = "timedelta"  # xblock Timedelta: a string, "1 day 2 hours" → "1 days 7200 seconds"
    RELATIVE_TIME = "relative_time"  # xblock RelativeTime: "HH:MM:SS"
    DICT = "dict"
    LIST = "list"
    GROUP_ACCESS = "group_access"  # LmsBlockMixin.GroupAccessDict: dict, keys are partition ids
    RANDOMIZATION = "randomization"  # ProblemBlock.rerandomize: "true"/"" → always, "false" → per_student
    REFERENCE_DICT = "reference_dict"  # ReferenceValueDict: {key: [block_type, block_id]}
    REFERENCE_LIST = "reference_list"  # ReferenceList: [[block_type, block_id], ...]
    ANY = "any"  # fields of block types the table does not model: JSON when it parses, else text


SETTINGS: Final = "settings"
CONTENT: Final = "content"


@dataclass(frozen=True, slots=True)
class FieldRule:
    kind: Kind
    scope: str = SETTINGS  # SETTINGS or CONTENT


def content(rule: FieldRule) -> FieldRule:
    """The same type, stored in the definition (Scope.content)."""
    return FieldRule(rule.kind, CONTENT)


STRING: Final = FieldRule(Kind.STRING)
BOOLEAN: Final = FieldRule(Kind.BOOLEAN)
INTEGER: Final = FieldRule(Kind.INTEGER)
FLOAT: Final = FieldRule(Kind.FLOAT)
DATE: Final = FieldRule(Kind.DATE)
TIMEDELTA: Final = FieldRule(Kind.TIMEDELTA)
RELATIVE_TIME: Final = FieldRule(Kind.RELATIVE_TIME)
DICT: Final = FieldRule(Kind.DICT)
LIST: Final = FieldRule(Kind.LIST)
GROUP_ACCESS: Final = FieldRule(Kind.GROUP_ACCESS)
RANDOMIZATION: Final = FieldRule(Kind.RANDOMIZATION)
REFERENCE_DICT: Final = FieldRule(Kind.REFERENCE_DICT)
REFERENCE_LIST: Final = FieldRule(Kind.REFERENCE_LIST)
ANY: Final = FieldRule(Kind.ANY)

# Fields every block has in the LMS: the runtime mixes these classes into every XBlock.
COMMON_FIELDS: Final[dict[str, FieldRule]] = {
    # xblock core (Blocklike)
    "name": STRING,
    "tags": LIST,
    # xmodule.x_module.XModuleMixin
    "display_name": STRING,
    # xmodule.modulestore.inheritance.InheritanceMixin (inherited down the tree when not set)
    "graded": BOOLEAN,
    "start": DATE,
    "due": DATE,
    "relative_weeks_due": INTEGER,
    "visible_to_staff_only": BOOLEAN,
    "course_edit_method": STRING,
    "giturl": STRING,
    "xqa_key": STRING,
    "graceperiod": TIMEDELTA,
    "group_access": GROUP_ACCESS,
    "showanswer": STRING,
    "show_correctness": STRING,
    "rerandomize": STRING,
    "days_early_for_beta": FLOAT,
    "static_asset_path": STRING,
    "use_latex_compiler": BOOLEAN,
    "max_attempts": INTEGER,
    "matlab_api_key": STRING,
    "user_partitions": LIST,
    "video_speed_optimizations": BOOLEAN,
    "video_auto_advance": BOOLEAN,
    "video_bumper": DICT,
    "show_reset_button": BOOLEAN,
    "edxnotes": BOOLEAN,
    "in_entrance_exam": BOOLEAN,
    "self_paced": BOOLEAN,
    "hide_from_toc": BOOLEAN,
    # lms.djangoapps.lms_xblock.mixin.LmsBlockMixin
    "format": STRING,
    "chrome": STRING,
    "default_tab": STRING,
    "source_file": STRING,
}

# xmodule.seq_block.SequenceFields (sequential, chapter, course, vertical, split_test, conditional)
_SEQUENCE: Final[dict[str, FieldRule]] = {
    "due": DATE,
    "relative_weeks_due": INTEGER,
    "hide_after_due": BOOLEAN,
    "is_entrance_exam": BOOLEAN,
}
# xmodule.seq_block.ProctoringFields (sequential, chapter, course, split_test)
_PROCTORING: Final[dict[str, FieldRule]] = {
    "is_time_limited": BOOLEAN,
    "default_time_limit_minutes": INTEGER,
    "is_proctored_enabled": BOOLEAN,
    "exam_review_rules": STRING,
    "is_practice_exam": BOOLEAN,
    "is_onboarding_exam": BOOLEAN,
}
# xmodule.html_block HtmlBlockMixin (html, about, course_info, static_tab)
_HTML: Final[dict[str, FieldRule]] = {
    "data": content(STRING),
    "upstream_data": content(STRING),
    "editor": STRING,
    "use_latex_compiler": BOOLEAN,
    "source_code": STRING,
}
# xmodule.course_block.CourseFields (+ LicenseMixin)
_COURSE: Final[dict[str, FieldRule]] = {
    "lti_passports": LIST,
    "textbooks": content(LIST),
    "wiki_slug": STRING,  # Scope.content in edx-platform; see the module docstring
    "enrollment_start": DATE,
    "enrollment_end": DATE,
    "start": DATE,
    "end": DATE,
    "certificate_available_date": content(DATE),
    "cosmetic_display_price": INTEGER,
    "advertised_start": STRING,
    "pre_requisite_courses": LIST,
    "grading_policy": content(DICT),
    "show_calculator": BOOLEAN,
    "tabs": LIST,
    "end_of_course_survey_url": STRING,
    "discussion_blackouts": LIST,
    "discussion_topics": DICT,
    "discussions_settings": DICT,
    "announcement": DATE,
    "cohort_config": DICT,
    "mobile_available": BOOLEAN,
    "video_upload_pipeline": DICT,
    "no_grade": BOOLEAN,
    "disable_progress_graph": BOOLEAN,
    "pdf_textbooks": LIST,
    "html_textbooks": LIST,
    "remote_gradebook": DICT,
    "enable_ccx": BOOLEAN,
    "ccx_connector": STRING,
    "allow_anonymous": BOOLEAN,
    "allow_anonymous_to_peers": BOOLEAN,
    "advanced_modules": LIST,
    "show_timezone": BOOLEAN,
    "due_date_display_format": STRING,
    "enrollment_domain": STRING,
    "certificates_show_before_end": BOOLEAN,
    "certificates_display_behavior": STRING,
    "course_image": STRING,
    "banner_image": STRING,
    "video_thumbnail_image": STRING,
    "cert_name_short": STRING,
    "cert_name_long": STRING,
    "cert_html_view_enabled": BOOLEAN,
    "cert_html_view_overrides": DICT,
    "certificates": DICT,
    "css_class": STRING,
    "discussion_link": STRING,
    "hide_progress_tab": BOOLEAN,
    "display_organization": STRING,
    "display_coursenumber": STRING,
    "max_student_enrollments_allowed": INTEGER,
    "allow_public_wiki_access": BOOLEAN,
    "invitation_only": BOOLEAN,
    "course_survey_name": STRING,
    "course_survey_required": BOOLEAN,
    "catalog_visibility": STRING,
    "entrance_exam_enabled": BOOLEAN,
    "entrance_exam_minimum_score_pct": FLOAT,
    "entrance_exam_id": STRING,
    "social_sharing_url": STRING,
    "language": STRING,
    "teams_configuration": DICT,
    "enable_proctored_exams": BOOLEAN,
    "proctoring_provider": STRING,
    "proctoring_escalation_email": STRING,
    "allow_proctoring_opt_out": BOOLEAN,
    "create_zendesk_tickets": BOOLEAN,
    "enable_timed_exams": BOOLEAN,
    "minimum_grade_credit": FLOAT,
    "enable_subsection_gating": BOOLEAN,
    "learning_info": LIST,
    "course_visibility": STRING,
    "video_sharing_options": STRING,
    "force_on_flexible_peer_openassessments": BOOLEAN,
    "instructor_info": DICT,
    "allow_unsupported_xblocks": BOOLEAN,
    "highlights_enabled_for_messaging": BOOLEAN,
    "course_wide_js": LIST,
    "course_wide_css": LIST,
    "course_theme_variant": STRING,
    "other_course_settings": DICT,
    "license": content(STRING),
}

# Per block type: the fields its class adds to (or retypes from) COMMON_FIELDS. A type listed here is
# "modelled": attributes it does not know go to xml_attributes. Field name → type tag (and scope).
TYPE_FIELDS: Final[dict[str, dict[str, FieldRule]]] = {
    "course": {**_SEQUENCE, **_PROCTORING, **_COURSE},
    "chapter": {**_SEQUENCE, **_PROCTORING, "highlights": LIST},
    "sequential": {**_SEQUENCE, **_PROCTORING},
    "vertical": {**_SEQUENCE, "discussion_enabled": BOOLEAN},
    "html": _HTML,
    "about": _HTML,
    "course_info": {**_HTML, "items": content(LIST)},
    "static_tab": {**_HTML, "course_staff_only": BOOLEAN},
    "problem": {
        "data": content(STRING),
        "max_attempts": INTEGER,
        "grading_method": STRING,
        "due": DATE,
        "graceperiod": TIMEDELTA,
        "show_correctness": STRING,
        "showanswer": STRING,
        "attempts_before_showanswer_button": INTEGER,
        "force_save_button": BOOLEAN,
        "show_reset_button": BOOLEAN,
        "rerandomize": RANDOMIZATION,
        "submission_wait_seconds": INTEGER,
        "weight": FLOAT,
        "markdown": STRING,
        "source_code": STRING,
        "use_latex_compiler": BOOLEAN,
        "matlab_api_key": STRING,
        "markdown_edited": BOOLEAN,
    },
    "video": {
        "data": content(STRING),
        "license": content(STRING),
        "youtube_id_1_0": STRING,
        "youtube_id_0_75": STRING,
        "youtube_id_1_25": STRING,
        "youtube_id_1_5": STRING,
        "start_time": RELATIVE_TIME,
        "end_time": RELATIVE_TIME,
        "download_video": BOOLEAN,
        "html5_sources": LIST,
        "track": STRING,
        "download_track": BOOLEAN,
        "sub": STRING,
        "show_captions": BOOLEAN,
        "transcripts": DICT,
        "handout": STRING,
        "only_on_web": BOOLEAN,
        "edx_video_id": STRING,
        "public_access": BOOLEAN,
        "thumbnail": STRING,
    },
    "lti": {
        "data": content(STRING),
        "lti_id": STRING,
        "launch_url": STRING,
        "custom_parameters": LIST,
        "open_in_a_new_page": BOOLEAN,
        "has_score": BOOLEAN,
        "weight": FLOAT,
        "hide_launch": BOOLEAN,
        "accept_grades_past_due": BOOLEAN,
        "button_text": STRING,
        "description": STRING,
        "ask_to_send_username": BOOLEAN,
        "ask_to_send_email": BOOLEAN,
    },
    "annotatable": {"data": content(STRING)},
    "word_cloud": {
        "data": content(STRING),
        "instructions": STRING,
        "num_inputs": INTEGER,
        "num_top_words": INTEGER,
        "display_student_percents": BOOLEAN,
    },
    "poll_question": {"question": content(STRING), "answers": content(LIST)},
    "discussion": {
        "discussion_id": STRING,
        "discussion_category": STRING,
        "discussion_target": STRING,
        "sort_key": STRING,
    },
    "library_content": {
        "source_library_id": STRING,
        "source_library_version": STRING,
        "capa_type": STRING,
        "is_migrated_to_v2": BOOLEAN,
        "max_count": INTEGER,
        "allow_resetting_children": BOOLEAN,
    },
    "itembank": {"max_count": INTEGER, "allow_resetting_children": BOOLEAN},
    "split_test": {
        **_SEQUENCE,
        **_PROCTORING,
        "user_partition_id": content(INTEGER),
        "group_id_to_child": content(REFERENCE_DICT),
    },
    "conditional": {
        **_SEQUENCE,
        "show_tag_list": content(REFERENCE_LIST),
        "sources_list": content(REFERENCE_LIST),
        "conditional_attr": content(STRING),
        "conditional_value": content(STRING),
        "conditional_message": content(STRING),
    },
    "randomize": {},
    "unit": {},
    "wrapper": {},
}

# Other names edx-platform registers for the same class.
_ALIASES: Final[dict[str, str]] = {"videoalpha": "video"}

# Attributes that are never fields (XmlMixin.metadata_to_strip, the runtime's xblock-family,
# and the draft wiring the importer removes from xml_attributes).
_NEVER_FIELDS: Final = frozenset(
    {
        "url_name",
        "filename",
        "xblock-family",
        "x-is-pointer-node",
        "data_dir",
        "course",
        "org",
        "xml_attributes",
        "parent_url",
        "parent_sequential_url",
        "index_in_children_list",
    }
)
# Also stripped by metadata_to_strip: only policy.json sets them, unless the type's table has them.
_POLICY_ONLY: Final = frozenset({"tabs", "grading_policy", "discussion_blackouts"})
# Attributes never copied into a serialized definition (problem data, ...), besides settings fields.
_NOT_IN_DEFINITION: Final = frozenset(
    {"url_name", "filename", "xblock-family", "x-is-pointer-node", "xml_attributes"}
)

_MERGED: Final[dict[str, dict[str, FieldRule]]] = {
    block_type: {**COMMON_FIELDS, **own} for block_type, own in TYPE_FIELDS.items()
}
_DATE_FIELDS: Final = frozenset(
    name
    for table in (COMMON_FIELDS, *TYPE_FIELDS.values())
    for name, rule in table.items()
    if rule.kind is Kind.DATE
)


def date_field_names() -> frozenset[str]:
    """Names of the Date-typed fields (start, due, end, ...), whichever block type has them."""
    return _DATE_FIELDS


def to_structure_value(name: str, value: Any) -> Any:
    """
    The value as a Split document holds it: a Date field's ISO string becomes a tz-aware UTC
    datetime (Split stores dates natively); everything else, and a string that does not parse as
    ISO-8601 (left for ``Date.from_json`` to read), is returned unchanged.
    """
    if name in _DATE_FIELDS and isinstance(value, str):
        moment = _parse_iso(value)
        if moment is not None:
            return moment
    return value


# --- values -----------------------------------------------------------------------------------


class _Invalid(ValueError):
    """A value its field's type cannot hold."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _loads(raw: str) -> tuple[bool, Any]:
    """``deserialize_field``'s first step: the attribute as JSON, if it is JSON."""
    try:
        return True, json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return False, None


def _parse_iso(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _string(raw: str) -> Any:
    loaded, value = _loads(raw)
    if loaded and (value is None or isinstance(value, str)):
        return value
    return raw


def _boolean(raw: str) -> Any:
    loaded, value = _loads(raw)
    if not loaded or isinstance(value, str):
        text = (value if loaded else raw).strip().lower()
        if text in ("true", "false"):
            return text == "true"
        raise _Invalid(raw)
    if value is None:
        return False  # Boolean.from_json(None)
    if isinstance(value, bool | int | float):
        return bool(value)
    raise _Invalid(raw)


def _number(raw: str, cast: Callable[[Any], int | float]) -> Any:
    loaded, value = _loads(raw)
    if not loaded:
        value = raw
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Invalid(raw)
    try:
        number = cast(value)
    except (ValueError, OverflowError):
        raise _Invalid(raw) from None
    if not math.isfinite(number):
        raise _Invalid(raw)
    return number


def _integer(raw: str) -> Any:
    return _number(raw, int)


def _float(raw: str) -> Any:
    return _number(raw, float)


def _date(raw: str) -> Any:
    loaded, value = _loads(raw)
    if not loaded:
        value = raw
    if value is None or value == "":
        return None
    moment: datetime | None = None
    if isinstance(value, str):
        moment = _parse_iso(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:  # Date.from_json reads a number as milliseconds since the epoch
            moment = datetime.fromtimestamp(value / 1000, UTC)
        except (ValueError, OverflowError, OSError):
            moment = None
    if moment is None:
        raise _Invalid(raw)
    return moment.isoformat()


_TIMEDELTA: Final = re.compile(
    r"^(?:(?P<days>\d+) days?)?\s?(?:(?P<hours>\d+) hours?)?\s?"
    r"(?:(?P<minutes>\d+) minutes?)?\s?(?:(?P<seconds>\d+) seconds?)?$"
)


def _timedelta(raw: str) -> Any:
    loaded, value = _loads(raw)
    if not loaded:
        value = raw
    if value is None:
        return None
    match = _TIMEDELTA.match(value) if isinstance(value, str) else None
    if match is None:
        raise _Invalid(raw)
    try:
        span = timedelta(**{unit: int(count) for unit, count in match.groupdict().items() if count})
    except OverflowError:
        raise _Invalid(raw) from None
    # Timedelta.to_json, as Split stores it: "1 day 2 hours" is "1 days 7200 seconds".
    return " ".join(
        f"{count} {unit}" for unit, count in (("days", span.days), ("seconds", span.seconds)) if count
    )


_CLOCK: Final = re.compile(r"^(\d{1,2}):(\d{1,2}):(\d{1,2})$")


def _relative_time(raw: str) -> Any:
    loaded, value = _loads(raw)
    if not loaded:
        value = raw
    if not value:  # RelativeTime.from_json: anything falsy is 0
        span = timedelta(0)
    elif isinstance(value, float):
        span = timedelta(seconds=value)
    elif isinstance(value, str) and (clock := _CLOCK.match(value)):
        hours, minutes, seconds = (int(part) for part in clock.groups())
        if hours > 23 or minutes > 59 or seconds > 61:  # time.strptime("%H:%M:%S") limits
            raise _Invalid(raw)
        span = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    else:
        raise _Invalid(raw)
    if span < timedelta(0) or span.total_seconds() > 86400:
        raise _Invalid(raw)
    text = str(span)
    return "0" + text if len(text) == 7 else text  # RelativeTime.to_json: "HH:MM:SS"


def _dict(raw: str) -> Any:
    loaded, value = _loads(raw)
    if loaded and (value is None or isinstance(value, dict)):
        return value
    raise _Invalid(raw)


def _list(raw: str) -> Any:
    loaded, value = _loads(raw)
    if loaded and (value is None or isinstance(value, list)):
        return value
    raise _Invalid(raw)


def _group_access(raw: str) -> Any:
    value = _dict(raw)
    if value is None:
        return None
    try:  # GroupAccessDict: int(key) on read, str(key) on write
        return {str(int(key)): groups for key, groups in value.items()}
    except ValueError:
        raise _Invalid(raw) from None


_RANDOMIZATION_ALIASES: Final = {"": "always", "true": "always", "false": "per_student"}


def _randomization(raw: str) -> Any:
    loaded, value = _loads(raw)
    if not loaded:
        value = raw
    if value is None:
        return None
    if isinstance(value, bool):
        # deserialize_field would keep the JSON bool (Randomization.from_json passes it through);
        # store the value the field means instead.
        value = "true" if value else "false"
    if isinstance(value, str):
        return _RANDOMIZATION_ALIASES.get(value, value)
    raise _Invalid(raw)


def _usage_reference(text: str) -> list[str] | None:
    """``block-v1:ORG+COURSE+RUN+type@T+block@ID`` or ``i4x://org/course/T/ID`` → ``[T, ID]``."""
    text = text.strip()
    if text.startswith(("block-v1:", "lib-block-v1:")):
        parts = dict(part.split("@", 1) for part in text.split(":", 1)[1].split("+") if "@" in part)
        block_type, block_id = parts.get("type"), parts.get("block")
        return [block_type, block_id] if block_type and block_id else None
    if text.startswith("i4x://"):
        parts_list = text[len("i4x://") :].split("/")
        if len(parts_list) == 4 and parts_list[2] and parts_list[3]:
            return [parts_list[2], parts_list[3].split("@", 1)[0]]
    return None


def _reference_dict(raw: str) -> Any:
    value = _dict(raw)
    if value is None:
        return None
    references = {}
    for key, location in value.items():
        reference = _usage_reference(location) if isinstance(location, str) else None
        if reference is None:
            raise _Invalid(raw)
        references[key] = reference
    return references


def _reference_list(raw: str) -> Any:
    value = _list(raw)
    if value is None:
        return None
    references = [_usage_reference(item) if isinstance(item, str) else None for item in value]
    if any(reference is None for reference in references):
        raise _Invalid(raw)
    return references


def _any(raw: str) -> Any:
    loaded, value = _loads(raw)
    return value if loaded else raw


_CONVERTERS: Final[dict[Kind, Callable[[str], Any]]] = {
    Kind.STRING: _string,
    Kind.BOOLEAN: _boolean,
    Kind.INTEGER: _integer,
    Kind.FLOAT: _float,
    Kind.DATE: _date,
    Kind.TIMEDELTA: _timedelta,
    Kind.RELATIVE_TIME: _relative_time,
    Kind.DICT: _dict,
    Kind.LIST: _list,
    Kind.GROUP_ACCESS: _group_access,
    Kind.RANDOMIZATION: _randomization,
    Kind.REFERENCE_DICT: _reference_dict,
    Kind.REFERENCE_LIST: _reference_list,
    Kind.ANY: _any,
}


# --- elements ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Split:
    rules: dict[str, FieldRule]
    modelled: bool
    settings: dict[str, Any] = field(default_factory=dict)
    content: dict[str, Any] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)

    def attribute(self, name: str, raw: str) -> None:
        """One attribute into its field (typed), or into xml_attributes."""
        rule = self.rules.get(name)
        if rule is None:
            if self.modelled or name.startswith("{"):
                self.unknown[name] = raw
                return
            rule = ANY
        try:
            value = _CONVERTERS[rule.kind](raw)
        except _Invalid:
            self.unknown[name] = raw
            return
        (self.content if rule.scope == CONTENT else self.settings)[name] = value

    def result(self) -> RealizedFields:
        if self.unknown:
            self.settings["xml_attributes"] = self.unknown
        return RealizedFields(settings=self.settings, content=self.content)


def _attributes(element: etree._Element, split: _Split) -> Iterator[tuple[str, str]]:
    """The element's attributes that may be fields, in document order."""
    for name, raw in element.items():
        if name in _NEVER_FIELDS or (name in _POLICY_ONLY and name not in split.rules):
            continue
        yield name, raw


def _elements(element: etree._Element) -> Iterator[etree._Element]:
    """Child elements, skipping comments, processing instructions and entities."""
    return (child for child in element if isinstance(child.tag, str))


def _inner_markup(element: etree._Element) -> str:
    """The element's body as a string (edx-platform's ``stringify_children``), characters kept literal."""
    parts = [element.text or ""]
    parts.extend(etree.tostring(child, encoding="unicode", with_tail=True) for child in element)
    return "".join(parts)


def _definition_xml(element: etree._Element, split: _Split, *, empty_when_bare: bool) -> str:
    """
    The element as ``definition_from_xml`` serializes it: read as edx-platform reads an OLX file
    (blank text removed), settings attributes removed, pretty-printed.
    """
    try:
        definition = etree.fromstring(
            etree.tostring(element, with_tail=False), etree.XMLParser(remove_blank_text=True)
        )
    except etree.XMLSyntaxError:  # e.g. an unresolved entity reference; keep the element as it is
        definition = copy.deepcopy(element)
        definition.tail = None
    for name in list(definition.attrib):
        rule = split.rules.get(name)
        if name in _NOT_IN_DEFINITION or (rule is not None and rule.scope == SETTINGS):
            del definition.attrib[name]
    if empty_when_bare and len(definition) == 0 and not definition.attrib:
        return ""
    return etree.tostring(definition, pretty_print=True, encoding="unicode")


def _html_body(element: etree._Element, split: _Split) -> None:
    split.content["data"] = _inner_markup(element)


def _problem_body(element: etree._Element, split: _Split) -> None:
    split.content["data"] = _definition_xml(element, split, empty_when_bare=False)


def _raw_body(element: etree._Element, split: _Split) -> None:
    split.content["data"] = _definition_xml(element, split, empty_when_bare=True)


def _poll_question_body(element: etree._Element, split: _Split) -> None:
    question = copy.deepcopy(element)
    answers = []
    for answer in question.findall("answer"):
        answer_id = answer.get("id")
        if answer_id:
            answers.append({"id": answer_id, "text": _inner_markup(answer)})
        question.remove(answer)
    split.content["answers"] = answers
    split.content["question"] = _inner_markup(question)


def _course_body(element: etree._Element, split: _Split) -> None:
    wiki = element.find("wiki")
    if wiki is not None and wiki.get("slug") is not None:
        split.settings["wiki_slug"] = wiki.get("slug")
    textbooks = [[book.get("title"), book.get("book_url")] for book in element.findall("textbook")]
    if textbooks or "textbooks" not in split.content:
        split.content["textbooks"] = textbooks


# ConditionalBlock.conditions_map: the attribute that names the condition and holds its value.
_CONDITIONS: Final = ("poll_answer", "submitted", "attempted", "correct", "voted")


def _conditional_body(element: etree._Element, split: _Split) -> None:
    for attribute in _CONDITIONS:  # also kept in xml_attributes, as edx-platform does
        value = element.get(attribute)
        if value is not None:
            split.content["conditional_attr"] = attribute
            split.content["conditional_value"] = value
    message = element.get("message")
    if message is not None:
        split.content["conditional_message"] = message
    else:
        split.content.setdefault("conditional_message", "")
    shows = [child for child in _elements(element) if child.tag == "show"]
    if shows or "show_tag_list" not in split.content:
        references: list[list[str]] = []
        unreadable: list[str] = []
        for show in shows:
            for location in (show.get("sources") or "").split(";"):
                if location.strip():
                    reference = _usage_reference(location)
                    if reference is None:
                        unreadable.append(location.strip())
                    else:
                        references.append(reference)
        split.content["show_tag_list"] = references
        if unreadable:
            split.unknown["show"] = ";".join(unreadable)


_BODIES: Final[dict[str, Callable[[etree._Element, _Split], None]]] = {
    "html": _html_body,
    "about": _html_body,
    "course_info": _html_body,
    "static_tab": _html_body,
    "problem": _problem_body,
    "lti": _raw_body,
    "annotatable": _raw_body,
    "word_cloud": _raw_body,
    "poll_question": _poll_question_body,
    "course": _course_body,
    "conditional": _conditional_body,
}

_YOUTUBE_SPEEDS: Final = ("0.75", "1.00", "1.25", "1.50")
_VIDEO_RENAMED: Final = {"from": "start_time", "to": "end_time"}


def _realize_video(element: etree._Element, split: _Split) -> None:
    """``VideoBlock.parse_video_xml``: child elements first, then attributes (which win)."""
    sources = [src for child in element.findall("source") if (src := child.get("src")) is not None]
    if sources:
        split.settings["html5_sources"] = sources
    track = element.find("track")
    if track is not None:
        split.settings["track"] = track.get("src")
    handout = element.find("handout")
    if handout is not None:
        split.settings["handout"] = handout.get("src")
    transcripts = {
        language: src
        for child in element.findall("transcript")
        if (language := child.get("language")) is not None and (src := child.get("src")) is not None
    }
    if transcripts:
        split.settings["transcripts"] = transcripts
    for name, raw in _attributes(element, split):
        name = _VIDEO_RENAMED.get(name, name)
        if name == "name":
            continue  # parse_video_xml skips it
        if name == "youtube":
            _youtube(raw, split)
        else:
            split.attribute(name, raw)
    if track is not None and "download_track" not in element.attrib:
        split.settings["download_track"] = True  # old OLX: a <track> meant "downloadable"


def _youtube(raw: str, split: _Split) -> None:
    """``youtube="1.00:id,0.75:id2"`` → youtube_id_1_0, youtube_id_0_75, ..."""
    ids = dict.fromkeys(_YOUTUBE_SPEEDS, "")
    leftover = False
    for piece in raw.split(","):
        parts = piece.split(":")
        try:
            speed = f"{float(parts[0]):.2f}"
            ids[speed] = _string(parts[1])
        except (ValueError, IndexError):
            leftover = True
    for speed, youtube_id in ids.items():
        if youtube_id != "" or "html5_sources" in split.settings:
            name = "youtube_id_" + (speed[:-1] if speed.endswith("0") else speed).replace(".", "_")
            if name in split.rules:
                split.settings[name] = youtube_id
            else:
                leftover = True
    if leftover:
        split.unknown["youtube"] = raw


_OPTION_PREFIX: Final = "{http://code.edx.org/xblock/option}"


def _option_children(element: etree._Element, split: _Split) -> None:
    """``<option:field>value</option:field>`` children set fields (``XBlock.parse_xml``)."""
    for child in _elements(element):
        if child.tag.startswith(_OPTION_PREFIX):
            name = child.tag[len(_OPTION_PREFIX) :]
            if child.get("none") == "true":
                split.settings[name] = None
            else:
                split.attribute(name, child.text or "")


def realize_fields(block_type: str, element: etree._Element) -> RealizedFields:
    """
    The settings and content field values of one block, from its full OLX element (pointers
    resolved, an html ``filename`` body already inlined as the element's text). Child blocks are
    not fields and are ignored. Never raises on odd values: they end up in ``xml_attributes``.
    """
    rule_type = _ALIASES.get(block_type, block_type)
    own = _MERGED.get(rule_type)
    split = _Split(rules=own if own is not None else COMMON_FIELDS, modelled=own is not None)
    if rule_type == "video":
        _realize_video(element, split)
    else:
        for name, raw in _attributes(element, split):
            split.attribute(name, raw)
        body = _BODIES.get(rule_type)
        if body is not None:
            body(element, split)
        elif own is None:
            _option_children(element, split)
    return split.result()
