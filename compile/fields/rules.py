# Over 400 lines: the rule table itself, one entry per field as the platform's XBlock classes declare it.
"""
The rule table: which XBlock field each OLX attribute is, its type and its scope, per block type,
as the platform's XBlock classes declare them (the package docstring says how values convert).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

__all__ = [
    "ALIASES",
    "ANY",
    "COMMON_FIELDS",
    "CONTENT",
    "DATE_FIELDS",
    "FAIL_CLOSED",
    "FAR_FUTURE",
    "NEVER_FIELDS",
    "NOT_IN_DEFINITION",
    "PARSER_VERSION",
    "POLICY_ONLY",
    "RULES_BY_TYPE",
    "SETTINGS",
    "TYPE_FIELDS",
    "XML_ATTRIBUTES_FROM_OWN_FILE",
    "XML_FILENAME_TYPES",
    "FieldRule",
    "Kind",
    "date_field_names",
]

# Bump whenever a rule below changes what realize_fields returns: cached results are keyed on it.
PARSER_VERSION: Final[int] = 6


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
    RANDOMIZATION = "randomization"  # ProblemBlock.rerandomize: "" → always; JSON true/false kept
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
    "wiki_slug": content(STRING),  # compile.fields.course: <wiki slug>, the default, Studio's rewrite
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
    # What the reader stores for a block that cannot be read (ErrorBlock): no display_name.
    "error": {"contents": content(STRING), "error_msg": content(STRING)},
    "randomize": {},
    "unit": {},
    "wrapper": {},
}

# Other names edx-platform registers for the same class.
ALIASES: Final[dict[str, str]] = {
    "videoalpha": "video",
    "videosequence": "sequential",
    "problemset": "sequential",
}

# Attributes that are never fields (XmlMixin.metadata_to_strip, the runtime's xblock-family,
# and the draft wiring the importer removes from xml_attributes).
NEVER_FIELDS: Final = frozenset(
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
# Types whose Open edX class reads its OLX with XmlMixin.parse_xml, which records in
# xml_attributes["filename"] the file the block was read from (the platform's blocks and
# xblocks-contrib's; not video, which has a parse_xml of its own, nor pure XBlocks). block.xml
# cannot say which file that was: the compile adds what the importer recorded
# (compile.fields.resolve_xml_filename).
XML_FILENAME_TYPES: Final = frozenset(
    {
        "about",
        "annotatable",
        "chapter",
        "conditional",
        "course",
        "course_info",
        "html",
        "itembank",
        "library_content",
        "lti",
        "poll_question",
        "problem",
        "sequential",
        "split_test",
        "static_tab",
        "vertical",
        "word_cloud",
    }
)

# Types whose class keeps the attributes no field takes (in xml_attributes, set even when empty) only
# when it reads the block's own file: xblocks-contrib's DiscussionXBlock, whose parse_xml is
# XBlock's (an inline element's other attributes are dropped) and then, for a pointer, applies
# load_metadata to discussion/<url_name>.xml.
XML_ATTRIBUTES_FROM_OWN_FILE: Final = frozenset({"discussion"})

# Also stripped by metadata_to_strip: only policy.json sets them, unless the type's table has them.
POLICY_ONLY: Final = frozenset({"tabs", "grading_policy", "discussion_blackouts"})
# Attributes never copied into a serialized definition (problem data, ...), besides settings fields.
NOT_IN_DEFINITION: Final = frozenset(
    {"url_name", "filename", "xblock-family", "x-is-pointer-node", "xml_attributes"}
)

# Fields that restrict who sees a block. A value of theirs that cannot be read must not lift the
# restriction it was meant to set, so it closes the block instead: the setting to force, its value.
# An unreadable group_access cannot say which groups may see the block, so only staff do; an
# unreadable start is a date that never comes (FAR_FUTURE: far beyond any course, far enough from
# datetime's limits that date arithmetic on it, relative due dates or beta days, cannot overflow).
FAR_FUTURE: Final = "2999-01-01T00:00:00+00:00"
FAIL_CLOSED: Final[dict[str, tuple[str, Any]]] = {
    "group_access": ("visible_to_staff_only", True),
    "visible_to_staff_only": ("visible_to_staff_only", True),
    "hide_from_toc": ("hide_from_toc", True),
    "start": ("start", FAR_FUTURE),
}

RULES_BY_TYPE: Final[dict[str, dict[str, FieldRule]]] = {
    block_type: {**COMMON_FIELDS, **own} for block_type, own in TYPE_FIELDS.items()
}
DATE_FIELDS: Final = frozenset(
    name
    for table in (COMMON_FIELDS, *TYPE_FIELDS.values())
    for name, rule in table.items()
    if rule.kind is Kind.DATE
)


def date_field_names() -> frozenset[str]:
    """Names of the Date-typed fields (start, due, end, ...), whichever block type has them."""
    return DATE_FIELDS
