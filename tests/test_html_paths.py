"""
Where ``filename=`` bodies are found (``compile.html_paths``), legacy fallbacks included.

Expected lists are literals derived from the platform's ``backcompat_paths``; where the optional
``xblocks-contrib`` extra is installed, its real ``HtmlBlock.load_definition`` (the code Studio's
import runs) is the oracle: for each layout, both must pick the same file and read the same text.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from compile.error_blocks import missing_body_error
from compile.html_paths import (
    definition_candidates,
    html_backcompat_paths,
    html_body_candidates,
    read_body,
    resolve_inside,
)


@pytest.mark.parametrize(
    ("url_name", "filename", "candidates"),
    [
        ("toylab", "toylab", ["html/toylab.html"]),
        # A Studio export: filename without extension, next to html/<url_name>.xml.
        ("6a4d", "6a4d", ["html/6a4d.html"]),
        # ".html" written into the name: html/x.html.html is missing, so html/x.html.
        ("toyhtml", "toyhtml.html", ["html/toyhtml.html.html", "html/toyhtml.html"]),
        # A path relative to the course root (2013 courses): the leading folders drop one by one.
        ("x", "html/foo", ["html/html/foo.html", "html/foo.html"]),
        (
            "x",
            "lectures/week1/intro",
            ["html/lectures/week1/intro.html", "lectures/week1/intro.html", "week1/intro.html"],
        ),
        # A colon in the url_name is a folder: the body sits next to html/secret/toylab.xml.
        ("secret:toylab", "toylab", ["html/secret/toylab.html", "secret/toylab.html"]),
    ],
)
def test_html_body_candidates(url_name: str, filename: str, candidates: list[str]) -> None:
    assert html_body_candidates(url_name, filename) == candidates


def test_backcompat_rewrites() -> None:
    assert html_backcompat_paths("html/foo.html.xml") == ["html/foo.html"]
    assert html_backcompat_paths("a/b/c.xml") == ["a/b/c.xml", "b/c.xml", "a/b/c.html", "b/c.html"]
    assert html_backcompat_paths("top.html") == []


def test_problem_definition_candidates() -> None:
    assert definition_candidates("problem", "L1_Problem_1") == [
        "problem/L1_Problem_1.xml",
        "problems/L1_Problem_1.xml",
        "L1_Problem_1.xml",
    ]
    assert definition_candidates("vertical", "vertical_test") == ["vertical/vertical_test.xml"]


def write(root: Path, relative: str, data: bytes = b"<p>x</p>") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_first_existing_candidate_wins(tmp_path: Path) -> None:
    candidates = html_body_candidates("x", "lectures/week1/intro")
    write(tmp_path, "week1/intro.html")
    assert resolve_inside(tmp_path, candidates).found == "week1/intro.html"
    write(tmp_path, "lectures/week1/intro.html")
    found = resolve_inside(tmp_path, candidates)
    assert found.found == "lectures/week1/intro.html"
    assert found.tried == ("html/lectures/week1/intro.html", "lectures/week1/intro.html")
    assert found.path == (tmp_path / "lectures/week1/intro.html").resolve()


def test_nothing_found(tmp_path: Path) -> None:
    result = resolve_inside(tmp_path, html_body_candidates("a", "a"))
    assert (result.found, result.path, result.tried, result.refused) == (None, None, ("html/a.html",), ())


def test_paths_leading_out_of_the_export_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "course"
    write(tmp_path, "secret.html", b"not yours")
    write(root, "html/inside.html")
    (root / "html" / "link.html").symlink_to(tmp_path / "secret.html")
    result = resolve_inside(root, ["../secret.html", "html/../../secret.html", "html/link.html"])
    assert (result.found, result.tried) == (None, ())
    assert result.refused == ("../secret.html", "html/../../secret.html", "html/link.html")
    # Read as the platform's file system reads them: a leading "/" is the export's root.
    assert resolve_inside(root, ["/html/inside.html"]).found == "/html/inside.html"
    assert resolve_inside(root, ["static/../html/inside.html"]).found == "static/../html/inside.html"


def test_body_is_read_byte_for_byte(tmp_path: Path) -> None:
    raw = "\ufeff<p>ć &#263;</p>\r\n<p>second</p>\r".encode()
    path = write(tmp_path, "html/a.html", raw)
    assert read_body(path).encode("utf-8") == raw
    write(tmp_path, "html/bad.html", b"\xff\xfe")
    with pytest.raises(UnicodeDecodeError):
        read_body(tmp_path / "html/bad.html")


# --- against the platform's own HtmlBlock (xblocks-contrib, the extracted html block) -----------


def platform_load(root: Path, url_name: str, filename: str) -> dict[str, Any]:
    html_module = pytest.importorskip("xblocks_contrib.html.html", reason="optional extra: .[xblocks]")
    osfs = pytest.importorskip("fs.osfs")
    system = types.SimpleNamespace(resources_fs=osfs.OSFS(str(root)), error_tracker=lambda message: None)
    element = etree.fromstring(f'<html filename="{filename}"/>')
    definition: dict[str, Any] = html_module.HtmlBlock.load_definition(
        element, system, types.SimpleNamespace(block_id=url_name), None
    )[0]
    return definition


LAYOUTS = [
    ("toylab", "toylab"),
    ("toyhtml", "toyhtml.html"),
    ("x", "html/foo"),
    ("x", "lectures/week1/intro"),
    ("secret:toylab", "toylab"),
]


@pytest.mark.parametrize(("url_name", "filename"), LAYOUTS)
def test_same_file_as_the_platform(tmp_path: Path, url_name: str, filename: str) -> None:
    candidates = html_body_candidates(url_name, filename)
    # Each candidate alone, then all of them together (the order decides).
    layouts = [[c] for c in candidates] + [candidates]
    for number, present in enumerate(layouts):
        root = tmp_path / str(number)
        for index, relative in enumerate(present):
            write(root, relative, f"<p>{index} ć\r\n</p>".encode())
        ours = resolve_inside(root, candidates)
        theirs = platform_load(root, url_name, filename)
        assert ours.found == theirs["filename"][0]
        assert ours.path is not None
        assert read_body(ours.path) == theirs["data"]


def test_missing_body_message_is_the_platforms(tmp_path: Path) -> None:
    with pytest.raises(Exception) as raised:
        platform_load(tmp_path, "zz", "zz")
    first = html_body_candidates("zz", "zz")[0]
    assert str(raised.value) == missing_body_error(first)


def test_problem_fallbacks_are_the_platforms() -> None:
    capa = pytest.importorskip("xblocks_contrib.problem.capa_block", reason="optional extra: .[xblocks]")
    assert definition_candidates("problem", "a/b")[1:] == capa.ProblemBlock.backcompat_paths(
        "problem/a/b.xml"
    )
