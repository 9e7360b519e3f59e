"""RSS and Atom feeds: one document per item, read by feedparser from bytes (it never fetches).

Feedparser is never shown a document type declaration. Its own encoding detection first turns the bytes into
UTF-8 (the same bytes it would read); expat then reads the prolog (everything before the first element): a
DOCTYPE with an internal subset, where entities are declared, is refused there, by the parser, whatever the
encoding or the length of the comments before it; a bare reference to an external DTD (RSS 0.91's) is
dropped unread. Feedparser gets a prolog of our own (the XML declaration alone) followed by the document from
its first element on, so neither its strict nor its loose parser has any entity of the feed's to expand.

Character references to code points XML forbids (``&#xD800;``, ``&#0;``) and raw control bytes are replaced
(by U+FFFD) or dropped before parsing, so they cost no item; the feed is reported as repaired, with the first
one and its line. An item whose HTML is nested deeper than :data:`briefing.api.MAX_DEPTH` is left out and
named. Feedparser's own HTML sanitizer is off: every field goes through :func:`briefing.api.html_text`
(a real sanitizer, in linear time), which removes every tag anyway.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import xml.parsers.expat
from pathlib import Path

from briefing import Document, Loader, SourceError, api, hookimpl, stable_id

SUFFIXES = {".xml", ".rss", ".atom", ".feed"}
FEED_START = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.IGNORECASE)
DECLARATION = b"<?xml version='1.0' encoding='utf-8'?>\n"
# A numeric character reference, and the raw bytes XML 1.0 never allows (C0 controls but tab, LF, CR).
# (feedparser's loose parser reads one without its ";" too, so that is matched as well)
CHAR_REF = re.compile(rb"&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));?")
RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REFUSED = "refused: the feed declares XML entities or a DTD of its own (the shape of an entity-expansion bomb)"


def plain(fragment: str) -> str:
    """Feed HTML → plain text."""
    return api.html_to_text(fragment)


def _xml_char(code: int) -> bool:
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


class _FirstElement(Exception):
    def __init__(self, offset: int):
        self.offset = offset


class _DeclaresDTD(Exception):
    pass


def body_start(data: bytes) -> int:
    """Where the first element of UTF-8 ``data`` begins, as expat reads it; raises SourceError for a DOCTYPE
    with an internal subset (or any declaration), and returns -1 when the prolog is not well-formed."""
    parser = xml.parsers.expat.ParserCreate(encoding="utf-8")

    def doctype(name, system_id, public_id, has_internal_subset):
        if has_internal_subset:
            raise _DeclaresDTD()

    def declaration(*args):
        raise _DeclaresDTD()

    def element(name, attributes):
        raise _FirstElement(parser.CurrentByteIndex)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = declaration
    parser.UnparsedEntityDeclHandler = declaration
    parser.NotationDeclHandler = declaration
    parser.ElementDeclHandler = declaration
    parser.AttlistDeclHandler = declaration
    parser.StartElementHandler = element
    try:
        parser.Parse(data, True)
    except _FirstElement as found:
        return found.offset
    except _DeclaresDTD:
        raise SourceError(REFUSED) from None
    except xml.parsers.expat.ExpatError:
        return -1
    return -1  # no element at all


def _added_lines(data: bytes, encoding: str) -> int:
    """1 when feedparser's conversion put a declaration line of its own before the feed (it had none)."""
    try:
        head = data[:256].decode(encoding, "ignore").lstrip("\ufeff")
    except LookupError:
        return 0
    return 0 if head.startswith("<?xml") else 1


def safe_xml(data: bytes) -> tuple[bytes, str]:
    """The feed as feedparser may read it (our prolog, the feed's elements, forbidden characters repaired),
    and what was repaired ("" when nothing was)."""
    result: dict = {}
    from feedparser.encodings import convert_to_utf8  # (feedparser is imported when a feed is read)

    utf8 = convert_to_utf8({}, data.lstrip(), result)  # (white space before "<?xml" would hide the declaration)
    if not result.get("encoding"):
        raise SourceError("not a readable feed: its character encoding is unknown")
    start = body_start(utf8.lstrip())
    if start >= 0:
        start += len(utf8) - len(utf8.lstrip())
    else:  # a damaged prolog: the feed is read from its root element, and nothing before it is kept
        found = FEED_START.search(utf8)
        if found is None:
            raise SourceError("not a readable feed: no <rss>, <feed> or <rdf:RDF> element")
        start = found.start()
    body = utf8[start:]
    first: list[tuple[int, bytes]] = []
    count = 0

    def char_ref(m: re.Match) -> bytes:
        nonlocal count
        digits = (m.group(1) or m.group(2)).lstrip(b"0") or b"0"
        if len(digits) <= 7:  # longer is past U+10FFFF (and too long to convert cheaply)
            if _xml_char(int(digits, 16) if m.group(1) else int(digits)):
                return m.group(0)
        count += 1
        if not first:
            first.append((m.start(), m.group(0)[:20]))
        return b"&#xFFFD;"

    def raw(m: re.Match) -> bytes:
        nonlocal count
        count += 1
        if not first:
            first.append((m.start(), repr(m.group(0))[1:].encode()))
        return b""

    body = RAW_CONTROL.sub(raw, CHAR_REF.sub(char_ref, body))
    repaired = ""
    if count:
        at, what = first[0]
        line = utf8.count(b"\n", 0, start + at) + 1 - _added_lines(data.lstrip(), result["encoding"])
        repaired = (f"{count} character(s) XML does not allow replaced or dropped (the first, "
                    f"{what.decode('ascii', 'replace')}, on line {line})")
    return DECLARATION + body, repaired


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


def _item(entry, outlet: str) -> tuple[Document | None, str]:
    """One feed item as a document, or why it is left out (None and "" for an item with no title and no text)."""
    title, title_problem = api.html_text(entry.get("title", ""))
    title = title[:300]
    summary = entry.get("summary", "") or ""
    if entry.get("content"):
        summary = max((c.get("value", "") for c in entry.content), key=len) or summary
    text, problem = api.html_text(summary)
    problem = title_problem or problem
    if problem:
        return None, f"item {(title or text)[:60]!r}: {problem}"
    if not title and not text:
        return None, ""
    link = entry.get("link", "")
    if not link.lower().startswith(("http://", "https://")):
        link = ""
    return Document(
        id=stable_id(outlet, title, link),
        title=title or text[:80],
        text=text,
        outlet=outlet,
        url=link,
        author=plain(entry.get("author", "")),
        published=_published(entry),
        origin="feed",
    ), ""


def load_feed(path, data, build=None):
    import feedparser

    xml_bytes, repaired = safe_xml(data)
    try:
        parsed = feedparser.parse(xml_bytes, resolve_relative_uris=False, sanitize_html=False)
    except (ValueError, UnicodeError, RecursionError) as exc:  # a verdict on the feed, not a failing plugin
        raise SourceError(f"not a readable feed: {type(exc).__name__}: {str(exc)[:200]}") from None
    damage = parsed.get("bozo_exception") if parsed.get("bozo") else None
    notes = (feedparser.CharacterEncodingOverride, feedparser.CharacterEncodingUnknown, feedparser.NonXMLContentType)
    if isinstance(damage, notes):
        damage = None  # an undeclared or wrongly declared encoding that feedparser has coped with
    if not parsed.entries:
        raise SourceError(f"not a readable feed: {damage}" if damage else "a feed with no items")
    outlet = (plain(parsed.feed.get("title", "")) or api.host_outlet(parsed.feed.get("link", ""))
              or api.host_outlet(path) or Path(path).stem)
    docs = []
    left_out: list[str] = []
    for entry in parsed.entries:
        doc, problem = _item(entry, outlet)
        if problem:
            left_out.append(problem)
        elif doc is not None:
            docs.append(doc)
    if damage is not None:
        raise SourceError(f"damaged feed ({damage}); {len(docs)} item(s) read before the damage"
                          + "".join(f"; {x}" for x in [repaired, *left_out] if x), documents=docs)
    if left_out or repaired:
        what = "; ".join(x for x in [*left_out, repaired] if x)
        raise SourceError(f"{len(left_out)} item(s) left out, {len(docs)} read: {what}" if left_out
                          else f"repaired: {what}; all {len(docs)} item(s) read", documents=docs)
    return docs
