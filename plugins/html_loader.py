"""Saved HTML pages: main text and metadata by trafilatura, given the page's bytes (it never fetches).

Title, author, site name and publication date come from the page's own metadata (``og:*``,
``article:published_time``, JSON-LD, ``<title>``, bylines); the outlet falls back to the host of the
page's URL (its canonical link, ``og:url``, the browser's "saved from" mark, or the address it was
fetched from). Scripts, styles and navigation never reach the text.
"""

from __future__ import annotations

import html
import json
import re

import lxml.html
import trafilatura
from pathlib import Path

from briefing import Document, Loader, SourceError, hookimpl, stable_id
from briefing.api import MAX_DEPTH, decode, host_outlet, html_to_text, http_url, one_line, parse_datetime

SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
# each comment ends at its first "-->" and is never re-read (a possessive loop): linear in the head's length
HTML_START = re.compile(rb"^\s*+(?:<\?xml[^>]*>\s*+)?(?:<!--.*?-->\s*+)*+<(?:!doctype\s+html|html|head|body)\b",
                        re.IGNORECASE | re.DOTALL)
HTML_OPEN = re.compile(rb"<html\b", re.IGNORECASE)
HTML_CLOSE = re.compile(rb"</html\s*>", re.IGNORECASE)
SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.IGNORECASE)
DATE_META = ("article:published_time", "og:article:published_time", "datepublished", "pubdate",
             "publishdate", "dc.date.issued", "dc.date", "date", "sailthru.date", "parsely-pub-date")


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


def _json_ld_date(tree) -> str:
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
                if isinstance(node.get("datePublished"), str):
                    return node["datePublished"]
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return ""


def _published(tree, meta: dict[str, str], fallback: str | None):
    for key in DATE_META:
        if meta.get(key) and (when := parse_datetime(meta[key])):
            return when
    if (when := parse_datetime(_json_ld_date(tree))):
        return when
    for el in tree.iter("time"):
        if el.get("datetime") and (when := parse_datetime(el.get("datetime"))):
            return when
    return parse_datetime(fallback) if fallback else None


def looks_like_html(head: bytes) -> bool:
    return bool(HTML_START.match(head))


@hookimpl
def briefing_loaders():
    return [Loader("html", load_page, frozenset(SUFFIXES), sniff=looks_like_html)]


def load_page(path, data, build=None):
    text = decode(data, path)  # refuses binary data, copes with undeclared Latin-1 / Windows-1252
    parser = lxml.html.HTMLParser(collect_ids=False)
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise SourceError(f"not a readable HTML page: {exc}") from None
    # libxml2 stops reading at MAX_DEPTH (and trafilatura's parse with it): the page is cut there, and says so
    limits = [e.message.strip() for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"]
    cut = (f"the page is nested more than {MAX_DEPTH} levels deep: the text from there on was not read"
           if limits and "depth" in limits[0] else f"the page was read only in part: {limits[0]}" if limits else "")
    meta = _meta(tree)
    saved = SAVED_FROM.search(data[:4096])
    page_url = (http_url(meta.get("og:url", "")) or http_url(meta.get("canonical", ""))
                or (http_url(saved.group(1).decode("ascii", "replace")) if saved else "") or http_url(path))
    found = trafilatura.bare_extraction(text, url=page_url or None, with_metadata=True, include_comments=False,
                                       include_tables=False, include_images=False, include_links=False)
    body = (getattr(found, "text", None) or "") if found is not None else ""
    body = html_to_text(html.escape(body, quote=False))  # already plain text: tidy it, keep "<" and "&" as they are
    if not body.strip():
        raise SourceError(cut or "no article text found in the page")
    title = one_line(html_to_text(meta.get("og:title", "") or (getattr(found, "title", "") or "")))
    if not title:
        title = one_line(body.split("\n", 1)[0])[:200]
    outlet = one_line(html_to_text(meta.get("og:site_name", "") or (getattr(found, "sitename", "") or "")))
    outlet = outlet or host_outlet(page_url)
    author = one_line(html_to_text(meta.get("author", "") or (getattr(found, "author", "") or "")))
    published = _published(tree, meta, getattr(found, "date", None))
    docs = [Document(id=stable_id(page_url or Path(path).name, title, body[:200]), title=title, text=body, outlet=outlet,
                     url=page_url, author=author, published=published)]
    if cut:
        raise SourceError(cut, documents=docs)
    if HTML_OPEN.search(data[:4096]) and not HTML_CLOSE.search(data[-4096:]):
        raise SourceError("the page ends early (no closing </html>); the text before the cut was read",
                          documents=docs)
    return docs
