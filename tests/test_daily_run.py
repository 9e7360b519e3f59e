"""The daily run tells the truth: a day with nothing new fails (nothing archived) unless --allow-empty; a date before
Day 1 is a usage error; an issue can be taken out of the archive; --quiet keeps every warning about what the issue
holds and prints nothing on a clean build; the desk refuses to start outside a workspace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

from . import servers
from .conftest import DATA, ROOT, make_workspace

FEED = DATA / "feeds" / "2023-03-19" / "aljazeera.xml"  # the items of 18 and 19 March 2023
ARTICLE = ROOT / "seeds" / "002_3d2ce1288090b4de.txt"  # a story of Day 390


def cli(ws: Path, *args: str, timeout: float = 180):
    return subprocess.run([sys.executable, "-m", "briefing", *args], cwd=ws, capture_output=True, text=True,
                          timeout=timeout)


def test_a_day_with_nothing_new_fails_and_archives_nothing_unless_allowed(tmp_path):
    # was: an issue of seven "Nothing to report today", exit 0, listed in the archive page and the feed
    ws = make_workspace(tmp_path, [FEED])
    assert cli(ws, "build", "--date", "2023-03-20", "--format", "md").returncode == 0
    before = {p: (ws / "out" / p).read_bytes() for p in ("index.html", "feed.xml")}
    items = len(feedparser.parse(FEED.read_bytes()).entries)
    r = cli(ws, "build", "--date", "2023-03-25", "--format", "md")  # the same feed, not updated since
    assert (r.returncode, r.stderr) == (1, f"briefing: error: nothing new on the subject for 2023-03-25: of {items} "
                                           "document(s) read, 0 fall in the day's window and 0 of those are on the "
                                           "subject, and no section has an item; no issue was built and nothing "
                                           "archived (--allow-empty builds the empty issue)\n")
    assert not (ws / "out" / "2023-03-25").exists()
    assert {p: (ws / "out" / p).read_bytes() for p in ("index.html", "feed.xml")} == before
    allowed = cli(ws, "build", "--date", "2023-03-25", "--format", "md", "--allow-empty")
    assert allowed.returncode == 0, allowed.stderr
    built = json.loads((ws / "out" / "2023-03-25" / "issue.json").read_text())
    assert len(built["sections"]) == 7 and not any(s["items"] for s in built["sections"])


@pytest.mark.parametrize("command", ["build", "send"])
def test_a_date_before_day_one_is_a_usage_error(tmp_path, command):
    # was: conflict-update-day--418.md
    ws = make_workspace(tmp_path, [ARTICLE])
    r = cli(ws, command, "--date", "2021-01-01")
    assert (r.returncode, r.stderr) == (2, "briefing: usage error: --date 2021-01-01 is before [briefing] first_day "
                                           "(2022-02-24), the date of Day 1: there is no issue to make for it\n")
    assert not (ws / "out").exists()


def test_an_issue_is_taken_out_of_the_archive_and_its_files_are_kept(tmp_path):
    ws = make_workspace(tmp_path, [ARTICLE])
    for date in ("2023-03-20", "2023-03-21"):
        assert cli(ws, "build", "--date", date, "--format", "md", "--allow-empty").returncode == 0
    files = sorted(p.name for p in (ws / "out" / "2023-03-21").iterdir())
    r = cli(ws, "archive", "remove", "2023-03-21")
    assert (r.returncode, r.stdout) == (0, "removed Conflict Update Day 391 (2023-03-21) from the archive page and "
                                           f"the feed; its files are in {ws / 'out' / '.removed' / '2023-03-21'}\n")
    assert not (ws / "out" / "2023-03-21").exists()
    assert sorted(p.name for p in (ws / "out" / ".removed" / "2023-03-21").iterdir()) == files
    page = (ws / "out" / "index.html").read_text()
    assert "Day 391" not in page and "Conflict Update Day 390" in page
    feed = feedparser.parse((ws / "out" / "feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["Conflict Update Day 390 – 2023-03-20"]
    again = cli(ws, "build", "--date", "2023-03-22", "--format", "md", "--allow-empty")  # the next build keeps it out
    assert again.returncode == 0 and "Day 391" not in (ws / "out" / "index.html").read_text()
    assert (ws / "out" / ".removed" / "2023-03-21").is_dir()
    missing = cli(ws, "archive", "remove", "2023-03-21")
    assert (missing.returncode, missing.stderr) == (2, "briefing: usage error: no issue of 2023-03-21 in "
                                                       f"{ws / 'out'}\n")


def test_quiet_keeps_every_warning_about_what_the_issue_holds(tmp_path):
    # was: a missing source, an unknown key, notes that match nothing and failed downloads, all silent, exit 0
    site = servers.Site("127.0.0.70", {"/robots.txt": servers.status(404)})
    try:
        teaser = [e for e in servers.day_389_teasers() if "Mariupol" in e.title][0]
        feed = servers.rss([(teaser.title, teaser.summary, site.url("/gone"), teaser.published)])
        ws = make_workspace(tmp_path, [ARTICLE], texts={"wire.xml": feed}, config_text=(
            'formts = ["md"]\n[fetch]\nallow_private = true\n[articles]\ntimeout = 5\n'))
        text = (ws / "briefing.toml").read_text().replace('sources = ["seeds"]', 'sources = ["seeds", "missing"]')
        (ws / "briefing.toml").write_text(text)
        (ws / "notes").mkdir()
        (ws / "notes" / "2023-03-20.toml").write_text('[[note]]\nitem = "000000000000"\ncomment = "Confirmed."\n')
        r = cli(ws, "-q", "build", "--date", "2023-03-20", "--format", "md")
    finally:
        site.close()
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 4, r.stderr
    assert ("briefing: WARNING: briefing.toml: unknown key 'formts' in [briefing]; did you mean 'formats'?; "
            "ignored") in lines
    assert "briefing: WARNING: skipped source missing: not found" in lines
    assert ("briefing: WARNING: 1 of 1 article download(s) failed (1 HTTP error(s)); their items keep the feed's "
            "description (report.json lists each under articles)") in lines
    assert (f"briefing: WARNING: {ws / 'notes' / '2023-03-20.toml'}: note 1 ('000000000000') matches no item of "
            "the issue and no story of the day") in lines


def test_quiet_prints_nothing_on_a_clean_build(tmp_path):
    ws = make_workspace(tmp_path, [ARTICLE])
    r = cli(ws, "-q", "build", "--date", "2023-03-20", "--format", "md")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_serve_outside_a_workspace_is_a_usage_error_and_writes_nothing(tmp_path):
    # was: the desk ran on defaults and made out/.lock and .briefing-cache/ wherever it was started
    r = cli(tmp_path, "serve", "--port", "0", timeout=60)
    assert r.returncode == 2
    assert r.stderr == (f"briefing: usage error: no briefing.toml in {tmp_path} or any folder above it: run this in "
                        "a workspace (make one with `briefing init DIR`), or name one with --config\n")
    assert os.listdir(tmp_path) == []
