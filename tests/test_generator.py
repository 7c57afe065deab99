"""
The synthetic course generator (``lc_modulestore.bench.generator``): sizes and type mix, byte-identical
output for the same arguments, well-formed Studio-style OLX, and an export the importer's reader
(:func:`compile.olx_export.read_course_export`, pure, no database) reads back block for block.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from compile.olx_export import read_course_export
from lc_modulestore.bench.generator import GeneratedCourse, generate_course
from lc_modulestore.bench.outline import plan_outline

SIZES = (200, 2000)
LEAF_SHARES = {"html": 0.70, "problem": 0.20, "video": 0.08, "discussion": 0.02}
CONTAINERS = ("course", "chapter", "sequential", "vertical")
HEX32 = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture(scope="module")
def courses(tmp_path_factory: pytest.TempPathFactory) -> dict[int, GeneratedCourse]:
    root = tmp_path_factory.mktemp("generated")
    return {size: generate_course(root / f"n{size}", size) for size in SIZES}


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def leaf_counts(course: GeneratedCourse) -> dict[str, int]:
    return {kind: n for kind, n in course.counts.items() if kind not in CONTAINERS}


# --- size and mix ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_block_count_and_type_mix(courses: dict[int, GeneratedCourse], size: int) -> None:
    course = courses[size]
    assert abs(course.blocks - size) <= 0.02 * size
    assert course.blocks == size  # in fact exact: the components absorb the rounding
    assert course.course_key == f"course-v1:LCBench+Synthetic+N{size}"
    assert course.counts["course"] == 1
    leaves = leaf_counts(course)
    assert set(leaves) == set(LEAF_SHARES)
    total = sum(leaves.values())
    for kind, share in LEAF_SHARES.items():
        assert abs(leaves[kind] / total - share) <= 0.01, (kind, leaves)
    # Containers shaped like a course: sections > subsections > units > components.
    assert course.counts["chapter"] < course.counts["sequential"] < course.counts["vertical"] < total


@pytest.mark.parametrize("size", SIZES)
def test_files_match_counts(courses: dict[int, GeneratedCourse], size: int) -> None:
    course = courses[size]
    root = course.path
    for kind in ("chapter", "sequential", "vertical", "problem", "video"):
        assert len(list((root / kind).glob("*.xml"))) == course.counts[kind], kind
    assert len(list((root / "html").glob("*.xml"))) == course.counts["html"]
    assert len(list((root / "html").glob("*.html"))) == course.counts["html"]
    assert not (root / "discussion").exists()  # discussions are inline in their unit


def test_shape_scales_like_real_courses() -> None:
    def shape(size: int) -> tuple[int, float, float, float]:
        outline = plan_outline(size, 0)
        sequentials = [s for chapter in outline for s in chapter]
        units = [u for s in sequentials for u in s]
        return (len(outline), len(sequentials) / len(outline), len(units) / len(sequentials),
                sum(units) / len(units))  # fmt: skip

    chapters, seq_per_chapter, units_per_seq, leaves_per_unit = shape(20_000)
    assert chapters == 20
    assert 8 <= seq_per_chapter <= 12 and 8 <= units_per_seq <= 12 and 8 <= leaves_per_unit <= 11
    assert 8 <= shape(1000)[0] <= shape(2000)[0] <= shape(10_000)[0] <= 20
    for size in (1000, 2000, 10_000, 20_000, 50_000):
        outline = plan_outline(size, 3)
        containers = 1 + len(outline) + sum(len(c) + sum(len(s) for s in c) for c in outline)
        assert containers + sum(u for c in outline for s in c for u in s) == size


@pytest.mark.parametrize("size", [5, 6, 7, 13, 50])
def test_tiny_courses(tmp_path: Path, size: int) -> None:
    course = generate_course(tmp_path / "c", size, seed=size)
    assert course.blocks == size
    olx = read_course_export(course.path)
    assert sum(1 for _ in olx.blocks()) - len(olx.detached) == size


# --- determinism ----------------------------------------------------------------------------------


def test_same_arguments_give_byte_identical_output(
    courses: dict[int, GeneratedCourse], tmp_path: Path
) -> None:
    again = generate_course(tmp_path / "again", 2000)
    assert tree_digest(again.path) == tree_digest(courses[2000].path)
    assert (again.course_key, again.counts) == (courses[2000].course_key, courses[2000].counts)
    other = generate_course(tmp_path / "other", 2000, seed=1)
    assert tree_digest(other.path) != tree_digest(again.path)
    names = {p.name for p in (other.path / "vertical").iterdir()}
    assert names.isdisjoint(p.name for p in (again.path / "vertical").iterdir())


# --- well-formed Studio OLX -----------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_every_xml_file_parses(courses: dict[int, GeneratedCourse], size: int) -> None:
    root = courses[size].path
    files = sorted(root.rglob("*.xml"))
    assert len(files) > size * 0.7
    for path in files:
        etree.parse(str(path))  # raises on malformed XML
    for path in sorted((root / "html").glob("*.html")):
        # Not required to be XML, but written as well-formed XHTML fragments.
        etree.fromstring(f"<div>{path.read_text(encoding='utf-8')}</div>")


def test_studio_layout_and_content(courses: dict[int, GeneratedCourse]) -> None:
    course = courses[2000]
    root = course.path
    top = etree.parse(str(root / "course.xml")).getroot()
    assert dict(top.attrib) == {"url_name": "N2000", "org": "LCBench", "course": "Synthetic"}
    outline = etree.parse(str(root / "course" / "N2000.xml")).getroot()
    pointers = outline.findall("chapter")
    assert len(pointers) == course.counts["chapter"]
    assert all(list(p.attrib) == ["url_name"] and HEX32.match(p.get("url_name", "")) for p in pointers)
    assert outline.find("wiki") is not None

    sequentials = [etree.parse(str(p)).getroot() for p in sorted((root / "sequential").glob("*.xml"))]
    homework = [s for s in sequentials if s.get("format") == "Homework"]
    assert homework and all(s.get("graded") == "true" and s.get("due") for s in homework)
    assert any(s.get("start") for s in sequentials)
    assert all(re.match(r"^(Lesson \d+\.\d+|Homework \d+|Lab \d+|Final Exam)", s.get("display_name", ""))
               for s in sequentials)  # fmt: skip
    chapters = [etree.parse(str(p)).getroot() for p in (root / "chapter").glob("*.xml")]
    assert all(re.match(r"^Week \d+: ", c.get("display_name", "")) for c in chapters)

    units = [etree.parse(str(p)).getroot() for p in sorted((root / "vertical").glob("*.xml"))]
    assert all(re.match(r"^Unit \d+\.\d+\.\d+: ", u.get("display_name", "")) for u in units)
    discussions = [child for u in units for child in u if child.tag == "discussion"]
    assert len(discussions) == course.counts["discussion"]
    assert all(d.get("discussion_category") and d.get("xblock-family") == "xblock.v1" for d in discussions)
    assert all(HEX32.match(child.get("url_name", "")) for u in units for child in u)

    bodies = sorted((root / "html").glob("*.html"))
    sizes = [p.stat().st_size for p in bodies]
    assert min(sizes) >= 2000 and max(sizes) <= 4096
    texts = [p.read_text(encoding="utf-8") for p in bodies]
    assert any(not t.isascii() for t in texts) and any(t.isascii() for t in texts)
    assert (
        all("<p>" in t for t in texts)
        and any("<a href=" in t for t in texts)
        and any("<li>" in t for t in texts)
    )
    html = etree.parse(str(bodies[0].with_suffix(".xml"))).getroot()
    assert (
        html.get("filename") == bodies[0].stem and html.get("editor") == "visual" and html.get("display_name")
    )

    problems = sorted((root / "problem").glob("*.xml"))
    assert all(1024 <= p.stat().st_size <= 3072 for p in problems)
    responses: Counter[str] = Counter()
    for path in problems:
        problem = etree.parse(str(path)).getroot()
        assert problem.get("markdown") == "null"
        for name in ("display_name", "max_attempts", "weight", "showanswer", "rerandomize"):
            assert problem.get(name), (path.name, name)
        for response in problem:
            if response.tag.endswith("response"):
                responses[response.tag] += 1
                assert response.find("label") is not None and response.find("solution") is not None
    assert set(responses) == {"multiplechoiceresponse", "numericalresponse", "optionresponse"}

    for path in sorted((root / "video").glob("*.xml")):
        video = etree.parse(str(path)).getroot()
        assert len(video.get("youtube_id_1_0", "")) == 11 and video.get("display_name")
        assert json.loads(video.get("html5_sources", ""))[0].endswith(".mp4")
        assert "en" in json.loads(video.get("transcripts", "")) and video.get("download_track") == "true"

    policy = json.loads((root / "policies" / "N2000" / "policy.json").read_text(encoding="utf-8"))
    settings = policy["course/N2000"]
    assert settings["display_name"] and settings["start"] and settings["tabs"]
    assert "advanced_modules" in settings and "General" in settings["discussion_topics"]
    grading = json.loads((root / "policies" / "N2000" / "grading_policy.json").read_text(encoding="utf-8"))
    assert {g["type"] for g in grading["GRADER"]} >= {"Homework"} and grading["GRADE_CUTOFFS"]
    assert len(list((root / "about").glob("*.html"))) >= 2


# --- read back by the importer --------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_importer_reads_every_block(courses: dict[int, GeneratedCourse], size: int) -> None:
    course = courses[size]
    olx = read_course_export(course.path)
    assert (olx.org, olx.course, olx.run) == ("LCBench", "Synthetic", f"N{size}")
    assert course.course_key == f"course-v1:{olx.org}+{olx.course}+{olx.run}"
    # Discussions are inline in their units but still outline children, so walk() yields them.
    assert sum(1 for _ in olx.blocks()) - len(olx.detached) == size == course.blocks
    assert Counter(b.block_type for b in olx.root.walk()) == Counter(course.counts)
    assert {b.block_type for b in olx.detached} == {"about"}
    assert olx.root.display_name == olx.root.policy["display_name"]
    assert olx.grading_policy["GRADER"]
    graded = [b for b in olx.root.walk() if b.block_type == "sequential" and b.element.get("graded")]
    assert graded and all(b.element.get("due") for b in graded)
    html = next(b for b in olx.root.walk() if b.block_type == "html")
    assert html.element.text and "<p>" in html.element.text  # body inlined from html/<id>.html
    assert not olx.problems


# --- arguments ------------------------------------------------------------------------------------


def test_arguments(tmp_path: Path) -> None:
    course = generate_course(tmp_path / "named", 300, seed=4, org="Org_X", course="CS-101", run="2026_T1")
    assert course.course_key == "course-v1:Org_X+CS-101+2026_T1"
    assert course.path == tmp_path / "named"
    assert (course.path / "course" / "2026_T1.xml").is_file()
    assert read_course_export(course.path).run == "2026_T1"
    with pytest.raises(FileExistsError):
        generate_course(tmp_path / "named", 300)
    with pytest.raises(ValueError):
        generate_course(tmp_path / "tiny", 4)
    with pytest.raises(ValueError):
        generate_course(tmp_path / "bad", 300, run="a+b")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert generate_course(empty, 100).blocks == 100
