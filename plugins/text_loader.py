"""Plain-text sources: the title on the first line, the article below, an optional "Source: Outlet" line.

Right under the title, optional header lines give the rest of the metadata and are not part of the text:
``URL: https://…``, ``Published: 2023-03-19T10:15:00Z`` (or ``Date:``, ISO 8601 or RFC 2822), ``Author: …``.
"""

from __future__ import annotations

import re

from briefing import Document, Loader, SourceError, hookimpl, stable_id
from briefing.api import decode, http_url, parse_datetime

# Both read in time linear in the text: a line's start is tried once (its own indentation, not the blank
# lines before it), the space after "Source:" is skipped once, and a value runs to its last visible character.
SOURCE_LINE = re.compile(r"^[^\S\n]*Source:(?>\s*)(?P<outlet>.*\S)", re.MULTILINE)
HEADER = re.compile(r"^(?P<key>url|link|published|date|author|by)[ \t]*:[ \t]*(?P<value>\S(?:.*[^ \t])?)[ \t]*$",
                    re.IGNORECASE)
NOT_OUTLETS = {"read full article", "read more", "read full story"}
SUFFIXES = {".txt", ".text"}


@hookimpl
def briefing_loaders():
    return [Loader("text", load_text, frozenset(SUFFIXES))]


def load_text(path, data, build=None):
    text = decode(data, path)
    lines = text.strip("\n").split("\n")
    title = lines[0].strip()
    if not title:
        raise SourceError("no title on the first line")
    outlet = ""
    for m in SOURCE_LINE.finditer(text):
        if m.group("outlet").strip().lower() not in NOT_OUTLETS:
            outlet = m.group("outlet").strip()
    body_start = text.index(lines[0]) + len(lines[0])
    header, body_start = _header(text, body_start)
    body = text[body_start:]
    if not body.strip():
        raise SourceError("only a title, no text")
    published = None
    if header.get("published"):
        published = parse_datetime(header["published"])
        if published is None:
            raise SourceError(f"the Published line is not a date: {header['published'][:60]!r}")
    return [Document(id=stable_id(title, body), title=title, text=body, outlet=outlet, path=path,
                     url=http_url(header.get("url", "")), author=header.get("author", ""), published=published)]


def _header(text: str, start: int) -> tuple[dict[str, str], int]:
    """The metadata lines right under the title, and where the text begins after them."""
    found: dict[str, str] = {}
    pos = start
    for line in text[start:].split("\n"):
        end = pos + len(line) + 1
        m = HEADER.match(line)
        if m:
            key = {"link": "url", "date": "published", "by": "author"}.get(m["key"].lower(), m["key"].lower())
            found.setdefault(key, m["value"])
            start = end
        elif line.strip():
            break
        pos = end
    return found, min(start, len(text))
