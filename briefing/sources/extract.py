"""Extract: a web page's bytes → its article (main text and metadata), by trafilatura; it never fetches.

In: the page's bytes, the address it came from (a file path or URL) and, from HTTP, the charset it was sent in.
Out: a :class:`Page` — the article's text, title, author, site name, publication time and URL, whether the page
says it is free to read (``isAccessibleForFree``), the page's visible text (to tell a consent wall), and whether
the page was cut short (by its sender, or by the parser at :data:`~briefing.sources.sanitize.MAX_DEPTH` levels of nesting). Used by the HTML loader for saved pages and by the articles stage for the pages behind
feed items.

Title, author, site name and date come from the page's own metadata (``og:*``, ``article:published_time``,
JSON-LD, ``<title>``, bylines); the outlet falls back to the host of the page's URL (its canonical link,
``og:url``, the browser's "saved from" mark, or the address it came from). Scripts, styles and navigation never
reach the text; nor do newsletter and promotion boxes inside the article, or its "Read more: …" links.
"""

from __future__ import annotations

import codecs
import html
import json
import re
from dataclasses import dataclass

import datetime as dt

from ..errors import SourceError
from .sanitize import MAX_DEPTH, host_outlet, html_to_text, http_url, one_line, parse_datetime
from .textdecode import decode

SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.IGNORECASE)
HTML_OPEN = re.compile(rb"<html\b", re.IGNORECASE)
HTML_CLOSE = re.compile(rb"</html\s*>", re.IGNORECASE)
DATE_META = ("article:published_time", "og:article:published_time", "datepublished", "pubdate",
             "publishdate", "dc.date.issued", "dc.date", "date", "sailthru.date", "parsely-pub-date")
# Elements inside an article that are not the article: newsletter sign-ups and promotion boxes (class or id words).
PROMO_WORDS = frozenset({"newsletter", "promo", "signup"})
WORD_SPLIT = re.compile(r"[^a-z0-9]+")
# Lines that only point elsewhere ("Read more: Looted colonial art: Germany to set up new contact office").
POINTER_LINE = re.compile(r"(?:read more|read also|see also|more on this)\s*:", re.IGNORECASE)
POINTER_MAX = 200  # characters: a longer line is a paragraph that happens to begin so
VISIBLE_CHARS = 20000  # the page's visible text kept (enough to tell a consent wall from an article)


@dataclass
class Page:
    text: str
    title: str
    outlet: str
    author: str
    published: dt.datetime | None
    url: str
    free: bool | None  # JSON-LD isAccessibleForFree, when the page says
    visible: str  # the page's visible text, menus and banners included (at most VISIBLE_CHARS)
    truncated: bool  # an <html> that never closes: the page was cut short
    cut: str = ""  # why the parser stopped before the end (nested deeper than MAX_DEPTH), when it did


def _meta(tree) -> dict[str, str]:
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        value = el.get("content")
        if key and value and key not in found:
            found[key] = value.strip()
    for el in tree.iter("link"):
        if (el.get("rel") or "").lower() == "canonical" and el.get("href"):
            found.setdefault("canonical", el.get("href").strip())
    return found


def _json_ld(tree) -> tuple[str, bool | None]:
    """The first ``datePublished`` and ``isAccessibleForFree`` of the page's JSON-LD."""
    date, free = "", None
    for el in tree.iter("script"):
        if (el.get("type") or "").lower() != "application/ld+json" or not el.text:
            continue
        try:
            data = json.loads(el.text)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than Python's stack
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if not date and isinstance(node.get("datePublished"), str):
                    date = node["datePublished"]
                flag = node.get("isAccessibleForFree")
                if free is None and isinstance(flag, (bool, str)):
                    free = flag if isinstance(flag, bool) else flag.strip().lower() not in ("false", "no", "0")
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return date, free


def _published(tree, meta: dict[str, str], ld_date: str):
    for key in DATE_META:
        if meta.get(key) and (when := parse_datetime(meta[key])):
            return when
    if (when := parse_datetime(ld_date)):
        return when
    for el in tree.iter("time"):
        if el.get("datetime") and (when := parse_datetime(el.get("datetime"))):
            return when
    return None


def _drop_promotions(tree) -> None:
    doomed = []
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in ("html", "body"):
            continue
        words = set(WORD_SPLIT.split(f"{el.get('class') or ''} {el.get('id') or ''}".lower()))
        if words & PROMO_WORDS:
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def _visible(tree) -> str:
    texts = tree.xpath("//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript "
                       "or ancestor::template)]")
    return " ".join(" ".join(texts).split())[:VISIBLE_CHARS]


def _text(data: bytes, address: str, charset: str | None) -> str:
    if charset:
        try:
            codecs.lookup(charset)
            return decode(data.decode(charset).encode("utf-8"), address)
        except (LookupError, UnicodeError):
            pass  # a charset the bytes do not follow: told from the bytes instead
    return decode(data, address)  # refuses binary data, copes with undeclared Latin-1 / Windows-1252


def _cut(error_log) -> str:
    """What libxml2 left unread: it stops reading at MAX_DEPTH (in time linear in the page), so the page is cut
    there, and says so ("" when read whole)."""
    limits = [e.message.strip() for e in error_log if e.type_name == "ERR_RESOURCE_LIMIT"]
    if not limits:
        return ""
    if "depth" in limits[0]:
        return f"the page is nested more than {MAX_DEPTH} levels deep: the text from there on was not read"
    return f"the page was read only in part: {limits[0]}"


def _page_url(meta: dict, data: bytes, address: str) -> str:
    """The page's own address: its og:url, its canonical link, the address a saved copy was saved from, or the
    address it was read at (the first that is an http(s) URL)."""
    saved = SAVED_FROM.search(data[:4096])
    return (http_url(meta.get("og:url", "")) or http_url(meta.get("canonical", ""))
            or (http_url(saved.group(1).decode("ascii", "replace")) if saved else "") or http_url(address))


def _body(found) -> str:
    """The extracted article's text without pointer lines ("Read more: …"), tidied as plain text."""
    body = (getattr(found, "text", None) or "") if found is not None else ""
    body = "\n".join(line for line in body.split("\n")
                     if not (len(line) <= POINTER_MAX and POINTER_LINE.match(line.strip())))
    return html_to_text(html.escape(body, quote=False))  # already plain text: tidy it, keep "<" and "&" as they are


def _named(meta: dict, key: str, found, attribute: str) -> str:
    """A one-line field of the page: its meta tag, else what the extraction found."""
    return one_line(html_to_text(meta.get(key, "") or (getattr(found, attribute, "") or "")))


def page(data: bytes, address: str, charset: str | None = None, require_text: bool = True) -> Page:
    """The article of a page; :class:`SourceError` when it is not HTML (or, with ``require_text``, has no text)."""
    import lxml.html  # (imported by the first page read: a day of feeds alone never needs them)
    import trafilatura

    text = _text(data, address, charset)
    parser = lxml.html.HTMLParser(collect_ids=False)
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise SourceError(f"not a readable HTML page: {exc}") from None
    cut = _cut(parser.error_log)
    meta = _meta(tree)
    ld_date, free = _json_ld(tree)
    visible = _visible(tree)
    published = _published(tree, meta, ld_date)
    page_url = _page_url(meta, data, address)
    _drop_promotions(tree)
    found = trafilatura.bare_extraction(tree, url=page_url or None, with_metadata=True, include_comments=False,
                                       include_tables=False, include_images=False, include_links=False)
    body = _body(found)
    if require_text and not body.strip():
        raise SourceError(cut or "no article text found in the page")
    title = _named(meta, "og:title", found, "title")
    if not title and body:
        title = one_line(body.split("\n", 1)[0])[:200]
    outlet = _named(meta, "og:site_name", found, "sitename") or host_outlet(page_url)
    author = _named(meta, "author", found, "author")
    if published is None and getattr(found, "date", None):
        published = parse_datetime(found.date)
    truncated = bool(HTML_OPEN.search(data[:4096]) and not HTML_CLOSE.search(data[-4096:]))
    return Page(text=body, title=title, outlet=outlet, author=author, published=published, url=page_url, free=free,
                visible=visible, truncated=truncated, cut=cut)
