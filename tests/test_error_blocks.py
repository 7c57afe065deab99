"""
The error block Open edX leaves for an unreadable element (``compile.error_blocks``).

The cases are the platform's own (``xmodule/tests/test_import.py``: test_fallback,
test_unique_url_names, test_reimport, test_fixed_xml_tag); ids are SHA-1s worked out by hand and
written as literals. Error texts are compared with the platform's loader where it is installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from opaque_keys.edx.locator import BlockUsageLocator, CourseLocator

from compile.error_blocks import (
    ERROR_BLOCK_TYPE,
    error_block_fields,
    missing_body_error,
    missing_definition_error,
)

BAD = '<sequential display_name="oops"><video url="hi"></sequential>'
BAD2 = '<sequential url_name="oops"><video url="hi"></sequential>'


def test_malformed_xml_becomes_an_error_block_keeping_its_text() -> None:
    fields = error_block_fields(
        '<sequential display_name="oops\N{SNOWMAN}"><video url="hi"></sequential>', ""
    )
    assert fields.block_type == ERROR_BLOCK_TYPE == "error"
    assert fields.contents == '<sequential display_name="oops☃"><video url="hi"></sequential>'
    assert fields.error_msg.startswith("the XML does not parse: ")
    assert "sequential" in fields.error_msg  # lxml names the mismatched tags
    assert fields.original_tag is None


def test_each_error_gets_its_own_id() -> None:
    first, second = error_block_fields(BAD, ""), error_block_fields(BAD2, "")
    assert first.block_id == "852bc34c2f1922c6badf36521d496efb7c98413b"
    assert second.block_id == "1cedc3cac31f77177425070e5dfad98966e90d01"
    assert error_block_fields(BAD, "another error").block_id == first.block_id  # the id is the XML's


def test_readable_xml_that_failed_keeps_xml_and_error() -> None:
    xml = '<html url_name="intro" filename="intro"/>'
    error = missing_body_error("html/intro.html")
    fields = error_block_fields(xml, error, detail="html/intro.xml:1")
    assert fields.contents == xml
    assert fields.error_msg == (
        "Error loading from xml. Unable to load file contents at path html/intro.html: "
        "resource 'html/intro.html' not found \nhtml/intro.xml:1"
    )
    assert fields.original_tag == "html"
    assert fields.content_fields == {"contents": xml, "error_msg": fields.error_msg}


def test_error_text_is_cut_at_200_characters() -> None:
    fields = error_block_fields("<problem/>", "x" * 300)
    assert fields.error_msg == "Error loading from xml. " + "x" * 200


def exported(contents: str, error_msg: str | None) -> str:
    """What the platform's export writes for an error block whose contents do not parse."""
    root = etree.Element("error")
    root.text = contents
    if error_msg is not None:
        etree.SubElement(root, "error_msg").text = error_msg
    return etree.tostring(root, encoding="unicode")


def test_reimported_error_block_is_the_same_block() -> None:
    block = error_block_fields(BAD, "")
    again = error_block_fields(exported(block.contents, block.error_msg), "ignored")
    assert (again.contents, again.error_msg, again.block_id) == (
        block.contents,
        block.error_msg,
        block.block_id,
    )


def test_error_tag_with_valid_xml_remembers_the_original_tag() -> None:
    good = '<sequential display_name="fixed"><video url="hi"/></sequential>'
    fields = error_block_fields(exported(good, None), "ignored")
    assert (fields.contents, fields.error_msg, fields.original_tag) == (
        good,
        "Error not available",
        "sequential",
    )


def test_missing_definition_message_is_the_platforms(tmp_path: Path) -> None:
    usage = BlockUsageLocator(
        CourseLocator("edX", "cond_test", "2012_Fall", deprecated=True), "problem", "choiceprob"
    )
    assert str(usage) == "i4x://edX/cond_test/problem/choiceprob"
    ours = missing_definition_error("problem/choiceprob.xml", str(usage))
    assert ours == (
        "Unable to load file contents at path problem/choiceprob.xml for item "
        "i4x://edX/cond_test/problem/choiceprob: resource 'problem/choiceprob.xml' not found"
    )
    xml_utils = pytest.importorskip(
        "xblocks_contrib.legacy_utils.xml_utils", reason="optional extra: .[xblocks]"
    )
    osfs = pytest.importorskip("fs.osfs")
    with pytest.raises(Exception) as raised:
        xml_utils.LegacyXmlMixin.load_file("problem/choiceprob.xml", osfs.OSFS(str(tmp_path)), usage)
    assert str(raised.value) == ours
