"""
One bad component does not freeze its course: a published component whose block.xml cannot be
compiled (does not parse, is bytes that are not UTF-8, is missing) becomes an error block, as
edx-platform's ErrorBlock (``error_msg``, ``contents``), visible to staff only and recorded for
operators; every other block keeps compiling and publishing. A block.xml stored as a file (bytes)
is read, never compiled into an empty block.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from opaque_keys.edx.keys import CourseKey
from openedx_content import api as content_api

from lc_modulestore.api import compiled_course
from lc_modulestore.models import CompiledErrorBlock, CompileFailure, CourseBinding
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore
from lc_modulestore.storage.recent import forget_recent_compiles

from . import lc_ops
from .storage_checks import assert_incremental_equals_full, live_structure

pytestmark = pytest.mark.django_db
KEY = "course-v1:LCDemo+LC101+2026"
BROKEN = ("error", "html:summary_html")


def live(binding: CourseBinding) -> dict[tuple[str, str], dict[str, Any]]:
    return {(b["block_type"], b["block_id"]): b for b in live_structure(binding)["blocks"]}


def set_block_bytes(binding: CourseBinding, entity_id: int, data: bytes) -> None:
    """block.xml stored as a file (Learning Core's media without text), as large or binary media are."""
    component = content_api.get_component(entity_id)
    media_type = content_api.get_or_create_media_type(
        f"application/vnd.openedx.xblock.v1.{component.component_type.name}+xml"
    )
    media = content_api.get_or_create_file_media(
        binding.learning_package_id, media_type.id, data=data, created=lc_ops.now()
    )
    assert media.text is None
    content_api.create_next_component_version(
        entity_id, media_to_replace={"block.xml": media.id}, created=lc_ops.now()
    )


def test_a_block_that_does_not_parse_becomes_an_error_block(binding: CourseBinding, publish: Any) -> None:
    html = lc_ops.entity_of(binding, "html", "summary_html")
    good = lc_ops.block_xml(html)
    lc_ops.set_block_xml(binding, html, '<html display_name="Summary"><p>unclosed</html')
    bad_log = publish(binding, [html])

    assert not CompileFailure.objects.filter(binding=binding).exists()
    blocks = live(binding)
    assert ("html", "summary_html") not in blocks
    error = blocks[BROKEN]
    assert error["fields"] == {"display_name": "Summary", "visible_to_staff_only": True}
    assert ["error", "html:summary_html"] in blocks[("vertical", "summary_vert")]["fields"]["children"]
    definition = compiled_course(KEY).blocks["error/html:summary_html"].definition
    assert definition["contents"] == '<html display_name="Summary"><p>unclosed</html'
    assert definition["error_msg"].startswith("html/summary_html (version 2): block.xml line 1:")
    record = CompiledErrorBlock.objects.filter(binding=binding).get()
    assert (record.block_type, record.block_id, record.entity_id, record.publish_log_id) == (
        "html",
        "summary_html",
        html,
        bad_log,
    )
    assert record.message == definition["error_msg"]
    assert_incremental_equals_full(binding)

    # The rest of the course keeps publishing while the block stays broken.
    other = lc_ops.entity_of(binding, "html", "welcome_html")
    lc_ops.set_block_xml(
        binding, other, lc_ops.block_xml(other).replace("</html>", "<p>still live</p></html>")
    )
    publish(binding, [other])
    assert "still live" in compiled_course(KEY).blocks["html/welcome_html"].definition["data"]
    assert BROKEN in live(binding) and CompiledErrorBlock.objects.filter(binding=binding).count() == 1
    forget_recent_compiles()  # the next compile patches the stored structure, not this process's copy
    publish(binding, [lc_ops.entity_of(binding, "vertical", "summary_vert")])
    assert_incremental_equals_full(binding)

    # Fixed: the component is back in its place, the error block and its record are gone.
    lc_ops.set_block_xml(binding, html, good.replace("</html>", "<p>fixed</p></html>"))
    publish(binding, [html])
    blocks = live(binding)
    assert BROKEN not in blocks and ("html", "summary_html") in blocks
    assert ["html", "summary_html"] in blocks[("vertical", "summary_vert")]["fields"]["children"]
    assert not CompiledErrorBlock.objects.filter(binding=binding).exists()
    assert_incremental_equals_full(binding)


def test_operators_see_the_error_block_in_lc_show(binding: CourseBinding, publish: Any) -> None:
    html = lc_ops.entity_of(binding, "html", "summary_html")
    lc_ops.set_block_xml(binding, html, "<html>")
    publish(binding, [html])
    out = StringIO()
    call_command("lc_show", KEY, stdout=out)
    assert "error" in out.getvalue() and "[html:summary_html]" in out.getvalue()


def test_the_store_serves_the_error_block_and_the_rest(binding: CourseBinding, publish: Any) -> None:
    html = lc_ops.entity_of(binding, "html", "summary_html")
    lc_ops.set_block_xml(binding, html, "<html>")
    publish(binding, [html])
    set_course_override(DEFAULT_FLAG_NAME, KEY, True)
    store = LearningCoreModuleStore()
    course_key = CourseKey.from_string(KEY)
    unit = store.get_item(course_key.make_usage_key("vertical", "summary_vert"))
    error_key = next(child for child in unit.children if child.block_id == "html:summary_html")
    error = store.get_item(error_key)
    assert error.location.block_type == "error"
    assert error.display_name == "Summary"
    assert store.get_course(course_key, depth=None) is not None


def test_a_block_xml_stored_as_bytes_is_read(binding: CourseBinding, publish: Any) -> None:
    html = lc_ops.entity_of(binding, "html", "summary_html")
    set_block_bytes(
        binding, html, '<html display_name="From bytes"><![CDATA[<p>caf\u00e9</p>]]></html>'.encode()
    )
    publish(binding, [html])
    block = compiled_course(KEY).blocks["html/summary_html"]
    assert block.display_name == "From bytes"
    assert block.definition["data"] == "<p>caf\u00e9</p>"
    assert_incremental_equals_full(binding)


def test_a_block_xml_of_bytes_that_are_not_text_is_an_error_block(
    binding: CourseBinding, publish: Any
) -> None:
    html = lc_ops.entity_of(binding, "html", "summary_html")
    set_block_bytes(binding, html, b'<html display_name="x">\xff\xfe</html>')
    publish(binding, [html])
    definition = compiled_course(KEY).blocks["error/html:summary_html"].definition
    assert "not UTF-8 text (byte 0xff at offset 23)" in definition["error_msg"]
    assert CompiledErrorBlock.objects.filter(binding=binding).get().message == definition["error_msg"]
    assert_incremental_equals_full(binding)


def test_a_broken_detached_page_stays_in_the_structure(binding: CourseBinding, publish: Any) -> None:
    about = lc_ops.entity_of(binding, "about", "overview")
    good = lc_ops.block_xml(about)
    lc_ops.set_block_xml(binding, about, "<about><p></about>")
    publish(binding, [about])
    assert ("error", "about:overview") in live(binding)
    assert_incremental_equals_full(binding)
    lc_ops.set_block_xml(binding, about, good)
    publish(binding, [about])
    assert ("error", "about:overview") not in live(binding) and ("about", "overview") in live(binding)
    assert_incremental_equals_full(binding)


def test_deleting_a_broken_block_drops_its_record(binding: CourseBinding, publish: Any) -> None:
    html = lc_ops.entity_of(binding, "html", "summary_html")
    lc_ops.set_block_xml(binding, html, "<html>")
    publish(binding, [html])
    assert CompiledErrorBlock.objects.filter(binding=binding).exists()
    content_api.soft_delete_draft(html)
    publish(binding)
    assert BROKEN not in live(binding) and not CompiledErrorBlock.objects.filter(binding=binding).exists()
    assert_incremental_equals_full(binding)


def test_a_component_without_block_xml_becomes_an_error_block(binding: CourseBinding, publish: Any) -> None:
    """README's guarantee names a missing block.xml: a version whose block.xml was removed."""
    html = lc_ops.entity_of(binding, "html", "summary_html")
    content_api.create_next_component_version(
        html, media_to_replace={"block.xml": None}, created=lc_ops.now()
    )
    publish(binding, [html])

    assert not CompileFailure.objects.filter(binding=binding).exists()
    blocks = live(binding)
    assert ("html", "summary_html") not in blocks and BROKEN in blocks
    definition = compiled_course(KEY).blocks["error/html:summary_html"].definition
    assert "has no block.xml" in definition["error_msg"]
    assert CompiledErrorBlock.objects.filter(binding=binding, block_id="summary_html").exists()
    assert_incremental_equals_full(binding)
