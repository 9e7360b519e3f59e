"""Window: the day's articles only. The issue dated D reports the news published in its window.

By default the window is the UTC calendar day before D (Day 390, dated 20 March, covers 19 March):
``[D-1 00:00 UTC, D 00:00 UTC)``. ``briefing.toml`` may say otherwise::

    [window]
    hours = 36                        # the window ends at D 00:00 UTC and reaches back this many hours
    since = "2023-03-19T06:00:00+01:00"   # or fixed ends (a date alone: that day's start; ``until``: its end)
    until = "2023-03-20T06:00:00+01:00"

and ``build --since/--until`` override both. Times without a zone are UTC. In: the loaded documents.
Out: those that count for the issue. Dated articles outside the window are left out and listed in the report
with their time; undated articles count; data documents (kind other than ``"article"``) are never filtered.
"""

from __future__ import annotations

import datetime as dt

from .config import Config
from .errors import UsageError
from .models import Document
from .report import Report

UTC = dt.timezone.utc


def _bound(value, what: str, end: bool) -> dt.datetime:
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when = dt.datetime.combine(value + dt.timedelta(days=1 if end else 0), dt.time())
    else:
        text = str(value).strip()
        try:
            if len(text) == 10:
                return _bound(dt.date.fromisoformat(text), what, end)
            when = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            raise UsageError(f"{what}: expected YYYY-MM-DD or an ISO 8601 time, got {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def window(config: Config, date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The ``[since, until)`` interval of publication times that count for the issue dated ``date``."""
    conf = config.table("window")
    until = (_bound(conf["until"], "window until", end=True) if conf.get("until") not in (None, "")
             else dt.datetime.combine(date, dt.time(), tzinfo=UTC))
    if conf.get("since") not in (None, ""):
        since = _bound(conf["since"], "window since", end=False)
    else:
        try:
            hours = float(conf.get("hours", 24))
        except (TypeError, ValueError):
            raise UsageError(f"window hours: expected a number, got {conf.get('hours')!r}") from None
        since = until - dt.timedelta(hours=hours)
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
