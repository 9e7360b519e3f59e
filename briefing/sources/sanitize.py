"""Untrusted source text made safe for loaders: HTML fragments → plain text, links checked, dates read.

In: strings from sources (HTML fragments, URLs, titles, date strings). Out: plain text with every tag gone
(script and style contents included), http(s) URLs or nothing (links without their tracking parameters),
one-line titles, time-zone-aware datetimes (read by python-dateutil when they are not ISO 8601 or RFC 2822).
Nothing that cannot be seen is kept: control characters, bidirectional overrides and zero-width characters
are dropped (:func:`printable`), so a title cannot reorder what it shows ("Kyiv \u202egnp.exe") or hide
words. HTML is read in time linear in its length: a fragment that could be nested deeper than
:data:`MAX_DEPTH` (one with more tags than that) is first put through libxml2's HTML parser, which stops at
that depth, and only its well-nested result goes to the sanitizer (see :func:`html_text`).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import urllib.parse


SPACE = re.compile(r"[ \t\f\v\u00a0]+")
# paragraph breaks: closing block tags, and an opening <p> (a standfirst often runs straight into it); an
# opening <p> ends at the first ">" or "<" (so that "<p <p <p …" is read once, not once per "<p")
BLOCK_END = re.compile(r"<(?:/p|br\s*/?|/li|/div|/h[1-6]|/blockquote|/tr|/pre)\s*>|<p(?:\s[^<>]*)?>", re.IGNORECASE)
# Never shown: C0 and C1 control characters (tab, line and page breaks excepted), noncharacters, and the
# invisible format characters: bidirectional marks, embeddings, overrides and isolates, zero-width spaces
# and joiners, word joiner and invisible operators, the byte-order mark, interlinear annotation marks.
INVISIBLE = ("\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb")
CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff" + INVISIBLE + "]")
SURROGATE = re.compile("[\ud800-\udfff]")  # half a UTF-16 pair: no character at all (e.g. from "&#xD800;")
# libxml2's HTML parser stops at this depth (without its "huge" option); the sanitizer's cost per tag grows
# with the depth, so nothing deeper ever reaches it
MAX_DEPTH = 255
AMPERSAND = "\ufdd0"  # a noncharacter (never in text: dropped as invisible) standing for "&" inside nh3
DEPTH_PROBLEM = f"HTML nested more than {MAX_DEPTH} levels deep: the text from there on was left out"


def printable(text: str) -> str:
    """``text`` without the characters that must never be printed; a lone surrogate becomes U+FFFD."""
    return SURROGATE.sub("\ufffd", CONTROL.sub("", text))


def _well_nested(fragment: str) -> tuple[str, str]:
    """``fragment`` parsed by libxml2 (linear, at most :data:`MAX_DEPTH` deep) and written back as HTML,
    and the problem met ("" when none)."""
    import lxml.etree  # (the parsers are imported when first needed: light to import, for the plugin listing)

    parser = lxml.etree.HTMLParser(recover=True, no_network=True, remove_blank_text=False, collect_ids=False,
                                   default_doctype=False)
    try:
        root = lxml.etree.fromstring("<html><body>" + fragment + "</body></html>", parser)
    except (lxml.etree.ParserError, ValueError):
        return "", ""
    limits = [e.message for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"]
    problem = "" if not limits else DEPTH_PROBLEM if "depth" in limits[0] else f"the HTML parser stopped: {limits[0]}"
    body = root.find("body") if root is not None else None
    if body is None:
        return "", problem
    head = html.escape(body.text or "", quote=False)
    return head + "".join(lxml.etree.tostring(child, encoding=str, method="html", with_tail=True)
                          for child in body), problem


def html_text(fragment: str) -> tuple[str, str]:
    """HTML → (plain text, problem): the text as :func:`html_to_text` gives it, and "" or what went wrong
    (the fragment was nested deeper than :data:`MAX_DEPTH`, so the text from there on is missing).

    Character references are left to :func:`html.unescape`, after the sanitizer: every "&" reaches it as
    :data:`AMPERSAND` (the sanitizer grows a text node one reference at a time, quadratic in its length)."""
    fragment = BLOCK_END.sub("\n\n", SURROGATE.sub("\ufffd", (fragment or "").replace(AMPERSAND, "")))
    problem = ""
    if "<" not in fragment:  # no tag at all (most titles and teasers): the sanitizer would only end lines
        # as the sanitizer reads it: NUL dropped and lines ended before the references are read ("&#", NUL, "0"
        # is "&#0" to it; a "&#13;" read afterwards must not join a line end of the source's)
        cleaned = fragment.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    else:
        import nh3

        if fragment.count("<") > MAX_DEPTH:  # fewer tags than that cannot nest deeper (cheap to know)
            fragment, problem = _well_nested(fragment)
        cleaned = nh3.clean(fragment.replace("&", AMPERSAND), tags=set(), strip_comments=True).replace(AMPERSAND, "&")
    text = printable(html.unescape(cleaned))
    lines = (SPACE.sub(" ", line).strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip(), problem


def html_to_text(fragment: str) -> str:
    """HTML → plain text: every tag removed by a real sanitizer (script/style bodies too), entities decoded,
    nothing invisible left (see :func:`printable`)."""
    return html_text(fragment)[0]


def one_line(text: str) -> str:
    """A title or name on one line: control characters dropped, runs of white space made one space."""
    return " ".join(printable(text or "").split())


def http_url(url: str) -> str:
    """``url`` when it is an absolute http(s) address, else an empty string (no javascript:, file:, data:)."""
    url = (url or "").strip()
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in url \
            or CONTROL.search(url) or SURROGATE.search(url):
        return ""
    return url


def clean_link(url: str) -> str:
    """``url`` as :func:`http_url` gives it, without tracking parameters (``utm_*``, ``at_medium``, ``fbclid``, …,
    as courlan knows them); the rest of the address is left exactly as it was."""
    url = http_url(url)
    if not url:
        return ""
    from courlan.clean import TRACKERS_RE, clean_query

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


# Zone abbreviations pages and feeds print after a time, with their offsets from UTC in hours. The machine's
# own zone plays no part (dateutil would otherwise read its local names by the TZ it runs under). Abbreviations
# that name several zones (IST, CST in Asia, AST) are left out: a time with one of them counts as a date alone.
ZONE_ABBREVIATIONS = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 1, "WEST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3,
    "MSK": 3, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "JST": 9, "KST": 9, "HKT": 8, "SGT": 8, "AEST": 10, "AEDT": 11,
    "NZST": 12, "NZDT": 13,
}
DATE_ONLY_HOUR = 12  # a date without a time is taken as noon UTC: that day in every zone from UTC-12 to UTC+11
_PROBE_DEFAULTS = (dt.datetime(2000, 1, 1, 0, 0, 0), dt.datetime(2001, 2, 2, 1, 1, 1))


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, DATE_ONLY_HOUR, tzinfo=dt.timezone.utc)


def _dateutil(text: str) -> dt.datetime | None:
    """``text`` read by python-dateutil, with its zone when it gives one; a date alone (or with a zone we do
    not know) is that day's noon UTC; a text without a year or a day is not a date."""
    from dateutil import parser

    unknown: list[str] = []

    def zone(name: str | None, offset: int | None):
        if name and name.upper() in ZONE_ABBREVIATIONS:
            hours = ZONE_ABBREVIATIONS[name.upper()]
            return dt.timezone.utc if hours == 0 else dt.timezone(dt.timedelta(hours=hours))
        if offset is not None:
            return dt.timezone.utc if offset == 0 else dt.timezone(dt.timedelta(seconds=offset))
        if name:
            unknown.append(name)
        return None

    try:
        # parsed twice with different defaults: a part that changes with the default is missing from the text
        first, second = (parser.parse(text, default=d, tzinfos=zone) for d in _PROBE_DEFAULTS)
    except (ValueError, OverflowError, TypeError):
        return None
    if first.year != second.year or first.day != second.day or first.month != second.month:
        return None  # "March 2023", "19 March", "11:00 PM": not a publication date
    if (first.hour, first.minute) != (second.hour, second.minute) or unknown:
        return _noon(first.date())
    return first if first.tzinfo else first.replace(tzinfo=dt.timezone.utc)


def parse_datetime(value) -> dt.datetime | None:
    """A publication time from ISO 8601, RFC 2822, a TOML date/datetime or the ways pages write dates
    (``Mar 19, 2023 11:00 PM EDT``, ``19 March 2023``), read by python-dateutil with the zone it names.

    A time without a zone is taken as UTC; a date without a time as noon UTC that day (see
    :data:`DATE_ONLY_HOUR`); anything without a year, a month and a day is not a date (None).
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        return _noon(value)
    else:
        text = " ".join(str(value).split()).strip("'\"")
        if not text or len(text) > 100:
            return None
        if len(text) == 10 and text[4] == "-":
            try:
                return _noon(dt.date.fromisoformat(text))
            except ValueError:
                return None
        try:
            parsed = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            # RFC 2822 too: email.utils would take "Mar 19, 2023 11:00 PM EDT" for 11:00 in the morning, UTC
            parsed = _dateutil(text)
            if parsed is None:
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed
