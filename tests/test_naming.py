"""
The block-naming rule of Open edX's XML importer (``compile.naming``), on concrete ids.

Every generated id expected below (a hash, a renamed duplicate) is the one Open edX's own reader
gives the same XML (``tests/reader_ids.py``: recorded from ``XMLModuleStore``, checked in the
platform mode), never one computed with this project's code, so a change of algorithm cannot pass
by changing both sides. Names taken as written are literals. The cleaning of
``name``/``display_name`` is also checked against opaque-keys itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from opaque_keys.edx.locator import BlockUsageLocator

from compile.naming import (
    LEARNER_STATE_TYPES,
    BlockNamer,
    NameSource,
    clean_name,
    declared_name,
    fallback_name,
    is_pointer_after_naming,
    naming_text,
    platform_parser,
)

from .reader_ids import children, generated, only, snippet_id

PLATFORM_TESTS = Path(__file__).resolve().parents[2] / "shared" / "olx" / "platform-test-courses"


def parse(text: str) -> etree._Element:
    return etree.fromstring(text, platform_parser())


def name_all(namer: BlockNamer, texts: list[str]) -> list[str]:
    ids = []
    for text in texts:
        element = parse(text)
        ids.append(namer.name(element.tag, dict(element.attrib), naming_text(element)).url_name)
    return ids


def test_learner_state_types_are_the_platforms() -> None:
    assert (
        frozenset({"problem", "sequential", "video", "course", "chapter", "poll_question", "vertical"})
        == LEARNER_STATE_TYPES
    )


def test_lookup_order_url_name_slug_name_display_name() -> None:
    assert declared_name({"display_name": "D", "name": "N", "slug": "S", "url_name": "U"}) == (
        "U",
        NameSource.URL_NAME,
    )
    assert declared_name({"display_name": "D", "name": "N", "slug": "S"}) == ("S", NameSource.SLUG)
    assert declared_name({"display_name": "D", "name": "S0V1: Video Resources"}) == (
        "S0V1_Video_Resources",
        NameSource.NAME,
    )
    assert declared_name({"display_name": "A simple sequence"}) == (
        "A_simple_sequence",
        NameSource.DISPLAY_NAME,
    )
    assert declared_name({"format": "Lecture"}) is None


def test_url_name_and_slug_are_taken_as_written() -> None:
    # Only name and display_name are cleaned; a url_name keeps its colon (a folder in file names).
    assert declared_name({"url_name": "secret:magic"}) == ("secret:magic", NameSource.URL_NAME)
    assert declared_name({"slug": "a b"}) == ("a b", NameSource.SLUG)


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("Lost Video", "Lost_Video"),
        ("S0V1: Video Resources", "S0V1_Video_Resources"),
        ("a/b\\c?d#e", "a_b_c_d_e"),
        ("keep.dots-and%percent", "keep.dots-and%percent"),
        ("Příklad ć", "Příklad_ć"),  # \w is Unicode-aware
        ("__x__", "_x_"),
        ("   ", "_"),
    ],
)
def test_clean_name(raw: str, cleaned: str) -> None:
    assert clean_name(raw) == cleaned


@given(st.text(max_size=40))
def test_clean_name_is_opaque_keys_clean(value: str) -> None:
    assert clean_name(value) == BlockUsageLocator.clean(value)


def test_generated_name_hashes_the_serialized_element() -> None:
    # The unnamed video of the platform's "simple" test course (sequential "Lecture 2").
    expected = only(generated("simple"), "video").split("/")[1]  # the reader's name for it
    assert fallback_name("video", '<video youtube_id_1_0="TBvX7HzxexQ"/>') == expected


def test_generated_name_hashes_literal_non_ascii_and_the_tail() -> None:
    seq = parse('<seq><video youtube_id_1_0="x" sub="&#263;"/><html>hi</html> tail\n  <video/>\n</seq>')
    video, html, last = list(seq)
    # The child is serialized as text (``ć`` stays a character) and the hash is over its UTF-8.
    assert naming_text(video) == '<video youtube_id_1_0="x" sub="ć"/>'
    named = BlockNamer().name("video", dict(video.attrib), naming_text(video)).url_name
    assert named == snippet_id("video_non_ascii")
    # Text after an element is part of it; ignorable whitespace was dropped by the parser. (Open
    # edX's reader cannot parse an element followed by text, so it names no such html.)
    assert naming_text(html) == "<html>hi</html> tail\n  "
    assert naming_text(last) == "<video/>\n"
    assert fallback_name("video", naming_text(last)) == snippet_id("video_whitespace_tail")


def test_empty_first_name_is_not_skipped() -> None:
    outcome = BlockNamer().name(
        "html", {"url_name": "", "display_name": "Intro"}, '<html url_name="" display_name="Intro"/>'
    )
    assert (outcome.url_name, outcome.source) == (snippet_id("html_empty_url_name"), NameSource.GENERATED)
    assert outcome.notes == ()  # html holds no learner state: nothing to warn about


def test_unnamed_learner_state_block_is_reported() -> None:
    outcome = BlockNamer().name("vertical", {}, "<vertical/>")
    assert outcome.url_name == snippet_id("unnamed_vertical")
    assert len(outcome.notes) == 1
    assert outcome.url_name in outcome.notes[0]


def test_second_use_of_a_learner_state_name_is_renamed() -> None:
    # The platform's test_unique_url_names: two verticals both named by display_name "abc".
    namer = BlockNamer()
    first, second = name_all(
        namer,
        [
            '<vertical display_name="abc"><problem url_name="exam1:2013_Spring:abc"/></vertical>',
            '<vertical display_name="abc"><problem url_name="exam2:2013_Spring:abc"/></vertical>',
        ],
    )
    assert (first, second) == ("abc", snippet_id("second_vertical_abc"))


def test_renamed_pointer_points_to_a_file_under_its_new_name() -> None:
    namer = BlockNamer()
    pointer = parse('<sequential url_name="s1"/>')
    namer.name("sequential", dict(pointer.attrib), naming_text(pointer))
    again = namer.name("sequential", dict(pointer.attrib), naming_text(pointer))
    renamed = snippet_id("second_sequential_s1")  # the file the reader looked for, by that name
    assert (again.url_name, again.renamed_from, again.shared) == (renamed, "s1", False)
    # Still a pointer: the platform looks for sequential/<renamed>.xml, which is missing, so this
    # use becomes an error block.
    assert is_pointer_after_naming(pointer, again)
    assert f"renamed sequential/{renamed}" in again.notes[0]


def test_third_identical_use_shares_the_renamed_block() -> None:
    namer = BlockNamer()
    ids = name_all(namer, ['<problem url_name="p"/>'] * 3)
    assert ids[1] == ids[2] != ids[0] == "p"
    assert namer.name("problem", {"url_name": "p"}, '<problem url_name="p"/>').shared


def test_second_use_of_a_stateless_name_is_the_same_block() -> None:
    namer = BlockNamer()
    first = namer.name("html", {"url_name": "toyhtml"}, '<html url_name="toyhtml"/>')
    second = namer.name("html", {"url_name": "toyhtml"}, '<html url_name="toyhtml" x="1"/>')
    assert (first.url_name, first.shared) == ("toyhtml", False)
    assert (second.url_name, second.shared, second.renamed_from) == ("toyhtml", True, None)


def test_names_are_per_tag() -> None:
    namer = BlockNamer()
    assert name_all(
        namer, ['<chapter url_name="x"/>', '<html url_name="x"/>', '<problem url_name="x"/>']
    ) == [
        "x",
        "x",
        "x",
    ]


def test_generated_looking_names_are_not_hashed_twice() -> None:
    namer = BlockNamer()
    text = '<problem url_name="problem_abc_0123456789ab"/>'
    ids = name_all(namer, [text, text])
    # The old hash and the character before it go, the rest stays (the platform's own slice).
    assert ids == ["problem_abc_0123456789ab", snippet_id("second_problem_abc")]
    assert fallback_name("video", "<video/>", "video_0123456789ab") == fallback_name("video", "<video/>")


def test_slug_is_dropped_and_can_make_a_pointer() -> None:
    element = parse('<chapter slug="Overview"/>')
    outcome = BlockNamer().name("chapter", dict(element.attrib), naming_text(element))
    assert (outcome.url_name, outcome.drop_attributes) == ("Overview", ("slug",))
    assert is_pointer_after_naming(element, outcome)


@pytest.mark.parametrize(
    ("text", "pointer"),
    [
        ("<vertical/>", True),  # named by its hash, then looked up as vertical/vertical_<hash>.xml
        ('<html url_name="blah">    </html>', True),
        ('<html display_name="x"/>', False),  # display_name is one attribute too many
        ('<html name="x"/>', False),
        ('<problem url_name="p">text</problem>', False),
        ('<course org="o" course="c" url_name="r"/>', True),
        ('<course url_name="r"/>', False),
    ],
)
def test_pointer_is_judged_after_naming(text: str, pointer: bool) -> None:
    element = parse(text)
    outcome = BlockNamer().name(element.tag, dict(element.attrib), naming_text(element))
    assert is_pointer_after_naming(element, outcome) is pointer


# Tags whose child elements are blocks (the others keep their children as content).
WITH_CHILDREN = {"course", "chapter", "sequential", "videosequence", "vertical", "split_test", "conditional"}
NOT_BLOCKS = {"wiki", "textbook", "show"}


def platform_keys(root: Path) -> list[tuple[str, str, bool]]:
    """
    ``(tag, id, shared)`` for every use of a block, in the platform's order: a parent named before
    its children, a pointer named before its file is read. A missing file stops the walk there.
    """
    namer = BlockNamer()
    keys: list[tuple[str, str, bool]] = []

    def visit(element: etree._Element) -> None:
        outcome = namer.name(element.tag, dict(element.attrib), naming_text(element))
        keys.append((element.tag, outcome.url_name, outcome.shared))
        body = element
        filename = element.get("filename") if element.tag != "html" else None
        if is_pointer_after_naming(element, outcome) or filename:
            path = root / element.tag / f"{(filename or outcome.url_name).replace(':', '/')}.xml"
            if not path.is_file():
                return
            body = etree.parse(str(path), platform_parser()).getroot()
        if element.tag in WITH_CHILDREN:
            for child in body:
                if isinstance(child.tag, str) and child.tag not in NOT_BLOCKS:
                    visit(child)

    visit(etree.parse(str(root / "course.xml"), platform_parser()).getroot())
    return keys


def needs(course: str) -> Path:
    path = PLATFORM_TESTS / course
    if not (path / "course.xml").is_file():
        pytest.skip(f"{path} is not present (../shared/olx comes with CI, not with a bare clone)")
    return path


def walk_simple_course(root: Path) -> list[str]:
    return [f"{tag}/{url_name}" for tag, url_name, _ in platform_keys(root)]


def test_simple_course_ids() -> None:
    keys = walk_simple_course(needs("simple"))
    # Asserted by the platform's own tests on this course: i4x://edX/simple/chapter/Overview,
    # video/Welcome, video/Lost_Video, sequential/Lecture_2, the "A simple sequence" export file,
    # html/toylab (lms dump_course_structure / export_course / path_to_location tests).
    for key in (
        "chapter/Overview",
        "video/Welcome",
        "video/Lost_Video",
        "sequential/Lecture_2",
        "sequential/A_simple_sequence",
        "html/toylab",
    ):
        assert key in keys
    # Names cleaned; the nameless video hashed, as the reader names it (Lecture_2's first child).
    hashed_video = children("simple", "sequential/Lecture_2")[0]
    assert hashed_video in generated("simple")
    assert keys == [
        "course/2012_Fall",
        "chapter/Overview",
        "video/Welcome",
        "sequential/A_simple_sequence",
        "html/toylab",
        "video/S0V1_Video_Resources",
        "sequential/Lecture_2",
        hashed_video,
        "problem/L1_Problem_1",
        "chapter/chapter_2",
        "sequential/Problem_Set_1",
        "problem/ps01-simple",
        "video/Lost_Video",
        "sequential/test_sequence",
        "vertical/test_vertical",
        "html/test_html",
        "discussion/custom_id",
    ]


@pytest.mark.parametrize(
    "text",
    [
        '<html url_name="blah"/>',
        '<html url_name="blah"></html>',
        '<html url_name="blah">    </html>',
        '<problem url_name="blah"/>',
        '<course org="HogwartsX" course="Mathemagics" url_name="3.14159"/>',
        '<html url_name="blah" also="this"/>',
        '<html url_name="blah">some text</html>',
        '<problem url_name="blah"><sub>tree</sub></problem>',
        '<course org="HogwartsX" course="Mathemagics" url_name="3.14159"><chapter>3</chapter></course>',
    ],
)
def test_pointer_rule_is_the_platforms_for_named_elements(text: str) -> None:
    # The platform's test_is_pointer_tag cases; with a url_name already set, naming changes nothing.
    xml_utils = pytest.importorskip(
        "xblocks_contrib.legacy_utils.xml_utils", reason="optional extra: .[xblocks]"
    )
    element = parse(text)
    outcome = BlockNamer().name(element.tag, dict(element.attrib), naming_text(element))
    assert is_pointer_after_naming(element, outcome) is xml_utils.is_pointer_tag(element)


def test_word_cloud_block_is_named_by_name() -> None:
    # The platform's test_word_cloud_import: word_cloud/cloud1, in the one section of chapter 0.
    assert walk_simple_course(needs("word_cloud")) == [
        "course/2013_Spring",
        "chapter/Staff",
        "sequential/Problem_Demos",
        "vertical/test_vertical",
        "word_cloud/cloud1",
    ]


def test_xml_dag_shares_its_html_and_discussion() -> None:
    # The platform's test_dag_course: html/toyhtml under vertical_test and zeta, and
    # discussion/duplicate_def defined twice (by slug, then by url_name), both the same block.
    keys = platform_keys(needs("xml_dag"))
    shared = [(tag, url_name) for tag, url_name, is_shared in keys if is_shared]
    assert shared == [("html", "toyhtml"), ("discussion", "duplicate_def")]
    assert ("vertical", "vertical_test", False) in keys
    assert ("vertical", "zeta", False) in keys


def test_conditional_course_legacy_names() -> None:
    # The hashed names, as the reader gives them: the chapter's two sequentials, the inline html.
    first, second = [
        k for k in children("conditional", "chapter/Problems_with_Condition") if "sequential/" in k
    ]
    inline_html = only(generated("conditional"), "html")
    assert walk_simple_course(needs("conditional")) == [
        "course/2012_Fall",  # slug=
        "chapter/Problems_with_Condition",  # name=
        first,
        "html/congrats",
        "html/secret_page",
        second,
        "problem/choiceprob",  # its file is absent: an error block in the platform
        "conditional/condone",
        inline_html,
    ]
