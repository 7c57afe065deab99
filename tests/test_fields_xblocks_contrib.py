"""
Differential test: the static rule table (``compile.fields``) against the real XBlock classes.

The classes come from ``xblocks-contrib`` (the optional extra ``pip install -e '.[xblocks]'``, i.e.
``xblocks-contrib==1.0.7`` and ``setuptools<82``); without it the whole module is skipped. They are
parsed the two ways edx-platform parses OLX (see ../shared/docs/XBLOCKS_CONTRIB_NOTES.md §2-§3):

* the legacy import, ``parse_xml`` given the pointer tag ``<type url_name="x"/>``, so the class reads
  ``type/x.xml`` (and an html's ``filename`` body) from the export itself with edx-platform's parser,
  exactly as a Studio course import does. This is the form Split documents hold, and the one the
  rule table follows: it is authoritative for problem (settings and ``data``), html, lti, annotatable.
* the new runtime, ``parse_xml_new_runtime``, given the element the importer hands the compiler (an
  html body inlined as CDATA). Authoritative for video: the legacy video import needs edx-val, a
  database, and writes to it.

Known, intended differences, normalized away before comparing (each is checked, not just dropped):

1. Platform mixin fields. In edx-platform every block also has the ``InheritanceMixin`` and
   ``LmsBlockMixin`` fields (``group_access``, ``start``, ``visible_to_staff_only``, ``graded``, ...).
   These classes are loaded without the mixins, so the legacy import files such an attribute under
   ``xml_attributes`` and the new runtime drops it; the rule table types it as the setting it is in
   the LMS. The demo course has two: ``group_access`` on two html blocks.
2. ``xml_attributes["filename"]``: the legacy import always records the file the block came from
   (a git link for Studio); the compiler never sees file names and does not store it.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from compile.fields import COMMON_FIELDS, RealizedFields, date_field_names, realize_fields, to_structure_value

DEMO_COURSE = Path(__file__).resolve().parents[2] / "shared" / "olx" / "demo-course"
# The importer's parser (compile.olx_export): CDATA kept, nothing dropped.
_PARSER = etree.XMLParser(strip_cdata=False, remove_blank_text=False, resolve_entities=False)


@dataclass
class RealParse:
    """What a real class stored, by scope, as JSON (``field.read_json``), and the class itself."""

    cls: Any
    settings: dict[str, Any]
    content: dict[str, Any]


class Oracle:
    """Parses OLX with the installed xblocks-contrib classes, on the smallest runtime they accept."""

    def __init__(self, course: Path) -> None:
        import fs.osfs
        from opaque_keys.edx.locator import CourseLocator
        from xblock.core import XBlock
        from xblock.fields import Scope, ScopeIds
        from xblock.runtime import DictKeyValueStore, KvsFieldData, MemoryIdManager, Runtime

        class BareRuntime(Runtime):  # enough for parse_xml_new_runtime
            def handler_url(self, *args: Any, **kwargs: Any) -> str:
                return ""

            def resource_url(self, *args: Any, **kwargs: Any) -> str:
                return ""

            def local_resource_url(self, *args: Any, **kwargs: Any) -> str:
                return ""

            def publish(self, *args: Any, **kwargs: Any) -> None:
                pass

        class LegacyImportRuntime(BareRuntime):  # what LegacyXmlMixin.parse_xml also touches
            resources_fs = fs.osfs.OSFS(str(course))

            def parse_asides(self, node: Any, def_id: Any, usage_id: Any, id_generator: Any) -> list[Any]:
                return []

            def get_policy(self, usage_id: Any) -> dict[str, Any]:
                return {}

            def error_tracker(self, message: str) -> None:
                pass

        self._xblock, self._scope, self._scope_ids = XBlock, Scope, ScopeIds
        self._kvs, self._field_data, self._ids = DictKeyValueStore, KvsFieldData, MemoryIdManager
        self._bare, self._legacy = BareRuntime, LegacyImportRuntime
        self._course_key = CourseLocator("OpenedX", "DemoX", "DemoCourse")

    def parse(
        self, block_type: str, element: etree._Element, *, legacy: bool, url_name: str = "x"
    ) -> RealParse:
        # The extracted classes are registered under "_<type>_extracted" entry points only.
        cls = self._xblock.load_class(f"_{block_type}_extracted")
        runtime_class = self._legacy if legacy else self._bare
        runtime = runtime_class(
            id_reader=None, id_generator=self._ids(), services={"field-data": self._field_data(self._kvs())}
        )
        # As edx-platform's XML import: def_id = usage_id = a course usage key (html needs .block_id).
        key = self._course_key.make_usage_key(block_type, url_name)
        keys = self._scope_ids(None, block_type, key, key)
        parse = cls.parse_xml if legacy else cls.parse_xml_new_runtime
        block = parse(copy.deepcopy(element), runtime, keys)  # some parsers edit the node
        block.save()
        stored: dict[str, dict[str, Any]] = {"settings": {}, "content": {}}
        for name, field in block.fields.items():
            if field.scope in (self._scope.settings, self._scope.content) and field.is_set_on(block):
                stored[field.scope.name][name] = field.read_json(block)
        return RealParse(cls, stored["settings"], stored["content"])


@pytest.fixture(scope="module")
def oracle() -> Oracle:
    if not DEMO_COURSE.parent.parent.is_dir() or not DEMO_COURSE.is_dir():
        pytest.skip("../shared/olx/demo-course not present")
    from django.conf import settings

    if not settings.configured:  # pytest-django normally has; the classes need settings at import
        settings.configure()
    pytest.importorskip("xblocks_contrib", reason="optional extra: pip install -e '.[xblocks]'")
    return Oracle(DEMO_COURSE)


# --- comparing --------------------------------------------------------------------------------


def _dates_as_datetimes(values: dict[str, Any]) -> dict[str, Any]:
    """Date fields compared as instants: xblock writes "...Z", the rule table "...+00:00"."""
    return {
        name: to_structure_value(name, value) if name in date_field_names() else value
        for name, value in values.items()
    }


@dataclass
class Comparison:
    block: str
    mixin_fields: dict[str, Any]  # difference 1: typed by the rule table, unknown to the class
    problems: list[str]


def compare(
    block: str, real: RealParse, mine: RealizedFields, *, legacy: bool, check_content: bool
) -> Comparison:
    """
    Settings (and content, when ``check_content``) of the real parse against the rule table, after
    the two documented normalizations; also every field's scope against the class's declaration.
    """
    problems: list[str] = []
    class_fields = real.cls.fields
    for scope, values in (("settings", mine.settings), ("content", mine.content)):
        for name in values:
            declared = class_fields.get(name)
            if declared is not None and declared.scope.name != scope:
                problems.append(f"{name}: rule table says {scope}, the class says {declared.scope.name}")

    mixin_fields = {name: value for name, value in mine.settings.items() if name not in class_fields}
    unexpected = set(mixin_fields) - set(COMMON_FIELDS)
    if unexpected:
        problems.append(f"settings unknown to the class and not platform mixin fields: {sorted(unexpected)}")
    expected_settings = {name: value for name, value in mine.settings.items() if name in class_fields}

    real_settings = dict(real.settings)
    real_unknown = dict(real_settings.pop("xml_attributes", {}))
    real_unknown.pop("filename", None)  # difference 2
    for name in mixin_fields:  # difference 1: the legacy import keeps the raw attribute there
        if legacy and name not in real_unknown:
            problems.append(f"{name}: expected the legacy import to keep it in xml_attributes")
        real_unknown.pop(name, None)
    if real_unknown:
        real_settings["xml_attributes"] = real_unknown

    real_settings, expected_settings = (
        _dates_as_datetimes(real_settings),
        _dates_as_datetimes(expected_settings),
    )
    for name in sorted(set(real_settings) | set(expected_settings)):
        theirs, ours = real_settings.get(name, "<unset>"), expected_settings.get(name, "<unset>")
        if theirs != ours:
            problems.append(f"setting {name}: class {_short(theirs)} != rule table {_short(ours)}")
    if check_content and real.content != mine.content:
        for name in sorted(set(real.content) | set(mine.content)):
            theirs, ours = real.content.get(name, "<unset>"), mine.content.get(name, "<unset>")
            if theirs != ours:
                problems.append(f"content {name}: {_diff(theirs, ours)}")
    return Comparison(block, mixin_fields, problems)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _diff(theirs: Any, ours: Any) -> str:
    if not (isinstance(theirs, str) and isinstance(ours, str)):
        return f"class {_short(theirs)} != rule table {_short(ours)}"
    lines = difflib.unified_diff(
        theirs.splitlines(), ours.splitlines(), "class", "rule table", lineterm="", n=1
    )
    return "\n      " + "\n      ".join(list(lines)[:12])


def report(comparisons: list[Comparison]) -> str:
    failing = [c for c in comparisons if c.problems]
    lines = [f"{len(failing)} of {len(comparisons)} blocks differ:"]
    for comparison in failing[:15]:
        lines.append(f"  {comparison.block}:")
        lines.extend(f"    - {problem}" for problem in comparison.problems)
    return "\n".join(lines)


# --- the demo course --------------------------------------------------------------------------


def _file(path: Path) -> etree._Element:
    return etree.parse(str(path), _PARSER).getroot()


def _pointer(block_type: str, url_name: str) -> etree._Element:
    return etree.Element(block_type, url_name=url_name)


def _files(block_type: str) -> Iterator[Path]:
    yield from sorted((DEMO_COURSE / block_type).glob("*.xml"))


def _inlined_html(path: Path) -> etree._Element:
    """html/X.xml as the importer hands it over: the ``filename`` body inlined as CDATA."""
    element = _file(path)
    filename = element.attrib.pop("filename")
    name = filename if filename.endswith(".html") else f"{filename}.html"
    element.text = etree.CDATA((DEMO_COURSE / "html" / name).read_text(encoding="utf-8"))
    return element


def test_html_matches_both_imports(oracle: Oracle) -> None:
    legacy, new_runtime, mixin_blocks = [], [], {}
    for path in _files("html"):
        element = _inlined_html(path)
        mine = realize_fields("html", element)
        real = oracle.parse("html", _pointer("html", path.stem), legacy=True, url_name=path.stem)
        legacy.append(compare(f"html/{path.name} (legacy)", real, mine, legacy=True, check_content=True))
        real_new = oracle.parse("html", element, legacy=False, url_name=path.stem)
        new_runtime.append(
            compare(f"html/{path.name} (new)", real_new, mine, legacy=False, check_content=True)
        )
        if legacy[-1].mixin_fields:
            mixin_blocks[path.stem] = sorted(legacy[-1].mixin_fields)
    assert len(legacy) == 266
    assert not any(c.problems for c in legacy), report(legacy)
    assert not any(c.problems for c in new_runtime), report(new_runtime)
    # Difference 1, as it occurs in the demo course: group_access on two html blocks.
    assert mixin_blocks == {
        "1b6d50cee32745e58c29e10e2789fcad": ["group_access"],
        "1fa75541b9b9433b98153b2f36a0da23": ["group_access"],
    }


def test_problems_match_the_legacy_import(oracle: Oracle) -> None:
    comparisons = []
    for path in _files("problem"):
        mine = realize_fields("problem", _file(path))
        real = oracle.parse("problem", _pointer("problem", path.stem), legacy=True, url_name=path.stem)
        comparisons.append(compare(f"problem/{path.name}", real, mine, legacy=True, check_content=True))
    assert len(comparisons) == 29
    assert not any(c.problems for c in comparisons), report(comparisons)


def test_problem_data_differs_from_the_new_runtime_as_documented(oracle: Oracle) -> None:
    """The new runtime keeps the root's attributes in ``data``; the rule table follows the legacy import."""
    kept_attributes = 0
    for path in _files("problem"):
        element = _file(path)
        real = oracle.parse("problem", element, legacy=False, url_name=path.stem)
        mine = realize_fields("problem", element)
        real_root, my_root = etree.fromstring(real.content["data"]), etree.fromstring(mine.content["data"])
        assert not my_root.attrib
        kept_attributes += bool(real_root.attrib)
        # Same problem otherwise: same elements in the same order.
        assert [e.tag for e in real_root.iter()] == [e.tag for e in my_root.iter()], path.name
        for name, value in real.settings.items():
            if name == "markdown" and element.get("markdown") == "null":
                assert value == "null" and mine.settings["markdown"] is None  # Field.from_string vs JSON null
    assert kept_attributes == 23


def test_videos_match_the_new_runtime(oracle: Oracle) -> None:
    comparisons = []
    for path in _files("video"):
        element = _file(path)
        mine = realize_fields("video", element)
        real = oracle.parse("video", element, legacy=False, url_name=path.stem)
        # The new runtime never sets data (nor does the legacy import): content is compared too.
        comparisons.append(compare(f"video/{path.name}", real, mine, legacy=False, check_content=True))
    assert len(comparisons) == 11
    assert not any(c.problems for c in comparisons), report(comparisons)


@pytest.mark.parametrize("block_type", ["lti", "annotatable"])
def test_lti_and_annotatable_match_the_legacy_import(oracle: Oracle, block_type: str) -> None:
    comparisons = []
    for path in _files(block_type):
        mine = realize_fields(block_type, _file(path))
        real = oracle.parse(block_type, _pointer(block_type, path.stem), legacy=True, url_name=path.stem)
        comparisons.append(compare(f"{block_type}/{path.name}", real, mine, legacy=True, check_content=True))
    assert comparisons
    assert not any(c.problems for c in comparisons), report(comparisons)


SYNTHETIC = {
    "poll_question": (
        '<poll_question display_name="Poll" bogus="1"><p>Which <b>\u00e9</b>?</p>'
        '<answer id="yes">Yes <i>!</i></answer><answer id="no">No</answer></poll_question>'
    ),
    "word_cloud": '<word_cloud display_name="Cloud" num_inputs="3" bogus_attr="1"/>',
    "problem": (
        '<problem display_name="P" weight="2.5" max_attempts="null" rerandomize="per_student"'
        ' showanswer="attempted" due="2026-05-01T10:00:00Z" graceperiod="1 day 2 hours" data-x="y">'
        "<p>Caf\u00e9\u00a0 <b>x</b></p><!-- c --><stringresponse answer='a'><textline/></stringresponse>"
        "</problem>"
    ),
    "html": (
        '<html display_name="H" editor="raw" bogus="1"><![CDATA[<p>Caf\u00e9\u00a0\U0001f680</p>]]></html>'
    ),
}


@pytest.mark.parametrize("block_type", sorted(SYNTHETIC))
def test_inline_olx_matches_the_legacy_import(oracle: Oracle, block_type: str) -> None:
    """Inline (non-pointer) OLX, including values the demo course does not have (dates, unknowns)."""
    element = etree.fromstring(SYNTHETIC[block_type].encode(), etree.XMLParser(remove_blank_text=True))
    mine = realize_fields(block_type, element)
    real = oracle.parse(block_type, element, legacy=True)
    comparison = compare(block_type, real, mine, legacy=True, check_content=True)
    assert not comparison.problems, report([comparison])
    if block_type == "problem":
        assert isinstance(to_structure_value("due", mine.settings["due"]), datetime)
