"""Losses figures in the forms they arrive in: the dataset's JSON, CSV, and the General Staff's statement text.

In: a source's name and bytes (or a file path / URL from ``[losses] source``). Out: :class:`Figures` — running
totals and stated daily changes by date and category key (the dataset's keys: ``personnel``, ``tank``, ``APC``…).

- JSON: a list of ``{"date": …, key: total}`` records (the public dataset; the personnel and equipment files are
  merged by date downstream). A file whose name contains ``correction`` holds the dataset's revisions: the part of
  a day's change in a total that revises earlier days rather than counting new losses. The totals already include
  them, so they are kept apart (``revisions``) and only reported, never added again.
- CSV: a ``date`` column and one column per category, holding running totals or daily changes; which one is set by
  ``[losses] csv_values`` or detected (header words, then whether the rows only grow).
- Statement: "The total combat losses of the enemy from 24.02.22 to 20.03.23 were approximately: personnel ‒ about
  165610 (+700) …" with any dash, spacing and line breaks; gives totals and stated changes for one day.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from briefing import Document, Loader, SourceError, hookimpl, stable_id
from briefing.api import decode, html_to_text

OUTLET = "General Staff of the Armed Forces of Ukraine"
KIND = "losses"
NOT_CATEGORIES = {"date", "day", "personnel*", "greatest losses direction"}

# (pattern on a normalised label, dataset key); the first match wins, so the more specific come first.
ALIASES = [
    (r"^(personnel|soldiers( killed)?|troops|persons|killed|manpower)\b", "personnel"),
    (r"\b(pow|prisoners?( of war)?)\b", "POW"),
    (r"vehicles? and fuel tanks?|automotive|motor vehicles|trucks and tankers|cars and (fuel )?(tanks|tankers)",
     "vehicles and fuel tanks"),
    (r"fuel (tanks?|tankers?|bowsers?)|^tankers?$|cisterns?", "fuel tank"),
    (r"^(enemy )?tanks?$", "tank"),
    (r"armou?red (combat |fighting |personnel )?(vehicles?|carriers?)|^(apc|apv|acv|afv|bbm)s?$", "APC"),
    (r"\b(mlrs|mrls?|multiple (launch )?rocket)", "MRL"),
    (r"anti.?aircraft|air defen[cs]e", "anti-aircraft warfare"),
    (r"\buav|drones?|unmanned aerial", "drone"),
    (r"artillery", "field artillery"),
    (r"^(war)?planes?$|^(air|war)crafts?$|^airplanes?$|^aircraft", "aircraft"),
    (r"helicopters?", "helicopter"),
    (r"cruise missiles?", "cruise missiles"),
    (r"submarines?", "submarines"),
    (r"warships?|boats?|\bships?\b|cutters?|naval", "naval ship"),
    (r"srbm|iskander|operational.tactical missile", "mobile SRBM system"),
    (r"^(military )?(auto|vehicles?|cars?)$|^military auto", "military auto"),
    (r"special (equipment|technique)|units of equipment", "special equipment"),
    (r"robotic|\bugvs?\b", "ground robotic systems"),
]
_ALIASES = [(re.compile(p), key) for p, key in ALIASES]
KNOWN_KEYS = {key for _, key in ALIASES}


@dataclass
class Figures:
    """What one source says: totals and stated changes by ISO date and category key."""

    source: str
    format: str  # "json", "correction", "csv-cumulative", "csv-daily", "statement"
    totals: dict[str, dict[str, int]] = field(default_factory=dict)
    changes: dict[str, dict[str, int]] = field(default_factory=dict)
    revisions: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def dates(self) -> list[str]:
        return sorted(set(self.totals) | set(self.changes) | set(self.revisions))


def category_key(label: str, extra: dict[str, str] | None = None) -> str | None:
    """The dataset key for a label as a statement or CSV header writes it, or None."""
    text = " ".join(re.sub(r"[‒–—―−_/-]", " ", label).lower().replace("’", "'").split())
    if extra and text in extra:
        return extra[text]
    for key in KNOWN_KEYS:
        if label.strip() == key or text == key.lower():
            return key
    for pattern, key in _ALIASES:
        if pattern.search(text):
            return key
    return None


def label_aliases(config) -> dict[str, str]:
    """The configured labels (e.g. "soldiers killed") read back to their keys, for CSV headers."""
    labels = (config.section("losses").labels if config is not None else None) or {}
    return {" ".join(str(v).lower().split()): str(k) for k, v in labels.items() if isinstance(v, str)}


# --- dates and numbers ---------------------------------------------------------------------------------------

DMY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{2}|\d{4})$")


def parse_date(value: str) -> str | None:
    value = str(value).strip()
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        pass
    m = DMY.match(value)
    if m:
        day, month, year = (int(g) for g in m.groups())
        year += 2000 if year < 100 else 0
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return None
    return None


def parse_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip().replace("\u2212", "-")
    text = re.sub(r"[\s\u00a0\u202f\u2009,']", "", text)
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else None


# --- JSON ---------------------------------------------------------------------------------------------------

def read_json(name: str, data: bytes) -> Figures | None:
    """The dataset's records; None when the JSON is not a list of dated records."""
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if not (isinstance(value, list) and value and all(isinstance(r, dict) and "date" in r for r in value)):
        return None
    correction = "correction" in Path(name).name.lower()
    figures = Figures(source=name, format="correction" if correction else "json")
    target = figures.revisions if correction else figures.totals
    bad_dates = 0
    for record in value:
        date = parse_date(record["date"])
        if date is None:
            bad_dates += 1
            continue
        row = target.setdefault(date, {})
        for key, raw in record.items():
            if key in NOT_CATEGORIES:
                continue
            if type(raw) is int:  # nearly every value: a whole number already (a bool is not one)
                row[str(key)] = raw
                continue
            number = parse_int(raw) if isinstance(raw, (int, float)) else None
            if number is not None:
                row[str(key)] = number
    if bad_dates:
        figures.notes.append(f"{bad_dates} record(s) with an unreadable date left out")
    if not target:
        raise SourceError("a JSON list of records, but none has a readable date")
    return figures


# --- CSV ----------------------------------------------------------------------------------------------------

DAILY_WORDS = re.compile(r"daily|change|increase|per.?day|delta|diff", re.IGNORECASE)
TOTAL_WORDS = re.compile(r"total|cumulative|running", re.IGNORECASE)


def _csv_rows(name: str, data: bytes, config) -> tuple[list[str], dict[str, dict[str, int]], list[str]]:
    text = decode(data, name).lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        raise SourceError("an empty CSV file")
    header = [h.strip() for h in header]
    lowered = [h.lower() for h in header]
    if "date" not in lowered:
        raise SourceError(f"no 'date' column (columns: {', '.join(header[:8])})")
    date_col = lowered.index("date")
    aliases = label_aliases(config)
    columns: dict[int, str] = {}
    unknown = []
    for i, title in enumerate(header):
        if i == date_col or title.lower() in NOT_CATEGORIES:
            continue
        key = category_key(DAILY_WORDS.sub("", TOTAL_WORDS.sub("", title)), aliases)
        if key is None:
            unknown.append(title)
        elif key not in columns.values():
            columns[i] = key
    if not columns:
        raise SourceError("no column names a losses category")
    rows: dict[str, dict[str, int]] = {}
    for line_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        date = parse_date(row[date_col]) if date_col < len(row) else None
        if date is None:
            raise SourceError(f"line {line_no}: unreadable date {row[date_col][:20]!r}" if date_col < len(row)
                              else f"line {line_no}: no date")
        values = rows.setdefault(date, {})
        for i, key in columns.items():
            if i < len(row) and row[i].strip():
                number = parse_int(row[i])
                if number is None:
                    raise SourceError(f"line {line_no}, column {header[i]!r}: not a number: {row[i][:20]!r}")
                values[key] = number
    notes = [f"columns not understood, left out: {', '.join(unknown)}"] if unknown else []
    return header, rows, notes


def csv_kind(name: str, header: list[str], rows: dict[str, dict[str, int]], setting: str) -> tuple[str, str]:
    """("cumulative" | "daily", why), from the setting, the names, or the figures themselves."""
    if setting in ("cumulative", "daily"):
        return setting, "set by [losses] csv_values"
    words = Path(name).stem + " " + " ".join(header)
    if DAILY_WORDS.search(words) and not TOTAL_WORDS.search(words):
        return "daily", "the file or column names say daily changes"
    if TOTAL_WORDS.search(words) and not DAILY_WORDS.search(words):
        return "cumulative", "the file or column names say totals"
    dates = sorted(rows)
    sums = [sum(rows[d].values()) for d in dates]
    if len(sums) < 3:
        raise SourceError("cannot tell running totals from daily changes in under 3 rows; "
                          "set [losses] csv_values = \"cumulative\" or \"daily\"")
    steps = [b - a for a, b in zip(sums, sums[1:])]
    growing = sum(s >= 0 for s in steps) / len(steps)
    small_steps = statistics.median(abs(s) for s in steps) < 0.25 * statistics.median(sums)
    if growing >= 0.9 and (small_steps or len(sums) >= 8):
        return "cumulative", f"detected: the figures grow on {growing:.0%} of days"
    return "daily", f"detected: the figures grow on only {growing:.0%} of days, as daily changes do"


def read_csv(name: str, data: bytes, config) -> Figures:
    header, rows, notes = _csv_rows(name, data, config)
    setting = config.section("losses").csv_values if config is not None else "auto"
    kind, why = csv_kind(name, header, rows, setting)
    figures = Figures(source=name, format=f"csv-{kind}", notes=notes + [f"read as {kind} figures ({why})"])
    if kind == "cumulative":
        figures.totals = rows
        return figures
    figures.changes = rows
    # Daily changes add up to running totals only when they start at the beginning and miss no day.
    dates = sorted(rows)
    first_day = getattr(config, "first_day", dt.date(2022, 2, 24))
    if dt.date.fromisoformat(dates[0]) > first_day + dt.timedelta(days=1):
        figures.notes.append(f"starts on {dates[0]}, after the war's first days: daily changes only, no totals")
        return figures
    running: dict[str, int] = {}
    previous = None
    for date in dates:
        day = dt.date.fromisoformat(date)
        if previous is not None and (day - previous).days > 1:
            figures.notes.append(f"no row between {previous} and {date}: totals not added up after {previous}")
            break
        for key, value in rows[date].items():
            running[key] = running.get(key, 0) + value
        figures.totals[date] = dict(running)
        previous = day
    return figures


# --- the General Staff's statement --------------------------------------------------------------------------

DASHES = "‒–—―−-"
MAX_STATEMENT = 20_000  # characters of a statement read (a real one has under 2,000)
STATEMENT_HEAD = re.compile(r"combat\s+losses", re.IGNORECASE)
PERIOD = re.compile(r"from\s+(\d{1,2}[./]\d{1,2}[./]\d{2,4})\s+(?:to|till|until|[" + DASHES + r"])\s+"
                    r"(\d{1,2}[./]\d{1,2}[./]\d{2,4})", re.IGNORECASE)
NUMBER = r"\d{1,3}(?:[ \u00a0\u202f\u2009,]\d{3})+(?!\d)|\d+"
PAIR = re.compile(
    r"(?P<label>[^\W\d_][^\d:;,.()\[\]]{0,80}?)\s{0,9}[" + DASHES + r"]{1,3}\s{0,9}"
    r"(?:(?:about|approximately|approx\.|around|over|~)\s*)?"
    r"(?P<total>" + NUMBER + r")"
    r"(?:\s*\(\s*(?P<sign>[+" + DASHES + r"])?\s*(?P<change>" + NUMBER + r")\s*\))?",
    re.IGNORECASE,
)


def looks_like_statement(text: str) -> bool:
    head = text[:800]
    return bool(STATEMENT_HEAD.search(head) and PERIOD.search(head))


def read_statement(name: str, text: str, config=None) -> Figures:
    period = PERIOD.search(text[:800])
    date = parse_date(period.group(2)) if period else None
    if date is None:
        raise SourceError("a losses statement without a readable date ('from 24.02.22 to DD.MM.YY')")
    aliases = label_aliases(config)
    figures = Figures(source=name, format="statement", totals={date: {}}, changes={date: {}})
    unknown = []
    for m in PAIR.finditer(text[:MAX_STATEMENT], period.end()):
        label = " ".join(m.group("label").split())
        key = category_key(label, aliases)
        if key is None:
            unknown.append(label[:60])
            continue
        if key in figures.totals[date]:
            continue
        figures.totals[date][key] = parse_int(m.group("total"))
        if m.group("change") is not None:
            change = parse_int(m.group("change"))
            figures.changes[date][key] = -change if m.group("sign") and m.group("sign") != "+" else change
    if len(figures.totals[date]) < 3:
        raise SourceError(f"a losses statement for {date}, but only {len(figures.totals[date])} figure(s) "
                          "could be read")
    if unknown:
        figures.notes.append(f"labels not understood, left out: {', '.join(unknown)}")
    return figures


# --- any source ---------------------------------------------------------------------------------------------

def read_figures(name: str, data: bytes, config=None, *, claim_text: bool = True) -> Figures | None:
    """The figures in one source, None if it holds none; raises SourceError when it is ours but broken.

    ``claim_text``: treat any text as a statement (for ``[losses] source``); otherwise only text that opens
    like one is taken, so articles quoting figures stay articles.
    """
    suffix = Path(name.split("?", 1)[0]).suffix.lower()
    stripped = data.lstrip()
    if suffix == ".json" or stripped[:1] in (b"[", b"{"):
        figures = read_json(name, data)
        if figures is None and claim_text:
            raise SourceError("JSON, but not a list of dated records")
        return figures
    if suffix in (".csv", ".tsv"):
        return read_csv(name, data, config)
    if suffix not in ("", ".txt", ".text", ".statement", ".html", ".htm") and not claim_text:
        return None
    try:
        text = decode(data, name)
    except SourceError:
        if claim_text:
            raise
        return None
    if stripped[:1] == b"<":
        text = html_to_text(text)
    if looks_like_statement(text) or (claim_text and STATEMENT_HEAD.search(text[:800])):
        return read_statement(name, text, config)
    if claim_text:
        if text[:200].count(",") >= 3 and "date" in text.splitlines()[0].lower():
            return read_csv(name, data, config)
        raise SourceError("neither losses records (JSON), a CSV table nor a General Staff statement")
    return None


def document(figures: Figures) -> Document:
    # ids depend on the file's name, not on where the workspace lies, so two checkouts give the same report
    name = figures.source if "://" in figures.source else Path(figures.source).name
    return Document(id=stable_id(KIND, name), title=Path(figures.source).name, text="", kind=KIND,
                    data=figures, outlet=OUTLET)


# the kinds of file the figures arrive in; a statement may be saved as text or as a page
SUFFIXES = frozenset({".json", ".csv", ".tsv", ".txt", ".text", ".statement", ".html", ".htm"})


def looks_like_figures(head: bytes) -> bool:
    """JSON records, or text that opens like the General Staff's statement (for sources without a suffix)."""
    if head.lstrip()[:1] in (b"[", b"{"):
        return True
    try:
        return looks_like_statement(head.decode("utf-8", "replace"))
    except ValueError:
        return False


def load_figures(path, data, build=None):
    """Losses figures among the build's sources; text files only when they open like the statement."""
    figures = read_figures(str(path), data, build.config if build else None, claim_text=False)
    return [document(figures)] if figures is not None else None


@hookimpl
def briefing_loaders():
    # tried before the text and page loaders, which claim .txt and .html too, and pass on what is not figures
    return [Loader("losses", load_figures, SUFFIXES, sniff=looks_like_figures, priority=10)]
