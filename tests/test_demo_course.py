"""
The shared Open edX Demo Course, end to end: import, read back, re-import, compile.

Skipped in a bare clone (no ../shared); CI has it. The course is imported once per session.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
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
            # The policy's dict, but the file is the one the course was read from: XmlMixin.parse_xml
            # records it over whatever the policy says (the export's policy names an older file).
            read_from = ["course/DemoCourse.xml", "course/DemoCourse.xml"]
            assert value["filename"] != read_from
            assert root.fields["xml_attributes"] == {**value, "filename": read_from}
        elif isinstance(root.fields[name], datetime):
            assert root.fields[name] == datetime.fromisoformat(value), name
        else:
            assert root.fields[name] == value, name
    assert root.definition["wiki_slug"] == "OpenedX.DemoX.DemoCourse"
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

    from lc_modulestore.serving.inspect import course_through_store
    from lc_modulestore.serving.modulestore import LearningCoreModuleStore

    key = CourseKey.from_string(DEMO_COURSE_KEY)
    store = LearningCoreModuleStore()
    served = course_through_store(key, store)["blocks"]
    compiled = compiled_course(DEMO_COURSE_KEY).as_json()["blocks"]
    assert served.keys() == compiled.keys()
    for name, block in compiled.items():
        assert served[name]["children"] == block["children"], name
        # Split's KVS holds a block's fields in one dict: poll's class declares display_name in
        # content, the rule table compiles it into settings; either way the LMS reads the value.
        shown = served[name]["fields"].get("display_name", served[name]["definition"].get("display_name"))
        assert shown == block["fields"].get("display_name", block["definition"].get("display_name")), name
        if name.startswith(("html/", "problem/")):
            assert served[name]["definition"]["data"] == block["definition"]["data"], name

    with store.flag.forced_on():
        problems = store.get_items(key, qualifiers={"category": "problem"})
        assert len(problems) == 29
        assert store.get_course(key).start == datetime.fromisoformat("2020-01-01T00:00:00+00:00")


# --- inherited settings, expected from the OLX alone --------------------------------------------------------

# Inheritable fields (edx-platform's InheritanceMixin) the demo course sets somewhere, with how an
# OLX attribute value becomes the field's value.
_INHERITED: dict[str, Callable[[str], Any]] = {
    "graded": json.loads,
    "start": datetime.fromisoformat,
    "due": datetime.fromisoformat,
    "showanswer": str,
    "show_reset_button": json.loads,
    "rerandomize": str,
    "max_attempts": json.loads,
    "self_paced": json.loads,
}


# The block types of the demo course whose XML children are blocks (has_children in edx-platform);
# any other block's child elements are its content (a problem's <p>, a video's <source>).
_PARENTS = frozenset({"course", "chapter", "sequential", "vertical", "library_content"})


@dataclass
class _OlxNode:
    """A block as the export declares it: its own settings (XML attributes, then policy), its place."""

    key: tuple[str, str]
    settings: dict[str, Any]
    parent: _OlxNode | None


def _olx_tree(export: Path) -> list[_OlxNode]:
    """
    Every block of the export's outline, read from the files alone (course.xml, the pointer
    files, policy.json): a pointer tag (only ``url_name``, no children) stands for
    ``<tag>/<url_name>.xml``; policy values replace the XML's, as Open edX's reader applies them.
    """
    pointer = etree.parse(str(export / "course.xml")).getroot()
    run = pointer.get("url_name")
    policy = json.loads((export / "policies" / run / "policy.json").read_text())
    nodes: list[_OlxNode] = []

    def visit(element: Any, parent: _OlxNode | None, url_name: str) -> None:
        path = export / element.tag / f"{url_name}.xml"
        if set(element.attrib) <= {"url_name", "org", "course"} and len(element) == 0 and path.is_file():
            element = etree.parse(str(path)).getroot()
        tag = "course" if parent is None else element.tag
        settings: dict[str, Any] = {}
        for name, convert in _INHERITED.items():
            if name in element.attrib:
                settings[name] = convert(element.get(name))
            policy_value = policy.get(f"{element.tag}/{url_name}", {}).get(name)
            if policy_value is not None:
                settings[name] = convert(policy_value) if isinstance(policy_value, str) else policy_value
        node = _OlxNode((tag, "course" if parent is None else url_name), settings, parent)
        nodes.append(node)
        if tag in _PARENTS:
            for child in element:
                if isinstance(child.tag, str) and child.tag not in ("wiki", "textbook"):
                    visit(child, node, child.get("url_name"))

    visit(pointer, None, run)
    return nodes


def _expected(node: _OlxNode, name: str) -> tuple[bool, Any]:
    """(whether some block on the path sets it, the value): the nearest block that sets it decides."""
    ancestor: _OlxNode | None = node
    while ancestor is not None:
        if name in ancestor.settings:
            return True, ancestor.settings[name]
        ancestor = ancestor.parent
    return False, None


def test_inherited_settings_follow_the_olx(demo_course: Any) -> None:
    """
    Every outline block's inheritable settings, as served, equal what the export says: its own
    value where its XML or policy sets one, else its nearest ancestor's in the export's tree,
    else the field's default. The tree and the values come from the OLX files, never from the
    store (its ``get_parent()`` or its structure).
    """
    from opaque_keys.edx.keys import CourseKey
    from xblock.fields import Scope

    from lc_modulestore.serving.modulestore import LearningCoreModuleStore

    nodes = _olx_tree(DEMO_COURSE)
    assert len(nodes) == 401
    key = CourseKey.from_string(DEMO_COURSE_KEY)
    store = LearningCoreModuleStore()
    compared = Counter[str]()
    with store.flag.forced_on():
        for node in nodes:
            block = store.get_item(key.make_usage_key(*node.key))
            explicit = block.get_explicitly_set_fields_by_scope(Scope.settings)
            for name in _INHERITED:
                if name not in block.fields:
                    continue  # this block type does not declare it (outside the LMS's mixins)
                on_path, value = _expected(node, name)
                assert (name in explicit) == (name in node.settings), (node.key, name)
                if on_path:
                    assert getattr(block, name) == value, (node.key, name)
                    compared["inherited" if name not in node.settings else "own"] += 1
                else:
                    assert getattr(block, name) == block.fields[name].default, (node.key, name)
                    compared["default"] += 1
    # The comparison covers inheritance from every level: problems under graded sequentials and
    # units under dated chapters take values they do not set.
    assert compared["inherited"] > 900 and compared["own"] > 10, compared
