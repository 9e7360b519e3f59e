"""Scale: what a build costs against what arrives, on a real whole-subscription day and on larger days made from it.

Series (each size built in a subprocess of its own, cold cache, Markdown and HTML, no PDF):

- **copies**: the 19 feeds of 2023-03-19 (946 items) and its 2×, 5×, 10×, 30× distinct copies: every copy is
  another set of outlets (its own feed titles and links) telling the same day, as a desk with more
  subscriptions would see it;
- **events**: items all on the subject and no two alike: the labelled on-subject items of the dev days with
  every name and rare word replaced, copy by copy, by invented words, so that each copy is another set of
  events (the hardest case for clustering: many distinct stories).

Each row prints the build's time, items per second, peak memory, and feedparser alone parsing the same files
(the floor no build can beat), side by side with their ratio; the last column is the growth exponent from the
previous size (1.0 is linear). ``--sizes`` and ``--series`` pick what to run.

    .venv/bin/python bench/scale.py                     # both series
    .venv/bin/python bench/scale.py --series copies --copies 1,10,30
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
DAY = ROOT / "tests" / "data" / "feeds-full" / "2023-03-19"
LABELS = ROOT / "tests" / "data" / "labels"
DEV_DAYS = ("2023-03-13", "2023-03-15", "2023-03-17", "2023-03-19")
KEEP = re.compile(r"^(?:ukraine|ukrainian|ukrainians|kyiv|russia|russian|russians|moscow|kremlin|putin|zelensky|"
                  r"zelenskyy|war|invasion|nato|troops|military|forces|sanctions|china|chinese|xi|the|a|an|of|in|on|"
                  r"to|and|for|with|as|at|by|is|are|was|were|has|have|said|says|after|over|from|its|his|their)$",
                  re.IGNORECASE)

BUILD = """
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from briefing.pipeline.build import build
from briefing.config.settings import load_config
config = load_config(Path(sys.argv[1]) / "briefing.toml", date="2023-03-20", formats="md,html")
result = build(config)
print(json.dumps({"seconds": time.perf_counter() - started, "timings": result.timings,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "items": sum(1 for d in result.report.documents)}))
"""

FLOOR = """
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
import feedparser
n = 0
for path in sorted(Path(sys.argv[1]).rglob("*.xml")):
    n += len(feedparser.parse(path.read_bytes(), resolve_relative_uris=False, sanitize_html=False).entries)
print(json.dumps({"seconds": time.perf_counter() - started, "items": n,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def workspace(folder: Path) -> Path:
    (folder / "sources").mkdir(parents=True)
    (folder / "briefing.toml").write_text('[subject]\npreset = "russia-ukraine-war"\n[briefing]\nsources = '
                                          '["sources"]\nout = "out"\n[window]\nsince = "2023-03-18"\nuntil = '
                                          '"2023-03-20"\n[articles]\nfetch = false\n', encoding="utf-8")
    return folder


def copies(folder: Path, k: int) -> Path:
    """The day's feeds, k times, each copy under its own outlets and links."""
    ws = workspace(folder)
    for n in range(k):
        for path in sorted(DAY.glob("*.xml")):
            text = path.read_text(encoding="utf-8")
            if n:
                text = re.sub(r"<title>([^<]*)</title>", lambda m: f"<title>{m.group(1)} {n}</title>", text, count=1)
                text = re.sub(r"<link>([^<]*)</link>", lambda m: f"<link>{m.group(1)}#copy{n}</link>", text)
                text = re.sub(r"<guid>([^<]*)</guid>", lambda m: f"<guid>{m.group(1)}#copy{n}</guid>", text)
            (ws / "sources" / f"{path.stem}-{n}.xml").write_text(text, encoding="utf-8")
    return ws


def _invent(word: str, salt: int) -> str:
    digest = hashlib.blake2b(f"{salt}/{word.lower()}".encode(), digest_size=6).hexdigest()
    letters = "".join(chr(ord("a") + int(c, 16) % 26) for c in digest)
    return (letters.capitalize() if word[:1].isupper() else letters)[: max(4, min(10, len(word) + 2))]


def disguise(text: str, salt: int) -> str:
    """Every word but the subject's and the commonest replaced by an invented one (the same within a copy)."""
    return re.sub(r"[A-Za-z][A-Za-z'’-]{2,}", lambda m: m.group() if KEEP.match(m.group()) else
                  _invent(m.group(), salt), text)


def events(folder: Path, n: int) -> Path:
    """n on-subject items, copies of the dev days' labelled ones, each copy another set of events."""
    base = []
    for day in DEV_DAYS:
        items = {json.dumps([i["feed"], i["title"]]): i for i in map(json.loads, (LABELS / f"{day}.jsonl")
                                                                        .read_text().splitlines())}
        for path in sorted((DAY.parent / day).glob("*.xml")):
            for m in re.finditer(r"<item>.*?<title>([^<]*)</title>.*?<description>([^<]*)</description>.*?</item>",
                                 path.read_text(encoding="utf-8"), re.S):
                label = items.get(json.dumps([path.name, m.group(1)]))
                if label and label["on"]:
                    base.append((m.group(1), m.group(2)))
    ws = workspace(folder)
    per_feed = 500
    rows = []
    for k in range(n):
        title, description = base[k % len(base)]
        salt = k // len(base)
        rows.append((disguise(title, salt), disguise(description, salt), k))
    for f in range(0, n, per_feed):
        body = "".join(f"<item><title>{escape(t)}</title><link>https://example.org/{k}</link>"
                       f"<pubDate>Sun, 19 Mar 2023 {k % 24:02d}:{k % 60:02d}:00 +0000</pubDate>"
                       f"<description>{escape(d)}</description></item>" for t, d, k in rows[f:f + per_feed])
        (ws / "sources" / f"wire-{f // per_feed}.xml").write_text(
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire {f // per_feed}</title>'
            f"{body}</channel></rss>", encoding="utf-8")
    return ws


def run(script: str, folder: Path) -> dict:
    r = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True, cwd=folder)
    if r.returncode:
        raise SystemExit(f"failed on {folder}:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def series(name: str, sizes: list[int], make) -> None:
    print(f"\n{name}: {'size':>6s} {'items':>7s} {'build s':>8s} {'items/s':>8s} {'peak MB':>8s} "
          f"{'feedparser s':>12s} {'ratio':>6s} {'growth':>6s}   slowest stages")
    previous = None
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="briefing-scale-") as tmp:
            ws = make(Path(tmp) / "ws", size)
            floor = run(FLOOR, ws / "sources")
            built = run(BUILD, ws)
        growth = ""
        if previous is not None:
            growth = f"{math.log(built['seconds'] / previous[1]) / math.log(built['items'] / previous[0]):.2f}"
        previous = (built["items"], built["seconds"])
        slow = sorted(built["timings"].items(), key=lambda kv: -kv[1])[:3]
        print(f"{'':{len(name) + 1}s} {size:6d} {built['items']:7d} {built['seconds']:8.2f} "
              f"{built['items'] / built['seconds']:8.0f} {built['peak_mb']:8.0f} {floor['seconds']:12.2f} "
              f"{built['seconds'] / floor['seconds']:6.2f} {growth:>6s}   "
              + ", ".join(f"{k} {v:.2f}" for k, v in slow), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", choices=("copies", "events", "both"), default="both")
    parser.add_argument("--copies", default="1,2,5,10,30")
    parser.add_argument("--events", default="1535,3070,7675,15350")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}; load average {', '.join(f'{x:.1f}' for x in __import__('os').getloadavg())}")
    if args.series in ("copies", "both"):
        series("copies", [int(x) for x in args.copies.split(",")], copies)
    if args.series in ("events", "both"):
        series("events", [int(x) for x in args.events.split(",")], events)
    return 0


if __name__ == "__main__":
    sys.exit(main())
