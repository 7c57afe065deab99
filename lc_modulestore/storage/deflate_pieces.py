"""
One zlib stream made of separately compressed pieces, so that a document that changes in a few
places is recompressed in those places only.

Each piece is raw deflate from a compressor of its own, ended by a sync flush: it is byte-aligned,
never final, and refers to nothing before it. Such pieces, laid end to end between a zlib header
and an empty final block, are one valid deflate stream; its Adler-32 is combined from the pieces'
own. ``zlib.decompress`` reads the result as it reads any zlib data (the reader knows nothing of
the pieces), so a piece whose text did not change keeps its compressed bytes from one document to
the next. Compressing in pieces costs a few bytes a piece: the dictionary restarts with each.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import NamedTuple

__all__ = ["PieceCache", "adler32_combine"]

_HEADER = b"\x78\x5e"  # deflate, 32 KiB window, "fast" compression level, no preset dictionary
_FINAL = b"\x03\x00"  # an empty final block (fixed Huffman codes)
_ADLER_BASE = 65521


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of two texts end to end, from each one's and the second one's length (zlib's)."""
    remainder = second_length % _ADLER_BASE
    low = first & 0xFFFF
    high = (remainder * low) % _ADLER_BASE
    low = (low + (second & 0xFFFF) + _ADLER_BASE - 1) % _ADLER_BASE
    high = (high + (first >> 16) + (second >> 16) + _ADLER_BASE - remainder) % _ADLER_BASE
    return (high << 16) | low


class _Piece(NamedTuple):
    data: bytes  # raw deflate, sync-flushed
    adler: int  # Adler-32 of the text
    length: int  # of the text


class PieceCache:
    """
    Builds documents ``head + b",".join(piece texts) + tail`` as zlib data, keeping each piece's
    compressed bytes for the next document: a piece is compressed again only when its texts (the
    sequence of ``bytes`` it joins) differ from every piece of the previous document.
    """

    def __init__(self, level: int) -> None:
        self._level = level
        self._kept: dict[tuple[bool, tuple[bytes, ...]], _Piece] = {}

    def document(self, head: bytes, pieces: Sequence[Sequence[bytes]], tail: bytes) -> bytes:
        kept: dict[tuple[bool, tuple[bytes, ...]], _Piece] = {}
        parts = [self._compress(head)]
        for number, texts in enumerate(pieces):
            key = (number == 0, tuple(texts))  # every piece but the first starts with its comma
            piece = self._kept.get(key) or kept.get(key)
            if piece is None:
                joined = b",".join(texts)
                piece = self._compress(joined if number == 0 else b"," + joined)
            kept[key] = piece
            parts.append(piece)
        parts.append(self._compress(tail))
        self._kept = kept
        adler = 1
        for part in parts:
            adler = adler32_combine(adler, part.adler, part.length)
        return b"".join([_HEADER, *(part.data for part in parts), _FINAL, adler.to_bytes(4, "big")])

    def _compress(self, text: bytes) -> _Piece:
        compressor = zlib.compressobj(self._level, zlib.DEFLATED, -15)
        data = compressor.compress(text) + compressor.flush(zlib.Z_SYNC_FLUSH)
        return _Piece(data, zlib.adler32(text), len(text))
