"""Benchmark: the hostile cases, each one's seconds and outcome beside the limit it must keep.

    .venv/bin/python bench/hostile.py [--only peers workers readback mail parsers] [--timeout 300]

Groups (the points of the hardening round that found them):

- ``peers``: a peer that sends its headers, then one body byte a second without a Content-Length, as a URL source
  (``[fetch] timeout = 3``), as an article link and a robots.txt (``[articles] timeout = 5``, ``deadline = 10``),
  and a build stopped by Ctrl-C (SIGINT to its process group) or SIGTERM while it downloads from one;
- ``workers``: a loader that dies by SIGSEGV in a parse worker, and SIGTERM while a parse hangs;
- ``readback``: the editor's notes nested 500 deep or with a 10 MB comment, a source-cache, scores or HTTP-cache
  entry of 100,000 ``[``, a cache entry of 200,000 sentence spans per document (beside a clean rebuild);
- ``mail``: a CR/LF in a recipient, the sender, ``list_id``, ``unsubscribe`` or ``--to``, two addresses in one
  entry, an international domain, a mailbox name beyond ASCII with and without SMTPUTF8 (a real SMTP server);
- ``parsers``: the hostile sources of the rounds before (``bench/hostile_parsers.py``).

Every case runs the ``briefing`` command (or a build) in a process of its own on loopback servers; ``timeout`` in
the outcome means it did not end within ``--timeout`` seconds. The desk's refusal of control characters is shown
by its own tests (``tests/test_desk.py``): it needs a browser session, not a command.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.testing import make_workspace  # noqa: E402
from tests import servers  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import hostile_parsers  # noqa: E402

DATA = ROOT / "tests" / "data"
DAY = DATA / "feeds-full" / "2023-03-19"
ARTICLE = ROOT / "seeds" / "002_3d2ce1288090b4de.txt"
FEED = (DATA / "feeds" / "2023-03-19" / "aljazeera.xml").read_bytes()
PAGES = sorted((DATA / "pages").glob("*.html"))
TIMEOUT = 300.0


def cli(ws: Path, *args: str, timeout: float = TIMEOUT) -> tuple[float | None, subprocess.CompletedProcess | None]:
    started = time.monotonic()
    try:
        r = subprocess.run([sys.executable, "-m", "briefing", *args], cwd=ws, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, None
    return time.monotonic() - started, r


def last_line(r: subprocess.CompletedProcess) -> str:
    return (r.stderr.strip().splitlines() or [""])[-1].removeprefix("briefing: ")[:150]


def teaser_feed(links: list[str]) -> str:
    teasers = [e for e in servers.day_389_teasers() if "Ukrain" in e.title][:len(links)]
    return servers.rss([(e.title, e.summary, link, e.published) for e, link in zip(teasers, links)])


# -- peers -------------------------------------------------------------------------------------------------------
def url_source(tmp: Path) -> tuple[float | None, str]:
    site = servers.Site("127.0.0.81", {"/feed.xml": servers.trickle(FEED, 1.0, framing="close")})
    try:
        ws = make_workspace(tmp, [ARTICLE], config_text="[fetch]\ntimeout = 3\nallow_private = true\n")
        seconds, r = cli(ws, "build", "--date", "2023-03-20", "--format", "md", "--sources", site.url("/feed.xml"),
                         "seeds")
    finally:
        site.close()
    if r is None:
        return None, "timeout"
    said = [line for line in r.stderr.splitlines() if "feed.xml" in line]
    held = [q["end"] - q["start"] for q in site.requests if q["end"] is not None]  # the server's view of the download
    return (max(held) if held else None), (f"exit {r.returncode} after {seconds:.1f} s; "
                                           f"{said[0].split(': ', 2)[-1] if said else 'the feed was read'}")


BUILD = r'''
import json, sys, time
from pathlib import Path
from briefing.config.settings import load_config
from briefing.errors import BriefingError
from briefing.pipeline.build import build
config = load_config(Path(sys.argv[1]) / "briefing.toml", date="2023-03-20", formats="md")
try:
    r = build(config)
    print(json.dumps({"ok": True, "timings": r.timings, "articles": [row["fallback"] for row in r.report.articles]}))
except BriefingError as exc:
    print(json.dumps({"ok": False, "error": str(exc)}))
'''


def articles_stage(tmp: Path) -> tuple[float | None, str]:
    slow = servers.Site("127.0.0.82", {"/slow": servers.trickle(PAGES[0].read_bytes(), 1.0, framing="close"),
                                       "/robots.txt": servers.page(b"User-agent: *\nAllow: /\n", "text/plain")})
    walled = servers.Site("127.0.0.83", {"/robots.txt": servers.trickle(b"User-agent: *\nAllow: /\n" * 4, 1.0,
                                                                        framing="close")})
    good = servers.Site("127.0.0.84", {"/a": servers.page(PAGES[1].read_bytes()), "/b": servers.page(PAGES[2].read_bytes())})
    try:
        feed = teaser_feed([good.url("/a"), slow.url("/slow"), walled.url("/behind"), good.url("/b")])
        ws = make_workspace(tmp, texts={"wire.xml": feed}, config_text="[fetch]\nallow_private = true\n"
                                                                        "[articles]\ntimeout = 5\ndeadline = 10\n")
        started = time.monotonic()
        try:
            r = subprocess.run([sys.executable, "-c", BUILD, str(ws)], capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return None, "timeout"
    finally:
        for site in (slow, walled, good):
            site.close()
    data = json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {"ok": False, "error": last_line(r)}
    if not data["ok"]:
        return time.monotonic() - started, f"build failed: {data['error'][:120]}"
    read = sum(1 for f in data["articles"] if f is None)
    failed = sorted({f for f in data["articles"] if f})
    return data["timings"]["articles"], f"issue built; {read} of {len(data['articles'])} articles read; {'; '.join(failed)}"


def stopped_download(tmp: Path, how: str) -> tuple[float | None, str]:
    site = servers.Site("127.0.0.85", {"/slow": servers.trickle(PAGES[0].read_bytes(), 1.0, framing="close"),
                                       "/robots.txt": servers.page(b"User-agent: *\nAllow: /\n", "text/plain")})
    try:
        ws = make_workspace(tmp, texts={"wire.xml": teaser_feed([site.url("/slow")])},
                            config_text="[fetch]\nallow_private = true\n[articles]\ntimeout = 600\ndeadline = 600\n")
        return stop(ws, how, lambda: "/slow" in site.paths())
    finally:
        site.close()


def stop(ws: Path, how: str, ready, pids_file: Path | None = None) -> tuple[float | None, str]:
    """Build the day (a previous issue first), send ``how`` once ``ready()``; seconds from the signal to the end."""
    _, first = cli(ws, "build", "--date", "2023-03-20", "--format", "md", "--sources", str(ARTICLE))
    before = (ws / "out" / "2023-03-20" / "conflict-update-day-390.md").read_bytes() if first.returncode == 0 else b""
    proc = subprocess.Popen([sys.executable, "-m", "briefing", "build", "--date", "2023-03-20", "--format", "md"],
                            cwd=ws, stdout=subprocess.DEVNULL, stderr=open(ws / "stderr.txt", "w"),
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.1)
    pids = [int(p) for p in set(pids_file.read_text().split())] if pids_file and pids_file.exists() else []
    started = time.monotonic()
    if how == "SIGINT":  # Ctrl-C: the terminal signals the whole process group
        os.killpg(proc.pid, signal.SIGINT)
    else:  # a service manager or kill: the build's own process
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        return None, "timeout (killed)"
    seconds = time.monotonic() - started
    time.sleep(1)
    alive = [pid for pid in pids if alive_process(pid)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    kept = (ws / "out" / "2023-03-20" / "conflict-update-day-390.md").read_bytes() == before
    from filelock import FileLock, Timeout

    try:
        FileLock(str(ws / "out" / ".lock")).acquire(timeout=0)
        lock = "free"
    except Timeout:
        lock = "HELD"
    workers = f"; {len(alive)} of {len(pids)} workers alive 1 s later" if pids else ""
    return seconds, f"exit {proc.returncode}; previous issue {'kept' if kept else 'LOST'}; lock {lock}{workers}"


def alive_process(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


# -- workers -----------------------------------------------------------------------------------------------------
CRASHER = ("import os, signal\nfrom briefing import Loader, hookimpl\n"
           "def load(path, data, build):\n    if path.endswith('bbc.xml'):\n"
           "        os.kill(os.getpid(), signal.SIGSEGV)\n    return None\n"
           "@hookimpl\ndef briefing_loaders():\n    return [Loader('crasher', load, frozenset({'.xml'}), priority=100)]\n")
SLEEPER = ("import os, time\nfrom pathlib import Path\nfrom briefing import Loader, hookimpl\nPARENT = os.getpid()\n"
           "def load(path, data, build):\n    if os.getpid() != PARENT:\n"
           "        with open(Path(path).parent.parent / 'workers.txt', 'a') as fh:\n"
           "            fh.write(f'{os.getpid()}\\n')\n        while True:\n            time.sleep(0.1)\n    return None\n"
           "@hookimpl\ndef briefing_loaders():\n    return [Loader('sleeper', load, frozenset({'.xml'}), priority=100)]\n")


def day_with(tmp: Path, plugin: str) -> Path:
    (tmp / "plugin.py").write_text(plugin)
    ws = make_workspace(tmp, [], plugins=[tmp / "plugin.py"], config_text="workers = 2\n")
    for f in sorted(DAY.iterdir()):
        (ws / "seeds" / f.name).write_bytes(f.read_bytes())
    return ws


def crashing_parser(tmp: Path) -> tuple[float | None, str]:
    ws = day_with(tmp, CRASHER)
    seconds, r = cli(ws, "build", "--date", "2023-03-20", "--format", "md")
    if r is None:
        return None, "timeout"
    if r.returncode != 0:
        return seconds, f"exit {r.returncode}: {last_line(r)}"
    report = json.loads((ws / "out" / "2023-03-20" / "report.json").read_text())
    bad = "; ".join(f"{b['path']}: {b['reason']}" for b in report["bad_sources"])
    return seconds, f"exit 0; {len(report['sources'])} sources read; {bad}"


def hung_parse(tmp: Path) -> tuple[float | None, str]:
    ws = day_with(tmp, SLEEPER)
    pids = ws / "workers.txt"
    return stop(ws, "SIGTERM", lambda: pids.exists() and len(set(pids.read_text().split())) >= 2, pids)


# -- files read back ---------------------------------------------------------------------------------------------
def notes(tmp: Path, text: str) -> tuple[float | None, str]:
    ws = make_workspace(tmp, [ARTICLE])
    (ws / "notes").mkdir()
    (ws / "notes" / "2023-03-20.toml").write_text(text)
    seconds, r = cli(ws, "build", "--date", "2023-03-20", "--format", "md")
    if r is None:
        return None, "timeout"
    return seconds, f"exit {r.returncode}: {last_line(r) or 'built'}"


def corrupt(tmp: Path, pattern: str) -> tuple[float | None, str]:
    ws = make_workspace(tmp, [DAY / "bbc.xml", ARTICLE])
    cli(ws, "build", "--date", "2023-03-20", "--format", "md")
    files = list((ws / ".briefing-cache").glob(pattern))
    for file in files:
        file.write_text("[" * 100_000)
    seconds, r = cli(ws, "build", "--date", "2023-03-20", "--format", "md")
    if r is None:
        return None, "timeout"
    rebuilt = sum(1 for f in files if f.exists() and f.read_bytes()[:1] == b"{")
    return seconds, f"exit {r.returncode}; {rebuilt} of {len(files)} entries rebuilt{'' if r.returncode == 0 else '; ' + last_line(r)}"


def corrupt_http(tmp: Path) -> tuple[float | None, str]:
    site = servers.Site("127.0.0.86", {"/feed.xml": servers.page(FEED, "application/rss+xml")})
    try:
        ws = make_workspace(tmp, [ARTICLE], config_text="[fetch]\nallow_private = true\n")
        args = ("build", "--date", "2023-03-20", "--format", "md", "--sources", site.url("/feed.xml"), "seeds")
        cli(ws, *args)
        (entry,) = (ws / ".briefing-cache" / "http").glob("*/*.http")
        entry.write_bytes(b"[" * 100_000 + b"\n" + FEED)
        seconds, r = cli(ws, *args)
    finally:
        site.close()
    if r is None:
        return None, "timeout"
    skipped = [line for line in r.stderr.splitlines() if "skipped source" in line]
    return seconds, f"exit {r.returncode}; {'feed skipped: ' + skipped[0] if skipped else 'feed read'}; " \
                    f"entry {'rewritten' if entry.read_bytes()[:1] == b'{' else 'NOT rewritten'}"


SPANS = r'''
import json, resource, sys, time
from pathlib import Path
from briefing.config.settings import load_config
from briefing.pipeline.build import build
started = time.monotonic()
build(load_config(Path(sys.argv[1]) / "briefing.toml", date="2023-03-20", formats="md"))
print(json.dumps({"seconds": time.monotonic() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def many_spans(tmp: Path) -> tuple[float | None, str]:
    ws = make_workspace(tmp, [DAY])
    cli(ws, "build", "--date", "2023-03-20", "--format", "md")
    clean = json.loads(subprocess.run([sys.executable, "-c", SPANS, str(ws)], capture_output=True, text=True,
                                      timeout=TIMEOUT).stdout.splitlines()[-1])
    for file in (ws / ".briefing-cache" / "sources").glob("*/*.json"):
        entry = json.loads(file.read_text())
        first = entry["documents"][0]["text"]
        entry["sentences"]["0"] = [[0, [[0, min(40, len(first))]] * 200_000]]
        file.write_text(json.dumps(entry))
    try:
        r = subprocess.run([sys.executable, "-c", SPANS, str(ws)], capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    data = json.loads(r.stdout.splitlines()[-1])
    return data["seconds"], (f"peak {data['peak_mb']:.0f} MB; a clean cached rebuild: {clean['seconds']:.1f} s, "
                             f"{clean['peak_mb']:.0f} MB")


# -- mail --------------------------------------------------------------------------------------------------------
class Inbox:
    def __init__(self):
        self.rcpts: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.rcpts.extend(envelope.rcpt_tos)
        return "250 OK"


def mail_case(tmp: Path, built: Path, recipients: list[str], extra: dict, args: tuple = (),
              smtputf8: bool = False) -> tuple[float | None, str]:
    import shutil
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8)
    controller.start()
    try:
        ws = tmp / "ws"
        shutil.copytree(built, ws / "out" / "2023-03-20")
        table = {"host": "127.0.0.1", "port": port, "security": "none", "sender": "Desk <desk@example.org>",
                 "recipients": recipients, **extra}
        (ws / "briefing.toml").write_text('[briefing]\nout = "out"\n[mail]\n' + "".join(
            f"{k} = {json.dumps(v)}\n" for k, v in table.items()))
        seconds, r = cli(ws, "send", "--date", "2023-03-20", *args)
    finally:
        controller.stop()
    if r is None:
        return None, "timeout"
    said = last_line(r) if r.returncode else "sent"
    return seconds, f"exit {r.returncode}; mailed {len(inbox.rcpts)}: {', '.join(inbox.rcpts)}; {said}"


def built_issue(tmp: Path) -> Path:
    ws = make_workspace(tmp, [ARTICLE])
    cli(ws, "build", "--date", "2023-03-20", "--format", "md,pdf")
    return ws / "out" / "2023-03-20"


# -- the table ---------------------------------------------------------------------------------------------------
CRLF = "\r\nBcc: spy@evil.example"
NAMED = ["analyst@example.org", "desk.officer@example.net"]


def cases(group: str, tmp: Path):
    """(case, limit, thunk) of a group."""
    if group == "peers":
        yield "URL source trickling ([fetch] timeout = 3)", "download cut at 3 s; issue built", url_source
        yield "article + robots.txt trickling (timeout 5, deadline 10)", "stage ends by 10 s; issue built", articles_stage
        yield "Ctrl-C during a trickled download", "1 s; exit 130", lambda t: stopped_download(t, "SIGINT")
        yield "SIGTERM during a trickled download", "1 s; exit 143", lambda t: stopped_download(t, "SIGTERM")
    elif group == "workers":
        yield "loader dies by SIGSEGV in a worker", "source bad, rest built", crashing_parser
        yield "SIGTERM while a parse hangs in the workers", "1 s; no worker left", hung_parse
    elif group == "readback":
        deep = '[[note]]\nitem = "x"\ncomment = "ok"\nextra = ' + "[" * 500 + "]" * 500 + "\n"
        yield "notes file nested 500 deep", "fails as invalid notes do (exit 1)", lambda t: notes(t, deep)
        big = '[[note]]\nitem = "x"\ncomment = "' + "x" * 10_000_000 + '"\n'
        yield "notes file with a 10 MB comment", "refused at once (exit 1)", lambda t: notes(t, big)
        yield "source-cache entries of 100,000 '['", "removed and rebuilt; exit 0", lambda t: corrupt(t, "sources/*/*.json")
        yield "scores entry of 100,000 '['", "removed and rebuilt; exit 0", lambda t: corrupt(t, "scores/*.json")
        yield "HTTP-cache entry of 100,000 '['", "fetched again; exit 0", corrupt_http
        yield "200,000 sentence spans per cached document", "as a clean cached rebuild", many_spans
    elif group == "mail":
        built = built_issue(tmp / "issue")
        for key, value in (("recipients", [NAMED[0] + CRLF]), ("sender", "Desk <desk@example.org>" + CRLF),
                           ("list_id", "CU <cu.example.org>" + CRLF), ("unsubscribe", "https://example.org/u" + CRLF)):
            extra = {key: value} if key != "recipients" else {}
            recipients = value if key == "recipients" else NAMED
            yield f"CR/LF in {key}", "exit 2, one line, nobody mailed", \
                lambda t, e=extra, r=recipients: mail_case(t, built, r, e)
        yield "CR/LF in --to", "exit 2, one line", lambda t: mail_case(t, built, NAMED, {}, ("--to", "x@example.org" + CRLF))
        yield "two addresses in one entry", "exit 2, one line, nobody mailed", \
            lambda t: mail_case(t, built, [NAMED[0] + ", " + NAMED[1]], {})
        yield "user@bücher.example, no SMTPUTF8", "all mailed (IDNA)", \
            lambda t: mail_case(t, built, [NAMED[0], "user@bücher.example", NAMED[1]], {})
        yield "用户@例子.广告, no SMTPUTF8", "exit 1, nobody mailed", \
            lambda t: mail_case(t, built, [NAMED[0], "用户@例子.广告", NAMED[1]], {})
        yield "用户@例子.广告, with SMTPUTF8", "all mailed", \
            lambda t: mail_case(t, built, [NAMED[0], "用户@例子.广告", NAMED[1]], {}, smtputf8=True)
    elif group == "parsers":
        for case in hostile_parsers.CASES:
            yield case, "refused or read, linear", lambda t, c=case: hostile_parsers.run_case(c, str(t), TIMEOUT)


def main() -> None:
    global TIMEOUT
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=["peers", "workers", "readback", "mail", "parsers"])
    parser.add_argument("--timeout", type=float, default=TIMEOUT)
    args = parser.parse_args()
    TIMEOUT = args.timeout
    print(f"{'case':56} {'limit':36} {'seconds':>8}  outcome")
    with tempfile.TemporaryDirectory() as tmp:
        for group in args.only:
            for n, (case, limit, thunk) in enumerate(cases(group, Path(tmp) / group)):
                where = Path(tmp) / group / str(n)
                where.mkdir(parents=True)
                try:
                    seconds, outcome = thunk(where)
                except Exception as exc:  # a case that breaks the bench is shown, not hidden
                    seconds, outcome = None, f"bench error: {type(exc).__name__}: {exc}"[:150]
                shown = f"{seconds:8.2f}" if seconds is not None else f"{'>' + format(TIMEOUT, 'g'):>8}"
                print(f"{case[:56]:56} {limit[:36]:36} {shown}  {outcome}", flush=True)


if __name__ == "__main__":
    main()
