"""
The structure codec's incremental encoding: documents compressed in pieces that later encodes
reuse (``storage.deflate_pieces``), children stored as offsets (format 3), the previous format
still read. Whatever path an encode takes, its bytes decode to exactly the structure given.
"""

from __future__ import annotations

import hashlib
import random
import tracemalloc
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from bson import ObjectId, json_util

from lc_modulestore.storage import codec
from lc_modulestore.storage.codec import StructureEncoder, decode_structure, decode_structure_in_memory
from lc_modulestore.storage.deflate_pieces import PieceCache, adler32_combine
from lc_modulestore.storage.split_types import BlockData, BlockKey, EditInfo

_PREFIX = bytes.fromhex("0a0b0c0d")
_WHEN = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
FORMAT_2 = Path(__file__).parent / "data" / "codec_format2"
FORMAT_2_SHA256 = "da0f0a9ad3b1f1713ef6777a665a6ce98d1b73a25486cb3966fc01f89747de9b"


def _edit(log: int) -> dict[str, Any]:
    return {
        "edited_on": _WHEN,
        "edited_by": 7,
        "update_version": ObjectId(_PREFIX + log.to_bytes(8, "big")),
        "previous_version": None,
        "source_version": None,
        "original_usage": None,
        "original_usage_version": None,
    }


def _block(key: tuple[str, str], number: int, edit: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "block_type": key[0],
        "block_id": key[1],
        "definition": ObjectId(_PREFIX + number.to_bytes(8, "big")),
        "fields": fields,
        "defaults": {},
        "asides": {},
        "edit_info": edit,
    }


def _course(sections: int = 6, units: int = 5, leaves: int = 12) -> dict[str, Any]:
    """A course in Split's stored form, in outline order: sections > units > html leaves."""
    edit = _edit(1)
    blocks: list[dict[str, Any]] = []
    root = _block(("course", "course"), 1, edit, display_name="Course", children=[])
    blocks.append(root)
    number = 2
    for s in range(sections):
        section = _block(("chapter", f"s{s}"), number, edit, display_name=f"S{s}", start=_WHEN, children=[])
        root["fields"]["children"].append(["chapter", f"s{s}"])
        blocks.append(section)
        number += 1
        for u in range(units):
            unit = _block(("vertical", f"s{s}u{u}"), number, edit, display_name=f"U{u}", children=[])
            section["fields"]["children"].append(["vertical", f"s{s}u{u}"])
            blocks.append(unit)
            number += 1
            for leaf in range(leaves):
                key = ("html", f"s{s}u{u}h{leaf}")
                unit["fields"]["children"].append(list(key))
                blocks.append(_block(key, number, edit, display_name=f"H{leaf}"))
                number += 1
    return {
        "_id": ObjectId(_PREFIX + (100).to_bytes(8, "big")),
        "root": ["course", "course"],
        "previous_version": None,
        "original_version": ObjectId(_PREFIX + (100).to_bytes(8, "big")),
        "edited_by": 7,
        "edited_on": _WHEN,
        "schema_version": 1,
        "blocks": blocks,
    }


def _edited(structure: dict[str, Any], position: int, log: int) -> dict[str, Any]:
    """``structure`` with the block at ``position`` replaced by an edited copy (same key, children)."""
    blocks = list(structure["blocks"])
    old = blocks[position]
    blocks[position] = {
        **old,
        "fields": {**old["fields"], "display_name": f"edited {log}"},
        "edit_info": _edit(log),
        "definition": ObjectId(_PREFIX + (10_000 + log).to_bytes(8, "big")),
    }
    return {**structure, "_id": ObjectId(_PREFIX + (100 + log).to_bytes(8, "big")), "blocks": blocks}


@pytest.fixture(autouse=True)
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of a few blocks, so that these small courses are made of many."""
    monkeypatch.setattr(codec, "_PIECE_EVERY", 8)


def test_adler32_combine_is_zlibs() -> None:
    rng = random.Random(3)
    for _ in range(50):
        first, second = rng.randbytes(rng.randrange(0, 200_000)), rng.randbytes(rng.randrange(0, 70_000))
        combined = adler32_combine(zlib.adler32(first), zlib.adler32(second), len(second))
        assert combined == zlib.adler32(first + second)


def test_a_document_of_pieces_is_one_zlib_stream_and_reuses_unchanged_pieces() -> None:
    cache = PieceCache(3)
    pieces = [[b"[%d]" % (p * 10 + r) for r in range(10)] for p in range(20)]
    data = cache.document(b'{"a":[', pieces, b"]}")
    assert zlib.decompress(data) == b'{"a":[' + b",".join(b",".join(piece) for piece in pieces) + b"]}"
    kept = cache._compress(b"," + b",".join(pieces[5]))  # what the sixth piece compresses to
    pieces[12] = [b'"changed"', *pieces[12][1:]]
    again = cache.document(b'{"a":[', pieces, b"]}")
    assert orjson.loads(zlib.decompress(again))["a"][120] == "changed"
    assert kept.data in again  # an unchanged piece: its bytes as they were


def test_edits_in_place_encode_only_the_replaced_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    encoder = StructureEncoder()
    structure = _course()
    assert decode_structure(encoder.encode(structure)) == structure
    rows: list[str] = []
    make_row = StructureEncoder._row
    monkeypatch.setattr(
        StructureEncoder, "_row", lambda self, block: rows.append(block["block_id"]) or make_row(self, block)
    )
    rng = random.Random(5)
    for log in range(2, 12):
        positions = encoder.positions(structure)
        position = rng.randrange(len(structure["blocks"]))
        structure = _edited(structure, position, log)
        rows.clear()
        data = encoder.encode(structure, positions)
        assert rows == [structure["blocks"][position]["block_id"]]
        assert decode_structure(data) == structure


def test_blocks_moving_keep_the_pieces_after_them() -> None:
    encoder = StructureEncoder()
    structure = _course()
    before = encoder.encode(structure)
    blocks = structure["blocks"]
    unit = blocks[2]  # the first section's first unit: a leaf added at its end
    added = _block(("html", "added"), 99_999, _edit(2))
    grown = {
        **unit,
        "fields": {**unit["fields"], "children": [*unit["fields"]["children"], ["html", "added"]]},
    }
    end = 3 + len(unit["fields"]["children"])
    moved = {**structure, "blocks": [*blocks[:2], grown, *blocks[3:end], added, *blocks[end:]]}
    data = encoder.encode(moved)
    assert decode_structure(data) == moved
    # The second half of the course moved one row down: its rows (offsets) and pieces are unchanged.
    tail = zlib.decompress(before)[-2000:]
    assert tail in zlib.decompress(data)
    last = encoder._pieces._kept
    assert sum(piece.data in data for piece in last.values()) == len(last)


def test_an_encode_that_was_rolled_back_does_not_leak_into_the_next() -> None:
    """The compile after a rolled-back one patches the same previous structure, with the same encoder."""
    encoder = StructureEncoder()
    base = _course()
    encoder.encode(base)
    lost = _edited(base, 10, 2)
    encoder.encode(lost, encoder.positions(base))  # stored, then rolled back
    kept = _edited(base, 40, 3)
    data = encoder.encode(kept, encoder.positions(base))
    assert decode_structure(data) == kept


def test_the_previous_format_is_still_read() -> None:
    """
    Rows stored in format 2 (children as row numbers) decode to the structure they were written
    from: real bytes of the last format-2 encoder (tests/data/codec_format2/README.md says where
    they came from), not a conversion of today's output.
    """
    data = (FORMAT_2 / "structure.format2.zlib").read_bytes()
    assert hashlib.sha256(data).hexdigest() == FORMAT_2_SHA256  # the bytes as written, never regenerated
    assert orjson.loads(zlib.decompress(data))["format"] == 2 != codec.FORMAT
    expected = json_util.loads(
        (FORMAT_2 / "structure.expected.json").read_text(encoding="utf-8"),
        json_options=json_util.JSONOptions(tz_aware=True),
    )
    assert decode_structure(data) == expected

    in_memory = decode_structure_in_memory(data, BlockKey, BlockData, EditInfo)
    assert in_memory["root"] == BlockKey("course", "course")
    assert {name: in_memory[name] for name in ("_id", "previous_version", "assets")} == {
        name: expected[name] for name in ("_id", "previous_version", "assets")
    }
    blocks = in_memory["blocks"]
    assert list(blocks) == [BlockKey(b["block_type"], b["block_id"]) for b in expected["blocks"]]
    for stored in expected["blocks"]:
        block = blocks[BlockKey(stored["block_type"], stored["block_id"])]
        children = stored["fields"].get("children")
        fields = {
            **stored["fields"],
            **({"children": [BlockKey(*c) for c in children]} if children is not None else {}),
        }
        assert block.fields == fields
        assert (block.definition, block.defaults, block.asides) == (
            stored["definition"], stored["defaults"], stored["asides"],
        )  # fmt: skip
        assert vars(block.edit_info) == vars(EditInfo(**stored["edit_info"]))
    shared = BlockKey("html", "shared")
    assert blocks.all_parents()[shared] == [BlockKey("vertical", "v1"), BlockKey("vertical", "v2")]
    assert blocks.parent_map()[BlockKey("problem", "p1")] == BlockKey("vertical", "v1")
    assert BlockKey("html", "orphan") not in blocks.parent_map()

    # Today's encoder writes the same structure in today's format, which decodes the same.
    again = StructureEncoder().encode(decode_structure(data))
    assert orjson.loads(zlib.decompress(again))["format"] == codec.FORMAT
    assert decode_structure(again) == expected


def test_an_unknown_format_is_refused() -> None:
    document = orjson.loads(zlib.decompress(StructureEncoder().encode(_course(1, 1, 1))))
    document["format"] = 1
    with pytest.raises(ValueError, match="format 1"):
        decode_structure(zlib.compress(orjson.dumps(document)))


def test_the_encoder_keeps_its_rows_json_at_their_size() -> None:
    """What an encoder keeps between compiles (for every course a process compiled last) stays small."""
    structure = _course()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        encoder = StructureEncoder()
        data = encoder.encode(structure)
        kept = tracemalloc.get_traced_memory()[0] - before - len(data)
    finally:
        tracemalloc.stop()
    assert encoder._texts  # the rows' JSON, kept for the next encode
    assert kept < 1000 * len(structure["blocks"])  # rows, their JSON, the pieces: a few hundred bytes a block
