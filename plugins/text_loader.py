"""Plain-text sources: the title on the first line, the article below, an optional "Source: Outlet" line."""

from __future__ import annotations

import re
from pathlib import Path

from briefing import Document, SourceError, hookimpl, stable_id
from briefing.textdecode import decode

SOURCE_LINE = re.compile(r"^\s*Source:\s*(?P<outlet>.+?)\s*$", re.MULTILINE)
NOT_OUTLETS = {"read full article", "read more", "read full story"}
SUFFIXES = {".txt", ".text"}


@hookimpl
def briefing_load_source(path, data):
    if Path(path).suffix.lower() not in SUFFIXES:
        return None
    text = decode(data, path)
    lines = text.strip("\n").split("\n")
    title = lines[0].strip()
    if not title:
        raise SourceError("no title on the first line")
    if len(title) > 300:
        title = title[:297].rstrip() + "…"
    outlet = ""
    for m in SOURCE_LINE.finditer(text):
        if m.group("outlet").strip().lower() not in NOT_OUTLETS:
            outlet = m.group("outlet").strip()
    body_start = text.index(lines[0]) + len(lines[0])
    body = text[body_start:]
    if not body.strip():
        raise SourceError("only a title, no text")
    return [Document(id=stable_id(title, body), title=title, text=body, outlet=outlet, path=path)]
