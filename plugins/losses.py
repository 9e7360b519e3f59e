"""Conflict Assessment: the day's Russian losses line, computed from the General Staff's running totals.

Loads the public losses dataset (JSON lists of daily running totals) as a data document and makes the
section's one item: each category's total and its change from the previous reported day.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from briefing import Document, Item, Section, Source, hookimpl, stable_id

# (dataset key, label) in the newsletter's order
CATEGORIES = [
    ("personnel", "soldiers killed"),
    ("tank", "enemy tanks"),
    ("APC", "armored combat vehicles"),
    ("field artillery", "artillery systems"),
    ("MRL", "MLRS systems"),
    ("anti-aircraft warfare", "air defense systems"),
    ("aircraft", "warplanes"),
    ("helicopter", "helicopters"),
    ("drone", "UAVs of the operational-tactical level"),
    ("cruise missiles", "cruise missiles"),
    ("naval ship", "warships/cutters"),
    ("submarines", "submarines"),
    ("vehicles and fuel tanks", "trucks and tankers"),
    ("military auto", "military vehicles"),
    ("fuel tank", "fuel tanks"),
    ("mobile SRBM system", "mobile SRBM systems"),
    ("ground robotic systems", "ground robotic systems"),
    ("special equipment", "units of equipment"),
]
KIND = "losses"


def _records(data: bytes) -> list[dict] | None:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(value, list) and value and all(isinstance(r, dict) and "date" in r for r in value):
        return value
    return None


@hookimpl
def briefing_load_source(path, data):
    if Path(path).suffix.lower() != ".json":
        return None
    records = _records(data)
    if records is None:
        return None
    kind = "losses-correction" if "correction" in Path(path).name.lower() else KIND
    return [Document(id=stable_id(path.rsplit("/", 1)[-1]), title=Path(path).name, text="", kind=kind,
                     data=records, outlet="General Staff of the Armed Forces of Ukraine")]


def totals_by_date(documents) -> dict[str, dict]:
    """Merge every losses document into {date: {key: total}}."""
    merged: dict[str, dict] = {}
    for doc in documents:
        if doc.kind != KIND:
            continue
        for record in doc.data:
            day = merged.setdefault(str(record["date"]), {})
            for key, value in record.items():
                if isinstance(value, (int, float)) and key not in ("day", "POW"):
                    day[key] = int(value)
    return merged


def fmt_change(n: int) -> str:
    return f"+{n:,}" if n >= 0 else f"−{abs(n):,}"


def losses_line(date: dt.date, merged: dict[str, dict]) -> str | None:
    today = merged.get(date.isoformat())
    if not today:
        return None
    earlier = sorted(d for d in merged if d < date.isoformat())
    previous = merged[earlier[-1]] if earlier else {}
    parts = []
    for key, label in CATEGORIES:
        if key not in today:
            continue
        change = today[key] - previous[key] if key in previous else None
        shown = f"{today[key]:,} ({fmt_change(change)})" if change is not None else f"{today[key]:,}"
        parts.append(f"{shown} {label}")
    if not parts:
        return None
    return (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]) + "."


def make_items(date, documents, config, report):
    merged = totals_by_date(documents)
    if not merged:
        report.note("losses", "no losses data among the sources")
        return []
    line = losses_line(date, merged)
    if line is None:
        report.note("losses", f"no losses figures for {date.isoformat()}")
        return []
    return [Item(id=stable_id("losses", date), headline="Russian losses", text=line,
                 sources=[Source(outlet="General Staff of the Armed Forces of Ukraine")])]


@hookimpl
def briefing_sections():
    return [Section(key="losses", title="Conflict Assessment", order=10, make_items=make_items)]
