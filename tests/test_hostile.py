"""Hostile and broken sources: the build goes on, each bad source is named with its reason, nothing leaks.

The corpus is committed in ``tests/data/hostile/``; the 50 MB file is made here (sparse, in tmp_path) and a
workspace plugin (``tests/data/plugins/vanisher.py``) deletes ``vanishes.txt`` after the sources were listed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pypdf
import pytest

from briefing.config.settings import load_config
from briefing.errors import SourceError
from briefing.host.context import BuildContext
from briefing.pipeline.load import load_one
from briefing.host.plugins import Plugins
from briefing.testing import make_workspace

from .conftest import DATA, ROOT, pdf_text

HOSTILE = DATA / "hostile"
BIG = 50 * 1024 * 1024
EXPECTED_BAD = {
    "seeds/empty.txt": "empty file",
    "seeds/binary.txt": "binary data, not text",
    "seeds/huge.txt": "too large: 50.0 MB (limit 20 MB)",
    "seeds/truncated.html": "the page ends early",
    "seeds/truncated.xml": "damaged feed",
    "seeds/entity-bomb.xml": "refused: the feed declares XML entities",
    "seeds/vanishes.txt": "vanished before it could be read",
}
PAYLOADS = ("alert", "javascript:", "file:", "passwd", "shadow", "<script", "onerror", "onclick", "onmouseover",
            "iframe", "md-script", "aaaaaaaaaa")


def workspace(tmp_path: Path) -> Path:
    # one process reads the sources, one after another: a file can vanish between being listed and being read
    # (workers read every file first; tests/test_workers.py builds this corpus with them)
    ws = make_workspace(tmp_path, [DATA / "feeds" / "2023-03-19" / "aljazeera.xml"],
                        plugins=[DATA / "plugins" / "vanisher.py"], config_text="workers = 1\n")
    for f in HOSTILE.iterdir():
        (ws / "seeds" / f.name).write_bytes(f.read_bytes())
    (ws / "seeds" / "vanishes.txt").write_text("Kyiv\n\nUkraine text that nobody will read.\n")
    with open(ws / "seeds" / "huge.txt", "wb") as fh:  # 50 MB, sparse: cheap to make, costly to read whole
        fh.truncate(BIG)
    return ws


def run(ws: Path, *args: str):
    return subprocess.run([sys.executable, "-m", "briefing", "build", "--date", "2023-03-20", *args],
                          cwd=ws, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    ws = workspace(tmp_path_factory.mktemp("hostile"))
    r = run(ws, "--format", "md,html,pdf")
    assert r.returncode == 0, r.stderr
    folder = ws / "out" / "2023-03-20"
    return r, folder, json.loads((folder / "report.json").read_text())


def test_build_succeeds_on_the_good_sources(hostile_build):
    _, folder, report = hostile_build
    md = (folder / "conflict-update-day-390.md").read_text()
    assert "Putin visits Russian-occupied Mariupol" in md  # the real feed
    assert "Russian drones struck Kyiv overnight" in md  # the payload item, cleaned
    assert "grain corridor talks resume" in md  # the Markdown with raw HTML, cleaned
    loaded = {d["path"] for d in report["documents"]}
    assert {"seeds/aljazeera.xml", "seeds/script-feed.xml", "seeds/raw-html.md", "seeds/invalid-utf8.txt",
            "seeds/long-title.md"} <= loaded
    # damaged sources keep what could be read before the damage
    assert {"seeds/truncated.html", "seeds/truncated.xml"} <= loaded


def test_each_bad_source_is_named_with_its_reason(hostile_build):
    r, _, report = hostile_build
    bad = {b["path"]: b["reason"] for b in report["bad_sources"]}
    assert set(bad) == set(EXPECTED_BAD)
    for path, reason in EXPECTED_BAD.items():
        assert bad[path].startswith(reason), (path, bad[path])
        assert re.search(re.escape(path) + r": " + re.escape(reason), r.stderr), path
    assert "5 source(s) skipped; 2 damaged source(s) partly read; see " in r.stderr


def test_long_title_is_cut_and_noted(hostile_build):
    r, folder, report = hostile_build
    assert all(len(d["title"]) <= 300 for d in report["documents"])
    assert any(n["kind"] == "long title" and n["path"] == "seeds/long-title.md" for n in report["notes"])
    assert "seeds/long-title.md: a title of 10000 characters cut to 300" in r.stderr
    assert ("Ukraine war title " * 30) not in (folder / "conflict-update-day-390.html").read_text()


def test_invalid_utf8_is_read_as_utf8_with_replacements(hostile_build):
    _, folder, report = hostile_build
    titles = {d["path"]: d["title"] for d in report["documents"]}
    assert titles["seeds/invalid-utf8.txt"] == "Ukraine says Russian strikes hit Kyiv’s power grid"  # decoded as UTF-8
    from briefing.config.settings import load_config

    config = load_config(folder.parent.parent / "briefing.toml")
    (doc,) = load_one(str(folder.parent.parent / "seeds" / "invalid-utf8.txt"), BuildContext(config, Plugins(None)))
    assert "“damaging power lines”" in doc.text and "\ufffd" in doc.text  # the stray bytes, replaced


def test_no_payload_in_markdown_or_html(hostile_build):
    _, folder, _ = hostile_build
    md = (folder / "conflict-update-day-390.md").read_text()
    page = (folder / "conflict-update-day-390.html").read_text()
    for text in (md, page):
        low = text.lower()
        for payload in PAYLOADS:
            assert payload not in low, payload
    own = md.replace("<sup>", "").replace("</sup>", "")  # the template's own date suffix
    assert not re.search(r"(?<!\\)<[A-Za-z!/?]", own), "raw HTML in the Markdown"
    tree = lxml.html.document_fromstring(page)
    assert not tree.xpath("//script | //iframe | //object | //embed")
    for el in tree.iter():
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (el.tag, name)
            if name in ("href", "src"):
                assert value.startswith(("https://", "http://", "#", "../", "data:")) or ":" not in value, value


def test_no_payload_in_the_pdf(hostile_build):
    _, folder, _ = hostile_build
    reader = pypdf.PdfReader(folder / "conflict-update-day-390.pdf")
    root = reader.trailer["/Root"]
    assert "/EmbeddedFiles" not in root.get("/Names", {})
    uris = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            assert annot.get("/Subtype") != "/FileAttachment"
            action = annot.get("/A")
            if action and "/URI" in action:
                uris.append(str(action["/URI"]))
    assert uris and all(urlsplit(u).scheme in ("https", "http", "") for u in uris), uris
    text = pdf_text(folder / "conflict-update-day-390.pdf").lower()
    assert "drones struck kyiv overnight" in text
    for payload in PAYLOADS + ("root:x:0:0",):
        assert payload not in text, payload
    raw = (folder / "conflict-update-day-390.pdf").read_bytes()
    assert b"root:x:0:0" not in raw and b"/JavaScript" not in raw and b"/Launch" not in raw


def test_strict_makes_bad_sources_fail_with_nothing_written(tmp_path):
    ws = workspace(tmp_path)
    r = run(ws, "--format", "md", "--strict")
    assert r.returncode == 1
    assert "seeds/binary.txt (binary data, not text)" in r.stderr
    written = [p for p in (ws / "out").rglob("*") if p.name != ".lock"] if (ws / "out").exists() else []
    assert written == []  # only the build lock, no issue file


def test_the_size_cap_refuses_a_50_mb_file_without_reading_it(tmp_path):
    big = tmp_path / "huge.txt"
    with open(big, "wb") as fh:
        fh.seek(BIG - 1)
        fh.write(b"x")
    config = load_config(ROOT / "briefing.toml")
    ctx = BuildContext(config, Plugins(config.workspace))  # what the build has made before it reads a source
    tracemalloc.start()
    try:
        with pytest.raises(SourceError, match="too large"):
            load_one(str(big), ctx)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024


def test_markdown_output_cannot_smuggle_raw_html(tmp_path):
    """A plain-text source keeps markup as literal text; the Markdown issue must show it, never run it."""
    from markdown_it import MarkdownIt

    from briefing.testing import build_workspace

    src = tmp_path / "literal.txt"
    src.write_text("Kyiv says <b>Russian</b> drones <script>alert(1)</script> hit Ukraine\n\n"
                   "Ukrainian officials in Kyiv said Russian drones struck the city <img src=x onerror=alert(2)> "
                   "overnight. [Click](javascript:alert(3)) The Kremlin said Russia would press on in Ukraine.\n\n"
                   "<iframe src=\"file:///etc/passwd\"></iframe> Residents of Kyiv spent the night in shelters.\n")
    result = build_workspace(tmp_path, [src], formats="md,html")
    md = result.paths["md"].read_text()
    assert "\\<script\\>alert(1)" in md  # shown as text, escaped
    rendered = MarkdownIt("commonmark", {"html": True}).render(md)
    tree = lxml.html.fragment_fromstring(rendered, create_parent="div")
    assert not tree.xpath("//script | //img | //iframe | //b")
    assert all(not a.get("href", "").lower().startswith(("javascript:", "file:")) for a in tree.iter("a"))
    assert all(not k.startswith("on") for el in tree.iter() for k in el.attrib)
    page = lxml.html.document_fromstring(result.paths["html"].read_text())
    assert not page.xpath("//script | //img | //iframe | //b")


def test_a_named_pipe_among_the_sources_does_not_hang_the_build(tmp_path):
    import os

    from briefing.pipeline.build import build

    ws = make_workspace(tmp_path)
    (ws / "seeds" / "kyiv.txt").write_text("Kyiv air defence busy\n\n"
                                           "Ukrainian air defence units shot down Russian drones over Kyiv.\n")
    os.mkfifo(ws / "seeds" / "pipe.txt")
    result = build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md"))
    assert {b["path"]: b["reason"] for b in result.report.bad_sources} == {"seeds/pipe.txt": "not a regular file"}
    assert "Kyiv air defence busy" in result.paths["md"].read_text()
