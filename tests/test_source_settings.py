"""Per-source settings: `[[source]]` tables in briefing.toml (path or URL, outlet, enabled, articles, max_items,
language), typed, documented and checked like every other table; the flat `[briefing] sources` list still works."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from briefing.config.settings import all_tables, load_config
from briefing.config.schema import markdown
from briefing.pipeline.build import build
from briefing.sources.sanitize import html_to_text

from . import servers
from .conftest import ROOT
from .servers import day_389_teasers, rss

SEEDS = ROOT / "seeds"
HEAD = '[subject]\npreset = "russia-ukraine-war"\n[briefing]\ntitle = "Conflict Update"\nfirst_day = 2022-02-24\n' \
       'out = "out"\nformats = ["md"]\n'
NO_FETCH = "[articles]\nfetch = false\n"
# Six real on-subject teasers of 19 March 2023, their publication times one hour apart (the newest last).
TEASERS = [e for e in day_389_teasers() if "Ukrain" in e.title or "Russia" in e.title][:6]
TIMES = [f"Sun, 19 Mar 2023 {h:02d}:00:00 +0000" for h in (8, 9, 10, 11, 12, 13)]


def feed(links: list[str] | None = None) -> str:
    return rss([(e.title, html_to_text(e.summary), (links or [f"https://example.org/{n}" for n in range(6)])[n], t)
                for n, (e, t) in enumerate(zip(TEASERS, TIMES))])


def workspace(tmp_path: Path, text: str) -> Path:
    ws = tmp_path / "ws"
    (ws / "feeds").mkdir(parents=True)
    (ws / "feeds" / "wire.xml").write_text(feed(), encoding="utf-8")
    (ws / "briefing.toml").write_text(HEAD + text, encoding="utf-8")
    return ws


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "briefing", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_the_tables_are_read_with_their_types_and_defaults(tmp_path):
    ws = workspace(tmp_path, 'sources = ["seeds"]\n'
                   '[[source]]\npath = "feeds/wire.xml"\noutlet = "Desk Wire"\nmax_items = 2\narticles = false\n'
                   'language = "en"\n'
                   '[[source]]\nurl = "https://example.org/feed.xml"\nenabled = false\n')
    config = load_config(ws / "briefing.toml")
    assert config.sources == ["seeds"]  # the flat list still works, beside the tables
    first, second = config.source_tables
    assert (first.entry, first.outlet, first.max_items, first.articles, first.language, first.enabled) == (
        "feeds/wire.xml", "Desk Wire", 2, False, "en", True)
    assert (second.entry, second.outlet, second.max_items, second.articles, second.language, second.enabled) == (
        "https://example.org/feed.xml", "", None, True, "", False)
    assert config.unknown == []


def test_tables_alone_read_no_default_folder(tmp_path):
    """Without `[briefing] sources`, the tables are the sources: the default `seeds` is not read besides them."""
    ws = workspace(tmp_path, '[[source]]\npath = "feeds/wire.xml"\n')
    assert load_config(ws / "briefing.toml").sources == []


@pytest.mark.parametrize("table, says", [
    ('path = "a.xml"\nmax_items = "ten"', "briefing.toml: [[source]] 1 max_items: expected a whole number of at "
                                          "least 1, got 'ten'"),
    ('path = "a.xml"\nmax_items = 0', "briefing.toml: [[source]] 1 max_items: expected a whole number of at least "
                                      "1, got 0"),
    ('path = "a.xml"\nenabled = "no"', "briefing.toml: [[source]] 1 enabled: expected true or false, got 'no'"),
    ('path = "a.xml"\nlanguage = "English"', "briefing.toml: [[source]] 1 language: expected a language code of "
                                             "ISO 639-1 such as 'en', got 'English'"),
    ('path = "a.xml"\nurl = "https://example.org/a.xml"', "briefing.toml: [[source]] 1: give path or url, not both"),
    ('outlet = "Nobody"', "briefing.toml: [[source]] 1: give path (a file, folder or glob) or url"),
    ('url = "ftp://example.org/a.xml"', "briefing.toml: [[source]] 1 url: expected an http(s) address, got "
                                        "'ftp://example.org/a.xml'"),
])
def test_a_wrong_table_is_a_one_line_usage_error(tmp_path, table, says):
    ws = workspace(tmp_path, f'[[source]]\n{table}\n')
    r = run("build", "--date", "2023-03-20", cwd=ws)
    assert r.returncode == 2 and r.stderr == f"briefing: usage error: {says}\n"
    assert not (ws / "out").exists()


def test_a_source_that_is_not_a_table_is_a_usage_error(tmp_path):
    ws = workspace(tmp_path, "")
    (ws / "briefing.toml").write_text('source = ["feeds/wire.xml"]\n' + HEAD)  # not [[source]]: a list of names
    r = run("build", "--date", "2023-03-20", cwd=ws)
    assert r.returncode == 2
    assert r.stderr == ("briefing: usage error: briefing.toml: [[source]]: expected tables (one [[source]] each), "
                        "got a list\n")


def test_an_unknown_key_is_named_with_the_closest_one(tmp_path):
    ws = workspace(tmp_path, '[[source]]\npath = "feeds/wire.xml"\nmaxitems = 3\n' + NO_FETCH)
    r = run("build", "--date", "2023-03-20", cwd=ws)
    assert r.returncode == 0, r.stderr
    assert "unknown key 'maxitems' in [[source]] 1; did you mean 'max_items'?" in r.stderr
    r = run("build", "--date", "2023-03-20", "--strict", cwd=ws)
    assert r.returncode == 2 and "maxitems" in r.stderr


def test_outlet_and_max_items_shape_what_the_source_gives(tmp_path):
    ws = workspace(tmp_path, '[[source]]\npath = "feeds/wire.xml"\noutlet = "Desk Wire"\nmax_items = 4\n' + NO_FETCH)
    result = build(load_config(ws / "briefing.toml", date="2023-03-20"))
    report = json.loads(result.paths["report"].read_text())
    titles = [d["title"] for d in report["documents"]]
    assert titles == [e.title for e in TEASERS[2:]]  # the four newest, in the feed's order
    assert {d["outlet"] for d in report["documents"]} == {"Desk Wire"}
    over = [d for d in report["dropped"] if "max_items" in d["reason"]]
    assert [(d["what"], d["reason"]) for d in over] == [
        (e.title, "over its source's max_items (4): the newest are taken") for e in TEASERS[:2]]
    assert all(s.outlet == "Desk Wire" for item in result.issue.all_items() for s in item.sources)
    assert report["sources"] == [{"path": "feeds/wire.xml", "documents": 4}]


def test_a_paused_source_is_not_read_and_says_so(tmp_path):
    ws = workspace(tmp_path, 'sources = ["seeds"]\n'
                   '[[source]]\npath = "feeds/wire.xml"\nenabled = false\n' + NO_FETCH)
    (ws / "seeds").mkdir()
    (ws / "seeds" / "story.txt").write_text((SEEDS / "000_f0b3ea1751f13ff4.txt").read_text())
    result = build(load_config(ws / "briefing.toml", date="2023-03-20"))
    report = json.loads(result.paths["report"].read_text())
    assert [s["path"] for s in report["sources"]] == ["seeds/story.txt"]
    assert {"kind": "sources", "message": "feeds/wire.xml: not read ([[source]] 1 has enabled = false)",
            "path": "feeds/wire.xml"} in report["notes"]


def test_the_language_a_source_declares_is_taken_instead_of_guessed(tmp_path):
    """A source said to be in another language than the issue's is left out whole, with the reason; one said to be
    in the issue's language is kept even where the identifier would call its text another language."""
    french = ("Guerre en Ukraine : la Russie bombarde Kiev\n\nSelon les autorités ukrainiennes, l'armée russe a "
              "lancé dans la nuit une vague de missiles et de drones sur Kiev et sur Odessa, et la défense "
              "antiaérienne ukrainienne en a abattu la plupart au-dessus de la capitale.\n")
    ws = workspace(tmp_path, '[[source]]\npath = "wire"\nlanguage = "en"\n'
                   '[[source]]\npath = "feeds/wire.xml"\nlanguage = "de"\n' + NO_FETCH)
    (ws / "wire").mkdir()
    (ws / "wire" / "kiev.txt").write_text(french)
    result = build(load_config(ws / "briefing.toml", date="2023-03-20"))
    report = json.loads(result.paths["report"].read_text())
    german = [d for d in report["dropped"] if d.get("language") == "de"]
    assert sorted(d["what"] for d in german) == sorted(e.title for e in TEASERS)
    assert german[0]["reason"] == "written in another language (de, as its source says), not the issue's (en)"
    assert [d["title"] for d in report["documents"] if d["path"] == "wire/kiev.txt"] == [
        "Guerre en Ukraine : la Russie bombarde Kiev"]
    assert not any(d["what"].startswith("Guerre en Ukraine") for d in report["dropped"])
    # the same text in a source that declares nothing is identified, and left out as French
    (ws / "briefing.toml").write_text(HEAD + 'sources = ["wire"]\n' + NO_FETCH)
    result = build(load_config(ws / "briefing.toml", date="2023-03-20", allow_empty=True))  # nothing is left
    report = json.loads(result.paths["report"].read_text())
    assert any(d["what"].startswith("Guerre en Ukraine") and d.get("language") == "fr" for d in report["dropped"])


def test_articles_false_keeps_a_sources_teasers_and_requests_nothing(tmp_path):
    page = (ROOT / "tests" / "data" / "pages" / "bbc.com.52241221.html").read_bytes()
    host = servers.Site("127.0.0.61", {"/robots.txt": servers.status(404),
                                       **{f"/{n}": servers.page(page) for n in range(6)}})
    try:
        ws = workspace(tmp_path, '[fetch]\nallow_private = true\n[articles]\ntimeout = 5\n'
                       '[[source]]\npath = "feeds/wire.xml"\narticles = false\n'
                       '[[source]]\npath = "feeds/read.xml"\n')
        (ws / "feeds" / "read.xml").write_text(feed([host.url(f"/{n}") for n in range(6)]).replace(
            "Desk wire", "Read wire"))
        result = build(load_config(ws / "briefing.toml", date="2023-03-20"))
    finally:
        host.close()
    report = json.loads(result.paths["report"].read_text())
    assert {row["url"] for row in report["articles"]} == {host.url(f"/{n}") for n in range(6)}
    assert sorted(p for p in host.paths() if p != "/robots.txt") == [f"/{n}" for n in range(6)]
    (note,) = [n for n in report["notes"] if n["kind"] == "articles"]
    assert note["kept_by_source"] == 6 and "6 item(s) of sources with articles = false kept their descriptions" \
        in note["message"]


def test_the_command_line_sources_replace_the_tables(tmp_path):
    ws = workspace(tmp_path, '[[source]]\npath = "feeds/wire.xml"\noutlet = "Desk Wire"\n' + NO_FETCH)
    other = tmp_path / "other.txt"
    other.write_text((SEEDS / "000_f0b3ea1751f13ff4.txt").read_text())
    r = run("build", "--date", "2023-03-20", "--sources", str(other), cwd=ws)
    assert r.returncode == 0, r.stderr
    report = json.loads((ws / "out" / "2023-03-20" / "report.json").read_text())
    assert [s["path"] for s in report["sources"]] == [str(other)]


def test_the_reference_documents_the_tables():
    text = markdown(all_tables())
    assert "## `[[source]]`" in text
    for key in ("path", "url", "outlet", "enabled", "articles", "max_items", "language"):
        assert f"| `{key}` |" in text.split("## `[[source]]`")[1].split("\n## ")[0]
    assert (ROOT / "docs" / "configuration.md").read_text() == text
