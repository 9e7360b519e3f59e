"""Daily operations: unattended builds, the lock, failures that replace nothing, back issues, follow-ups,
editor's notes."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pypdf
import pytest
from filelock import FileLock

from briefing.pipeline.build import build
from briefing.config.settings import load_config
from briefing.output.render import md_text, render_pdf

from .conftest import DATA, ROOT, make_workspace

OPS = DATA / "operations"
SEED_A = ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt"
SEED_B = ROOT / "seeds" / "001_546d6f66f1e1dd59.txt"
LOSSES = ROOT / "seeds" / "losses"
FOLLOWUP = OPS / "followup_steam.txt"


def run(*args, cwd, env=None, timeout=180):
    return subprocess.run([sys.executable, "-m", "briefing", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file under out/ (the lock file aside) with its bytes."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def build_day(ws: Path, date: str, sources: list[Path], formats: str = "md,html"):
    config = load_config(ws / "briefing.toml", date=date, formats=formats, sources=[str(s) for s in sources])
    return build(config)


def headlines(md: str) -> list[str]:
    return re.findall(r"^\*\*(.+?)\*\*(?: – |$)", md, re.MULTILINE)


@pytest.fixture(scope="module")
def two_days(tmp_path_factory):
    """Day 389 from one article; Day 390 repeats it, adds another article and a follow-up with new facts."""
    ws = make_workspace(tmp_path_factory.mktemp("two"), [LOSSES])
    day1 = build_day(ws, "2023-03-19", [SEED_A, ws / "seeds" / "losses"])
    day2 = build_day(ws, "2023-03-20", [SEED_A, SEED_B, FOLLOWUP, ws / "seeds" / "losses"])
    return ws, day1, day2


# -- unattended builds ------------------------------------------------------------------------------------


def test_no_date_builds_today(tmp_path):
    ws = make_workspace(tmp_path, [SEED_A])
    r = run("build", "--format", "md", cwd=ws)
    assert r.returncode == 0, r.stderr
    today = dt.datetime.now(dt.timezone.utc).date()  # [briefing] timezone's today (UTC), not the machine's
    day = (today - dt.date(2022, 2, 24)).days + 1
    md = ws / "out" / today.isoformat() / f"conflict-update-day-{day}.md"
    assert md.read_text().startswith(f"# Conflict Update Day {day}\n")


def test_same_inputs_give_byte_identical_files(tmp_path):
    outs = []
    for name in ("a", "b"):
        ws = make_workspace(tmp_path / name, [SEED_A, SEED_B, LOSSES])
        build_day(ws, "2023-03-20", [ws / "seeds"])
        outs.append(snapshot(ws / "out"))
    assert outs[0].keys() == outs[1].keys()
    assert {"index.html", "feed.xml", "2023-03-20/report.json", "2023-03-20/issue.json",
            "2023-03-20/conflict-update-day-390.md", "2023-03-20/conflict-update-day-390.html"} <= outs[0].keys()
    for name in outs[0]:
        assert outs[0][name] == outs[1][name], f"{name} differs between two builds of the same inputs"
    mask = os.umask(0o022)
    os.umask(mask)
    md = ws / "out" / "2023-03-20" / "conflict-update-day-390.md"
    assert md.stat().st_mode & 0o777 == 0o666 & ~mask  # published files are readable, not 0600


def test_the_pdf_is_byte_identical_with_fixed_metadata(seeds_build, tmp_path):
    again = build(load_config(ROOT / "briefing.toml", date="2023-03-20", out=str(tmp_path / "out")))
    first, second = seeds_build.paths["pdf"].read_bytes(), again.paths["pdf"].read_bytes()
    meta = pypdf.PdfReader(str(again.paths["pdf"])).metadata
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20230320000000Z"  # the issue's date, not the clock
    assert meta["/Title"] == "Conflict Update Day 390 – 2023-03-20"
    assert first == second


# -- the lock ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_build_waiting_too_long_for_the_lock_fails_and_changes_nothing(tmp_path):
    ws = make_workspace(tmp_path, [SEED_A], config_text="lock_timeout = 1\n")
    (ws / "out").mkdir()
    with FileLock(str(ws / "out" / ".lock")):
        started = time.monotonic()
        r = run("build", "--date", "2023-03-20", "--format", "md", cwd=ws)
        waited = time.monotonic() - started
    assert r.returncode == 1
    assert "lock" in r.stderr and str(ws / "out" / ".lock") in r.stderr and "nothing was changed" in r.stderr
    assert waited >= 1.0
    assert not (ws / "out" / "2023-03-20").exists()
    assert run("build", "--date", "2023-03-20", "--format", "md", cwd=ws).returncode == 0


@pytest.mark.slow
def test_two_builds_at_once_are_serialized(tmp_path):
    ws = make_workspace(tmp_path, [SEED_A], plugins=[OPS / "slow_probe.py"])
    log = tmp_path / "probe.log"
    cmd = [sys.executable, "-m", "briefing", "build", "--date", "2023-03-20", "--format", "md"]
    env = {**os.environ, "PROBE_LOG": str(log)}
    procs = [subprocess.Popen(cmd, cwd=ws, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    events = [line.split() for line in log.read_text().splitlines()]
    assert [e[0] for e in events] == ["start", "end", "start", "end"], events  # never both inside at once
    assert events[0][1] == events[1][1] and events[2][1] == events[3][1]
    assert any("waiting" in err for _, err in results)  # the second one said it was waiting
    folder = ws / "out" / "2023-03-20"
    assert sorted(p.name for p in folder.iterdir()) == ["conflict-update-day-390.md", "issue.json", "report.json"]


# -- failures replace nothing -----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_failing_plugin_under_strict_leaves_issue_index_and_feed(tmp_path):
    ws = make_workspace(tmp_path, [SEED_A, SEED_B])
    build_day(ws, "2023-03-19", [SEED_A])
    build_day(ws, "2023-03-20", [SEED_A, SEED_B])
    before = snapshot(ws / "out")
    shutil.copy(OPS / "raising.py", ws / "plugins" / "raising.py")
    for date in ("2023-03-20", "2023-03-21"):
        r = run("build", "--date", date, "--format", "md,html", "--strict", cwd=ws)
        assert r.returncode == 1
        assert "raising" in r.stderr and "on fire" in r.stderr
    assert snapshot(ws / "out") == before
    assert not (ws / "out" / "2023-03-21").exists()
    # without --strict the failure is reported and the build goes on
    r = run("build", "--date", "2023-03-21", "--format", "md", "--allow-empty", cwd=ws)  # no news that day
    assert r.returncode == 0 and "raising" in r.stderr
    report = json.loads((ws / "out" / "2023-03-21" / "report.json").read_text())
    assert report["plugin_errors"][0]["plugin"] == "raising"


@pytest.mark.slow
def test_a_build_killed_during_the_pdf_stage_leaves_issue_index_and_feed(tmp_path):
    ws = make_workspace(tmp_path, [SEED_A], config_text="lock_timeout = 20\n")
    assert run("build", "--date", "2023-03-20", "--format", "md,html", cwd=ws).returncode == 0
    before = snapshot(ws / "out")
    assert {"index.html", "feed.xml"} <= before.keys()
    shutil.copy(OPS / "pdf_probe.py", ws / "plugins" / "pdf_probe.py")
    marker = tmp_path / "pdf-started"
    proc = subprocess.Popen([sys.executable, "-m", "briefing", "build", "--date", "2023-03-20"], cwd=ws,
                            env={**os.environ, "PDF_MARKER": str(marker)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, "the build ended before its PDF stage"
            assert time.monotonic() < deadline, "the build never reached its PDF stage"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(ws / "out") == before
    leftovers = [p.name for p in (ws / "out").rglob(".*") if p.name != ".lock"]
    assert not leftovers, leftovers
    # the killed build's lock died with it: the next build runs at once
    (ws / "plugins" / "pdf_probe.py").unlink()
    r = run("build", "--date", "2023-03-20", "--format", "md", cwd=ws)
    assert r.returncode == 0, r.stderr
    assert "waiting" not in r.stderr


# -- back issues ------------------------------------------------------------------------------------------


def test_archive_page_lists_issues_newest_first_and_renders(two_days):
    ws, day1, day2 = two_days
    page = (ws / "out" / "index.html").read_text()
    assert page.index("Conflict Update Day 390") < page.index("Conflict Update Day 389")
    for date, slug in (("2023-03-20", "conflict-update-day-390"), ("2023-03-19", "conflict-update-day-389")):
        for suffix in (".md", ".html"):
            assert f'href="{date}/{slug}{suffix}"' in page
            assert (ws / "out" / date / f"{slug}{suffix}").is_file()
    assert "PDF: –" in page  # built without PDF: said so, not linked
    assert "Monday, March 20, 2023" in page
    top = day2.issue.all_items()
    assert any(item.headline.replace("'", "&#39;") in page for item in top)
    pdf = render_pdf(page)
    reader = pypdf.PdfReader(__import__("io").BytesIO(pdf))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Conflict Update Day 390" in text and "Conflict Update Day 389" in text


def test_feed_is_valid_atom_with_stable_ids(two_days, tmp_path):
    ws, _, _ = two_days
    raw = (ws / "out" / "feed.xml").read_bytes()
    feed = feedparser.parse(raw)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.title for e in feed.entries] == ["Conflict Update Day 390 – 2023-03-20",
                                               "Conflict Update Day 389 – 2023-03-19"]
    ids = [e.id for e in feed.entries]
    assert all(i.startswith("urn:uuid:") for i in ids) and len(set(ids)) == 2
    assert feed.entries[0].link == "2023-03-20/conflict-update-day-390.html"
    assert feed.entries[0].updated == "2023-03-20T00:00:00Z"
    # a second workspace with the same issues gives the same ids
    ws2 = make_workspace(tmp_path, [SEED_A])
    build_day(ws2, "2023-03-20", [SEED_A], formats="md")
    again = feedparser.parse((ws2 / "out" / "feed.xml").read_bytes())
    assert again.entries[0].id == ids[0]


def test_a_back_issue_nested_a_hundred_thousand_deep_is_skipped_and_the_day_is_built(tmp_path, caplog):
    # was: a RecursionError from the archive and the follow-ups on every later build
    ws = make_workspace(tmp_path, [SEED_A])
    build_day(ws, "2023-03-19", [SEED_A], formats="md")
    for date, text in (("2023-03-17", "[" * 100_000), ("2023-03-18", '{"format": 2, "date": "2023-03-18", '
                                                                   '"title": "T", "sections": 7}')):
        (ws / "out" / date).mkdir()
        (ws / "out" / date / "issue.json").write_text(text)
    result = build_day(ws, "2023-03-20", [SEED_A, SEED_B], formats="md")
    assert not result.report.plugin_errors
    page = (ws / "out" / "index.html").read_text()
    assert "Conflict Update Day 390" in page and "Conflict Update Day 389" in page
    skipped = [r.getMessage() for r in caplog.records if r.getMessage().startswith("back issues: skipped")]
    assert any("2023-03-17" in m and m.endswith("nested deeper than 8 levels") for m in skipped)
    assert any("2023-03-18" in m for m in skipped)
    from briefing.output.issuefile import read_issue

    with pytest.raises(ValueError, match=r"^nested deeper than 8 levels$"):
        read_issue(ws / "out" / "2023-03-17")
    with pytest.raises(ValueError, match=r"^not an issue: TypeError"):
        read_issue(ws / "out" / "2023-03-18")


# -- follow-ups -------------------------------------------------------------------------------------------


def test_a_repeated_story_is_not_printed_again_as_new(two_days):
    ws, day1, day2 = two_days
    md1, md2 = day1.paths["md"].read_text(), day2.paths["md"].read_text()
    old = [h for h in headlines(md1) if h != "Russian losses"]
    assert old
    new = headlines(md2)
    for headline in old:
        assert headline not in new, f"{headline!r} printed again as new"
    printed_before = {s.text for item in day1.issue.all_items() for s in item.sentences}
    for item in day2.issue.all_items():
        assert not printed_before & {s.text for s in item.sentences}, f"{item.headline!r} repeats sentences"
    report = json.loads(day2.paths["report"].read_text())
    dropped = [d for d in report["dropped"] if d.get("followup") == "dropped"]
    assert dropped and all(d["earlier_day"] == 389 for d in dropped)
    published = [d for d in dropped if "already published" in d["reason"]]  # the others: a repeat of an earlier item
    assert published and {d["what"] for d in published} <= {i.headline for i in day1.issue.all_items()}
    assert all(d["reason"].startswith("passed over as a repeat of “") for d in dropped if d not in published)
    assert any("Al Jazeera" not in h for h in new)  # the other article's stories are there


def test_a_story_with_new_facts_is_printed_with_a_back_reference(two_days):
    ws, day1, day2 = two_days
    md2 = day2.paths["md"].read_text()
    earlier = "Russian forces appear to lose steam as Ukraine prepares offensive"
    assert earlier in headlines(day1.paths["md"].read_text())
    line = f"**Comment** – We reported on “{md_text(earlier)}” in our Update of Day 389."
    assert line in md2
    item = next(i for i in day2.issue.all_items() if any("Update of Day 389" in c for c in i.comments))
    assert item.headline == "Russian forces appear to lose steam as Ukraine prepares its offensive"
    assert "Soledar" in " ".join(item.paragraphs)
    assert [s.outlet for s in item.sources] == ["Test Wire"]
    report = json.loads(day2.paths["report"].read_text())
    notes = [n for n in report["notes"] if n["kind"] == "follow-up"]
    assert item.id in [n["story"] for n in notes] and all(n["followup"] == "printed" for n in notes)
    printed = {i.id: i for i in day2.issue.all_items()}
    for note in notes:  # every follow-up noted is in the issue, with its back-reference
        assert any(f"Update of Day {note['earlier_day']}" in c for c in printed[note["story"]].comments)
    html = day2.paths["html"].read_text()
    assert "We reported on “Russian forces appear to lose steam as Ukraine prepares offensive” in our Update of Day 389." in html


def test_rebuilding_the_same_day_is_not_a_follow_up_of_itself(two_days, tmp_path):
    ws, _, day2 = two_days
    copy = tmp_path / "ws"
    shutil.copytree(ws, copy)
    again = build_day(copy, "2023-03-20", [SEED_A, SEED_B, FOLLOWUP, copy / "seeds" / "losses"])
    assert again.paths["md"].read_bytes() == day2.paths["md"].read_bytes()


# -- editor's notes ---------------------------------------------------------------------------------------


def test_editors_notes_comment_pin_kill_add_and_rename(tmp_path):
    ws = make_workspace(tmp_path, [SEED_A, SEED_B])
    first = build_day(ws, "2023-03-20", [ws / "seeds"], formats="md")
    sections = {s.key: s for s in first.issue.sections}
    busy = next(s for s in first.issue.sections if len(s.items) >= 2)
    to_pin = busy.items[-1]
    to_kill = next(i for i in first.issue.all_items() if i is not to_pin and i.sentences and i not in busy.items[:1])
    to_comment = busy.items[0]
    phrase = " ".join(to_comment.headline.split()[:4])
    notes = ws / "notes"
    notes.mkdir()
    (notes / "2023-03-20.toml").write_text(f'''
[[note]]
item = "{to_pin.id}"
pin = true
headline = "A headline chosen by the editor"

[[note]]
match = {json.dumps(phrase.upper())}
comment = "This where a complete Russian division was wiped out within *minutes* late last week."

[[note]]
item = "{to_kill.id}"
kill = true

[[note]]
match = "no item says this, surely"
comment = "lost"

[[add]]
section = "{busy.key}"
headline = "Desk note: briefing call moved to 09:00"
text = "The morning call moves to 09:00 from tomorrow."
sources = [{{ outlet = "The desk" }}]
''')
    r = run("build", "--date", "2023-03-20", "--format", "md", cwd=ws)
    assert r.returncode == 0, r.stderr
    assert "no item says this, surely" in r.stderr and "matches no item" in r.stderr
    folder = ws / "out" / "2023-03-20"
    md = (folder / "conflict-update-day-390.md").read_text()
    section_md = md.split(f"## {md_text(busy.title)}\n", 1)[1].split("\n## ", 1)[0]
    assert headlines(section_md)[0] == "A headline chosen by the editor"
    assert md_text(to_pin.headline) not in headlines(md)
    assert md_text(to_kill.headline) not in headlines(md)
    assert "**Comment** – This where a complete Russian division was wiped out within *minutes* late last week." in md
    after_comment_item = md.split(f"**{md_text(to_comment.headline)}**", 1)[1].split("\n**", 1)[1]
    assert after_comment_item.startswith("Comment** – This where")  # under its own item
    assert "**Desk note: briefing call moved to 09:00** – The morning call moves to 09:00 from tomorrow." in md
    assert "*Sources: The desk*" in md
    report = json.loads((folder / "report.json").read_text())
    unmatched = [n for n in report["notes"] if n["kind"] == "editor-unmatched"]
    assert len(unmatched) == 1 and unmatched[0]["note"] == 4
    assert sum(1 for n in report["notes"] if n["kind"] == "editor") == 4
    assert sections  # the first build had sections to work on


# -- progress ---------------------------------------------------------------------------------------------


def test_progress_shows_on_a_terminal_only(tmp_path):
    import pty

    ws = make_workspace(tmp_path, [SEED_A])
    master, slave = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "briefing", "build", "--date", "2023-03-20", "--format", "md"],
                              cwd=ws, stdout=subprocess.PIPE, stderr=slave, timeout=120)
        os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(master)
    assert proc.returncode == 0
    text = shown.decode()
    assert "briefing: render …" in text and "summarize" in text and "publish" in text
    piped = run("build", "--date", "2023-03-20", "--format", "md", cwd=ws)
    assert piped.returncode == 0 and piped.stderr == ""  # under cron: silent
    quiet = run("--quiet", "build", "--date", "2023-03-20", "--format", "md", cwd=ws)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_one_shared_boilerplate_sentence_does_not_make_a_follow_up():
    from briefing.models import Document, Passage, Sentence, Story
    from briefing_plugins import followups
    from briefing_plugins.followups import Earlier

    boiler = "Russia launched its full-scale invasion of Ukraine in February 2022."
    other = "Officials in Kyiv said the grain corridor would stay open through the summer."
    earlier = Earlier([{"day": 389, "date": "2023-03-19", "sections": [{"items": [
        {"id": "old", "headline": "Black Sea grain deal extended", "documents": ["d1"],
         "sentences": [boiler, other]}]}]}], followups.briefing_options()["followups"].defaults())

    def story(doc_id: str, title: str, texts: list[str]) -> Story:
        doc = Document(id=doc_id, title=title, text=" ".join(texts))
        sentences = [Sentence(t, doc_id, 0, len(t)) for t in texts]
        return Story(id="s-" + doc_id, passages=[Passage("p-" + doc_id, doc, title, sentences)])

    fresh = story("d2", "Drone strike hits Odesa port", [boiler, "A drone strike hit the port of Odesa overnight."])
    assert earlier.match(fresh, "Drone strike hits Odesa port") is None
    assert earlier.match(story("d3", "Something else", [boiler, other]), "Something else")["id"] == "old"
    assert earlier.match(story("d1", "Same source", [boiler]), "Same source")["id"] == "old"
    assert earlier.match(story("d4", "Black Sea grain deal is extended", ["New text."]),
                         "Black Sea grain deal is extended")["id"] == "old"
