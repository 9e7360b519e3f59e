"""RSS and Atom feeds: one document per item, read by feedparser from bytes (it never fetches)."""

from __future__ import annotations

import calendar
import datetime as dt
import html
import re
from pathlib import Path

import feedparser
import nh3

from briefing import Document, SourceError, hookimpl, stable_id
from briefing.sanitize import host_outlet, path_suffix

SUFFIXES = {".xml", ".rss", ".atom", ".feed"}
FEED_START = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.IGNORECASE)
OPML_START = re.compile(rb"<opml\b", re.IGNORECASE)
# Files other loaders own are never sniffed as feeds, even when their text mentions "<rss".
OTHER_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".json", ".opml", ".csv"}
# Feeds have no use for their own entities; a declaration is how an entity-expansion bomb starts.
ENCODING_NOTES = (feedparser.CharacterEncodingOverride, feedparser.CharacterEncodingUnknown,
                  feedparser.NonXMLContentType)
ENTITY_DECLARATION = re.compile(rb"<!ENTITY\b", re.IGNORECASE)
SPACE = re.compile(r"[ \t\f\v]+")
# paragraph breaks: closing block tags, and an opening <p> (a standfirst often runs straight into it)
BLOCK_END = re.compile(r"<(?:/p|br\s*/?|/li|/div|/h[1-6]|/blockquote|/tr)\s*>|<p(?:\s[^>]*)?>", re.IGNORECASE)


def plain(fragment: str) -> str:
    """Feed HTML → plain text: every tag removed by a real sanitizer, entities decoded."""
    cleaned = nh3.clean(BLOCK_END.sub("\n\n", fragment or ""), tags=set(), strip_comments=True)
    text = html.unescape(cleaned)
    lines = (SPACE.sub(" ", line).strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _published(entry) -> dt.datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.timezone.utc)
    return None


@hookimpl
def briefing_load_source(path, data):
    suffix = path_suffix(path)
    if suffix not in SUFFIXES and (suffix in OTHER_SUFFIXES or not FEED_START.search(data[:4096])):
        return None
    if OPML_START.search(data[:4096]):
        return None  # an OPML list saved as .xml: the OPML loader's
    if ENTITY_DECLARATION.search(data[:262144]):
        raise SourceError("refused: the feed declares XML entities (the shape of an entity-expansion bomb)")
    parsed = feedparser.parse(data, resolve_relative_uris=False, sanitize_html=True)
    damage = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if isinstance(damage, ENCODING_NOTES):
        damage = None  # an undeclared or wrongly declared encoding that feedparser has coped with
    if not parsed.entries:
        raise SourceError(f"not a readable feed: {damage}" if damage else "a feed with no items")
    outlet = (plain(parsed.feed.get("title", "")) or host_outlet(parsed.feed.get("link", ""))
              or host_outlet(path) or Path(path).stem)
    docs = []
    for entry in parsed.entries:
        title = plain(entry.get("title", ""))[:300]
        summary = entry.get("summary", "") or ""
        if entry.get("content"):
            summary = max((c.get("value", "") for c in entry.content), key=len) or summary
        text = plain(summary)
        if not title and not text:
            continue
        link = entry.get("link", "")
        if not link.lower().startswith(("http://", "https://")):
            link = ""
        docs.append(Document(
            id=stable_id(outlet, title, link),
            title=title or text[:80],
            text=text,
            outlet=outlet,
            url=link,
            author=plain(entry.get("author", "")),
            published=_published(entry),
        ))
    if damage is not None:
        raise SourceError(f"damaged feed ({damage}); {len(docs)} item(s) read before the damage", documents=docs)
    return docs
