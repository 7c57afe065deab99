"""
The shared Open edX Demo Course, end to end: import, read back, re-import, compile.

Skipped in a bare clone (no ../shared); CI has it. The course is imported once per session.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime
from typing import Any

import orjson
import pytest
from django.db import connection
from lxml import etree
from openedx_content.models_api import PublishLog

from lc_modulestore.api import compiled_course, import_olx, published_course
from lc_modulestore.models import CompiledDefinition

from .conftest import DEMO_COURSE, DEMO_COURSE_KEY

pytestmark = pytest.mark.django_db

OUTLINE_COUNTS = {
    "html": 266,
    "vertical": 58,
    "problem": 29,
    "sequential": 17,
    "video": 11,
    "chapter": 6,
    "course": 1,
    "lti": 2,
    "openassessment": 2,
    "annotatable": 1,
    "discussion": 1,
    "done": 1,
    "drag-and-drop-v2": 1,
    "edx_sga": 1,
    "library_content": 1,
    "poll": 1,
    "staffgradedxblock": 1,
    "survey": 1,
}
DETACHED_COUNTS = {"about": 10, "course_info": 2}
# sha256 of the canonical course (every block's fields, children and content, ids left out), the
# same on SQLite and MariaDB. A change to the rule table or the importer changes it on purpose:
# the actual canonical JSON is written to var/demo-course-canonical-<vendor>.json for review.
CANONICAL_SHA256_FILE = "demo_course.sha256"


def outline(course: Any, key: str = "course/course") -> list[str]:
    return [key] + [k for child in course.blocks[key].children for k in outline(course, child)]


def test_demo_course_reads_back_block_for_block(demo_course: Any) -> None:
    course = published_course(DEMO_COURSE_KEY)
    keys = outline(course)
    assert len(keys) == 401 == len(set(keys))
    assert Counter(k.split("/")[0] for k in keys) == OUTLINE_COUNTS
    assert Counter(k.split("/")[0] for k in course.blocks if k not in set(keys)) == DETACHED_COUNTS


def test_children_and_display_names_follow_the_olx(demo_course: Any) -> None:
    course = published_course(DEMO_COURSE_KEY)
    root_xml = etree.parse(str(DEMO_COURSE / "course/DemoCourse.xml")).getroot()
    chapters = [c.get("url_name") for c in root_xml if c.tag == "chapter"]
    assert course.root.children == [f"chapter/{c}" for c in chapters]
    checked = 0
    for path in sorted((DEMO_COURSE / "vertical").glob("*.xml")):
        element = etree.parse(str(path)).getroot()
        block = course.blocks[f"vertical/{path.stem}"]
        assert block.children == [f"{c.tag}/{c.get('url_name')}" for c in element if isinstance(c.tag, str)]
        assert block.display_name == element.get("display_name")
        checked += 1
    assert checked == 58
    for path in sorted((DEMO_COURSE / "problem").glob("*.xml")):
        element = etree.parse(str(path)).getroot()
        assert course.blocks[f"problem/{path.stem}"].display_name == element.get("display_name")


def test_course_settings_from_policy_are_on_the_root(demo_course: Any) -> None:
    policy = json.loads((DEMO_COURSE / "policies/DemoCourse/policy.json").read_text())["course/DemoCourse"]
    root = published_course(DEMO_COURSE_KEY).root
    for name, value in policy.items():
        if name == "xml_attributes":
            assert value.items() <= root.fields["xml_attributes"].items()
        elif isinstance(root.fields[name], datetime):
            assert root.fields[name] == datetime.fromisoformat(value), name
        else:
            assert root.fields[name] == value, name
    assert root.fields["wiki_slug"] == "OpenedX.DemoX.DemoCourse"
    grading = json.loads((DEMO_COURSE / "policies/DemoCourse/grading_policy.json").read_text())
    assert root.definition["grading_policy"] == grading


def test_reimport_of_the_demo_course_publishes_nothing(demo_course: Any) -> None:
    logs = PublishLog.objects.count()
    again = import_olx(DEMO_COURSE)
    assert again.publish_log_id is None and again.unchanged == demo_course.created
    assert PublishLog.objects.count() == logs


def test_compiled_documents_hold_every_block(demo_course: Any) -> None:
    course = compiled_course(DEMO_COURSE_KEY)
    assert course.publish_log_id == demo_course.publish_log_id
    assert len(outline(course)) == 401
    assert len(course.blocks) == 401 + sum(DETACHED_COUNTS.values())
    # html bodies live in definitions, never in the structure.
    for key, block in course.blocks.items():
        if block.block_type == "html":
            assert "data" not in block.fields
            assert block.definition["data"], key
    assert CompiledDefinition.objects.filter(binding__course_key=DEMO_COURSE_KEY).count() == len(
        course.blocks
    )
    # What the store serves equals the course as published.
    assert course.as_json() == published_course(DEMO_COURSE_KEY).as_json()


def test_same_result_on_every_database(demo_course: Any, settings: Any) -> None:
    course = published_course(DEMO_COURSE_KEY).as_json()
    canonical = orjson.dumps(course["blocks"], option=orjson.OPT_SORT_KEYS)
    digest = hashlib.sha256(canonical).hexdigest()
    out = settings.VAR_DIR / f"demo-course-canonical-{connection.vendor}.json"  # legs run side by side
    out.parent.mkdir(exist_ok=True)
    out.write_bytes(orjson.dumps(course["blocks"], option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2))
    golden = (settings.PROJECT_ROOT / "tests" / CANONICAL_SHA256_FILE).read_text().strip()
    assert digest == golden, f"canonical demo course changed; see {out}"


def test_demo_course_through_the_store(demo_course: Any) -> None:
    from opaque_keys.edx.keys import CourseKey
    from xblock.fields import Scope

    from lc_modulestore.serving.inspect import course_through_store
    from lc_modulestore.serving.modulestore import LearningCoreModuleStore

    key = CourseKey.from_string(DEMO_COURSE_KEY)
    store = LearningCoreModuleStore()
    served = course_through_store(key, store)["blocks"]
    compiled = compiled_course(DEMO_COURSE_KEY).as_json()["blocks"]
    assert served.keys() == compiled.keys()
    for name, block in compiled.items():
        assert served[name]["children"] == block["children"], name
        assert served[name]["fields"].get("display_name") == block["fields"].get("display_name"), name
        if name.startswith(("html/", "problem/")):
            assert served[name]["definition"]["data"] == block["definition"]["data"], name

    with store.flag.forced_on():
        problems = store.get_items(key, qualifiers={"category": "problem"})
        assert len(problems) == 29
        course = store.get_course(key)
        for problem in problems:
            # Inherited settings: the nearest ancestor that sets the field decides.
            for field_name in ("graded", "start", "due"):
                ancestor = problem
                while ancestor is not None and field_name not in ancestor.get_explicitly_set_fields_by_scope(
                    Scope.settings
                ):
                    ancestor = ancestor.get_parent()
                expected = (
                    getattr(ancestor, field_name)
                    if ancestor is not None
                    else problem.fields[field_name].default
                )
                assert getattr(problem, field_name) == expected, (problem.location, field_name)
        assert problems[0].start == course.start == datetime.fromisoformat("2020-01-01T00:00:00+00:00")
