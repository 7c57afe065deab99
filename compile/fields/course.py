"""
The course root's fields as Studio's import leaves them in Split: what ``CourseBlock`` itself sets
when the reader builds it (``__init__``, ``set_grading_policy``) and what the importer then copies,
on top of what the OLX and policy.json say (docs/READER_PARITY.md, docs/IMPORT_RULES.md).

* ``wiki_slug`` (Scope.content, where the course index's search target is read too): ``<wiki slug="..."/>``,
  else the course number (``__init__``);
  a slug naming the source course (its ``org.course.run`` or its number) becomes the destination's
  ``org.course.run`` (``CourseImportManager.static_updater``).
* ``discussion_topics``: when the course sets none, ``{"General": {"id": location.html_id()}}``,
  the html id of the course's ``i4x://ORG/COURSE/course/RUN`` location (``__init__``); Studio copies
  it into Split, so threads of the General topic stay where they were.
* ``grading_policy``: stored only when it differs from the default policy. ``set_grading_policy``
  assigns the merged policy to the field, and XBlock saves an assignment only when the value
  differs from the one it had (the default), so a course without a policy file, or whose file is
  the default, has none stored.
* ``show_timezone`` false and no ``due_date_display_format``: the format becomes ``"DATE_TIME"``
  and ``show_timezone`` is removed (``__init__``'s migration of old courses).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["course_root_fields", "general_topic_id"]

_NOT_HTML: Final = re.compile(r"[^\w-]", re.UNICODE)


def general_topic_id(org: str, course: str, run: str) -> str:
    """``BlockUsageLocator.html_id()`` of ``i4x://org/course/course/run`` (a deprecated key)."""
    return re.sub("_+", "_", _NOT_HTML.sub("_", "-".join(("i4x", org, course, "course", run))))


def course_root_fields(
    settings: Mapping[str, Any],
    content: Mapping[str, Any],
    course_key: tuple[str, str, str],
    default_grading_policy: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """
    The course root's settings and content as Split holds them after Studio's import of the course
    into ``course_key`` (org, number, run), from what the OLX and policy.json set.
    ``default_grading_policy`` is ``CourseFields.grading_policy``'s default
    (``compile.lenient_json.DEFAULT_GRADING_POLICY``, a module of the same layer as this one).
    """
    org, number, run = course_key
    settings, content = dict(settings), dict(content)
    here = f"{org}.{number}.{run}"
    slug = content.pop("wiki_slug", settings.pop("wiki_slug", None))
    # Scope.content, where CourseBlock reads it (compile.structure.course_index too).
    content["wiki_slug"] = here if slug in (None, here, number) else slug
    if not settings.get("discussion_topics"):
        settings["discussion_topics"] = {"General": {"id": general_topic_id(org, number, run)}}
    if "grading_policy" in content and content["grading_policy"] in (None, default_grading_policy):
        del content["grading_policy"]
    if _is_false(settings.get("show_timezone")) and settings.get("due_date_display_format") is None:
        settings["due_date_display_format"] = "DATE_TIME"
        del settings["show_timezone"]
    return settings, content


def _is_false(value: Any) -> bool:
    """Whether ``Boolean.from_json`` reads a set value as False (any text but "true"; an unset one is not)."""
    if value is None:
        return False
    return value.lower() != "true" if isinstance(value, str) else not bool(value)
