"""
The block ids the non-platform tests expect where Open edX generates them (hashed names, error
blocks, renamed duplicates) come from Open edX's own OLX reader, not from this project's code:
``tests/data/reader_ids/reader_ids.json`` is what ``XMLModuleStore`` (:mod:`.olx_reader`) makes of
Open edX's importer test courses and of small exports holding the snippets ``tests/test_naming.py``
names, and this test checks it still is. ``tests/reader_ids.py`` reads it for those tests.

To write the file again (after a change of the reader or of the exports, never of this project's
naming code): ``LC_TEST_PLATFORM=1 LC_WRITE_READER_IDS=1 pytest tests/platform/test_reader_ids.py``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from .loader import skip_reason

if reason := skip_reason():
    pytest.skip(reason, allow_module_level=True)

from ..reader_ids import EXPORTS, READER_IDS_FILE, SNIPPETS, platform_course
from . import olx_reader

pytestmark = pytest.mark.django_db

if not olx_reader.present():
    pytest.skip(
        f"{olx_reader.READER_DIR} is absent: Open edX's OLX reader is not here", allow_module_level=True
    )

_SKELETON = {
    "course.xml": '<course url_name="run" org="Org" course="Snippets"/>',
    "course/run.xml": '<course><chapter url_name="ch"/></course>',
}


def _export(root: Path, files: dict[str, str]) -> Path:
    for name, text in {**_SKELETON, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# Each snippet of tests/test_naming.py in an export, as the reader meets it: (files, the block's parent,
# its position there). A block whose name points to a file that is absent becomes an error block; the
# reader then says which file it looked for, under the name it gave the block.
_SNIPPET_EXPORTS: dict[str, tuple[dict[str, str], str, int]] = {
    "video_non_ascii": (
        {
            "chapter/ch.xml": '<chapter><sequential url_name="sq"/></chapter>',
            "sequential/sq.xml": (
                '<sequential><video youtube_id_1_0="x" sub="&#263;"/><html>hi</html> tail\n  <video/>\n'
                "</sequential>"
            ),
        },
        "sequential/sq",
        0,
    ),
    # The same export: the third child, whose tail (a line break) the reader hashes with it. (The
    # second, an html with text after it, is no block for the reader: "Extra content at the end".)
    "video_whitespace_tail": ({}, "sequential/sq", 2),
    "html_empty_url_name": (
        {
            "chapter/ch.xml": '<chapter><sequential url_name="sq"/></chapter>',
            "sequential/sq.xml": '<sequential><vertical url_name="v"/></sequential>',
            "vertical/v.xml": '<vertical><html url_name="" display_name="Intro"/></vertical>',
        },
        "vertical/v",
        0,
    ),
    "unnamed_vertical": (
        {
            "chapter/ch.xml": '<chapter><sequential url_name="sq"/></chapter>',
            "sequential/sq.xml": "<sequential><vertical/></sequential>",
        },
        "sequential/sq",
        0,
    ),
    "second_vertical_abc": (
        {
            "chapter/ch.xml": '<chapter><sequential url_name="sq"/></chapter>',
            "sequential/sq.xml": (
                "<sequential>"
                '<vertical display_name="abc"><problem url_name="exam1:2013_Spring:abc"/></vertical>'
                '<vertical display_name="abc"><problem url_name="exam2:2013_Spring:abc"/></vertical>'
                "</sequential>"
            ),
        },
        "sequential/sq",
        1,
    ),
    "second_sequential_s1": (
        {
            "chapter/ch.xml": '<chapter><sequential url_name="s1"/><sequential url_name="s1"/></chapter>',
            "sequential/s1.xml": "<sequential/>",
        },
        "chapter/ch",
        1,
    ),
    "second_problem_abc": (
        {
            "chapter/ch.xml": '<chapter><sequential url_name="sq"/></chapter>',
            "sequential/sq.xml": '<sequential><vertical url_name="v"/></sequential>',
            "vertical/v.xml": (
                '<vertical><problem url_name="problem_abc_0123456789ab"/>'
                '<problem url_name="problem_abc_0123456789ab"/></vertical>'
            ),
            "problem/problem_abc_0123456789ab.xml": '<problem display_name="p"/>',
        },
        "vertical/v",
        1,
    ),
}


def _key(usage_key: Any) -> str:
    return f"{usage_key.block_type}/{usage_key.block_id}"


def reader_tree(folder: Path) -> dict[str, list[str]]:
    """Every block the reader holds, by ``type/id``: its children's, in order (detached pages: none)."""
    _course, blocks = olx_reader.read_course(folder)
    return {
        _key(key): [_key(child) for child in block.children] if block.has_children else []
        for key, block in blocks.items()
    }


def _named(folder: Path, parent: str, position: int) -> str:
    """The ``type/id`` the reader gave the block at ``position`` under ``parent``."""
    _course, blocks = olx_reader.read_course(folder)
    by_key = {_key(key): block for key, block in blocks.items()}
    key = _key(by_key[parent].children[position])
    if not key.startswith("error/"):
        return key
    child = by_key[key]
    # A pointer to a file that is absent: the name is in the path the reader looked for.
    found = re.search(r"resource '([\w.-]+)/([\w.:-]+)\.xml' not found", child.error_msg)
    assert found, child.error_msg
    return f"{found[1]}/{found[2]}"


def reader_ids(tmp_path: Path) -> dict[str, Any]:
    exports = {name: reader_tree(platform_course(name)) for name in EXPORTS}
    snippets = {}
    for name in SNIPPETS:
        files, parent, position = _SNIPPET_EXPORTS[name]
        folder = tmp_path / ("video_non_ascii" if name == "video_whitespace_tail" else name)
        if not folder.is_dir():
            _export(folder, files)
        snippets[name] = _named(folder, parent, position)
    return {"exports": exports, "snippets": snippets}


def test_the_recorded_ids_are_the_readers(tmp_path: Path) -> None:
    computed = reader_ids(tmp_path)
    if os.environ.get("LC_WRITE_READER_IDS"):
        READER_IDS_FILE.parent.mkdir(parents=True, exist_ok=True)
        READER_IDS_FILE.write_text(json.dumps(computed, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    recorded = json.loads(READER_IDS_FILE.read_text(encoding="utf-8"))
    assert recorded == computed
