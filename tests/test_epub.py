"""EPUB, the fourth format: the same issue model as an e-book that Debian's epubcheck passes with no error, its
chart included, the same bytes on every build of the same inputs; without its optional package, a usage error."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import lxml.etree
import pytest

from briefing.config.settings import load_config
from briefing.pipeline.build import build

from .conftest import ROOT

XHTML = "{http://www.w3.org/1999/xhtml}"
OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """The repository's own issue of 2023-03-20 as Markdown and EPUB."""
    out = tmp_path_factory.mktemp("out")
    result = build(load_config(ROOT / "briefing.toml", date="2023-03-20", out=str(out), offline=True,
                               formats="md,epub"))
    return result


def entries(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.mark.slow  # epubcheck is a Java program: about 15 s to start and check
def test_epubcheck_passes_the_book_with_no_error(book):
    tool = shutil.which("epubcheck")
    if tool is None:
        pytest.fail("epubcheck is not installed: `make test` installs it (scripts/system-deps.sh --tests; Debian's "
                    "epubcheck, with a Java runtime)")
    r = subprocess.run(["java", "-jar", os.path.realpath(tool), str(book.paths["epub"])], capture_output=True,
                       text=True, timeout=300)
    said = r.stdout + r.stderr
    assert r.returncode == 0, said
    (counts,) = re.findall(r"Messages: (\d+) fatals? / (\d+) errors? / (\d+) warnings?", said)
    assert counts == ("0", "0", "0"), said
    assert "No errors or warnings detected." in said


def test_the_book_holds_the_issue_its_contents_and_its_chart(book):
    files = entries(book.paths["epub"])
    with zipfile.ZipFile(book.paths["epub"]) as archive:
        first = archive.infolist()[0]
    assert (first.filename, first.compress_type, files["mimetype"]) == ("mimetype", zipfile.ZIP_STORED,
                                                                         b"application/epub+zip")
    package = lxml.etree.fromstring(files["EPUB/content.opf"])
    assert package.findtext(f"{OPF}metadata/{DC}title") == "Conflict Update Day 390"
    assert package.findtext(f"{OPF}metadata/{DC}language") == "en"
    assert package.findtext(f"{OPF}metadata/{DC}identifier").startswith("urn:uuid:")
    modified = package.find(f"{OPF}metadata/{OPF}meta[@property='dcterms:modified']").text
    assert modified == "2023-03-20T00:00:00Z"  # the issue's day, not the clock's
    chapter = lxml.etree.fromstring(files["EPUB/issue.xhtml"])
    text = "".join(chapter.itertext())
    assert "\u00ad" not in text  # e-readers hyphenate by themselves
    titles = [h.text for h in chapter.iter(f"{XHTML}h2")]
    assert titles == [s.title for s in book.issue.sections]
    headlines = ["".join(s.itertext()) for s in chapter.iter(f"{XHTML}strong") if s.get("class") == "headline"]
    assert headlines == [i.headline for i in book.issue.all_items()]
    assert "165,610 (+700) soldiers killed" in text
    assert "Russian forces appear to lose steam as Ukraine prepares offensive" in headlines
    # the losses chart: a PNG in the book, at its phone layout's size, drawn at twice that
    (image,) = [i for i in chapter.iter(f"{XHTML}img")]
    assert image.get("width") == "360" and int(image.get("height")) > 300
    png = files[f"EPUB/{image.get('src')}"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and int.from_bytes(png[16:20], "big") == 720
    assert image.get("alt") == "Chart: Russian losses"
    nav = lxml.etree.fromstring(files["EPUB/nav.xhtml"])
    links = [(a.get("href"), a.text) for a in nav.iter(f"{XHTML}a")]
    assert links == [(f"issue.xhtml#{s.key}", s.title) for s in book.issue.sections]
    index = (book.paths["epub"].parent.parent / "index.html").read_text()  # the back issues list the e-book too
    assert '<a href="2023-03-20/conflict-update-day-390.epub">EPUB</a>' in index
    report = json.loads(book.paths["report"].read_text())
    assert report["files"]["conflict-update-day-390.epub"] == __import__("hashlib").sha256(
        book.paths["epub"].read_bytes()).hexdigest()


def test_the_same_issue_gives_the_same_bytes(book, tmp_path):
    again = build(load_config(ROOT / "briefing.toml", date="2023-03-20", out=str(tmp_path), offline=True,
                              formats="epub"))
    assert again.paths["epub"].read_bytes() == book.paths["epub"].read_bytes()
    with zipfile.ZipFile(again.paths["epub"]) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 3, 20, 0, 0, 0)}


def test_without_its_package_the_format_is_a_usage_error_and_nothing_is_built(tmp_path):
    """ebooklib is optional (its licence is the AGPL): asked for without it, epub is a one-line usage error."""
    shadow = tmp_path / "shadow" / "ebooklib"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('not installed here')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "shadow")}
    r = subprocess.run([sys.executable, "-m", "briefing", "build", "--date", "2023-03-20", "--format", "md,epub",
                        "--out", str(tmp_path / "out"), "--offline"], cwd=ROOT, capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 2
    assert r.stderr == ("briefing: usage error: the epub format needs the ebooklib package: pip install "
                        "'briefing-desk[epub]' (with pipx: pipx inject briefing-desk ebooklib)\n")
    assert not (tmp_path / "out").exists()
