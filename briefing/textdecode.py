"""Bytes → text for loaders: byte-order marks, UTF-8, then Windows-1252 or Latin-1; binary refused."""

from __future__ import annotations

import codecs

from .errors import SourceError

CONTROL = set(range(0, 32)) - {9, 10, 12, 13}
NOT_CONTROL = bytes(b for b in range(256) if b not in CONTROL)


def decode(data: bytes, name: str = "") -> str:
    """Decode a text source, normalising line endings; raises SourceError for binary data."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    else:
        sample = data[:65536]
        if b"\x00" in sample or len(sample.translate(None, NOT_CONTROL)) > max(8, len(sample) // 100):
            raise SourceError("binary data, not text")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")
