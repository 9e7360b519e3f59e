"""The losses line and chart, on real days of the dataset, its CSV shapes and the General Staff's statement."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import re
import shutil
import threading
from pathlib import Path

import pypdf
import pytest

from briefing import SourceError
from briefing.pipeline.build import build
from briefing.config.settings import load_config
from briefing.host.plugins import Plugins
from briefing.runtime.report import Report
from briefing_plugins import losses
from briefing_plugins._losses_figures import categories, day_figures, losses_line, merge
from briefing_plugins.losses_sources import read_figures

from .conftest import DATA, ROOT, make_workspace

SEEDS = ROOT / "seeds" / "losses"
LOSSES = DATA / "losses"
STATEMENT = LOSSES / "statement-2023-03-20.txt"
EXPECTED_390 = (
    "165,610 (+700) soldiers killed, 3,537 (+5) enemy tanks, 6,869 (+16) armored combat vehicles, 2,577 (+9) "
    "artillery systems, 507 (+0) MLRS systems, 270 (+2) air defense systems, 305 (+0) warplanes, 290 (+0) "
    "helicopters, 2,160 (+1) UAVs of the operational-tactical level, 907 (+0) cruise missiles, 18 (+0) "
    "warships/cutters, 5,416 (+8) trucks and tankers and 265 (+3) units of equipment."
)


def sample_line_without_missing_figures() -> str:
    """The sample issue's line, less the two figures the data lacks; its "507 (0)" printed as "(+0)"."""
    text = (DATA / "sample_issue_day390.md").read_text(encoding="utf-8")
    line = re.search(r"\*\*Russian losses\*\* – (.+)", text).group(1).strip()
    line = line.replace(", 4 Iskander Missile Launchers (+0), 239 fuel bowsers (+0)", "")
    return line.replace("507 (0)", "507 (+0)")


@functools.lru_cache(maxsize=None)
def _figures(path: Path):
    return read_figures(path.name, path.read_bytes(), None, claim_text=True)


def dataset(*extra: Path):
    return merge([_figures(SEEDS / n) for n in ("russia_losses_equipment.json", "russia_losses_personnel.json",
                                                "russia_losses_equipment_correction.json")]
                 + [_figures(p) for p in extra])


def day(merged, date: str):
    return day_figures(merged, dt.date.fromisoformat(date), categories({}))


def build_ws(tmp_path, sources, date="2023-03-20", formats="md", config_text=""):
    ws = make_workspace(tmp_path, sources, config_text)
    return build(load_config(ws / "briefing.toml", date=date, formats=formats))


def losses_notes(report):
    return [n for n in report.notes if n["kind"] == "losses"]


def test_day_390_line_is_the_sample_line_without_the_two_figures_the_data_lacks():
    assert sample_line_without_missing_figures() == EXPECTED_390
    d = day(dataset(), "2023-03-20")
    assert losses_line(d) == EXPECTED_390
    assert len(d.figures) == 13 and d.gap_days == 1 and not d.remarks


def test_a_correction_day_shows_the_falling_total_with_a_minus_sign_and_notes_it():
    d = day(dataset(), "2022-10-13")
    line = losses_line(d)
    assert "5,167 (\u221214) armored combat vehicles" in line
    messages = " | ".join(m for m, _ in d.notes)
    assert "armored combat vehicles: the total fell by 14 (5,181 → 5,167)" in messages
    assert "correction file lists revisions" in messages and "armored combat vehicles \u221225" in messages
    assert any("fell by 14" in r for r in d.remarks)


def test_a_category_that_appears_is_shown_without_an_invented_change():
    before, after = day(dataset(), "2023-09-13"), day(dataset(), "2023-09-14")
    assert "submarines" not in losses_line(before)
    assert "20 (+1) warships/cutters, 1 submarines, 8,458 (+14) trucks and tankers" in losses_line(after)
    assert any("first reported today, no change shown: submarines" in m for m, _ in after.notes)
    assert "1 submarines" in losses_line(day(dataset(), "2023-09-15")).replace("1 (+0) submarines", "1 submarines")


def test_categories_dropped_after_april_30_2022_are_left_out():
    last = losses_line(day(dataset(), "2022-04-30"))
    assert "1,701 (+6) military vehicles" in last and "76 (+0) fuel tanks" in last and "4 (+0) mobile SRBM" in last
    d = day(dataset(), "2022-05-01")
    line = losses_line(d)
    for label in ("military vehicles", "fuel tanks", "mobile SRBM systems"):
        assert label not in line.replace("trucks and tankers", "")
    assert "1,796 trucks and tankers" in line and "84 cruise missiles" in line
    assert any("no longer reported" in m and "mobile SRBM systems" in m for m, _ in d.notes)


def test_a_gap_of_several_days_is_said_not_passed_off_as_one_day(tmp_path):
    result = build_ws(tmp_path, [LOSSES / "gap", LOSSES / "LICENSE"])
    md = result.paths["md"].read_text()
    # 165,610 on 2023-03-20 against 160,540 on 2023-03-14
    assert "165,610 (+5,070) soldiers killed" in md
    assert "(Changes over the 6 days since March 14, 2023: the sources have no figures for the days between.)" in md
    notes = losses_notes(result.report)
    assert any(n.get("days") == 6 and n.get("previous") == "2023-03-14" for n in notes)


def test_the_statement_gives_the_same_line_as_the_dataset():
    statement = _figures(STATEMENT)
    assert statement.format == "statement" and list(statement.totals) == ["2023-03-20"]
    assert statement.changes["2023-03-20"]["personnel"] == 700
    assert statement.changes["2023-03-20"]["vehicles and fuel tanks"] == 8
    alone = day(merge([statement]), "2023-03-20")
    assert losses_line(alone) == EXPECTED_390
    together = day(dataset(STATEMENT), "2023-03-20")
    assert losses_line(together) == EXPECTED_390 and not together.notes


def test_a_statement_tolerates_dashes_spacing_and_line_breaks():
    text = ("The total combat losses of the enemy from 24.02.22 to 13.10.22 were approximately: personnel—about\n"
            "63 800(+420)persons were liquidated, tanks-2511 ( +6 ), armoured combat vehicles ‒ 5167 (+11),\n"
            "artillery systems –\n1556 (+17), MLRS - 357 (+2)")
    figures = read_figures("statement.txt", text.encode(), None)
    assert figures.totals["2022-10-13"] == {"personnel": 63800, "tank": 2511, "APC": 5167,
                                           "field artillery": 1556, "MRL": 357}
    assert figures.changes["2022-10-13"]["APC"] == 11
    # the stated change is shown; its disagreement with the totals (5,181 → 5,167) goes to the report
    d = day(merge([figures, *[_figures(SEEDS / n) for n in ("russia_losses_equipment.json",
                                                           "russia_losses_personnel.json")]]), "2022-10-13")
    assert "5,167 (+11) armored combat vehicles" in losses_line(d)
    assert any("states +11, but the totals changed by \u221214" in m for m, _ in d.notes)
    assert any("the total fell by 14" in m for m, _ in d.notes)


def test_a_statement_without_a_date_is_refused_with_the_reason():
    with pytest.raises(SourceError, match="without a readable date"):
        read_figures("s.txt", b"The total combat losses of the enemy were: tanks - 5 (+1)", None)


def test_cumulative_and_daily_csv_are_told_apart_and_give_the_dataset_line():
    cumulative = _figures(LOSSES / "losses-2023-02-01-to-2023-03-20.csv")
    daily = _figures(LOSSES / "losses-per-date-2022-02-25-to-2023-03-20.csv")
    assert cumulative.format == "csv-cumulative" and daily.format == "csv-daily"
    assert "detected" in " ".join(cumulative.notes) and "detected" in " ".join(daily.notes)
    assert daily.changes["2023-03-20"]["personnel"] == 700
    assert daily.totals["2023-03-20"]["personnel"] == 165610
    assert losses_line(day(merge([cumulative]), "2023-03-20")) == EXPECTED_390
    assert losses_line(day(merge([daily]), "2023-03-20")) == EXPECTED_390


def test_csv_kind_can_be_set_and_short_files_must_say(tmp_path):
    rows = b"date,personnel,tank\n2023-03-19,164910,3532\n2023-03-20,165610,3537\n"
    with pytest.raises(SourceError, match="csv_values"):
        read_figures("short.csv", rows, None)
    ws = make_workspace(tmp_path, [], '[losses]\ncsv_values = "cumulative"\n')
    (ws / "seeds" / "short.csv").write_bytes(rows)
    result = build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md"))
    assert "165,610 (+700) soldiers killed and 3,537 (+5) enemy tanks." in result.paths["md"].read_text()


def test_a_date_with_no_figures_says_so_and_the_issue_is_still_built(tmp_path):
    result = build_ws(tmp_path, [SEEDS, ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt"], date="2026-09-01")
    md = result.paths["md"].read_text()
    message = "No losses figures for September 1, 2026 among the sources; the latest are for August 8, 2026."
    assert f"## Conflict Assessment\n\n{message}\n" in md
    assert any(n["message"] == message and n.get("no_data") for n in losses_notes(result.report))
    assert sum(len(s.items) for s in result.issue.sections) >= 1  # the article still makes the issue


def test_labels_and_order_come_from_the_configuration(tmp_path):
    table = {"order": ["tank", "personnel", "POW"], "labels": {"tank": "tanks", "personnel": "troops"}}
    d = day_figures(dataset(), dt.date(2023, 3, 20), categories(table))
    assert losses_line(d) == "3,537 (+5) tanks and 165,610 (+700) troops."


def test_losses_source_in_the_configuration_reads_a_file_and_a_url(tmp_path):
    ws = make_workspace(tmp_path, [], '[losses]\nsource = ["figures/statement.txt", "figures/other.json"]\n')
    (ws / "figures").mkdir()
    shutil.copy(STATEMENT, ws / "figures" / "statement.txt")
    (ws / "figures" / "other.json").write_text('{"tanks": 5}')
    result = build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md"))
    assert EXPECTED_390 in result.paths["md"].read_text()
    assert result.report.bad_sources == [{"path": "figures/other.json",
                                          "reason": "[losses] source: JSON, but not a list of dated records"}]

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(LOSSES))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}/"
        url_ws = make_workspace(tmp_path / "url", [], f'[losses]\nsource = ["{base}{STATEMENT.name}", '
                                                       f'"{base}missing.csv"]\ntimeout = 5\n'
                                                       '[fetch]\nallow_private = true\n')  # a loopback server
        result = build(load_config(url_ws / "briefing.toml", date="2023-03-20", formats="md"))
    finally:
        server.shutdown()
        server.server_close()
    assert EXPECTED_390 in result.paths["md"].read_text()
    assert any(b["path"].endswith("missing.csv") and "HTTP 404" in b["reason"] for b in result.report.bad_sources)


def test_a_url_over_the_size_cap_is_refused(tmp_path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SEEDS))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = load_config(make_workspace(tmp_path, [], f'[losses]\nsource = "http://127.0.0.1:'
                                            f'{server.server_port}/russia_losses_equipment.json"\n'
                                            'max_mb = 0.1\n[fetch]\nallow_private = true\n') / "briefing.toml")
        config.check_plugins(Plugins(config.workspace), ["losses"])  # the plugin's [losses] table, checked
        report = Report()
        assert losses.configured_figures(config, report) == []
    finally:
        server.shutdown()
        server.server_close()
    assert "too large" in report.bad_sources[0]["reason"]


def test_an_article_quoting_figures_stays_an_article():
    text = b"Ukraine says Russia lost 700 troops\nThe General Staff said tanks - 5 (+1) were destroyed.\n"
    assert read_figures("article.txt", text, None, claim_text=False) is None


SVG_FORBIDDEN = re.compile(r"href|url\(|src=|<image|<use|<script|<foreignObject|<style|@import|https?:", re.I)


def test_the_chart_is_inline_svg_in_html_and_pdf_and_refers_to_nothing(seeds_build):
    item = seeds_build.issue.sections[0].items[0]
    svg = item.figure_svg
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert not SVG_FORBIDDEN.search(svg)
    assert "Soldiers killed per day" in svg and "Tanks" in svg and "Artillery systems" in svg and "Drones" in svg
    assert svg.count("<rect ") >= 4 * 30 - 10  # a bar a day in four panels (a zero may have no height)
    small = item.figure_svg_small  # the same drawing laid out for a phone: every panel, nothing outside itself
    assert small.startswith('<svg viewBox="0 0 360 ') and small.endswith("</svg>") and not SVG_FORBIDDEN.search(small)
    assert all(title in small for title in ("Soldiers killed per day", "Tanks", "Artillery systems", "Drones"))
    assert small.count("<rect ") == svg.count("<rect ")
    assert min(float(size) for size in re.findall(r'font-size="([\d.]+)"', small)) >= 10.5
    html = seeds_build.paths["html"].read_text()
    assert f'<figure class="chart chart-wide">{svg}</figure>' in html
    assert f'<figure class="chart chart-small">{small}</figure>' in html
    assert "<svg" not in seeds_build.paths["md"].read_text()
    page = pypdf.PdfReader(str(seeds_build.paths["pdf"])).pages[0]
    text = page.extract_text()
    assert "Russian losses per day, the 30 days to March 20, 2023" in " ".join(text.split())
    assert text.count("Soldiers killed per day") == 1  # the page's layout only: the phone's is not in the PDF


def test_the_chart_marks_days_without_figures_and_multi_day_changes(tmp_path):
    result = build_ws(tmp_path, [LOSSES / "gap"], formats="md,html")
    svg = " ".join(re.sub(r"<[^>]+>", " ", result.issue.sections[0].items[0].figure_svg).split())
    assert "Lighter bars: a change over several days" in svg
    assert "No bar: no change known (28 days)" in svg
