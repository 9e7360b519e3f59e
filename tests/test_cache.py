"""The source cache: a second build of unchanged sources reads nothing twice, and damage never breaks a build."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import time
from pathlib import Path

from briefing.pipeline.build import build
from briefing.pipeline.cache import FOLDER, SourceCache
from briefing.config.settings import load_config
from briefing.hookspecs import hookimpl
from briefing.models import Document, Loader
from briefing.host.plugins import Plugins
from briefing.pipeline.segment import sentences as split_sentences
from briefing.testing import make_workspace

DATA = Path(__file__).parent / "data"
FEED = DATA / "feeds" / "2023-03-19" / "bbc.xml"
ARTICLE = DATA / "gas_transit.txt"


class CountingLoader:
    """Counts the sources the loaders are asked to parse, and leaves the parsing to them."""

    def __init__(self):
        self.paths: list[str] = []

    def count(self, path, data, build):
        self.paths.append(Path(path).name)
        return None

    @hookimpl
    def briefing_loaders(self):
        return [Loader("counter", self.count, frozenset({".xml", ".txt", ".md", ".html", ".json"}), priority=100)]


def _build(ws: Path):
    counter = CountingLoader()
    config = load_config(ws / "briefing.toml", date="2023-03-20", formats="md")
    result = build(config, Plugins(config.workspace, extra=[("counter", counter)]))
    return result, sorted(counter.paths)


def _entries(ws: Path) -> list[Path]:
    return sorted((ws / FOLDER / "sources").glob("*/*.json"))


def test_second_build_of_unchanged_sources_parses_nothing_and_gives_the_same_issue(tmp_path):
    ws = make_workspace(tmp_path, [ARTICLE, FEED])
    first, parsed_first = _build(ws)
    assert parsed_first == ["bbc.xml", "gas_transit.txt"]
    assert len(_entries(ws)) == 2
    second, parsed_second = _build(ws)
    assert parsed_second == []
    assert second.paths["md"].read_text() == first.paths["md"].read_text()
    entry = json.loads(_entries(ws)[0].read_text())
    assert entry["sentences"], "the sentences are kept too"


def test_a_changed_source_is_read_again_and_the_others_are_not(tmp_path):
    ws = make_workspace(tmp_path, [ARTICLE, FEED])
    _build(ws)
    article = ws / "seeds" / ARTICLE.name
    article.write_text(article.read_text() + "\nKyiv said on Monday that Russia had cut the gas transit again.\n")
    _, parsed = _build(ws)
    assert parsed == ["gas_transit.txt"]
    entries = [json.loads(f.read_text()) for f in _entries(ws)]
    assert len(entries) == 3  # the old entry stays until it is pruned
    assert sum("cut the gas transit again" in e["documents"][0]["text"] for e in entries) == 1


def test_corrupt_entries_are_ignored_and_rebuilt(tmp_path):
    ws = make_workspace(tmp_path, [ARTICLE, FEED])
    first, _ = _build(ws)
    damage = [b"", b"{not json", b'{"format": 1, "key": "wrong", "documents": []}',
              json.dumps({"format": 1, "documents": "x"}).encode()]
    for file, junk in zip(_entries(ws), damage):
        file.write_bytes(junk)
    second, parsed = _build(ws)
    assert parsed == ["bbc.xml", "gas_transit.txt"]
    assert second.paths["md"].read_text() == first.paths["md"].read_text()
    for file in _entries(ws):
        assert json.loads(file.read_text())["documents"]  # rewritten whole


def test_an_entry_with_bad_sentence_spans_is_split_again(tmp_path):
    cache = SourceCache(tmp_path / FOLDER, "fp")
    data = ARTICLE.read_bytes()
    doc = Document(id="d1", title="Gas", text=data.decode().split("\n", 1)[1])
    cache.remember("a.txt", data, [doc])
    expected = cache.sentences(doc)
    cache.save()
    file = next((tmp_path / FOLDER / "sources").glob("*/*.json"))
    entry = json.loads(file.read_text())
    entry["sentences"]["0"][0][1][0] = [5, 10 ** 9]  # a span past the end of the text
    file.write_text(json.dumps(entry))

    calls = []
    again = SourceCache(tmp_path / FOLDER, "fp")
    (doc2,) = again.documents("a.txt", data)
    got = again.sentences(doc2, split=lambda d: calls.append(d) or split_sentences(d))
    assert calls and got == expected


def test_sentences_come_from_the_cache_without_splitting(tmp_path):
    data = ARTICLE.read_bytes()
    doc = Document(id="d1", title="Gas", text=data.decode().split("\n", 1)[1])
    cache = SourceCache(tmp_path, "fp")
    cache.remember("a.txt", data, [doc])
    expected = cache.sentences(doc)
    cache.save()
    again = SourceCache(tmp_path, "fp")
    (cached_doc,) = again.documents("a.txt", data)
    assert cached_doc == doc
    assert again.sentences(cached_doc, split=lambda d: 1 / 0) == expected
    assert again.stats["hits"] == 1
    # another fingerprint (other loader or segmenter code) does not see the entry
    assert SourceCache(tmp_path, "other").documents("a.txt", data) is None


def _writer(folder: str, rounds: int) -> int:
    """Read and rewrite the same entries over and over; return how many reads were not whole entries."""
    data = ARTICLE.read_bytes()
    text = data.decode() * 40
    bad = 0
    for i in range(rounds):
        cache = SourceCache(Path(folder), "fp")
        docs = cache.documents(f"s{i % 3}.txt", data)
        if docs is not None and docs[0].text != text:
            bad += 1
        bad += cache.stats["unreadable"]
        doc = Document(id=f"d{i % 3}", title="Gas", text=text)
        cache.remember(f"s{i % 3}.txt", data, [doc])
        cache.entries[cache.key(f"s{i % 3}.txt", data)]["sentences"]["0"] = [[0, [[0, 10]]]]
        cache.save()
    return bad


def test_concurrent_builds_never_see_half_an_entry(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(3) as pool:
        bad = pool.starmap(_writer, [(str(tmp_path), 60)] * 3)
    assert bad == [0, 0, 0]
    files = list((tmp_path / "sources").glob("*/*"))
    assert len(files) == 3 and all(json.loads(f.read_text())["documents"] for f in files)


def test_entries_unused_for_a_month_are_pruned(tmp_path):
    cache = SourceCache(tmp_path, "fp")
    data = ARTICLE.read_bytes()
    cache.remember("old.txt", data, [Document(id="o", title="Old", text="Old news here. " * 5)])
    cache.remember("new.txt", data, [Document(id="n", title="New", text="New news here. " * 5)])
    cache.save()
    old = cache._file(cache.key("old.txt", data))
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    (tmp_path / "pruned").unlink()
    assert cache.prune() == 1
    assert not old.exists() and cache._file(cache.key("new.txt", data)).exists()
    assert cache.prune() == 0  # at most once a day


def test_the_cache_can_be_turned_off(tmp_path):
    ws = make_workspace(tmp_path, [ARTICLE], config_text="")
    text = (ws / "briefing.toml").read_text().replace("[briefing]\n", "[briefing]\ncache = false\n")
    (ws / "briefing.toml").write_text(text)
    _, parsed = _build(ws)
    _, parsed_again = _build(ws)
    assert parsed == parsed_again == ["gas_transit.txt"]
    assert not (ws / FOLDER).exists()
    shutil.rmtree(ws)


def test_section_scores_are_kept_and_a_damaged_score_file_is_ignored(tmp_path):
    ws = make_workspace(tmp_path, [ARTICLE, FEED])
    first, _ = _build(ws)
    (scores_file,) = (ws / FOLDER / "scores").glob("*.json")
    scores = json.loads(scores_file.read_text())
    assert scores and all(isinstance(v, list) for v in scores.values())
    inode = scores_file.stat().st_ino
    second, _ = _build(ws)
    assert scores_file.stat().st_ino == inode, "nothing new to keep: not rewritten"
    scores_file.write_text('{"abc": ["not a number"]}')
    third, _ = _build(ws)
    assert third.paths["md"].read_text() == second.paths["md"].read_text() == first.paths["md"].read_text()
    assert json.loads(scores_file.read_text()) == scores


def test_an_entry_nested_a_hundred_thousand_deep_is_removed_and_rebuilt(tmp_path, caplog):
    # was: a RecursionError traceback (exit 1) on every build until the entry was removed by hand
    ws = make_workspace(tmp_path, [ARTICLE, FEED])
    first, _ = _build(ws)
    (scores_file,) = (ws / FOLDER / "scores").glob("*.json")
    for file in [*_entries(ws), scores_file]:
        file.write_text("[" * 100_000)
    second, parsed = _build(ws)
    assert parsed == ["bbc.xml", "gas_transit.txt"]
    assert second.paths["md"].read_text() == first.paths["md"].read_text()
    warned = [r.getMessage() for r in caplog.records if " is unreadable (" in r.getMessage()]
    assert len(warned) == 3 and all("removed" in w for w in warned)
    # deeper than an entry ever is, or (for a short source) larger than its entry can be
    assert all("(nested deeper than" in w or "(too large: 98 KB" in w for w in warned), warned
    for file in [*_entries(ws), scores_file]:
        assert isinstance(json.loads(file.read_text()), dict)  # written whole again


def test_an_entry_that_fails_its_checks_is_removed_from_disk(tmp_path):
    cache = SourceCache(tmp_path / FOLDER, "fp")
    data = ARTICLE.read_bytes()
    file = cache._file(cache.key("a.txt", data))
    file.parent.mkdir(parents=True)
    file.write_text('{"format": 3, "key": ' + "[" * 50 + "]" * 50 + "}")  # deeper than an entry ever is
    assert cache.documents("a.txt", data) is None
    assert not file.exists() and cache.stats["unreadable"] == 1


def test_an_entry_with_two_hundred_thousand_sentence_spans_is_refused_unread(tmp_path):
    # was: accepted, 200,000 sentences built from one short text (40 s and 1 GB on a whole day)
    cache = SourceCache(tmp_path / FOLDER, "fp")
    data = ARTICLE.read_bytes()
    doc = Document(id="d1", title="Gas", text=data.decode().split("\n", 1)[1])
    cache.remember("a.txt", data, [doc])
    expected = cache.sentences(doc)
    cache.save()
    file = next((tmp_path / FOLDER / "sources").glob("*/*.json"))
    entry = json.loads(file.read_text())
    entry["sentences"]["0"] = [[0, [[0, 40]] * 200_000]]  # the same span again and again: 1.6 MB for a 3 KB text
    file.write_text(json.dumps(entry))
    assert SourceCache(tmp_path / FOLDER, "fp").documents("a.txt", data) is None  # far past its source's size
    assert not file.exists()

    cache.save()  # written again, whole; then a few overlapping spans, small enough to be read
    entry["sentences"]["0"] = [[0, [[0, 40]] * 200]]
    file.write_text(json.dumps(entry))
    calls = []
    again = SourceCache(tmp_path / FOLDER, "fp")
    (doc2,) = again.documents("a.txt", data)
    got = again.sentences(doc2, split=lambda d: calls.append(d) or split_sentences(d))
    assert calls and got == expected  # split again: overlapping spans are not sentences
    again.save()
    assert json.loads(file.read_text())["sentences"]["0"] == [[p[0].paragraph, [[s.start, s.end] for s in p]]
                                                            for p in expected]
