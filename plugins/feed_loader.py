"""RSS and Atom feeds: one document per item, read by feedparser from bytes (it never fetches)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path

import feedparser

from briefing import Document, Loader, SourceError, hookimpl, stable_id
from briefing.api import host_outlet, html_to_text

SUFFIXES = {".xml", ".rss", ".atom", ".feed"}
FEED_START = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.IGNORECASE)
# Feeds have no use for their own entities; a declaration is how an entity-expansion bomb starts.
ENCODING_NOTES = (feedparser.CharacterEncodingOverride, feedparser.CharacterEncodingUnknown,
                  feedparser.NonXMLContentType)
ENTITY_DECLARATION = re.compile(rb"<!ENTITY\b", re.IGNORECASE)
plain = html_to_text  # feed HTML → plain text


def _published(entry) -> dt.datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.timezone.utc)
    return None


def looks_like_feed(head: bytes) -> bool:
    return bool(FEED_START.search(head))


@hookimpl
def briefing_loaders():
    return [Loader("feed", load_feed, frozenset(SUFFIXES), sniff=looks_like_feed)]


def load_feed(path, data, build=None):
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
            origin="feed",
        ))
    if damage is not None:
        raise SourceError(f"damaged feed ({damage}); {len(docs)} item(s) read before the damage", documents=docs)
    return docs
