"""Window: the day's articles only. The issue dated D reports the news published in its window.

"Today" and the day's window are those of ``[briefing] timezone`` (an IANA name, default ``UTC``), never the
machine's, the shell's ``TZ`` or cron's ``CRON_TZ``: a build started anywhere, in any zone, at a given moment
builds the same issue. By default the window is the calendar day before D in that zone (Day 390, dated
20 March, covers 19 March): ``[D-1 00:00, D 00:00)`` there, 23 or 25 hours long on the days the clocks
change. ``briefing.toml`` may say otherwise::

    [briefing]
    timezone = "Europe/Kyiv"
    [window]
    hours = 36                        # the window ends at D 00:00 and reaches back this many hours
    since = "2023-03-19T06:00:00+01:00"   # or fixed ends (a date alone: that day's start; ``until``: its end)
    until = "2023-03-20T06:00:00+01:00"

and ``build --since/--until`` override both. Times without a zone and dates alone are in the briefing's zone.
In: the loaded documents. Out: those that count for the issue. Dated articles outside the window are left
out and listed in the report with their time; undated articles count; data documents (kind other than
``"article"``) are never filtered. (A publication date without a time is read as noon UTC that day by
:func:`briefing.sources.sanitize.parse_datetime`, so it counts for that day.)
"""

from __future__ import annotations

import datetime as dt

from ..config.settings import Config
from ..errors import UsageError
from ..models import Document
from ..runtime.report import Report

UTC = dt.timezone.utc


def midnight(date: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The start of ``date`` in ``tz`` (a midnight the clocks skip becomes the first hour that exists)."""
    return dt.datetime.combine(date, dt.time(), tzinfo=tz).astimezone(UTC).astimezone(tz)


def _bound(value, what: str, end: bool, tz: dt.tzinfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        return midnight(value + dt.timedelta(days=1 if end else 0), tz)
    else:
        text = str(value).strip()
        try:
            if len(text) == 10:
                return _bound(dt.date.fromisoformat(text), what, end, tz)
            when = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            raise UsageError(f"{what}: expected YYYY-MM-DD or an ISO 8601 time, got {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=tz)


def window(config: Config, date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The ``[since, until)`` interval of publication times that count for the issue dated ``date``."""
    conf = config.section("window")
    tz = config.zone()
    until = (_bound(conf.until, "window until", end=True, tz=tz) if conf.until not in (None, "")
             else midnight(date, tz))
    if conf.since not in (None, ""):
        since = _bound(conf.since, "window since", end=False, tz=tz)
    elif conf.hours is None and conf.until in (None, ""):
        since = midnight(date - dt.timedelta(days=1), tz)  # the calendar day before, in the briefing's zone
    else:
        since = until - dt.timedelta(hours=24.0 if conf.hours is None else conf.hours)
    if since >= until:
        raise UsageError(f"the window is empty: since {since.isoformat()} is not before until {until.isoformat()}")
    return since, until


def in_window(documents: list[Document], date: dt.date, config: Config, report: Report) -> list[Document]:
    """The documents that count for the issue; the others are recorded in the report as left out."""
    since, until = window(config, date)
    report.note("window", f"articles published from {since.isoformat()} until {until.isoformat()} count",
                since=since.isoformat(), until=until.isoformat())
    kept = []
    for doc in documents:
        when = doc.published
        if doc.kind != "article" or when is None:
            kept.append(doc)
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if since <= when < until:
            kept.append(doc)
        else:
            report.drop(doc.title, f"outside the day's window (published {when.isoformat()}; "
                        f"window {since.isoformat()} to {until.isoformat()})",
                        doc=doc.id, path=doc.path, outlet=doc.outlet, published=when.isoformat())
    return kept


def run(ctx, documents: list[Document]) -> list[Document]:
    """The stage: the documents of the issue's day (see :func:`in_window`)."""
    return in_window(documents, ctx.date, ctx.config, ctx.report)
