"""Benchmark: the time from a correction at the desk to the rebuilt page, on the day-389 feeds.

    .venv/bin/python bench/desk.py [--rounds 4]

A workspace in a temporary folder reads the 17 feeds of 2023-03-19 (``tests/data/feeds/``, 61 items) and the
losses data, for the issue of 2023-03-20. ``briefing serve`` runs in its own process (the real command) and
builds the draft once at start (a cold cache). Then, after one correction to warm up, each round makes the
corrections an editor makes in the morning, one at a time, as the page does: the correction is posted to
``POST /api/issues/<date>/notes`` (which writes notes/DATE.toml and rebuilds the issue: Markdown, HTML and
PDF) and the redrawn draft is fetched (``GET /issues/<date>/draft``). Printed: the median, fastest and slowest
time from sending the correction to having the redrawn page, and the rebuild alone, for the configured
formats and, for comparison, without the PDF.
"""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FEEDS = ROOT / "tests" / "data" / "feeds" / "2023-03-19"
DATE = "2023-03-20"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port: int, method: str, path: str, body=None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def corrections(view: dict) -> list[dict]:
    """A morning's corrections on this draft, each undone later in the round so that every round is alike."""
    by_section = {s["key"]: [i for i in s["items"] if i["kind"] == "story"] for s in view["sections"]}
    stories = [i for items in by_section.values() for i in items]
    lead, other, third = stories[0], stories[1], stories[2]
    target = next(k for k in ("comments", "containment") if k != other["section"] and k in by_section)
    return [
        {"item": lead["id"], "kill": True},
        {"item": other["id"], "section": target},
        {"item": third["id"], "comment": "Read this with yesterday's report on the front."},
        {"item": third["id"], "pin": True},
        {"item": lead["id"], "restore": True},
        {"item": other["id"], "section": other["section"]},
        {"item": third["id"], "comment": ""},
        {"item": third["id"], "pin": False},
    ]


def run(formats: list[str], rounds: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        shutil.copytree(FEEDS, ws / "feeds")
        shutil.copytree(ROOT / "seeds" / "losses", ws / "losses")
        (ws / "briefing.toml").write_text(f'[subject]\npreset = "russia-ukraine-war"\n[briefing]\nsources = ["feeds", "losses"]\nout = "out"\n'
                                          f'formats = {json.dumps(formats)}\n')
        port = free_port()
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "briefing", "serve", "--date", DATE, "--port", str(port)],
                                cwd=ws, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            ready, _, _ = select.select([proc.stdout], [], [], 300)
            line = proc.stdout.readline() if ready else ""
            if not line.startswith("desk"):
                raise SystemExit(f"the desk did not start: {line or proc.stderr.read()}")
            startup = time.perf_counter() - started
            status, data = call(port, "GET", f"/api/issues/{DATE}")
            view = json.loads(data)
            steps = corrections(view)
            call(port, "POST", f"/api/issues/{DATE}/notes", steps[3])  # warm-up, undone by the first round
            call(port, "POST", f"/api/issues/{DATE}/notes", steps[7])
            total, rebuild = [], []
            for _ in range(rounds):
                for step in steps:
                    t = time.perf_counter()
                    status, data = call(port, "POST", f"/api/issues/{DATE}/notes", step)
                    if status != 200:
                        raise SystemExit(f"correction {step} answered {status}: {data[:300]!r}")
                    page_status, _ = call(port, "GET", f"/issues/{DATE}/draft")
                    total.append(time.perf_counter() - t)
                    rebuild.append(json.loads(data)["rebuilt"]["seconds"])
                    assert page_status == 200
            items = sum(len(s["items"]) for s in view["sections"])
        finally:
            proc.terminate()
            proc.wait(20)
    return {"startup": startup, "total": total, "rebuild": rebuild, "items": items}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4, help="rounds of 8 corrections each (default 4)")
    args = parser.parse_args()
    print(f"desk: correction → rebuilt page, day-389 feeds ({len(list(FEEDS.glob('*.xml')))} feeds) for "
          f"{DATE}; {args.rounds} × 8 corrections; {platform.python_implementation()} {platform.python_version()}, "
          f"{__import__('os').cpu_count()} cores")
    print(f"{'formats':14} {'start (cold)':>12} {'median':>8} {'fastest':>8} {'slowest':>8} {'rebuild alone':>14}")
    for formats in (["md", "html", "pdf"], ["md", "html"]):
        r = run(formats, args.rounds)
        print(f"{','.join(formats):14} {r['startup']:>10.2f} s {statistics.median(r['total']):>6.3f} s "
              f"{min(r['total']):>6.3f} s {max(r['total']):>6.3f} s {statistics.median(r['rebuild']):>12.3f} s"
              f"   ({r['items']} items)")


if __name__ == "__main__":
    main()
