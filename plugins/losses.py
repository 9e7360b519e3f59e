"""Conflict Assessment: the day's Russian losses line and a chart of the last 30 days.

In: the losses figures among the build's sources (read by ``losses_sources``: the dataset's JSON, CSV, the
General Staff's statement) and ``[losses] source`` (a file relative to the workspace, or a URL fetched by the
build's fetcher with a timeout and a size cap: the same address checks, cache and ``--offline``). Out: the
section's one item — the line in the house style, remarks an analyst needs (corrections, categories new or gone),
and an SVG chart for HTML and PDF (with a phone's layout of it for small screens and mail) — plus notes in the
build report.
A day without figures gives the section a message saying so; the rest of the issue is built as usual.

``[losses]`` in briefing.toml::

    source = "data/losses.csv"      # or a list, or a URL; read in addition to the build's sources
    order = ["personnel", "tank"]   # keys shown, in this order (default: the sample issue's order)
    labels = { MRL = "MLRS" }       # wording per key
    csv_values = "auto"             # or "cumulative" / "daily"
    chart = true                    # chart_days = 30; chart_series = ["tank", "field artillery", "drone"]
    timeout = 10                    # seconds, for a URL; max_mb = 5
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from briefing import Item, Section, SectionContent, Source, SourceError, api, hookimpl, stable_id
from briefing.api import Bool, Choice, Int, ListOf, Mapping, Number, OneOrList, Option, Str, Table, display_path, read_bytes
from briefing_plugins._losses_figures import (
    CATEGORIES,  # noqa: F401  (the default order and wording, re-exported)
    categories,
    daily_series,
    day_figures,
    fmt_date,
    losses_line,
    merge,
)
from briefing_plugins.losses_sources import KIND, OUTLET, Figures, read_figures

KEY = "losses"
HEADLINE = "Russian losses"
CHART_SERIES = {"tank": "Tanks", "field artillery": "Artillery systems", "drone": "Drones (UAVs)"}


def configured_figures(config, report) -> list[Figures]:
    """The figures named by ``[losses] source``; each unreadable one is reported with its reason."""
    table = config.section("losses")
    entries = table.source
    timeout = table.timeout
    limit = api.mb_bytes(table.max_mb)
    found: list[Figures] = []
    for entry in map(str, entries):
        is_url = entry.lower().startswith(("http://", "https://"))
        paths = [entry] if is_url else _files(config.resolve(entry))
        if not paths:
            report.bad_source(entry, "[losses] source: not found")
            continue
        for path in paths:
            name = entry if is_url else display_path(path, config.workspace)
            try:
                data = api.fetch(entry, timeout, limit, config=config) if is_url else read_bytes(str(path), limit)
                figures = read_figures(name, data, config, claim_text=True)
            except SourceError as exc:
                report.bad_source(name, f"[losses] source: {exc}")
                continue
            if figures is None:
                report.bad_source(name, "[losses] source: holds no losses figures")
            else:
                found.append(figures)
                report.sources.append({"path": name, "documents": 1, "via": "[losses] source"})
    return found


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".json", ".csv", ".txt"))
    return [path] if path.is_file() else []


def no_data_message(date: dt.date, latest: str | None, any_data: bool) -> str:
    if not any_data:
        return f"No losses figures for {fmt_date(date)}: no losses data among the sources."
    text = f"No losses figures for {fmt_date(date)} among the sources"
    if latest:
        text += f"; the latest are for {fmt_date(dt.date.fromisoformat(latest))}"
    return text + "."


def make_items(date, documents, config, report):
    table = config.section("losses")
    all_figures = [d.data for d in documents if d.kind == KIND and isinstance(d.data, Figures)]
    all_figures += configured_figures(config, report)
    for figures in all_figures:
        for note in figures.notes:
            report.note(KIND, f"{figures.source}: {note}", source=figures.source)
    merged = merge(all_figures)
    cats = categories(table)
    day = day_figures(merged, date, cats)
    if day is None or not day.figures:
        latest = merged.previous(date.isoformat())
        message = no_data_message(date, latest, bool(merged.dates))
        report.note(KIND, message, date=date.isoformat(), no_data=True, latest=latest)
        return SectionContent(items=[], message=message)
    for message, details in day.notes:
        report.note(KIND, message, date=date.isoformat(), **details)
    item = Item(id=stable_id(KEY, date), headline=HEADLINE, text=losses_line(day), note=" ".join(day.remarks),
                sources=[Source(outlet=OUTLET)])
    if table["chart"]:
        days = table.chart_days
        series = list(table["chart_series"])
        labels = dict(cats)
        small = [(k, CHART_SERIES.get(k, labels.get(k, k).capitalize())) for k in series]
        points = daily_series(merged, date, days, ["personnel", *series])
        if sum(1 for p in points if p.values.get("personnel") is not None) >= 2:
            from briefing_plugins._losses_chart import losses_chart  # (drawn only when there is a chart to draw)

            personnel = labels.get("personnel", "personnel").capitalize()
            item.figure_svg = losses_chart(points, small, personnel_label=personnel, end=date)
            item.figure_svg_small = losses_chart(points, small, personnel_label=personnel, end=date, narrow=True)
        else:
            report.note(KIND, f"no chart: under two days of personnel changes in the {days} days to {date}")
    return [item]


@hookimpl
def briefing_sections():
    return [Section(key=KEY, title="Conflict Assessment", order=10, make_items=make_items,
                    subject="russia-ukraine-war")]


@hookimpl
def briefing_options():
    return {"losses": Table("The losses line of the Conflict Assessment and its chart.", {
        "source": Option(OneOrList(Str(non_empty=True)), [],
                         "files, folders or URLs of figures read besides the build's sources"),
        "order": Option(ListOf(Str(non_empty=True)), None, "the category keys shown, in this order"),
        "labels": Option(Mapping(Str()), {}, "the wording of a category, by key"),
        "csv_values": Option(Choice("auto", "cumulative", "daily"), "auto",
                             "whether a CSV holds running totals or daily changes"),
        "chart": Option(Bool(), True, "draw the 30-day chart under the line (HTML and PDF)"),
        "chart_days": Option(Int(2, 366), 30, "days the chart covers"),
        "chart_series": Option(ListOf(Str(non_empty=True)), list(CHART_SERIES), "the small charts beside personnel"),
        "timeout": Option(Number(0, above=True), 10, "seconds a URL source may take"),
        "max_mb": Option(Number(0, above=True), 5, "a figures source larger than this is refused"),
    })}
