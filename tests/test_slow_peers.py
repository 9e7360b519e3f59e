"""Slow peers and stopped builds: a server that sends its headers and then one body byte at a time (announcing no
length, or chunked, or announced) never holds a download past its clock, the articles stage past its deadline,
nor a build past Ctrl-C or SIGTERM; a stopped build leaves the previous issue, no lock and no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from filelock import FileLock

from briefing.sources.fetch import FetchError, Fetcher, FetchSettings, fetch

from . import servers
from .conftest import DATA, ROOT, make_workspace
from .servers import day_389_teasers, rss

FEED = (DATA / "feeds" / "2023-03-19" / "aljazeera.xml").read_bytes()
PAGES = sorted((DATA / "pages").glob("*.html"))  # real article pages
PAGE = PAGES[0].read_bytes()
SLACK = 3.0  # seconds a bounded download or stage may take past its limit on a loaded machine (a hang takes minutes)
DATE = "2023-03-20"
DAY = DATA / "feeds-full" / "2023-03-19"  # enough to read for the parse workers


def cli(ws: Path, *args: str, timeout: float = 180, **kwargs):
    return subprocess.run([sys.executable, "-m", "briefing", *args], cwd=ws, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


# -- one download ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def peer():
    body = b"<p>" + b"x" * 100 + b"</p>"
    site = servers.Site("127.0.0.60", {f"/{framing}": servers.trickle(body, 0.1, framing=framing)
                                       for framing in ("close", "chunked", "length")})
    site.routes["/quick"] = servers.page(b"<p>quick</p>")
    yield site
    site.close()


@pytest.mark.slow  # waits on purpose
@pytest.mark.parametrize("framing", ["close", "chunked", "length"])
def test_one_wall_clock_per_download_whatever_the_framing(peer, framing):
    # a byte every 0.1 s: no read waits long, and the whole body would take 10 s; before, the clock was looked
    # at only after a whole chunk, and a body read to the connection's close could not be cut
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"^timed out after 1 s$"):
        fetch(peer.url(f"/{framing}"), timeout=1, allow_private=True)
    assert time.monotonic() - started < 1 + SLACK


@pytest.mark.slow
def test_a_map_left_early_cuts_its_downloads_and_does_not_wait_for_them(peer):
    fetcher = Fetcher(FetchSettings(allow_private=True, per_host=3))
    urls = [peer.url("/quick"), peer.url("/close"), peer.url("/chunked")]
    results = fetcher.map(urls, lambda url: fetcher.get(url, timeout=600))
    url, first = next(results)
    assert (url, first.body) == (peer.url("/quick"), b"<p>quick</p>")
    started = time.monotonic()
    results.close()  # the stage reading it stops (Ctrl-C, SIGTERM, an error) while two trickles run
    assert time.monotonic() - started < SLACK  # before: it waited for the trickles (10 s each)
    deadline = time.monotonic() + SLACK  # the threads end with their connections
    while any(t.name.startswith("briefing-fetch") for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("briefing-fetch")]


# -- whole builds ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dripping():
    """A host whose feed, article page and robots.txt send their headers, then one byte a second, no length."""
    site = servers.Site("127.0.0.61", {"/feed.xml": servers.trickle(FEED, 1.0, framing="close"),
                                       "/slow-article": servers.trickle(PAGE, 1.0, framing="close"),
                                       "/robots.txt": servers.page(b"User-agent: *\nAllow: /\n", "text/plain")})
    blocked = servers.Site("127.0.0.62", {"/robots.txt": servers.trickle(b"User-agent: *\nAllow: /\n", 1.0,
                                                                         framing="close")})
    good = servers.Site("127.0.0.63", {"/robots.txt": servers.page(b"User-agent: *\nAllow: /\n", "text/plain")})
    yield site, blocked, good
    for host in (site, blocked, good):
        host.close()


def test_a_trickling_url_source_is_cut_at_its_timeout_and_the_issue_is_built(dripping, tmp_path):
    # the reproduction: [fetch] timeout = 3, `briefing build --sources http://…/feed.xml seeds` ran for ever
    site, _, _ = dripping
    ws = make_workspace(tmp_path, [ROOT / "seeds" / "002_3d2ce1288090b4de.txt"],
                        config_text="[fetch]\ntimeout = 3\nallow_private = true\n")
    started = time.monotonic()
    r = cli(ws, "build", "--date", DATE, "--format", "md", "--sources", site.url("/feed.xml"), "seeds")
    took = time.monotonic() - started
    assert r.returncode == 0, r.stderr
    assert f"skipped source {site.url('/feed.xml')}: timed out after 3 s" in r.stderr
    assert (ws / "out" / DATE / "conflict-update-day-390.md").is_file()
    assert took < 60  # the feed alone would take three hours at a byte a second


def _teaser_feed(links: list[str]) -> str:
    teasers = [e for e in day_389_teasers() if "Ukrain" in e.title][:len(links)]
    return rss([(e.title, e.summary, link, e.published) for e, link in zip(teasers, links)])


def test_the_articles_stage_ends_at_its_deadline_and_keeps_what_was_read(dripping, tmp_path):
    # the reproduction: an article link and a robots.txt that trickle; before, the stage never ended (the main
    # thread spinning) and the build was stopped by max_seconds with nothing published
    site, blocked, good = dripping
    pages = {f"/a{n}": PAGES[n + 1].read_bytes() for n in range(2)}
    good.routes.update({path: servers.page(body) for path, body in pages.items()})
    links = [good.url("/a0"), site.url("/slow-article"), blocked.url("/behind-robots"), good.url("/a1")]
    ws = make_workspace(tmp_path, texts={"wire.xml": _teaser_feed(links)},
                        config_text="[fetch]\nallow_private = true\n[articles]\ntimeout = 600\ndeadline = 4\n")
    started = time.monotonic()
    r = cli(ws, "build", "--date", DATE, "--format", "md")
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - started < 90  # the trickles alone would take many minutes
    rows = {row["url"]: row for row in json.loads((ws / "out" / DATE / "report.json").read_text())["articles"]}
    assert rows[good.url("/a0")]["fallback"] is None and rows[good.url("/a1")]["fallback"] is None
    assert rows[site.url("/slow-article")]["fallback"] == "timed out: the stage's deadline of 4 s passed"
    assert rows[blocked.url("/behind-robots")]["fallback"] == "timed out: the stage's deadline of 4 s passed"


def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
            and p.name != ".lock"}


def _start(ws: Path) -> subprocess.Popen:
    """The build, in a session of its own (a terminal's process group); its stderr to a file, which a process
    it leaves behind cannot hold open."""
    return subprocess.Popen([sys.executable, "-m", "briefing", "build", "--date", DATE, "--format", "md"], cwd=ws,
                            stdout=subprocess.DEVNULL, stderr=open(ws / "stderr.txt", "w"), text=True,
                            start_new_session=True)


def _stop(proc: subprocess.Popen, how: str) -> float:
    """Send the signal as a user (Ctrl-C: SIGINT to the process group) or a service manager (SIGTERM to the
    build) would; the seconds until the build's process ended."""
    started = time.monotonic()
    if how == "SIGINT":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    return time.monotonic() - started


def _wait_for(check, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the build never got there"
        time.sleep(0.1)


def _previous_issue(ws: Path) -> dict[str, bytes]:
    r = cli(ws, "build", "--date", DATE, "--format", "md", "--sources", str(ROOT / "seeds" / "002_3d2ce1288090b4de.txt"))
    assert r.returncode == 0, r.stderr
    return _snapshot(ws / "out")


def _left_clean(ws: Path, before: dict[str, bytes]) -> None:
    assert _snapshot(ws / "out") == before  # the previous issue, index and feed as they were
    assert not [p.name for p in (ws / "out").iterdir() if p.name.startswith(".") and p.name != ".lock"]
    FileLock(str(ws / "out" / ".lock")).acquire(timeout=0)  # nobody holds the lock


@pytest.mark.slow
@pytest.mark.parametrize("how, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_build_downloading_from_a_trickle_stops_at_once(dripping, tmp_path, how, code):
    # before: Ctrl-C left the main thread waiting in the executor's shutdown for the trickle to end
    site, _, _ = dripping
    ws = make_workspace(tmp_path, config_text="[fetch]\nallow_private = true\n[articles]\ntimeout = 600\n"
                                              "deadline = 600\n",
                        texts={"wire.xml": _teaser_feed([site.url("/slow-article")])})
    before = _previous_issue(ws)
    seen = len([r for r in site.requests if r["path"] == "/slow-article"])
    proc = _start(ws)
    try:
        _wait_for(lambda: len([r for r in site.requests if r["path"] == "/slow-article"]) > seen)
        time.sleep(0.5)
        took = _stop(proc, how)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = (ws / "stderr.txt").read_text()
    assert proc.returncode == code, stderr
    shown = "Ctrl-C (SIGINT)" if how == "SIGINT" else "SIGTERM"
    assert stderr.strip().splitlines()[-1] == (f"briefing: error: stopped by {shown} in the articles stage (in the "
                                               "engine, no plugin was running); nothing was published: the previous "
                                               "issue is as it was")
    assert took < 1 + SLACK
    _left_clean(ws, before)


SLEEPER = """\
import os, time
from pathlib import Path
from briefing import Loader, hookimpl
PARENT = os.getpid()

def load(path, data, build):
    if os.getpid() != PARENT:  # in a parse worker: hang, as a parser stuck in C code would
        with open(Path(path).parent.parent / "workers.txt", "a") as fh:
            fh.write(f"{os.getpid()}\\n")
        while True:
            time.sleep(0.1)
    return None

@hookimpl
def briefing_loaders():
    return [Loader("sleeper", load, frozenset({".xml"}), priority=100)]
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is no longer running
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.slow
@pytest.mark.parametrize("how, code", [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_stopped_build_leaves_no_parse_worker_running(tmp_path, how, code):
    # before: SIGTERM ended the build and left its workers running, reparented, for ever with a hung parse
    plugin = tmp_path / "sleeper.py"
    plugin.write_text(SLEEPER)
    ws = make_workspace(tmp_path, plugins=[plugin], config_text="workers = 2\n")
    for f in sorted(DAY.iterdir()):
        (ws / "seeds" / f.name).write_bytes(f.read_bytes())
    before = _previous_issue(ws)
    proc = _start(ws)
    pids: list[int] = []
    try:
        _wait_for(lambda: (ws / "workers.txt").exists() and len(set((ws / "workers.txt").read_text().split())) == 2)
        pids = [int(p) for p in set((ws / "workers.txt").read_text().split())]
        took = _stop(proc, how)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = (ws / "stderr.txt").read_text()
    assert proc.returncode == code, stderr
    assert "in the load stage" in stderr.strip().splitlines()[-1]
    assert took < 1 + SLACK
    deadline = time.monotonic() + SLACK
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert not [pid for pid in pids if _alive(pid)]
    finally:
        for pid in pids:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    _left_clean(ws, before)
