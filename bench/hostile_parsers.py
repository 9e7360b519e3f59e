"""The hostile sources of the rounds before: what each does to the loader or the segmenter, in time and memory.

Run by ``bench/hostile.py`` (group ``parsers``). Each case runs in a fresh process limited to 3 GB of address space
(``RLIMIT_AS``) and the timeout; it gives what came out (the documents read, or the reason the source was
refused), the seconds it took and the peak memory. ``timeout`` or a signal in the outcome means it did not finish.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r'''
import gzip, json, os, resource, sys, time
from pathlib import Path
from briefing.config.settings import load_config
from briefing.host.context import BuildContext
from briefing.errors import SourceError
from briefing.pipeline.load import load_one
from briefing.host.plugins import Plugins

case, folder, root = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
ITEM = b"<item><title>Kyiv says talks resume</title><description>Ukraine and Russia talk.</description></item>"

def bomb(size):
    value = b"a" * 100_000
    return (b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY big "' + value + b'">\n]>\n<rss version="2.0"><channel>'
            b"<title>Bomb</title><item><title>Ukraine</title><description>Kyiv " + b"&big;" * ((size - len(value)) // 5)
            + b"</description></item></channel></rss>\n")

def feed(description: bytes) -> bytes:
    return b'<rss version="2.0"><channel><title>W</title><item><title>Kyiv deep</title><description>' + description + \
        b"</description></item>" + ITEM + b"</channel></rss>"

ARTICLE = "Kyiv says assault stalls\n\nUkrainian commanders in Kyiv said the Russian assault on Bakhmut had stalled.\n\n"
cases = {
    "entity bomb, 400 KB": ("bomb.xml", lambda: bomb(400_000)),
    "entity bomb, UTF-16": ("bomb16.xml", lambda: bomb(200_000).decode().replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-16"?>').encode("utf-16")),
    "entity bomb, 300 KB comment first": ("bombc.xml", lambda: bomb(200_000).replace(
        b"<!DOCTYPE", b"<!--" + b"x" * 300_000 + b"-->\n<!DOCTYPE", 1)),
    "caption: '[via ' x 1500": ("via.txt", lambda: (ARTICLE + "[via " * 1500 + "\n").encode()),
    "caption: '[via ' x 3000": ("via3.txt", lambda: (ARTICLE + "[via " * 3000 + "\n").encode()),
    "caption: '[' x 10000": ("brackets.txt", lambda: (ARTICLE + "[" * 10000 + "\n").encode()),
    "200,000 nested divs in a feed item (2.2 MB)": ("deep.xml", lambda: feed(
        (b"&lt;div&gt;" * 200_000) + b"Kyiv" + (b"&lt;/div&gt;" * 200_000))),
    "'&#' x 500,000 in a feed item": ("amp.xml", lambda: feed(b"&amp;#" * 500_000)),
    "&#xD800; in one of two items": ("ref.xml", lambda: feed(b"Kyiv &#xD800; said")),
    "Markdown heading '#' + ' #' x 20000": ("h.md", lambda: ("# Kyiv" + " #" * 20000 + " !\n\nUkraine said.\n").encode()),
    "text file: 100,000 blank lines": ("blank.txt", lambda: ("Kyiv\n" + "\n" * 100_000 + "Ukraine said.\n").encode()),
}
name, make = cases[case]
path = folder / name
path.write_bytes(make())
config = load_config(root / "briefing.toml")
ctx = BuildContext(config, Plugins(None))
started = time.perf_counter()
try:
    docs = load_one(str(path), ctx)
    if path.suffix == ".txt":
        from briefing.pipeline import segment
        for doc in docs:
            segment.sentences(doc)
    outcome = f"{len(docs)} document(s)"
except SourceError as exc:
    outcome = f"{len(exc.documents)} document(s), reason: {exc}"
except Exception as exc:
    outcome = f"crash: {type(exc).__name__}: {str(exc)[:80]}"
errors = [f"{e['plugin']}: {e['error']}"[:80] for e in ctx.report.plugin_errors]
print(json.dumps({"outcome": outcome + (f" [plugin error: {errors[0]}]" if errors else ""),
                  "seconds": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''

CASES = ["entity bomb, 400 KB", "entity bomb, UTF-16", "entity bomb, 300 KB comment first", "caption: '[via ' x 1500",
         "caption: '[via ' x 3000", "caption: '[' x 10000", "200,000 nested divs in a feed item (2.2 MB)",
         "'&#' x 500,000 in a feed item", "&#xD800; in one of two items", "Markdown heading '#' + ' #' x 20000",
         "text file: 100,000 blank lines"]


def limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 * 1024 ** 3, 3 * 1024 ** 3))


def run_case(case: str, folder: str, timeout: float) -> tuple[float | None, str]:
    """(seconds, outcome with the peak memory) of one parser case, in a process of its own."""
    started = time.monotonic()
    try:
        r = subprocess.run([sys.executable, "-c", CHILD, case, folder, str(ROOT)], capture_output=True, text=True,
                           timeout=timeout, preexec_fn=limit, env={**os.environ})
    except subprocess.TimeoutExpired:
        return None, "timeout"
    if r.returncode != 0:
        tail = (r.stderr.strip().splitlines() or ["?"])[-1][:80]
        return time.monotonic() - started, f"exit {r.returncode}: {tail}"
    data = json.loads(r.stdout.strip().splitlines()[-1])
    return data["seconds"], f"{data['outcome'][:110]} (peak {data['peak_mb']:.0f} MB)"
