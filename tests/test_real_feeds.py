"""Day 390 from the 61 real feed items of 19 March 2023: every item is in the issue or left out with a reason."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse

import feedparser
import pytest

from .conftest import DATA, ROOT

FEEDS = DATA / "feeds" / "2023-03-19"


@pytest.fixture(scope="module")
def day390(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    r = subprocess.run([sys.executable, "-m", "briefing", "build", "--offline", "--sources", str(FEEDS),
                        "--date", "2023-03-20", "--format", "md,html", "--out", str(out)], cwd=ROOT,
                       capture_output=True, text=True,
                       timeout=180)
    assert r.returncode == 0, r.stderr
    folder = out / "2023-03-20"
    return folder, json.loads((folder / "report.json").read_text())


def feed_items():
    """(file, link, title) of every item, read independently of the loaders."""
    items = []
    for path in sorted(FEEDS.glob("*.xml")):
        for entry in feedparser.parse(path.read_bytes()).entries:
            items.append((path.name, entry.link, entry.title))
    return items


# The tracking parameters these feeds put on their links (BBC, Daily Mail, The Washington Post): printed links go
# without them, every other part of the address kept.
TRACKERS = {"at_medium", "at_campaign", "ns_campaign", "utm_source", "utm_medium", "utm_campaign"}


def address(link: str, drop: set[str] = frozenset()) -> tuple:
    """A link as scheme, host, path and the set of its parameters (less ``drop``)."""
    parts = urllib.parse.urlsplit(link)
    query = frozenset((k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k not in drop)
    return parts.scheme, parts.netloc, parts.path, query


def test_there_are_61_items():
    assert len(feed_items()) == 61


def test_every_item_is_loaded_with_its_metadata(day390):
    _, report = day390
    assert report["bad_sources"] == []
    docs = report["documents"]
    assert len(docs) == 61
    by_url = {address(d["url"]): d for d in docs}
    assert not [d["url"] for d in docs if set(urllib.parse.parse_qs(urllib.parse.urlsplit(d["url"]).query)) & TRACKERS]
    for name, link, _ in feed_items():
        doc = by_url[address(link, TRACKERS)]
        assert doc["path"].endswith(name)
        assert doc["title"] and doc["outlet"] and doc["kind"] == "article"
        assert doc["published"].startswith("2023-03-19T") and doc["published"].endswith("+00:00")


def test_offline_no_article_is_fetched_and_the_printed_links_are_clean(day390):
    folder, report = day390
    rows = report["articles"]
    assert len(rows) >= 50 and {r["url"] for r in rows} <= {d["url"] for d in report["documents"]}
    assert {(r["fallback"], r["bytes"], r["cached"]) for r in rows} == {("offline and not cached", 0, False)}
    for name in ("conflict-update-day-390.md", "conflict-update-day-390.html"):
        text = (folder / name).read_text()
        printed = [u for u in {d["url"] for d in report["documents"]} if u in text]
        assert len(printed) >= 20, name  # the reports' own links, as the documents record them
        assert not [t for t in TRACKERS if t + "=" in text], name


def test_every_item_is_in_the_issue_or_left_out_with_a_reason(day390):
    folder, report = day390
    md = (folder / "conflict-update-day-390.md").read_text()
    assert md.startswith("# Conflict Update Day 390")
    story_of = {doc_id: s["story"] for s in report["stories"] for doc_id in s["documents"]}
    placed = {s["story"]: s.get("section") for s in report["stories"]}
    dropped_docs = {d["doc"]: d["reason"] for d in report["dropped"] if "doc" in d}
    dropped_stories = {d["story"]: d["reason"] for d in report["dropped"] if "story" in d and "doc" not in d}
    in_issue = in_report = 0
    for doc in report["documents"]:
        if doc["id"] in dropped_docs:
            assert dropped_docs[doc["id"]], doc
            in_report += 1
            continue
        story = story_of.get(doc["id"])
        assert story is not None, f"{doc['title']!r} is neither dropped nor in a story"
        if story in dropped_stories:
            in_report += 1
        else:
            assert placed[story], doc
            in_issue += 1
    assert in_issue + in_report == 61
    assert in_issue >= 30  # most of the day's war news makes the issue
    assert in_report >= 1
    reasons = {r.split(" (")[0] for r in list(dropped_docs.values()) + list(dropped_stories.values())}
    assert reasons <= {"off subject", "no usable sentences after cleaning", "over the length budget",
                       "every sentence already appears earlier in the issue",
                       "no sentence of it stands on its own", "a round-up whose text lists nothing",
                       "passed over as a repeat",
                       "no section claims it and there is no fallback section"}, reasons


def test_items_in_the_issue_cite_their_outlets(day390):
    folder, report = day390
    md = (folder / "conflict-update-day-390.md").read_text()
    for story in report["stories"]:
        if any(d.get("story") == story["story"] for d in report["dropped"]):
            continue
        assert any(outlet in md for outlet in story["sources"]), story["headline"]


def test_every_placed_story_became_an_item(tmp_path):
    from briefing.pipeline.build import build
    from briefing.config.settings import load_config

    result = build(load_config(ROOT / "briefing.toml", date="2023-03-20", formats="md", out=str(tmp_path),
                               sources=[str(FEEDS)], offline=True))
    report = result.report
    items = result.issue.all_items()
    cited = {s.doc_id for item in items for s in item.sources}
    item_ids = {item.id for item in items}
    dropped_stories = {d["story"] for d in report.dropped if "story" in d}
    for story in report.stories:
        if story["story"] in dropped_stories:
            continue
        assert story["story"] in item_ids or set(story["documents"]) <= cited, story["headline"]
    dropped_docs = {d["doc"] for d in report.dropped if "doc" in d}
    in_stories = {doc_id for s in report.stories for doc_id in s["documents"]}
    assert {d["id"] for d in report.documents} == dropped_docs | in_stories
