"""
Every block whose Open edX class reads OLX with ``XmlMixin.parse_xml`` keeps, in
``xml_attributes["filename"]``, the file it was read from, and Studio's import copies it into
Split: ``[path, path]`` for a pointer, ``["", None]`` for an element read where it stands,
``[path, name]`` for one whose ``filename="name"`` was read from ``path``. block.xml cannot say
which it was, so the importer records it per block (``BlockEntity.xml_filenames``) and the compile
puts it back (issue 18; ``tests/platform/test_reader_parity.py`` holds it to the platform's reader).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compile.olx_export import OlxCourse, read_course_export
from lc_modulestore.api import compiled_course
from lc_modulestore.models import BlockEntity, CourseBinding

from .lc_ops import add_html, entity_of, publish, set_unit_children, unit_children
from .olx_cases import write_export

KEY = "course-v1:LCTest+T1+2026"

EXPORT: dict[str, str | bytes] = {
    "course/2026.xml": '<course><chapter url_name="c1"/></course>',
    "chapter/c1.xml": '<chapter><sequential url_name="s1"/></chapter>',
    "sequential/s1.xml": (
        '<sequential><vertical url_name="v1"/>'
        '<vertical url_name="v2"><html url_name="inline_html">Hi</html></vertical></sequential>'
    ),
    "vertical/v1.xml": (
        "<vertical>"
        '<html url_name="pointed"/>'
        '<html url_name="legacy" filename="legacy_body"/>'
        '<problem url_name="old_problem" filename="p_file"/>'
        '<video url_name="clip" youtube_id_1_0="abc"/>'
        '<split_test url_name="ab" user_partition_id="0">'
        '<vertical url_name="arm"><html url_name="arm_html"/></vertical>'
        "</split_test>"
        "</vertical>"
    ),
    "html/pointed.xml": '<html filename="pointed_body" display_name="Pointed"/>',
    "html/pointed_body.html": "<p>pointed</p>",
    "html/legacy_body.html": "<p>legacy</p>",
    "problems/p_file.xml": "<problem><p>2012 layout</p></problem>",
    "vertical/arm.xml": '<vertical><html url_name="arm_html"/></vertical>',
    "html/arm_html.xml": "<html>arm</html>",
}

EXPECTED = {
    "course/course": ["course/2026.xml", "course/2026.xml"],
    "chapter/c1": ["chapter/c1.xml", "chapter/c1.xml"],
    "sequential/s1": ["sequential/s1.xml", "sequential/s1.xml"],
    "vertical/v1": ["vertical/v1.xml", "vertical/v1.xml"],
    "vertical/v2": ["", None],
    "html/inline_html": ["", None],
    # A pointer records its own file, whatever that file then names (XmlMixin.parse_xml).
    "html/pointed": ["html/pointed.xml", "html/pointed.xml"],
    "html/legacy": ["html/legacy_body.html", "legacy_body"],
    # The candidate the platform read (ProblemBlock.backcompat_paths), and the name as written.
    "problem/old_problem": ["problems/p_file.xml", "p_file"],
    "split_test/ab": ["", None],
    "vertical/arm": ["", None],
    "html/arm_html": ["html/arm_html.xml", "html/arm_html.xml"],
}


def read(tmp_path: Path, files: dict[str, str | bytes]) -> OlxCourse:
    return read_course_export(write_export(tmp_path, files))


def recorded(course: OlxCourse) -> dict[str, list[str | None]]:
    found: dict[str, list[str | None]] = {}
    for block in course.blocks():
        found.update({key: list(value) for key, value in block.xml_filenames.items()})
    return found


def test_the_reader_records_each_blocks_file_as_open_edx_does(tmp_path: Path) -> None:
    course = read(tmp_path, EXPORT)
    assert recorded(course) == {**EXPECTED, "video/clip": ["", None]}
    # A block kept whole records its inline children's files with its own.
    split_test = next(block for block in course.blocks() if block.block_type == "split_test")
    assert set(split_test.xml_filenames) == {"split_test/ab", "vertical/arm", "html/arm_html"}


@pytest.mark.django_db
def test_served_blocks_say_the_file_they_were_read_from(
    tmp_path: Path, run_import: Callable[..., Any]
) -> None:
    run_import(write_export(tmp_path, EXPORT))
    blocks = compiled_course(KEY).blocks
    for name, filename in EXPECTED.items():
        assert blocks[name].fields["xml_attributes"]["filename"] == filename, name
    # VideoBlock reads OLX with a parse_xml of its own, which records no file.
    assert "xml_attributes" not in blocks["video/clip"].fields


@pytest.mark.django_db
def test_a_block_read_from_another_file_is_a_new_version(
    tmp_path: Path, run_import: Callable[..., Any]
) -> None:
    first = run_import(write_export(tmp_path / "a", EXPORT))
    again = run_import(write_export(tmp_path / "b", EXPORT))
    assert (again.created, again.changed, again.publish_log_id) == (0, 0, None)
    # The same html, now written where it stands instead of in its own file: its content is the
    # same, its source is not, and the served block follows (Split would hold the new import's).
    moved = {
        **EXPORT,
        "sequential/s1.xml": (
            '<sequential><vertical url_name="v1"/><vertical url_name="v2">'
            '<html url_name="inline_html"/></vertical></sequential>'
        ),
        "html/inline_html.xml": "<html>Hi</html>",
    }
    result = run_import(write_export(tmp_path / "c", moved))
    assert result.changed == 1 and result.publish_log_id != first.publish_log_id
    blocks = compiled_course(KEY).blocks
    assert blocks["html/inline_html"].fields["xml_attributes"]["filename"] == [
        "html/inline_html.xml",
        "html/inline_html.xml",
    ]
    row = BlockEntity.objects.get(block_type="html", block_id="inline_html")
    assert row.xml_filenames == {"html/inline_html": ["html/inline_html.xml", "html/inline_html.xml"]}


@pytest.mark.django_db
def test_a_block_made_in_learning_core_records_no_file(
    tmp_path: Path, run_import: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    run_import(write_export(tmp_path, EXPORT))
    binding = CourseBinding.objects.get(course_key=KEY)
    unit = entity_of(binding, "vertical", "v2")
    made = add_html(binding, "made_here", "<p>authored in Learning Core</p>")
    set_unit_children(unit, [*unit_children(unit), made])
    with django_capture_on_commit_callbacks(execute=True):  # the compile, as in production
        publish(binding)
    blocks = compiled_course(KEY).blocks
    assert "xml_attributes" not in blocks["html/made_here"].fields
    assert blocks["html/inline_html"].fields["xml_attributes"] == {"filename": ["", None]}


@pytest.mark.django_db
def test_a_discussion_keeps_unknown_attributes_only_from_its_own_file(
    tmp_path: Path, run_import: Callable[..., Any]
) -> None:
    """xblocks-contrib's DiscussionXBlock: XBlock.parse_xml, then load_metadata of a pointer's file."""
    files = {
        **EXPORT,
        "sequential/s1.xml": (
            '<sequential><vertical url_name="v1"/><vertical url_name="v2">'
            '<discussion url_name="pointed"/><discussion url_name="plain"/>'
            '<discussion url_name="inline" discussion_id="d3" for="a topic"/>'
            "</vertical></sequential>"
        ),
        "discussion/pointed.xml": '<discussion discussion_id="d1" legacy="kept"/>',
        "discussion/plain.xml": '<discussion discussion_id="d2"/>',
    }
    run_import(write_export(tmp_path, files))
    blocks = compiled_course(KEY).blocks
    assert blocks["discussion/pointed"].fields["xml_attributes"] == {"legacy": "kept"}
    assert blocks["discussion/plain"].fields["xml_attributes"] == {}
    assert "xml_attributes" not in blocks["discussion/inline"].fields
    assert blocks["discussion/inline"].fields["discussion_id"] == "d3"
