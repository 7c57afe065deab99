"""Importing the bundled sample course: what lands in Learning Core and what a re-import does."""

from __future__ import annotations

import json
import tarfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openedx_content.models_api import LearningPackage, PublishLog, PublishLogRecord

from lc_modulestore.api import OlxImportError, import_olx, published_course
from lc_modulestore.models import BlockEntity, CourseBinding
from lc_modulestore.storage.course_files import course_file_index

from .conftest import SAMPLE_COURSE

pytestmark = pytest.mark.django_db
EXPECTED = json.loads((SAMPLE_COURSE / "EXPECTED.json").read_text())
KEY = EXPECTED["course_key"]


def outline_keys(course: Any, key: str = "course/course") -> list[str]:
    block = course.blocks[key]
    return [key] + [k for child in block.children for k in outline_keys(course, child)]


def test_import_gives_every_block_in_olx_order(run_import: Any) -> None:
    result = run_import(SAMPLE_COURSE)
    assert str(result.course_key) == KEY
    assert result.publish_log_id is not None
    assert [p.severity for p in result.problems if "drafts/ ignored" in p.message] == ["note"]

    course = published_course(KEY)
    reachable = outline_keys(course)
    assert len(reachable) == EXPECTED["total"] == len(set(reachable))
    assert Counter(k.split("/")[0] for k in reachable) == EXPECTED["blocks_by_type"]
    detached = Counter(k.split("/")[0] for k in course.blocks if k not in reachable)
    assert detached == EXPECTED["detached"]
    assert course.root.children == [f"chapter/{c}" for c in EXPECTED["chapter_order"]]
    # The files of static/ come along, each published under its asset name.
    assert list(course_file_index(KEY)) == EXPECTED["files"] == sorted(EXPECTED["files"])
    assert result.files.created == len(EXPECTED["files"])
    # Children of blocks kept whole in one component come back as blocks of their own, in order.
    assert course.blocks["library_content/practice_lib"].children == [
        "problem/lib_q1",
        "problem/lib_q2",
        "problem/lib_q3",
    ]
    assert course.blocks["split_test/layout_split"].children == [
        "vertical/split_a_vert",
        "vertical/split_b_vert",
    ]
    assert course.blocks["vertical/split_a_vert"].children == ["html/split_a_html"]


def test_policy_and_settings_land_on_the_blocks(run_import: Any) -> None:
    run_import(SAMPLE_COURSE)
    course = published_course(KEY)
    policy = json.loads((SAMPLE_COURSE / "policies/2026/policy.json").read_text())
    root = course.root
    assert root.display_name == policy["course/2026"]["display_name"]
    # policy.json wins over the attribute in course/2026.xml.
    assert root.fields["end"] == datetime(2026, 7, 31, 23, 59, tzinfo=UTC)
    assert root.fields["tabs"] == policy["course/2026"]["tabs"]
    assert root.fields["user_partitions"] == policy["course/2026"]["user_partitions"]
    assert root.definition["wiki_slug"] == "LCDemo.LC101.2026"
    assert root.definition["grading_policy"] == json.loads(
        (SAMPLE_COURSE / "policies/2026/grading_policy.json").read_text()
    )
    hw = course.blocks["sequential/hw1_seq"]
    assert hw.fields["graded"] is True
    assert hw.fields["format"] == "Homework"
    assert hw.fields["due"] == datetime(2026, 3, 8, 23, 59, tzinfo=UTC)
    assert course.blocks["html/course_map_html"].display_name == "Renamed by policy"
    assert course.blocks["sequential/staff_seq"].fields["visible_to_staff_only"] is True
    assert course.blocks["html/cohort_html"].fields["group_access"] == {"50": [1]}


def test_html_bodies_are_inlined_and_unicode_survives(run_import: Any) -> None:
    run_import(SAMPLE_COURSE)
    course = published_course(KEY)
    welcome = course.blocks["html/welcome_html"]
    body = (SAMPLE_COURSE / "html/welcome_html.html").read_text(encoding="utf-8")
    assert welcome.definition["data"] == body
    assert "data" not in welcome.fields
    assert "🚀" in course.blocks["html/cafe_html"].display_name
    assert "\u00a0" in body and "café" in body
    assert (
        course.blocks["about/overview"].definition["data"]
        == (SAMPLE_COURSE / "about/overview.html").read_text()
    )
    assert course.blocks["static_tab/syllabus"].display_name == "Syllabus"
    # CourseInfoBlock.items is Scope.content: it lives in the definition.
    assert course.blocks["course_info/updates"].definition["items"] == json.loads(
        (SAMPLE_COURSE / "info/updates.items.json").read_text()
    )


def test_reimport_of_unchanged_export_publishes_nothing(run_import: Any) -> None:
    first = run_import(SAMPLE_COURSE)
    logs = PublishLog.objects.count()
    again = run_import(SAMPLE_COURSE)
    assert again.publish_log_id is None
    assert (again.created, again.changed, again.deleted) == (0, 0, 0)
    assert again.unchanged == first.created
    assert PublishLog.objects.count() == logs


def test_reimport_publishes_only_what_changed(run_import: Any, sample_copy: Path) -> None:
    run_import(sample_copy)
    body = sample_copy / "html/summary_html.html"
    body.write_text(body.read_text() + "<p>One more thing.</p>", encoding="utf-8")
    seq = sample_copy / "sequential/tools_seq.xml"
    seq.write_text(seq.read_text().replace('display_name="Tools of the Trade"', 'display_name="Tools"'))
    result = run_import(sample_copy)
    assert (result.changed, result.created, result.deleted) == (2, 0, 0)
    changed = {
        (r.entity.lc_block.block_type, r.entity.lc_block.block_id)
        for r in PublishLogRecord.objects.filter(publish_log_id=result.publish_log_id).select_related(
            "entity__lc_block"
        )
        if r.old_version_id != r.new_version_id
    }
    assert changed == {("html", "summary_html"), ("sequential", "tools_seq")}
    course = published_course(KEY)
    assert course.blocks["html/summary_html"].definition["data"].endswith("<p>One more thing.</p>")
    assert course.blocks["sequential/tools_seq"].display_name == "Tools"


def test_reimport_deletes_blocks_gone_from_the_export(run_import: Any, sample_copy: Path) -> None:
    run_import(sample_copy)
    vertical = sample_copy / "vertical/summary_vert.xml"
    vertical.write_text(vertical.read_text().replace('<html url_name="summary_html"/>', ""))
    result = run_import(sample_copy)
    assert result.deleted == 1
    course = published_course(KEY)
    assert "html/summary_html" not in course.blocks
    assert "html/summary_html" not in course.blocks["vertical/summary_vert"].children


def test_import_from_tar_gz_with_another_course_key(run_import: Any, tmp_path: Path) -> None:
    archive = tmp_path / "export.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(SAMPLE_COURSE, arcname="course")
    result = run_import(archive, "course-v1:Other+Copy+Run1")
    assert str(result.course_key) == "course-v1:Other+Copy+Run1"
    course = published_course("course-v1:Other+Copy+Run1")
    assert len(outline_keys(course)) == EXPECTED["total"]
    # The default wiki slug follows the export's own <wiki> element, not the new key.
    assert course.root.definition["wiki_slug"] == "LCDemo.LC101.2026"


def test_course_keys_are_unique_ignoring_case(run_import: Any) -> None:
    run_import(SAMPLE_COURSE)
    bindings = CourseBinding.objects.count()
    with pytest.raises(OlxImportError, match="differ only by case"):
        import_olx(SAMPLE_COURSE, KEY.lower())
    assert CourseBinding.objects.count() == bindings


@pytest.mark.parametrize("bad_key", ["not a key", "course-v1:Org+Course+Run+branch@draft"])
def test_invalid_course_key_is_refused(bad_key: str) -> None:
    packages = LearningPackage.objects.count()
    with pytest.raises(OlxImportError, match=r"course key|branch"):
        import_olx(SAMPLE_COURSE, bad_key)
    assert LearningPackage.objects.count() == packages


def test_key_map_is_unique_both_ways(run_import: Any) -> None:
    run_import(SAMPLE_COURSE)
    rows = list(
        BlockEntity.objects.filter(binding__course_key=KEY).values_list("block_type", "block_id", "entity_id")
    )
    assert len({(t, i) for t, i, _ in rows}) == len(rows) == len({e for _, _, e in rows})
    assert ("course", "course") in {(t, i) for t, i, _ in rows}


def test_block_ids_differing_only_by_case_are_two_blocks(run_import: Any, sample_copy: Path) -> None:
    """Split ids are case-sensitive; so must the key map be, on MariaDB too."""
    (sample_copy / "html/Summary_HTML.xml").write_text('<html filename="summary_html" display_name="Twin"/>')
    vertical = sample_copy / "vertical/summary_vert.xml"
    vertical.write_text(
        vertical.read_text().replace('<html url_name="summary_html"/>', '<html url_name="summary_html"/>'
                                     '<html url_name="Summary_HTML"/>')
    )  # fmt: skip
    run_import(sample_copy)
    course = published_course(KEY)
    assert course.blocks["vertical/summary_vert"].children[:2] == ["html/summary_html", "html/Summary_HTML"]
    assert course.blocks["html/Summary_HTML"].display_name == "Twin"
