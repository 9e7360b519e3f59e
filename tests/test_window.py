"""The day's window: the issue dated D reports the UTC day before D unless told otherwise."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from briefing.config.settings import load_config
from briefing.errors import UsageError
from briefing.models import Document
from briefing.runtime.report import Report
from briefing.testing import build_workspace
from briefing.pipeline.window import in_window, window

from .conftest import DATA, ROOT

UTC = dt.timezone.utc
D = dt.date(2023, 3, 20)


def doc(title, when, kind="article"):
    return Document(id=title, title=title, text="t", published=when, kind=kind)



def cfg(tmp_path, text=""):
    (tmp_path / "briefing.toml").write_text("[briefing]\n" + text)
    return load_config(tmp_path / "briefing.toml")


def test_default_window_is_the_utc_day_before(tmp_path):
    since, until = window(cfg(tmp_path), D)
    assert (since, until) == (dt.datetime(2023, 3, 19, tzinfo=UTC), dt.datetime(2023, 3, 20, tzinfo=UTC))


def test_documents_outside_are_dropped_and_reported(tmp_path):
    report = Report()
    docs = [
        doc("early", dt.datetime(2023, 3, 18, 23, 59, tzinfo=UTC)),
        doc("first", dt.datetime(2023, 3, 19, 0, 0, tzinfo=UTC)),
        doc("eastern evening", dt.datetime(2023, 3, 19, 19, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))),
        doc("late", dt.datetime(2023, 3, 20, 0, 0, tzinfo=UTC)),
        doc("undated", None),
        doc("losses", dt.datetime(2023, 3, 20, 0, 0, tzinfo=UTC), kind="data"),
    ]
    kept = in_window(docs, D, cfg(tmp_path), report)
    assert [d.title for d in kept] == ["first", "undated", "losses"]
    dropped = {d["what"]: d["reason"] for d in report.dropped}
    assert set(dropped) == {"early", "eastern evening", "late"}  # 19:30 at UTC-5 is 00:30 UTC on the 20th
    assert dropped["late"].startswith("outside the day's window (published 2023-03-20T00:00:00+00:00")


def test_window_from_the_configuration(tmp_path):
    assert window(cfg(tmp_path, "[window]\nhours = 36\n"), D)[0] == dt.datetime(2023, 3, 18, 12, tzinfo=UTC)
    since, until = window(cfg(tmp_path, '[window]\nsince = "2023-03-19T06:00:00+01:00"\n'
                                          'until = 2023-03-20T06:00:00+01:00\n'), D)
    assert since == dt.datetime(2023, 3, 19, 5, tzinfo=UTC) and until == dt.datetime(2023, 3, 20, 5, tzinfo=UTC)
    since, until = window(cfg(tmp_path, '[window]\nsince = "2023-03-17"\nuntil = "2023-03-18"\n'), D)
    assert since == dt.datetime(2023, 3, 17, tzinfo=UTC) and until == dt.datetime(2023, 3, 19, tzinfo=UTC)
    with pytest.raises(UsageError, match=r"\[window\] since"):
        window(cfg(tmp_path, '[window]\nsince = "yesterday"\n'), D)
    with pytest.raises(UsageError, match=r"\[window\] hours: expected a number above 0, got -1"):
        window(cfg(tmp_path, '[window]\nhours = -1\n'), D)
    with pytest.raises(UsageError, match="empty"):
        window(cfg(tmp_path, '[window]\nsince = "2023-03-19"\nuntil = "2023-03-18T12:00"\n'), D)


def test_real_feeds_of_the_day_fall_in_the_window_of_the_next_issue(tmp_path):
    feeds = DATA / "feeds" / "2023-03-19"
    result = build_workspace(tmp_path / "a", [feeds / "bbc.xml", feeds / "cnn.xml"], date="2023-03-20", formats="md")
    assert not [d for d in result.report.dropped if "window" in d["reason"]]
    result = build_workspace(tmp_path / "b", [feeds / "bbc.xml", feeds / "cnn.xml"], date="2023-03-21", formats="md",
                             allow_empty=True)
    outside = [d for d in result.report.dropped if d["reason"].startswith("outside the day's window")]
    assert len(outside) == 8 and not result.report.stories


def test_cli_since_and_until(tmp_path):
    feeds = DATA / "feeds" / "2023-03-19"
    out = tmp_path / "o"
    r = subprocess.run([sys.executable, "-m", "briefing", "build", "--offline", "--date", "2023-03-20", "--format", "md",
                        "--out", str(out), "--since", "2023-03-19T12:00:00Z", "--until", "2023-03-19T18:00",
                        "--sources", str(feeds / "cnn.xml")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    report = json.loads((out / "2023-03-20" / "report.json").read_text())
    times = {d["title"]: d["published"] for d in report["documents"]}
    outside = {d["what"] for d in report["dropped"] if "window" in d["reason"]}
    assert outside == {t for t, p in times.items() if not "2023-03-19T12:00" <= p < "2023-03-19T18:00"}
    assert 0 < len(outside) < len(times)
    r = subprocess.run([sys.executable, "-m", "briefing", "build", "--date", "2023-03-20", "--format", "md",
                        "--out", str(out), "--since", "noon"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "since" in r.stderr
