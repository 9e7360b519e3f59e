"""Every source format on real samples: Markdown with front matter, saved HTML, feeds, OPML, text encodings."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from briefing.config.settings import load_config
from briefing.errors import SourceError
from briefing.host.context import BuildContext
from briefing.pipeline.load import load_one
from briefing.host.plugins import Plugins
from briefing.sources.sanitize import http_url, parse_datetime

from .conftest import DATA, ROOT

FORMATS = DATA / "formats"
TITLE = "Iraq invasion anniversary: lessons for Russia’s war in Ukraine"


@pytest.fixture(scope="module")
def loader():
    config = load_config(ROOT / "briefing.toml")
    ctx = BuildContext(config, Plugins(config.workspace))
    return lambda path: load_one(str(path), ctx)


def test_markdown_with_toml_front_matter(loader):
    [doc] = loader(FORMATS / "toml-front-matter.md")
    assert doc.title.startswith("Twenty years after the Iraq invasion")
    assert (doc.outlet, doc.author) == ("The Observer", "Peter Beaumont")
    assert doc.url == "https://www.theguardian.com/world/2023/mar/19/iraq-war-anniversary"
    assert doc.published == dt.datetime(2023, 3, 19, 10, 15, tzinfo=dt.timezone.utc)
    assert doc.text.startswith("On 20 March 2003") and "+++" not in doc.text


def test_markdown_with_simple_front_matter_makes_only_strings(loader, tmp_path):
    [doc] = loader(FORMATS / "yaml-front-matter.md")
    assert doc.title == 'Lindsey Graham: DeSantis is "taking the Chinese position" on Ukraine'
    assert (doc.outlet, doc.author) == ("Fox News", "Brandon Gillespie")
    assert doc.published == dt.datetime(2023, 3, 19, 13, 0, tzinfo=dt.timezone.utc)
    assert doc.published.utcoffset() == dt.timedelta(hours=-4)  # the page's own zone is kept
    assert "python/object" not in doc.text and "tags:" not in doc.text
    assert not (tmp_path / "pwned").exists()


def test_markdown_without_front_matter_takes_the_heading(loader):
    [doc] = loader(FORMATS / "no-front-matter.md")
    assert doc.title == 'DeSantis calls the war in Ukraine a "territorial dispute"'
    assert "#" not in doc.text and doc.published is None


def test_markdown_with_a_date_that_is_not_a_date_is_refused(loader, tmp_path):
    bad = tmp_path / "bad-date.md"
    bad.write_text("---\ntitle: Kyiv\ndate: next Tuesday\n---\n\nUkraine text.\n")
    with pytest.raises(SourceError, match="not a date"):
        loader(bad)


def test_saved_html_page_text_and_metadata(loader):
    [doc] = loader(FORMATS / "page.html")
    assert doc.title == "Lindsey Graham says DeSantis is taking the 'Chinese position' on Russia's invasion of Ukraine"
    assert (doc.outlet, doc.author) == ("Fox News", "Brandon Gillespie")
    assert doc.url.startswith("https://www.foxnews.com/politics/lindsey-graham")
    assert doc.published.isoformat() == "2023-03-19T09:00:00-04:00"
    assert doc.text.startswith("EXCLUSIVE: Sen. Lindsey Graham")
    for junk in ("tracker", "window.tracking", "font-family", "All rights reserved", "Home"):
        assert junk not in doc.text


def test_html_outlet_falls_back_to_the_host(loader, tmp_path):
    page = tmp_path / "bare.html"
    page.write_text('<html><head><title>Kherson shelled</title><link rel="canonical" '
                    'href="https://www.kyivindependent.com/kherson"></head><body><article><p>'
                    + "Russian forces shelled Kherson on Sunday, Ukrainian officials said. " * 5
                    + "</p></article></body></html>")
    [doc] = loader(page)
    assert doc.outlet == "kyivindependent.com" and doc.title == "Kherson shelled"


@pytest.mark.parametrize("name", ["utf8.txt", "utf8-bom.txt", "cp1252.txt", "mixed-endings.txt"])
def test_text_encodings_and_line_endings(loader, name):
    [doc] = loader(FORMATS / name)
    assert doc.title == TITLE
    assert "\r" not in doc.text and "\ufeff" not in doc.title
    assert "“shock and awe”" in doc.text and "country’s violent" in doc.text
    assert doc.text.count("\n\n") >= 2  # paragraphs survive whatever line endings they had


def test_latin1_text_without_declaration(loader):
    [doc] = loader(FORMATS / "latin1.txt")
    assert doc.title == "Crise énergétique : l'Ukraine"
    assert "« Nous réparons le réseau »" in doc.text


def test_feeds_in_single_byte_encodings_without_declaration(loader):
    for name in ("latin1-feed.xml", "cp1252-feed.xml"):
        with pytest.raises(ET.ParseError):  # what a strict XML parser makes of them
            ET.fromstring((FORMATS / name).read_bytes())
    docs = loader(FORMATS / "latin1-feed.xml")
    assert len(docs) == 2 and {d.outlet for d in docs} == {"Le Monde (édition anglaise)"}
    docs = loader(FORMATS / "cp1252-feed.xml")
    assert len(docs) == 8 and all(d.published.tzinfo is not None for d in docs)
    assert any("’" in d.title or "’" in d.text for d in docs)


def test_real_feed_metadata(loader):
    docs = loader(DATA / "feeds" / "2023-03-19" / "bbc.xml")
    assert len(docs) == 3
    for doc in docs:
        assert doc.outlet == "BBC" and doc.url.startswith("https://www.bbc.co.uk/")
        assert doc.published.tzinfo is not None and doc.published.date() == dt.date(2023, 3, 19)


def test_opml_lists_feeds_and_refuses_tricks(loader, tmp_path):
    opml = tmp_path / "desk.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><head><title>Desk</title></head><body>'
                    '<outline text="a" xmlUrl="https://www.aljazeera.com/xml/rss/all.xml"/>'
                    '<outline text="b"><outline text="c" xmlUrl="http://feeds.bbci.co.uk/news/world/rss.xml"/></outline>'
                    '<outline text="d" xmlUrl="file:///etc/passwd"/></body></opml>')
    [listing] = loader(opml)
    assert listing.kind == "sources"
    assert listing.data == {"feeds": ["https://www.aljazeera.com/xml/rss/all.xml",
                                      "http://feeds.bbci.co.uk/news/world/rss.xml"],
                            "refused": ["file:///etc/passwd"]}
    bomb = tmp_path / "bomb.opml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    '<opml version="2.0"><body><outline text="&b;" xmlUrl="https://x.example/"/></body></opml>')
    with pytest.raises(SourceError, match="refused OPML"):
        loader(bomb)


def test_sanitize_helpers():
    assert http_url("javascript:alert(1)") == "" and http_url("file:///etc/passwd") == ""
    assert http_url(" https://example.com/a ") == "https://example.com/a"
    assert parse_datetime("Sun, 19 Mar 2023 22:37:02 +0000").isoformat() == "2023-03-19T22:37:02+00:00"
    assert parse_datetime("2023-03-19").tzinfo is dt.timezone.utc
    assert parse_datetime("soon") is None


def test_plain_text_header_lines_give_metadata(loader, tmp_path):
    src = tmp_path / "with-header.txt"
    src.write_text("Kyiv under fire\n\nURL: https://kyiv.example/a\nPublished: Sun, 19 Mar 2023 10:15:00 +0200\n"
                   "Author: Jane Doe\n\nUkrainian officials said Russian drones struck Kyiv.\n\nSource: Kyiv Ledger\n")
    [doc] = loader(src)
    assert (doc.url, doc.author, doc.outlet) == ("https://kyiv.example/a", "Jane Doe", "Kyiv Ledger")
    assert doc.published.isoformat() == "2023-03-19T10:15:00+02:00"
    assert "URL:" not in doc.text and "Author" not in doc.text and "drones struck Kyiv" in doc.text


def test_atom_feed_metadata(loader, tmp_path):
    atom = tmp_path / "wire.atom"
    atom.write_text('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                    '<title>Kyiv Wire</title><link href="https://wire.example/"/>'
                    '<entry><title>Zelensky visits Kherson</title><link href="https://wire.example/kherson"/>'
                    '<author><name>O. Petrenko</name></author><published>2023-03-19T14:05:00+02:00</published>'
                    '<summary type="html">&lt;p&gt;Ukrainian President Zelensky visited Kherson.&lt;/p&gt;</summary>'
                    '</entry></feed>')
    [doc] = loader(atom)
    assert (doc.title, doc.outlet, doc.author) == ("Zelensky visits Kherson", "Kyiv Wire", "O. Petrenko")
    assert doc.url == "https://wire.example/kherson" and doc.text == "Ukrainian President Zelensky visited Kherson."
    assert doc.published == dt.datetime(2023, 3, 19, 12, 5, tzinfo=dt.timezone.utc)


def test_each_loader_keeps_to_its_own_files(loader, tmp_path):
    md = tmp_path / "notes.md"
    md.write_text("# Feeds we read\n\nThe Kyiv desk reads <rss> and <opml> lists every morning.\n")
    [doc] = loader(md)
    assert doc.title == "Feeds we read" and "lists every morning" in doc.text
    listing = tmp_path / "desk.xml"  # an OPML list saved with the feeds' extension
    listing.write_text('<?xml version="1.0"?><opml version="2.0"><body>'
                       '<outline text="a" xmlUrl="https://www.aljazeera.com/xml/rss/all.xml"/></body></opml>')
    [found] = loader(listing)
    assert found.kind == "sources" and found.data["feeds"] == ["https://www.aljazeera.com/xml/rss/all.xml"]
