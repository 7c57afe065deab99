# Over 400 lines: the stored format's encoder and decoder side by side: a layout change changes both.
"""
Bytes for compiled documents, chosen for decode speed and size (docs/DESIGN.md §8).

A structure is stored as zlib-compressed orjson in a compact layout rather than Split's own:

* blocks are rows ``[type, block_id, definition, edit, fields, children]`` instead of dicts, so
  the key names are not repeated (and parsed) once per block;
* ``children`` are row offsets (a child's row number less its parent's), so each block id is
  stored once, not once more in its parent, and a row stays the same when rows before it move;
  a child that is no block of the structure (a conditional's show target the course does not
  hold, which Split lists all the same) is its ``[type, block_id]`` instead;
* block types, ObjectId prefixes and edit infos are tables the rows point into: a publish
  changes few blocks, so most blocks share a handful of edit infos;
* an ObjectId is a prefix number plus an integer; the compiler derives ids as a per-package
  prefix plus a sequence (PublishLog id, entity version id), which compresses to a few bytes
  instead of twelve random ones;
* the rows are compressed in pieces (:mod:`.deflate_pieces`) that later encodes reuse, still one
  zlib stream: an incremental compile recompresses only the pieces holding the blocks it changed.

``decode_structure`` gives back Split's stored form exactly (ObjectIds, aware datetimes, Date
fields by name); ``decode_structure_in_memory`` goes straight to Split's in-memory form
(``BlockKey`` → ``BlockData``) without building the stored form first, which is what a load costs.
Definitions are small and stored as plain orjson of their stored form.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from itertools import compress
from operator import is_not
from typing import Any

import orjson
from bson import ObjectId

from compile.fields import date_field_names
from compile.gc_pause import without_gc

from .deflate_pieces import PieceCache

__all__ = [
    "FORMAT",
    "LazyBlocks",
    "StructureEncoder",
    "decode_definition",
    "decode_structure",
    "decode_structure_in_memory",
    "decode_structure_in_memory_sized",
    "encode",
    "inflate",
    "stored_json",
]

FORMAT = 3  # 2: children as row numbers (still read)
_ABSOLUTE_CHILDREN = 2
_PIECE_EVERY = 256  # a piece starts at about one block in 256 (chosen by block id, so rows can move)
_EDIT_INFO_IDS = ("update_version", "previous_version", "source_version", "original_usage_version")
_STRUCTURE_IDS = ("_id", "previous_version", "original_version")
_LAYOUT_KEYS = frozenset({"_id", "root", "blocks", "previous_version", "original_version", "edited_by",
                          "edited_on", "schema_version"})  # fmt: skip
_DATE_FIELDS = date_field_names()
_NEW = object.__new__

type Positions = dict[tuple[str, str], int]  # block key → its place in a structure's block list


def _default(value: Any) -> Any:
    if isinstance(value, ObjectId):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in a compiled document")


def stored_json(document: dict[str, Any]) -> bytes:
    """A definition's (or any small document's) stored form, uncompressed: what :func:`encode` packs."""
    return orjson.dumps(document, default=_default)


def encode(document: dict[str, Any], level: int = 6) -> bytes:
    """A definition (or any small document): orjson of its stored form, compressed."""
    return zlib.compress(stored_json(document), level)


def inflate(data: bytes) -> bytes:
    """The stored JSON text: the physical floor of a load is ``orjson.loads(inflate(data))``."""
    return zlib.decompress(data)


def _offsets(block: dict[str, Any], positions: Positions, position: int) -> list[Any] | None:
    """A block's children as offsets from its own row (None: it has no children list)."""
    children = block["fields"].get("children")
    if children is None:
        return None
    try:
        return [positions[(child[0], child[1])] - position for child in children]
    except KeyError:  # a child that is no block of the structure
        return [
            offset - position if (offset := positions.get((child[0], child[1]))) is not None else list(child)
            for child in children
        ]


def _children(
    keys: list[Any], position: int, offsets: list[Any], key: Callable[[str, str], Any]
) -> list[Any]:
    """The keys of a row's children (``key`` makes one that is no block of the structure)."""
    try:
        return [keys[position + offset] for offset in offsets]
    except TypeError:  # a child stored as its [type, block_id] (see :func:`_offsets`)
        return [keys[position + o] if isinstance(o, int) else key(*o) for o in offsets]


def _row_json(row: list[Any]) -> bytes:
    """
    A row's JSON, kept by the encoder until the block changes: copied to its own size, as orjson
    returns small documents in buffers of kilobytes (40 MB for the rows of 10,000 blocks).
    """
    return memoryview(orjson.dumps(row, default=_default)).tobytes()


def _starts_piece(block_id: str) -> bool:
    """Whether a piece starts at this block: by its id, so pieces stay put when rows move."""
    return zlib.crc32(block_id.encode()) % _PIECE_EVERY == 0


def _pair(block_type: str, block_id: str) -> tuple[str, str]:
    return block_type, block_id


def _oid(value: str | None) -> ObjectId | None:
    return ObjectId(value) if value is not None else None


def _dates(fields: dict[str, Any]) -> dict[str, Any]:
    if not _DATE_FIELDS.isdisjoint(fields):
        for name in _DATE_FIELDS.intersection(fields):
            value = fields[name]
            if isinstance(value, str):
                fields[name] = datetime.fromisoformat(value)
    return fields


# --- structures ----------------------------------------------------------------------------------


class StructureEncoder:
    """
    Encodes the successive structures of one course, reusing what it encoded before: an incremental
    compile shares every unchanged block dict with the structure it patched, so those blocks' rows
    (and their JSON) are reused as they are, and only changed blocks and children lists are encoded
    again. The rows are compressed in pieces (see :mod:`.deflate_pieces`): a piece whose rows are
    all unchanged keeps its compressed bytes from the previous encode, so a publish that changes a
    few blocks compresses a few pieces, not the whole document. The tables (types, id prefixes,
    edit infos) only grow; once the edit table holds more than twice what a structure uses, the
    encoder starts afresh. The bytes decode the same either way.
    """

    def __init__(self, level: int = 3) -> None:
        self._level = level
        self._types: dict[str, int] = {}
        self._prefixes: dict[bytes, int] = {}
        self._edits: dict[tuple[Any, ...], int] = {}
        self._edit_of: dict[int, int] = {}  # id(edit_info) → row: the compiler shares one dict per edit
        self._edit_docs: list[dict[str, Any]] = []  # also keeps those dicts alive, so ids stay theirs
        # id(block) → (block, its row, the row's JSON, whether a piece starts at it)
        self._rows: dict[int, tuple[dict[str, Any], list[Any], bytes, bool]] = {}
        self._pieces = PieceCache(level)
        # The last structure encoded: its block list and positions (never mutated once encoded),
        # each place's JSON and edit row, where its pieces start, how many blocks use each edit.
        self._blocks: list[dict[str, Any]] = []
        self._positions: Positions | None = None
        self._texts: list[bytes] = []
        self._edit_rows: list[int] = []
        self._starts: list[int] = []
        self._edit_uses: dict[int, int] = {}
        self._looked_up: tuple[list[dict[str, Any]], Positions] | None = None

    def positions(self, structure: dict[str, Any]) -> Positions:
        """
        Each block key's place in ``structure["blocks"]`` (a structure this encoder encoded last or
        was given with): the compiler patches blocks in place with it, and the encode after that
        looks only at the places it changed.
        """
        blocks = structure["blocks"]
        if blocks is self._blocks and self._positions is not None:
            return self._positions
        if self._looked_up is None or self._looked_up[0] is not blocks:
            self._looked_up = (blocks, {(b["block_type"], b["block_id"]): i for i, b in enumerate(blocks)})
        return self._looked_up[1]

    @without_gc
    def encode(self, structure: dict[str, Any], positions: Positions | None = None) -> bytes:
        """
        ``structure`` (Split's stored form) → compressed bytes. zlib level 3: at 10,000 blocks about
        41 bytes a block, compressed in a third of level 6's time (38 bytes). ``positions`` (each
        block key's place in ``structure["blocks"]``, as the compiler gives it) is the very object
        of the last structure encoded when the blocks kept their places: only the places whose
        block changed are then looked at.
        """
        blocks = structure["blocks"]
        if positions is None:
            positions = {(b["block_type"], b["block_id"]): i for i, b in enumerate(blocks)}
        if positions is self._positions and len(blocks) == len(self._blocks):
            for position in compress(range(len(blocks)), map(is_not, blocks, self._blocks)):
                self._place(blocks, positions, position)
        else:
            self._encode_all(blocks, positions)
        self._blocks, self._positions = blocks, positions
        texts, starts = self._texts, self._starts
        pieces = [texts[start:end] for start, end in zip(starts, [*starts[1:], len(texts)], strict=True)]
        head = {
            "format": FORMAT,
            **{name: structure[name] for name in _STRUCTURE_IDS},
            "edited_by": structure["edited_by"],
            "edited_on": structure["edited_on"],
            "schema_version": structure["schema_version"],
            "root": positions[(structure["root"][0], structure["root"][1])],
            "types": list(self._types),
            "prefixes": [prefix.hex() for prefix in self._prefixes],
            "edits": self._edit_docs,
        }
        extra = {name: value for name, value in structure.items() if name not in _LAYOUT_KEYS}
        data = self._pieces.document(
            orjson.dumps(head, default=_default)[:-1] + b',"blocks":[',
            pieces,
            b"]," + orjson.dumps({"extra": extra}, default=_default)[1:],
        )
        used_edits = sum(1 for uses in self._edit_uses.values() if uses)
        if len(self._edit_docs) > 2 * used_edits + 32:
            self.__init__(self._level)  # type: ignore[misc]  # too many edits no block uses any more
        return data

    def _encode_all(self, blocks: list[dict[str, Any]], positions: Positions) -> None:
        """Every place looked at: blocks moved, or this encoder has not encoded their structure."""
        reused: dict[int, tuple[dict[str, Any], list[Any], bytes, bool]] = {}
        texts, edit_rows, starts = [], [], []
        for position, block in enumerate(blocks):
            cached = self._rows.get(id(block))
            if cached is not None and cached[0] is block:
                _, row, text, starts_piece = cached
            else:
                row, text, starts_piece = self._row(block), b"", _starts_piece(block["block_id"])
            offsets = _offsets(block, positions, position)
            if not text or offsets != row[5]:
                row[5] = offsets
                text = _row_json(row)
            reused[id(block)] = (block, row, text, starts_piece)
            if starts_piece or not position:
                starts.append(position)
            texts.append(text)
            edit_rows.append(row[3])
        self._rows, self._texts, self._edit_rows, self._starts = reused, texts, edit_rows, starts
        self._edit_uses = dict(Counter(edit_rows))

    def _place(self, blocks: list[dict[str, Any]], positions: Positions, position: int) -> None:
        """The block at ``position`` is new (its key and its place are the previous one's)."""
        block = blocks[position]
        self._rows.pop(id(self._blocks[position]), None)
        row = self._row(block)
        row[5] = _offsets(block, positions, position)
        text = _row_json(row)
        self._rows[id(block)] = (block, row, text, _starts_piece(block["block_id"]))
        self._texts[position] = text
        self._edit_uses[self._edit_rows[position]] -= 1
        self._edit_rows[position] = row[3]
        self._edit_uses[row[3]] = self._edit_uses.get(row[3], 0) + 1

    def _row(self, block: dict[str, Any]) -> list[Any]:
        fields = block["fields"]
        if "children" in fields:
            fields = {name: value for name, value in fields.items() if name != "children"}
        binary = block["definition"].binary
        prefix = self._prefixes.setdefault(binary[:4], len(self._prefixes))
        number = int.from_bytes(binary[4:], "big")
        edit_info = block["edit_info"]
        edit_row = self._edit_of.get(id(edit_info))
        if edit_row is None:
            edit = tuple(edit_info.items())
            if edit not in self._edits:
                self._edits[edit] = len(self._edits)
                self._edit_docs.append(edit_info)
            edit_row = self._edit_of[id(edit_info)] = self._edits[edit]
        row = [
            self._types.setdefault(block["block_type"], len(self._types)),
            block["block_id"],
            number if prefix == 0 else [prefix, number],
            edit_row,
            fields,
            None,  # children: row offsets, set on every encode (rows move when blocks come and go)
        ]
        if block["defaults"] or block["asides"]:
            row += [block["defaults"], block["asides"]]
        return row


def _load(data: bytes) -> dict[str, Any]:
    return _parse(inflate(data))


def _parse(text: bytes) -> dict[str, Any]:
    """The stored JSON of a structure, in the current format (format 2's children converted)."""
    document: dict[str, Any] = orjson.loads(text)
    if document.get("format") == _ABSOLUTE_CHILDREN:
        for position, row in enumerate(document["blocks"]):
            if row[5] is not None:
                row[5] = [child - position for child in row[5]]
    elif document.get("format") != FORMAT:
        raise ValueError(f"compiled structure in format {document.get('format')}, expected {FORMAT}")
    return document


def _edit_info(edit: dict[str, Any]) -> dict[str, Any]:
    edit["edited_on"] = datetime.fromisoformat(edit["edited_on"])
    for name in _EDIT_INFO_IDS:
        edit[name] = _oid(edit[name])
    return edit


def _top(document: dict[str, Any]) -> dict[str, Any]:
    top: dict[str, Any] = {name: _oid(document[name]) for name in _STRUCTURE_IDS}
    top.update(
        edited_by=document["edited_by"],
        edited_on=datetime.fromisoformat(document["edited_on"]),
        schema_version=document["schema_version"],
        **document["extra"],
    )
    return top


def _definition_id(prefixes: list[bytes], value: int | list[int]) -> ObjectId:
    prefix, number = (0, value) if isinstance(value, int) else value
    return ObjectId(prefixes[prefix] + number.to_bytes(8, "big"))


@without_gc
def decode_structure(data: bytes) -> dict[str, Any]:
    """A structure in Split's stored form (``blocks`` a list of dicts, ``root`` a list)."""
    document = _load(data)
    types = document["types"]
    prefixes = [bytes.fromhex(p) for p in document["prefixes"]]
    edits = [_edit_info(edit) for edit in document["edits"]]
    rows = document["blocks"]
    keys = [[types[row[0]], row[1]] for row in rows]
    blocks = []
    for position, (row, key) in enumerate(zip(rows, keys, strict=True)):
        fields = _dates(row[4])
        if row[5] is not None:
            fields["children"] = [list(child) for child in _children(keys, position, row[5], _pair)]
        blocks.append(
            {
                "block_type": key[0],
                "block_id": key[1],
                "definition": _definition_id(prefixes, row[2]),
                "fields": fields,
                "defaults": row[6] if len(row) > 6 else {},
                "asides": row[7] if len(row) > 7 else {},
                "edit_info": edits[row[3]],  # shared by the blocks of one edit: never mutate
            }
        )
    structure = _top(document)
    structure["root"] = list(keys[document["root"]])
    structure["blocks"] = blocks
    return structure


class LazyBlocks(Mapping[Any, Any]):
    """
    ``structure["blocks"]`` of a decoded structure: BlockKey → BlockData, each BlockData built the
    first time it is asked for. Decoding a structure then costs little more than parsing its JSON,
    and serving one block of a 20,000-block course builds a handful of BlockData, not 20,000.
    A read-only snapshot: Split, which mutates what it gets, is handed real dicts of copies.
    """

    __slots__ = ("_blocks", "_edits", "_index", "_key", "_keys", "_make", "_prefixes", "_rows")

    def __init__(
        self, keys: list[Any], rows: list[Any], edits: list[Any], prefixes: list[bytes], block_data: type
    ):
        # Split looks children up among the blocks' keys: one that is no block gets the same class.
        self._key = lambda block_type, block_id: tuple.__new__(type(keys[0]), (block_type, block_id))
        self._keys = keys
        self._rows = rows
        self._edits = edits
        self._prefixes = prefixes
        self._make = block_data
        self._index = dict(zip(keys, range(len(keys)), strict=True))
        self._blocks: list[Any] = [None] * len(keys)

    def __getitem__(self, key: Any) -> Any:
        position = self._index[key]
        block = self._blocks[position]
        if block is None:
            block = self._blocks[position] = self._build(position)
        return block

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[Any]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def _build(self, position: int) -> Any:
        row = self._rows[position]
        fields = _dates(row[4])
        if row[5] is not None:
            fields["children"] = _children(self._keys, position, row[5], self._key)
        block: Any = _NEW(self._make)
        block.__dict__ = {
            "definition_loaded": False,
            "fields": fields,
            "block_type": self._keys[position][0],
            "definition": _definition_id(self._prefixes, row[2]),
            "defaults": row[6] if len(row) > 6 else {},
            "asides": row[7] if len(row) > 7 else {},
            "edit_info": self._edits[row[3]],
        }
        return block

    def parent_map(self) -> dict[Any, Any]:
        """{child BlockKey: parent BlockKey}, read from the rows without building any block."""
        keys, key = self._keys, self._key
        return {
            child: keys[i]
            for i, row in enumerate(self._rows)
            if row[5]
            for child in _children(keys, i, row[5], key)
        }

    def all_parents(self) -> dict[Any, list[Any]]:
        """{child BlockKey: every block listing it, in structure order}, without building any block."""
        keys, key = self._keys, self._key
        parents: dict[Any, list[Any]] = {}
        for i, row in enumerate(self._rows):
            if row[5]:
                for child in _children(keys, i, row[5], key):
                    parents.setdefault(child, []).append(keys[i])
        return parents


def decode_structure_in_memory(
    data: bytes, block_key: type, block_data: type, edit_info: type
) -> dict[str, Any]:
    """
    Split's in-memory form (``structure_from_mongo``) straight from the bytes: ``root`` and
    ``children`` BlockKeys, ``blocks`` a :class:`LazyBlocks` mapping of BlockKey → BlockData. Blocks
    that share an edit info share one EditInfo object: the result is a read-only snapshot.
    """
    return decode_structure_in_memory_sized(data, block_key, block_data, edit_info)[0]


@without_gc
def decode_structure_in_memory_sized(
    data: bytes, block_key: type, block_data: type, edit_info: type
) -> tuple[dict[str, Any], int]:
    """:func:`decode_structure_in_memory`, with the length of the JSON it inflated (a cache's size of it)."""
    text = inflate(data)
    length = len(text)
    document = _parse(text)
    del text  # the document holds it all now
    types = document["types"]
    prefixes = [bytes.fromhex(p) for p in document["prefixes"]]
    edits = [edit_info(**_edit_info(edit)) for edit in document["edits"]]
    rows = document["blocks"]
    make_key = tuple.__new__
    keys: list[Any] = [make_key(block_key, (types[row[0]], row[1])) for row in rows]
    structure = _top(document)
    structure["root"] = keys[document["root"]]
    structure["blocks"] = LazyBlocks(keys, rows, edits, prefixes, block_data)
    return structure, length


# --- definitions ---------------------------------------------------------------------------------


def decode_definition(data: bytes) -> dict[str, Any]:
    definition: dict[str, Any] = orjson.loads(inflate(data))
    definition["_id"] = ObjectId(definition["_id"])
    _dates(definition["fields"])
    edit_info = definition["edit_info"]
    edit_info["edited_on"] = datetime.fromisoformat(edit_info["edited_on"])
    edit_info["previous_version"] = _oid(edit_info["previous_version"])
    edit_info["original_version"] = _oid(edit_info["original_version"])
    return definition
