"""Time done right: today and the day's window are those of [briefing] timezone, whatever TZ the job runs
under; publication times keep their zones; a date without a time counts for its day."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import zoneinfo

import pytest

from briefing.config.settings import load_config
from briefing.sources.sanitize import parse_datetime
from briefing.testing import build_workspace
from briefing.pipeline.window import window

from .conftest import DATA, ROOT, make_workspace

UTC = dt.timezone.utc
# 2023-03-20 11:00 UTC: still the 19th at UTC-12, already the 21st on Kiritimati (UTC+14), the 20th in London
MOMENT = dt.datetime(2023, 3, 20, 11, 0, tzinfo=UTC)
ZONES = ("Etc/GMT+12", "UTC", "Pacific/Kiritimati")
# The build as cron would start it (no --date), with the clock held at MOMENT; TZ is the environment's.
AT_MOMENT = ("import sys, time_machine\nfrom briefing.cli.main import main\n"
             f"with time_machine.travel({MOMENT.timestamp()}, tick=False):\n    main(sys.argv[1:])\n")


def build_at_moment(ws, tz: str, *args: str):
    env = {**os.environ, "TZ": tz}
    return subprocess.run([sys.executable, "-c", AT_MOMENT, "build", "--format", "md", "-q", *args], cwd=ws, env=env,
                          capture_output=True, text=True, timeout=180)


@pytest.mark.slow
def test_tz_of_the_job_does_not_change_the_issue(tmp_path):
    local_dates = {zoneinfo.ZoneInfo(z).fromutc(MOMENT.replace(tzinfo=zoneinfo.ZoneInfo(z))).date() for z in ZONES}
    assert len(local_dates) == 3  # the three zones disagree about the date at that moment
    feeds = DATA / "feeds" / "2023-03-19"
    issues = []
    for tz in ZONES:
        ws = make_workspace(tmp_path / tz.replace("/", "-"), [feeds / "bbc.xml", feeds / "cnn.xml",
                                                            ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt"])
        config = ws / "briefing.toml"  # written whole: the setting must land in [briefing], nowhere else
        config.write_text('[subject]\npreset = "russia-ukraine-war"\n[briefing]\ntitle = "Conflict Update"\n'
                          'first_day = 2022-02-24\nsources = ["seeds"]\nout = "out"\ntimezone = "Europe/London"\n'
                          '[articles]\nfetch = false\n')
        r = build_at_moment(ws, tz)
        assert (r.returncode, r.stdout, r.stderr) == (0, "", ""), (tz, r.stderr)
        assert sorted(p.name for p in (ws / "out").iterdir() if p.is_dir()) == ["2023-03-20"], tz
        folder = ws / "out" / "2023-03-20"
        report = json.loads((folder / "report.json").read_text())
        assert not [d for d in report["dropped"] if "window" in d["reason"]]  # the 19th's feed items all count
        issues.append((folder / "conflict-update-day-390.md").read_bytes())
    assert issues[0] == issues[1] == issues[2]
    assert b"## Key Takeaways" in issues[0] and issues[0].count(b"\n**") >= 3

    # the setting decides: on Kiritimati it is already the 21st, and the 20th's news make that issue
    config.write_text(config.read_text().replace("Europe/London", "Pacific/Kiritimati"))
    r = build_at_moment(ws, "UTC")  # the 20th's news were the 20th's issue: nothing new, no issue
    assert r.returncode == 1 and r.stderr.startswith("briefing: error: nothing new on the subject for 2023-03-21: ")
    r = build_at_moment(ws, "UTC", "--allow-empty")
    assert r.returncode == 0, r.stderr
    report = json.loads((ws / "out" / "2023-03-21" / "report.json").read_text())
    assert {d["what"] for d in report["dropped"] if "window" in d["reason"]}  # the 19th's items are too old


def test_the_window_is_the_calendar_day_in_the_briefings_zone(tmp_path):
    (tmp_path / "briefing.toml").write_text('[briefing]\ntimezone = "Europe/London"\n')
    config = load_config(tmp_path / "briefing.toml")
    since, until = window(config, dt.date(2023, 3, 27))  # the clocks went forward on the 26th: a 23-hour day
    assert since == dt.datetime(2023, 3, 26, 0, 0, tzinfo=UTC) and until == dt.datetime(2023, 3, 26, 23, 0, tzinfo=UTC)
    since, until = window(config, dt.date(2023, 3, 20))
    assert (since, until) == (dt.datetime(2023, 3, 19, tzinfo=UTC), dt.datetime(2023, 3, 20, tzinfo=UTC))
    (tmp_path / "briefing.toml").write_text('[briefing]\ntimezone = "America/New_York"\n'
                                            '[window]\nsince = "2023-03-19T06:00"\n')  # no zone: the briefing's
    since, until = window(load_config(tmp_path / "briefing.toml"), dt.date(2023, 3, 20))
    assert since == dt.datetime(2023, 3, 19, 10, tzinfo=UTC) and until == dt.datetime(2023, 3, 20, 4, tzinfo=UTC)


def test_an_unknown_time_zone_is_a_usage_error(tmp_path):
    (tmp_path / "briefing.toml").write_text('[briefing]\ntimezone = "Europe/Londn"\n')
    r = subprocess.run([sys.executable, "-m", "briefing", "build"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2
    assert r.stderr == ("briefing: usage error: briefing.toml: [briefing] timezone: expected an IANA time zone name "
                        "such as 'Europe/London', got 'Europe/Londn'\n")


def test_publication_times_keep_their_zones():
    cases = {
        "Mar 19, 2023 11:00 PM EDT": dt.datetime(2023, 3, 20, 3, 0, tzinfo=UTC),
        "Sun, 19 Mar 2023 22:37:02 -0400": dt.datetime(2023, 3, 20, 2, 37, 2, tzinfo=UTC),
        "Sun, 19 Mar 2023 22:37:02 GMT": dt.datetime(2023, 3, 19, 22, 37, 2, tzinfo=UTC),
        "19 March 2023 at 10:15 CET": dt.datetime(2023, 3, 19, 9, 15, tzinfo=UTC),
        "2023-03-19T10:15:00+02:00": dt.datetime(2023, 3, 19, 8, 15, tzinfo=UTC),
        "2023-03-19 10:15": dt.datetime(2023, 3, 19, 10, 15, tzinfo=UTC),  # no zone: UTC
    }
    for text, expected in cases.items():
        assert parse_datetime(text) == expected, text
    assert parse_datetime("Mar 19, 2023 11:00 PM EDT").utcoffset() == dt.timedelta(hours=-4)


def test_a_date_without_a_time_is_that_day(tmp_path):
    for text in ("March 19, 2023", "19 March 2023", "2023-03-19", dt.date(2023, 3, 19)):
        assert parse_datetime(text) == dt.datetime(2023, 3, 19, 12, tzinfo=UTC), text
    for text in ("March 2023", "11:00 PM", "yesterday", "19 March"):  # no day, no year: not a date
        assert parse_datetime(text) is None, text
    article = ("Kyiv says counteroffensive is near\nPublished: March 19, 2023\n\nUkrainian commanders said on "
               "Sunday that a counteroffensive against Russian forces near Bakhmut was near.\n")
    result = build_workspace(tmp_path / "a", texts={"dated.txt": article}, date="2023-03-20", formats="md")
    (doc,) = result.report.documents
    assert doc["published"] == "2023-03-19T12:00:00+00:00" and not result.report.bad_sources
    assert "Kyiv says counteroffensive is near" in result.markdown
    later = build_workspace(tmp_path / "b", texts={"dated.txt": article}, date="2023-03-21", formats="md",
                            allow_empty=True)
    assert [d["what"] for d in later.report.dropped] == ["Kyiv says counteroffensive is near"]
