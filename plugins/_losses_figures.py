"""The day's losses figures: sources merged, each category's change worked out, and the line written.

In: :class:`Figures` from every source, the issue's date, the categories to show (key, label) in order.
Out: a :class:`Day` — each shown category's total and change, with what an analyst should know about them
(a gap before the day, a falling total, a stated change that disagrees with the totals, a category new or gone) —
and the line in the house style: ``165,610 (+700) soldiers killed, …, and 265 (+3) units of equipment.``
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

from briefing_plugins.losses_sources import Figures

MINUS = "\u2212"

# (dataset key, label) in the newsletter's order: the sample issue's wording.
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


def categories(table: dict) -> list[tuple[str, str]]:
    """(key, label) in order, from ``[losses] order`` (keys) and ``labels`` (key = label) over the defaults."""
    labels = dict(CATEGORIES)
    labels.update({str(k): str(v) for k, v in (table.get("labels") or {}).items()})
    order = table.get("order")
    keys = [str(k) for k in order] if isinstance(order, list) else [k for k, _ in CATEGORIES]
    return [(k, labels.get(k, k)) for k in dict.fromkeys(keys)]


@dataclass
class Merged:
    """Every source's figures together: one value per date and key, the first source's when they differ."""

    totals: dict[str, dict[str, int]] = field(default_factory=dict)
    changes: dict[str, dict[str, int]] = field(default_factory=dict)
    revisions: dict[str, dict[str, int]] = field(default_factory=dict)
    origin: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (what, date, key) → source
    conflicts: list[dict] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)  # dates with totals, sorted

    def previous(self, date: str) -> str | None:
        """The last date before ``date`` with totals."""
        i = bisect.bisect_left(self.dates, date)
        return self.dates[i - 1] if i > 0 else None


FORMAT_RANK = {"statement": 0, "json": 1, "csv-cumulative": 2, "csv-daily": 3, "correction": 4}


def merge(all_figures: list[Figures]) -> Merged:
    merged = Merged()
    for figures in sorted(all_figures, key=lambda f: FORMAT_RANK.get(f.format, 9)):
        for what in ("totals", "changes", "revisions"):
            target = getattr(merged, what)
            for date, values in getattr(figures, what).items():
                row = target.setdefault(date, {})
                for key, value in values.items():
                    if key not in row:
                        row[key] = value
                        merged.origin[(what, date, key)] = figures.source
                    elif row[key] != value:
                        merged.conflicts.append({"what": what[:-1], "date": date, "key": key, "kept": row[key],
                                                 "kept_from": merged.origin[(what, date, key)],
                                                 "other": value, "other_from": figures.source})
    merged.dates = sorted(d for d, row in merged.totals.items() if row)
    return merged


@dataclass
class Figure:
    key: str
    label: str
    total: int
    change: int | None  # the change shown: the stated one when the source states it, else the computed one
    computed: int | None = None  # today's total minus the previous reported day's
    stated: int | None = None


@dataclass
class Day:
    date: dt.date
    figures: list[Figure]
    previous: dt.date | None
    gap_days: int  # days since the previous reported day (1 = consecutive)
    notes: list[tuple[str, dict]] = field(default_factory=list)  # for the build report
    remarks: list[str] = field(default_factory=list)  # for the reader, under the line

    @property
    def multi_day(self) -> bool:
        """Some change shown covers several days (no figures for the days between)."""
        return self.gap_days > 1 and any(f.stated is None and f.computed is not None for f in self.figures)


def fmt_date(date: dt.date) -> str:
    return f"{date:%B} {date.day}, {date.year}"


def fmt_change(n: int) -> str:
    return f"+{n:,}" if n >= 0 else f"{MINUS}{abs(n):,}"


def series_change(merged: Merged, date: str, key: str) -> tuple[int | None, int | None, int | None, str | None]:
    """(shown, computed, stated, previous date) for one category on one date."""
    prev = merged.previous(date)
    today = merged.totals.get(date, {})
    before = merged.totals.get(prev, {}) if prev else {}
    computed = today[key] - before[key] if key in today and key in before else None
    stated = merged.changes.get(date, {}).get(key)
    return (stated if stated is not None else computed), computed, stated, prev


def _note_changes(day: Day, gap: int, prev: str | None, before: dict[str, int]) -> None:
    """Notes on the changes shown: a gap of missing days, a stated change the totals contradict, a total that
    fell (a correction by the source)."""
    if gap > 1:
        day.notes.append((f"no figures for the {gap - 1} day(s) between {prev} and {day.date.isoformat()}: the "
                          f"changes shown cover {gap} days", {"previous": prev, "days": gap}))
    for f in day.figures:
        if f.stated is not None and f.computed is not None and f.stated != f.computed and gap == 1:
            day.notes.append((f"{f.label}: the source states {fmt_change(f.stated)}, but the totals changed by "
                              f"{fmt_change(f.computed)} since {prev}; the stated change is shown",
                              {"key": f.key, "stated": f.stated, "computed": f.computed}))
        fall = f.computed if f.computed is not None else f.change
        if fall is not None and fall < 0:
            was = before.get(f.key, f.total - fall)
            day.notes.append((f"{f.label}: the total fell by {abs(fall):,} ({was:,} → {f.total:,}), a correction by "
                              "the source", {"key": f.key, "previous_total": was, "total": f.total, "change": fall}))
            day.remarks.append(f"The {f.label} total fell by {abs(fall):,} ({was:,} to {f.total:,}): a correction "
                               "by the General Staff.")


def _note_categories(day: Day, cats: list[tuple[str, str]], today: dict[str, int], before: dict[str, int],
                     prev: str, prev_date: dt.date) -> None:
    """Notes on categories first reported today and those no longer reported."""
    labels = dict(cats)
    new = [f.label for f in day.figures if f.key not in before]
    gone = [labels[k] for k, _ in cats if k in before and k not in today]
    if new:
        day.notes.append((f"first reported today, no change shown: {', '.join(new)}", {"categories": new}))
        day.remarks.append(f"First reported today: {', '.join(new)}.")
    if gone:
        day.notes.append((f"no longer reported, left out: {', '.join(gone)} (last on {prev})",
                          {"categories": gone}))
        day.remarks.append(f"No longer reported: {', '.join(gone)} (last on {fmt_date(prev_date)}).")


def _note_revisions(day: Day, revised: dict[str, int], iso: str, cats: list[tuple[str, str]]) -> None:
    """A note on the revisions of earlier totals the dataset's correction file lists for the day."""
    labels = dict(cats)
    shown_revisions = [(labels[k], v) for k, _ in cats for kk, v in revised.items() if kk == k and v]
    if shown_revisions:
        listed = ", ".join(f"{label} {fmt_change(v)}" for label, v in shown_revisions)
        day.notes.append((f"the dataset's correction file lists revisions of earlier totals on {iso}: {listed}; "
                          "the totals already include them and the changes shown are the totals' changes",
                          {"revisions": {k: v for k, v in revised.items() if v}}))
        day.remarks.append(f"Today's changes include revisions of earlier totals: {listed}.")


def _note_conflicts(day: Day, conflicts: list[dict], iso: str, labels: dict[str, str]) -> None:
    """A note for each category on which the sources disagree that day."""
    for c in conflicts:
        if c["date"] == iso and c["key"] in labels:
            day.notes.append((f"{labels[c['key']]}: sources disagree on the {c['what']} ({c['kept']:,} in "
                              f"{c['kept_from']}, {c['other']:,} in {c['other_from']}); the first is used", c))


def day_figures(merged: Merged, date: dt.date, cats: list[tuple[str, str]]) -> Day | None:
    """The figures for ``date``, or None when no source has totals for it."""
    iso = date.isoformat()
    today = merged.totals.get(iso)
    if not today:
        return None
    prev = merged.previous(iso)
    prev_date = dt.date.fromisoformat(prev) if prev else None
    gap = (date - prev_date).days if prev_date else 0
    before = merged.totals.get(prev, {}) if prev else {}
    labels = dict(cats)
    day = Day(date=date, figures=[], previous=prev_date, gap_days=gap)
    for key, label in cats:
        if key not in today:
            continue
        shown, computed, stated, _ = series_change(merged, iso, key)
        day.figures.append(Figure(key=key, label=label, total=today[key], change=shown, computed=computed,
                                  stated=stated))
    if not day.figures:
        return day

    _note_changes(day, gap, prev, before)
    if prev:
        _note_categories(day, cats, today, before, prev, prev_date)
    _note_revisions(day, merged.revisions.get(iso, {}), iso, cats)
    _note_conflicts(day, merged.conflicts, iso, labels)
    return day


def losses_line(day: Day) -> str:
    """The house-style line: "165,610 (+700) soldiers killed, 3,537 (+5) enemy tanks … and 265 (+3) units of …"."""
    parts = []
    for f in day.figures:
        shown = f"{f.total:,} ({fmt_change(f.change)})" if f.change is not None else f"{f.total:,}"
        parts.append(f"{shown} {f.label}")
    if not parts:
        return ""
    line = (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]) + "."
    if day.multi_day:
        line += (f" (Changes over the {day.gap_days} days since {fmt_date(day.previous)}: the sources have no "
                 "figures for the days between.)")
    return line


@dataclass
class ChartDay:
    date: dt.date
    values: dict[str, int | None]
    span: int  # days the change covers (1 normally, more after missing days, 0 when no figures)


def daily_series(merged: Merged, end: dt.date, days: int, keys: list[str]) -> list[ChartDay]:
    """Each day's change for ``keys`` over the ``days`` days ending on ``end`` (None where unknown)."""
    out = []
    for i in range(days - 1, -1, -1):
        date = end - dt.timedelta(days=i)
        iso = date.isoformat()
        if not merged.totals.get(iso):
            out.append(ChartDay(date=date, values={k: None for k in keys}, span=0))
            continue
        values, prev = {}, None
        for key in keys:
            values[key], _, _, prev = series_change(merged, iso, key)
        span = (date - dt.date.fromisoformat(prev)).days if prev else 0
        out.append(ChartDay(date=date, values=values, span=span))
    return out
