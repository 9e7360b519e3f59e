"""Bytes → text for loaders: byte-order marks, UTF-8, then Windows-1252 or Latin-1; binary refused.

Line endings become ``\\n``; control, bidirectional and zero-width characters are dropped
(:func:`briefing.sources.sanitize.printable`), so no loader's text can carry them.
"""

from __future__ import annotations

import codecs
import re

from ..errors import SourceError
from .sanitize import printable

CONTROL = set(range(0, 32)) - {9, 10, 12, 13}
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 text with a few stray bytes (most high bytes form valid UTF-8 sequences)."""
    valid = sum(len(m) for m in UTF8_SEQUENCE.findall(data))
    return valid > 0 and valid >= 0.6 * len(HIGH_BYTE.findall(data))
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
            if _mostly_utf8(data):
                text = data.decode("utf-8", errors="replace")
            else:
                try:
                    text = data.decode("cp1252")
                except UnicodeDecodeError:
                    text = data.decode("latin-1")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return printable(text)
