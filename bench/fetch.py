"""Benchmark: the articles stage reading 200 pages from local servers that take 0.5 s to answer each.

Twenty-five loopback hosts (127.0.0.100 …) serve the 15 real article pages of tests/data/pages/ under 200
addresses, each answer held 0.5 s by the server; one feed of on-subject teasers (the real items of 19 March 2023,
numbered) links to them. The same day is built three times, each in a fresh process's state but the same machine:

- serial: ``[articles] concurrency = 1``, one download after another (empty cache);
- parallel: the defaults, ``concurrency = 8``, ``per_host = 2`` (empty cache);
- rebuild: the parallel workspace again, its HTTP cache warm.

The servers run in a process of their own, as real sites would: the build's process does only the build's work.
Printed: the articles stage's wall time for each, side by side, the ratio, the requests each sent, and the
most downloads the servers saw at once (all hosts together, and on one host).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.pipeline.build import build  # noqa: E402
from briefing.config.settings import load_config  # noqa: E402
from briefing.sources.sanitize import html_to_text  # noqa: E402
from tests import servers  # noqa: E402

PAGES = sorted((ROOT / "tests" / "data" / "pages").glob("*.html"))
DATE = "2023-03-20"


def newsroom(pages: int, hosts: int, delay: float) -> tuple[list[servers.Site], str]:
    sites = servers.sites(hosts, first=100)
    for site in sites:
        site.routes["/robots.txt"] = servers.page(b"User-agent: *\nAllow: /\n", "text/plain")
    teasers = servers.day_389_teasers()
    items = []
    for n in range(pages):
        site = sites[n % hosts]
        site.routes[f"/p{n}.html"] = servers.slow(servers.page(PAGES[n % len(PAGES)].read_bytes()), delay)
        entry = teasers[n % len(teasers)]
        items.append((f"{entry.title} ({n})", html_to_text(entry.summary), site.url(f"/p{n}.html"), entry.published))
    return sites, servers.rss(items)


def serve(pages: int, hosts: int, delay: float, conn) -> None:
    """The servers' process: answers "stats", "reset" and "stop" on ``conn``."""
    sites, feed = newsroom(pages, hosts, delay)
    conn.send(feed)
    while True:
        order = conn.recv()
        if order == "stats":
            conn.send({"requests": sum(len(s.requests) for s in sites), "overlap": servers.overlap(sites),
                       "host_peak": max(s.peak for s in sites)})
        elif order == "reset":
            for site in sites:
                with site.lock:
                    site.requests.clear()
                    site.peak = 0
            conn.send("ok")
        else:
            for site in sites:
                site.close()
            conn.send("stopped")
            return


def run(folder: Path, feed: str, conn, extra: str) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "seeds").mkdir(exist_ok=True)
    (folder / "seeds" / "wire.xml").write_text(feed, encoding="utf-8")
    (folder / "briefing.toml").write_text(
        '[briefing]\nsources = ["seeds"]\nout = "out"\nformats = ["md"]\n'
        f'[fetch]\nallow_private = true\n[articles]\ndeadline = 900\n{extra}', encoding="utf-8")
    conn.send("reset")
    conn.recv()
    started = time.perf_counter()
    result = build(load_config(folder / "briefing.toml", date=DATE))
    total = time.perf_counter() - started
    conn.send("stats")
    seen = conn.recv()
    rows = result.report.articles
    return {"stage": result.timings["articles"], "total": total, "read": sum(1 for r in rows if r["fallback"] is None),
            "cached": sum(1 for r in rows if r["cached"]), "rows": len(rows), **seen}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--hosts", type=int, default=25)
    parser.add_argument("--delay", type=float, default=0.5, help="seconds each page's server takes to answer")
    args = parser.parse_args(argv)
    here, there = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=serve, args=(args.pages, args.hosts, args.delay,
                                                                               there), daemon=True)
    process.start()
    feed = here.recv()
    try:
        with tempfile.TemporaryDirectory(prefix="briefing-fetch-bench-") as tmp:
            serial = run(Path(tmp) / "serial", feed, here, "concurrency = 1\nper_host = 1\n")
            parallel = run(Path(tmp) / "parallel", feed, here, "")
            rebuild = run(Path(tmp) / "parallel", feed, here, "")
    finally:
        here.send("stop")
        here.recv()
        process.join(10)
    print(f"Articles stage: {args.pages} pages from {args.hosts} local hosts, each answer held {args.delay:g} s "
          f"by its server (ideal serial {args.pages * args.delay:.0f} s)")
    print(f"  {'':34s} {'stage':>8s} {'build':>8s} {'requests':>9s} {'read':>5s} {'cached':>7s}")
    for name, r in (("serial (concurrency 1)", serial), ("parallel (8 at a time, 2 per host)", parallel),
                    ("rebuild, cache warm", rebuild)):
        print(f"  {name:34s} {r['stage']:7.2f}s {r['total']:7.2f}s {r['requests']:9d} {r['read']:5d} {r['cached']:7d}")
    print(f"  parallel against serial: ×{serial['stage'] / parallel['stage']:.1f} faster; rebuild against the first "
          f"parallel build: ×{parallel['stage'] / max(rebuild['stage'], 1e-6):.0f} faster")
    print(f"  most downloads at once, parallel: {parallel['overlap']} in all, {parallel['host_peak']} on one host; "
          f"serial: {serial['overlap']}")


if __name__ == "__main__":
    main()
