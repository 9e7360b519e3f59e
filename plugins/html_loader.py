"""Saved HTML pages: main text and metadata by trafilatura, given the page's bytes (it never fetches).

The extraction is the engine's (``briefing.api.extract_page``, the same the articles stage reads feed items'
pages with): title, author, site name and publication date from the page's own metadata (``og:*``,
``article:published_time``, JSON-LD, ``<title>``, bylines); the outlet falls back to the host of the page's URL
(its canonical link, ``og:url``, the browser's "saved from" mark, or the address it was fetched from). Scripts,
styles and navigation never reach the text.
"""

from __future__ import annotations

import re
from pathlib import Path

from briefing import Document, Loader, SourceError, api, hookimpl, stable_id

SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
# each comment ends at its first "-->" and is never re-read (a possessive loop): linear in the head's length
HTML_START = re.compile(rb"^\s*+(?:<\?xml[^>]*>\s*+)?(?:<!--.*?-->\s*+)*+<(?:!doctype\s+html|html|head|body)\b",
                        re.IGNORECASE | re.DOTALL)


def looks_like_html(head: bytes) -> bool:
    return bool(HTML_START.match(head))


@hookimpl
def briefing_loaders():
    return [Loader("html", load_page, frozenset(SUFFIXES), sniff=looks_like_html)]


def load_page(path, data, build=None):
    page = api.extract_page(data, path)
    docs = [Document(id=stable_id(page.url or Path(path).name, page.title, page.text[:200]), title=page.title,
                     text=page.text, outlet=page.outlet, url=page.url, author=page.author, published=page.published)]
    if page.cut:
        raise SourceError(page.cut, documents=docs)
    if page.truncated:
        raise SourceError("the page ends early (no closing </html>); the text before the cut was read",
                          documents=docs)
    return docs
