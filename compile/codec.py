"""
Bytes for compiled documents: orjson, zlib-compressed, chosen for decode speed (DESIGN §8).

JSON has no ObjectId or datetime, so ids travel as 24-hex strings and dates as RFC 3339 strings;
``decode_*`` restores them at the places Split's stored form has them (SPLIT_CONTRACT §1), and
Date-typed fields inside ``fields`` by name, so a decoded document equals the one encoded.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

import orjson
from bson import ObjectId

from .fields import date_field_names

__all__ = ["decode_definition", "decode_structure", "encode", "inflate"]

_EDIT_INFO_IDS = ("update_version", "previous_version", "source_version", "original_usage_version")
_STRUCTURE_IDS = ("_id", "previous_version", "original_version")
_DATE_FIELDS = date_field_names()


def _default(value: Any) -> Any:
    if isinstance(value, ObjectId):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in a compiled document")


def encode(document: dict[str, Any], level: int = 6) -> bytes:
    return zlib.compress(orjson.dumps(document, default=_default), level)


def inflate(data: bytes) -> bytes:
    """The stored JSON text: the physical floor of a load is ``orjson.loads(inflate(data))``."""
    return zlib.decompress(data)


def _oid(value: str | None) -> ObjectId | None:
    return ObjectId(value) if value is not None else None


def _dates(fields: dict[str, Any]) -> dict[str, Any]:
    for name in _DATE_FIELDS.intersection(fields):
        value = fields[name]
        if isinstance(value, str):
            fields[name] = datetime.fromisoformat(value)
    return fields


def decode_structure(data: bytes) -> dict[str, Any]:
    """A structure document in Split's stored form (``blocks`` a list, ``root`` a list)."""
    structure = orjson.loads(inflate(data))
    for name in _STRUCTURE_IDS:
        structure[name] = _oid(structure[name])
    structure["edited_on"] = datetime.fromisoformat(structure["edited_on"])
    for block in structure["blocks"]:
        block["definition"] = ObjectId(block["definition"])
        _dates(block["fields"])
        edit_info = block["edit_info"]
        edit_info["edited_on"] = datetime.fromisoformat(edit_info["edited_on"])
        for name in _EDIT_INFO_IDS:
            edit_info[name] = _oid(edit_info[name])
    return structure


def decode_definition(data: bytes) -> dict[str, Any]:
    definition = orjson.loads(inflate(data))
    definition["_id"] = ObjectId(definition["_id"])
    _dates(definition["fields"])
    edit_info = definition["edit_info"]
    edit_info["edited_on"] = datetime.fromisoformat(edit_info["edited_on"])
    edit_info["previous_version"] = _oid(edit_info["previous_version"])
    edit_info["original_version"] = _oid(edit_info["original_version"])
    return definition
