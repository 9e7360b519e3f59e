"""Untrusted source text made safe for loaders: HTML fragments → plain text, links checked, dates read.

In: strings from sources (HTML fragments, URLs, titles, date strings). Out: plain text with every tag gone
(script and style contents included), http(s) URLs or nothing (links without their tracking parameters), one-line titles, time-zone-aware datetimes.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import re
import urllib.parse

import nh3
from courlan.clean import TRACKERS_RE, clean_query

SPACE = re.compile(r"[ \t\f\v\u00a0]+")
# paragraph breaks: closing block tags, and an opening <p> (a standfirst often runs straight into it)
BLOCK_END = re.compile(r"<(?:/p|br\s*/?|/li|/div|/h[1-6]|/blockquote|/tr|/pre)\s*>|<p(?:\s[^>]*)?>", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def html_to_text(fragment: str) -> str:
    """HTML → plain text: every tag removed by a real sanitizer (script/style bodies too), entities decoded."""
    cleaned = nh3.clean(BLOCK_END.sub("\n\n", fragment or ""), tags=set(), strip_comments=True)
    text = CONTROL.sub("", html.unescape(cleaned))
    lines = (SPACE.sub(" ", line).strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def one_line(text: str) -> str:
    """A title or name on one line: control characters dropped, runs of white space made one space."""
    return " ".join(CONTROL.sub("", text or "").split())


def http_url(url: str) -> str:
    """``url`` when it is an absolute http(s) address, else an empty string (no javascript:, file:, data:)."""
    url = (url or "").strip()
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or CONTROL.search(url) or " " in url:
        return ""
    return url


def clean_link(url: str) -> str:
    """``url`` as :func:`http_url` gives it, without tracking parameters (``utm_*``, ``at_medium``, ``fbclid``, …,
    as courlan knows them); the rest of the address is left exactly as it was."""
    url = http_url(url)
    if not url:
        return ""
    parts = urllib.parse.urlsplit(url)
    query, fragment = parts.query, parts.fragment
    if query:
        kept = clean_query(query)
        if len(urllib.parse.parse_qsl(kept, keep_blank_values=True)) < len(
                urllib.parse.parse_qsl(query, keep_blank_values=True)):
            query = kept  # only rebuilt when a tracker was taken out
    if fragment and "=" in fragment and TRACKERS_RE.search(fragment.lower()):
        fragment = ""  # e.g. #xtor=RSS-3208
    if (query, fragment) == (parts.query, parts.fragment):
        return url
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, query, fragment))


def host_outlet(url: str) -> str:
    """An outlet name from a URL's host: ``https://www.bbc.co.uk/news`` → ``bbc.co.uk``."""
    host = urllib.parse.urlsplit(http_url(url)).hostname or ""
    return host[4:] if host.startswith("www.") else host


def path_suffix(path: str) -> str:
    """The lower-case extension of a file path or of a URL's path (``https://x.com/a.xml?q=1`` → ``.xml``)."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", path, re.IGNORECASE):
        path = urllib.parse.urlsplit(path).path
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[1].lower() if "." in name.strip(".") else ""


def parse_datetime(value) -> dt.datetime | None:
    """A publication time from ISO 8601, RFC 2822 or a TOML date/datetime; naive times are taken as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip().strip("'\"")
        parsed = None
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            try:
                parsed = email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed
