"""Markdown articles with optional front matter: title, source (outlet), url, date, author.

Front matter is TOML between ``+++`` lines (read by tomllib) or simple ``key: value`` lines between ``---``
lines (read by a small parser that only ever makes strings: no YAML objects, no code). Without a title
there, the first heading (or first line) is the title. The body is rendered by markdown-it and reduced to
plain text by a sanitizer, so raw HTML in the source (scripts, links, images) never gets through.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache

from briefing import Document, Loader, SourceError, hookimpl, stable_id
from briefing.api import decode, host_outlet, html_to_text, http_url, one_line, parse_datetime

SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
FRONT = re.compile(r"\A(?P<fence>---|\+\+\+)[ \t]*\n(?P<body>.*?)\n(?P=fence)[ \t]*(?:\n|\Z)", re.DOTALL)
# Both read in time linear in the text: a value runs to its last visible character; the leading white space
# is skipped once, and an ATX heading's text ends at its last character that is not a space, tab or "#"
# ("#" alone when there is none; empty after two or more spaces: no title).
KEY_VALUE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>(?:.*\S)?)\s*$")
HEADING = re.compile(r"\A\s*+(?:#{1,6}[ \t]++(?P<atx>[^\n]*?[^ \t#\n]|#|(?<=[ \t][ \t]))[ \t#]*\n"
                     r"|(?P<setext>[^\n]+)\n(?:=+|-+)[ \t]*\n)")
KEYS = {
    "title": ("title", "headline"),
    "outlet": ("source", "outlet", "publisher", "site", "site_name", "sitename"),
    "url": ("url", "link", "canonical", "canonical_url", "source_url"),
    "date": ("date", "published", "pubdate", "published_at", "datetime"),
    "author": ("author", "authors", "byline"),
}


@lru_cache(maxsize=1)
def _markdown():
    """The Markdown parser, made when a Markdown source is first read. Every link is parsed as a link,
    whatever its scheme: the text keeps only its words, and the sanitizer drops the address (a refused link
    would otherwise stay behind as literal "[text](javascript:…)")."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True})
    md.validateLink = lambda url: True
    return md


def simple_front_matter(text: str) -> dict[str, str]:
    """``key: value`` lines → a dict of strings; quotes removed; anything else (lists, nesting) ignored."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = KEY_VALUE.match(line)
        if not m or line[:1].isspace():
            continue
        value = m.group("value")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[m.group("key").lower()] = value
    return out


def front_matter(text: str) -> tuple[dict, str]:
    m = FRONT.match(text)
    if not m:
        return {}, text
    if m.group("fence") == "+++":
        try:
            meta = tomllib.loads(m.group("body"))
        except tomllib.TOMLDecodeError as exc:
            raise SourceError(f"front matter is not valid TOML: {exc}") from None
        meta = {str(k).lower(): v for k, v in meta.items()}
    else:
        meta = simple_front_matter(m.group("body"))
    return meta, text[m.end():]


def _pick(meta: dict, field: str):
    for key in KEYS[field]:
        value = meta.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value not in (None, ""):
            return value
    return None


@hookimpl
def briefing_loaders():
    return [Loader("markdown", load_markdown, frozenset(SUFFIXES))]


def load_markdown(path, data, build=None):
    meta, body = front_matter(decode(data, path))
    title = one_line(html_to_text(str(_pick(meta, "title") or "")))
    if not title:
        m = HEADING.match(body)
        if m:
            heading = m.group("atx") if m.group("atx") is not None else m.group("setext")
            title = one_line(html_to_text(_markdown().renderInline(heading)))
            body = body[m.end():]
        else:
            first, _, rest = body.strip("\n").partition("\n")
            title, body = one_line(html_to_text(_markdown().renderInline(first))), rest
    if not title:
        raise SourceError("no title (no front matter title, heading or first line)")
    text = html_to_text(_markdown().render(body))
    if not text:
        raise SourceError("only a title, no text")
    url = http_url(str(_pick(meta, "url") or ""))
    outlet = one_line(str(_pick(meta, "outlet") or "")) or host_outlet(url)
    raw_date = _pick(meta, "date")
    published = parse_datetime(raw_date)
    if raw_date and published is None:
        raise SourceError(f"front matter date is not a date: {str(raw_date)[:60]!r}")
    return [Document(id=stable_id(title, text), title=title, text=text, outlet=outlet, url=url,
                     author=one_line(str(_pick(meta, "author") or "")), published=published)]
