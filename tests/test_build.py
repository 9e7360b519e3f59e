"""The core: the seeds build gives one issue in Markdown, HTML and PDF with the same items."""

from __future__ import annotations

import json
import re

import pypdf

from briefing.output.render import md_text

from .conftest import pdf_text, screen_text

SECTION_TITLES = [
    "Conflict Assessment", "Key Takeaways", "Comments, Updates, Developments and Reports", "Containment",
    "Sanctions", "Putin & Russia", "China",
]


def _pdf_text(path) -> str:
    return pdf_text(path)


def test_markdown_follows_the_house_style(seeds_build):
    md = seeds_build.paths["md"].read_text()
    assert md.startswith("# Conflict Update Day 390\n")
    assert "March 20<sup>th</sup>, 2023" in md.splitlines()[2]
    assert "Back issues at [" in md
    headings = re.findall(r"^## (.+)$", md, re.MULTILINE)
    assert [h.replace("\\&", "&") for h in headings] == SECTION_TITLES
    items = re.findall(r"^\*\*(.+?)\*\*(?: – |$)", md, re.MULTILINE)
    assert len(items) >= 6
    assert md.count("*Sources: ") == len(items)


def test_output_paths_and_names(seeds_build):
    folder = seeds_build.paths["md"].parent
    assert folder.name == "2023-03-20"
    assert {p.name for p in seeds_build.paths.values()} == {
        "conflict-update-day-390.md", "conflict-update-day-390.html", "conflict-update-day-390.pdf", "issue.json",
        "report.json"}
    assert not [p for p in folder.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_three_renderings_show_the_same_items(seeds_build):
    md = seeds_build.paths["md"].read_text()
    page = screen_text(seeds_build.paths["html"].read_text())
    pdf = " ".join(_pdf_text(seeds_build.paths["pdf"]).split())
    items = seeds_build.issue.all_items()
    assert items
    for item in items:
        assert f"**{md_text(item.headline)}**" in md
        assert item.headline in page
        # the PDF wraps lines: compare the first words of each headline
        assert " ".join(item.headline.split()[:5]) in pdf


def test_pdf_is_a4_with_running_header_footer_and_one_bookmark_per_section(seeds_build):
    reader = pypdf.PdfReader(str(seeds_build.paths["pdf"]))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    n = len(reader.pages)
    text = _pdf_text(seeds_build.paths["pdf"])
    assert f"Page 1 of {n}" in text and f"Page {n} of {n}" in text
    for title in SECTION_TITLES:
        assert title in text
    if n > 1:
        assert "Conflict Update Day 390" in reader.pages[1].extract_text()  # the running header
    assert [o.title for o in reader.outline] == SECTION_TITLES


def test_report_lists_sources_stories_and_drops(seeds_build):
    report = json.loads(seeds_build.paths["report"].read_text())
    read = {s["path"] for s in report["sources"]}
    assert {"seeds/000_f0b3ea1751f13ff4.txt", "seeds/001_546d6f66f1e1dd59.txt"} <= read
    assert report["bad_sources"] == []
    sections = {s["section"] for s in report["stories"]}
    assert sections <= {"key_takeaways", "comments", "containment", "sanctions", "putin_russia", "china"}
    for story in report["stories"]:
        assert story["sources"] and story["scores"]


def test_each_story_lands_in_one_section_at_most(seeds_build):
    ids = [item.id for item in seeds_build.issue.all_items()]
    assert len(ids) == len(set(ids))
    texts = [s.text for item in seeds_build.issue.all_items() for s in item.sentences]
    assert len(texts) == len(set(texts)), "a sentence appears twice in the issue"


def test_the_losses_line_of_day_390(seeds_build):
    losses = seeds_build.issue.sections[0]
    assert losses.title == "Conflict Assessment"
    line = losses.items[0].text
    for figure in ["165,610 (+700) soldiers killed", "3,537 (+5) enemy tanks", "6,869 (+16) armored combat vehicles",
                   "2,577 (+9) artillery systems", "270 (+2) air defense systems", "2,160 (+1) UAVs",
                   "5,416 (+8) trucks and tankers", "265 (+3) units of equipment"]:
        assert figure in line


def test_a_rebuild_with_fewer_formats_leaves_no_stale_rendering(tmp_path):
    from briefing.pipeline.build import build
    from briefing.config.settings import load_config

    from .conftest import ROOT, make_workspace

    ws = make_workspace(tmp_path, [ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt"])
    build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md,html"))
    folder = ws / "out" / "2023-03-20"
    assert (folder / "conflict-update-day-390.html").exists()
    build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md"))
    assert not (folder / "conflict-update-day-390.html").exists()
    assert (folder / "conflict-update-day-390.md").exists()


def test_an_outlet_with_several_reports_is_named_once_in_the_sources_line(tmp_path):
    import datetime as dt

    from briefing.config.settings import load_config
    from briefing.models import Issue, IssueSection, Item, Source
    from briefing.output.render import render

    from .conftest import ROOT

    item = Item(id="i", headline="Putin visits Mariupol", text="Putin went to Mariupol.", sources=[
        Source("BBC", "https://bbc.example/1"), Source("CNN", "https://cnn.example/1"),
        Source("BBC", "https://bbc.example/2"), Source("BBC", "javascript:alert(1)")])
    issue = Issue(title="Conflict Update", day=390, date=dt.date(2023, 3, 20), back_issues_text="the archive",
                  back_issues_url="../index.html", sections=[IssueSection(key="s", title="Section", items=[item])])
    from briefing.host.context import BuildContext
    from briefing.host.plugins import Plugins

    config = load_config(ROOT / "briefing.toml", date="2023-03-20", out=str(tmp_path))
    out = render(issue, BuildContext(config, Plugins(config.workspace)), formats=("md", "html"))
    assert ("*Sources: [BBC](https://bbc.example/1) ([2](https://bbc.example/2), 3), "
            "[CNN](https://cnn.example/1)*") in out["md"]
    assert ('Sources: <a href="https://bbc.example/1">BBC</a> (<a href="https://bbc.example/2">2</a>, 3), '
            '<a href="https://cnn.example/1">CNN</a></em>') in out["html"]


def test_only_the_documents_that_pass_the_gate_are_split_into_sentences(tmp_path, monkeypatch):
    # a whole subscription's day: nine in ten items are off the subject, and none of them is ever split
    from briefing.pipeline import segment
    from briefing.pipeline.build import build
    from briefing.config.settings import load_config

    from .conftest import DATA, make_workspace

    split: list[str] = []
    real = segment.sentences
    monkeypatch.setattr(segment, "sentences", lambda doc: split.append(doc.id) or real(doc))
    ws = make_workspace(tmp_path, [DATA / "feeds-full" / "2023-03-19"], config_text="cache = false\n")
    result = build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md"))
    off = {d["doc"] for d in result.report.dropped if d["reason"].startswith("off subject") and "doc" in d}
    assert len(result.report.documents) == 946 and len(off) > 800
    assert split and not off & set(split)
    assert len(set(split)) == len(split) <= 946 - len(off)  # each document that passed, once
