"""Unit tests of the editorial core, each naming its unit: the gate, select, cluster, placement and the judge.

Small hand-made inputs against hand-written expectations, with briefing's own classes (a judge made from declared
terms and section profiles, no learned model), so each test runs in well under a second.
"""

from types import SimpleNamespace

import pytest

from briefing.editorial.judge import Judge, Unit
from briefing.editorial.subject import Subject
from briefing.models import Document, Passage, Section, Story
from briefing.pipeline import segment
from briefing.pipeline.cluster import average_linkage
from briefing.pipeline.compose import place
from briefing.pipeline.gate import gate, other_language
from briefing.pipeline.select import select, split_passages
from briefing.pipeline.summarize import story_headline
from briefing.runtime.report import Report

SUBJECT = Subject(name="war", terms={"ukraine": 2.0, "bakhmut": 3.0, "russian": 1.5}, threshold=2.0)
SECTIONS = [
    Section(key="front", title="The front", profile={"terms": {"artillery": 3.0, "troops": 3.0, "shelling": 3.0}}),
    Section(key="sanctions", title="Sanctions", profile={"terms": {"sanctions": 3.0, "oil": 3.0, "embargo": 3.0}}),
    Section(key="talks", title="Talks", profile={"terms": {"talks": 3.0, "summit": 3.0, "envoy": 3.0}}),
    Section(key="other", title="Other news", fallback=True),
]


@pytest.fixture
def judge() -> Judge:
    return Judge(SUBJECT, SECTIONS)


def doc(key: str, title: str, text: str = "", outlet: str = "") -> Document:
    return Document(id=key, title=title, text=text, outlet=outlet or key)


# ------------------------------------------------------------------------------------------------- the gate

def test_gate_lets_on_subject_texts_through_and_leaves_off_subject_ones_out(judge):
    docs = [doc("bakhmut", "Russian troops shell Bakhmut", "Ukraine's defenders held the town overnight."),
            doc("bakery", "Local bakery wins award", "The bakery on Main Street won a prize for its bread."),
            doc("football", "Premier League results", "Arsenal beat Chelsea two goals to one on Saturday."),
            doc("empty", "  ", "")]
    report = Report()
    passed = gate(docs, judge, report)
    assert list(passed) == ["bakhmut"]
    reasons = {d["doc"]: d["reason"] for d in report.dropped}
    assert reasons["bakery"].startswith("off subject") and reasons["football"].startswith("off subject")
    assert reasons["empty"] == "no text"


def test_gate_leaves_out_a_document_in_another_language_as_its_source_declares(judge):
    docs = [doc("en", "Russian troops shell Bakhmut", "Ukraine's defenders held the town."),
            doc("de", "Russische Truppen beschießen Bachmut", "Ukraine Bakhmut russian")]
    report = Report()
    passed = gate(docs, judge, report, language="en", declared={"en": "en", "de": "de"})
    assert list(passed) == ["en"]
    assert report.dropped[0]["doc"] == "de" and report.dropped[0]["language"] == "de"
    assert "another language (de, as its source says)" in report.dropped[0]["reason"]


def test_the_language_rule_declared_first_and_nothing_told_by_too_short_a_text():
    text = doc("d", "Bachmut", "kurz")
    assert other_language(text, "en", declared="de") == ("de", "de, as its source says")
    assert other_language(text, "en", declared="en") is None
    assert other_language(text, "en") is None  # under LANGUAGE_CHARS: nothing can tell


# -------------------------------------------------------------------------------------------------- select

def paragraphs_of(*texts: str) -> tuple[Document, list]:
    """A document with one paragraph per text, and its paragraphs as the segment stage splits them."""
    d = doc("long", "A long report", "\n\n".join(texts))
    return d, segment.sentences(d)


FRONT = "Artillery shelling hit the trenches as troops dug in."
EMBARGO = "The oil embargo and new sanctions took effect at midnight."


def test_select_keeps_a_short_document_as_one_opening_passage(judge):
    d, paragraphs = paragraphs_of(FRONT, EMBARGO)
    (passage,) = split_passages(d, paragraphs, judge)
    assert passage.lead and passage.title == "A long report" and len(passage.sentences) == 2


def test_select_cuts_a_long_document_where_its_paragraphs_change_section(judge):
    d, paragraphs = paragraphs_of(FRONT, FRONT, FRONT, EMBARGO, EMBARGO, EMBARGO)
    first, second = split_passages(d, paragraphs, judge)
    assert [s.text for s in first.sentences] == [FRONT] * 3 and first.lead and first.title == "A long report"
    assert [s.text for s in second.sentences] == [EMBARGO] * 3 and not second.lead and second.title == ""


def test_select_folds_a_one_paragraph_detour_into_the_run_before_it(judge):
    d, paragraphs = paragraphs_of(FRONT, FRONT, EMBARGO, FRONT, FRONT, FRONT)
    (passage,) = split_passages(d, paragraphs, judge)
    assert len(passage.sentences) == 6


def test_select_gives_passages_their_documents_relevance_and_leaves_out_an_empty_roundup(judge):
    kept = doc("kept", "Troops hold Bakhmut", FRONT)
    roundup = doc("roundup", "Ukraine war: what we know on day 390", "")
    ungated = doc("ungated", "Troops hold Bakhmut again", FRONT)
    segmented = {d.id: segment.sentences(d) for d in (kept, roundup, ungated)}
    report = Report()
    passages = select([kept, roundup, ungated], segmented, {"kept": 4.5, "roundup": 3.0}, judge, report)
    assert [(p.doc.id, p.relevance) for p in passages] == [("kept", 4.5)]
    assert [d["doc"] for d in report.dropped] == ["roundup"]


# ------------------------------------------------------------------------------------------------- cluster

DOCS = ["a", "b", "c", "d"]


def test_cluster_average_linkage_merges_the_most_alike_first():
    sims = {(0, 1): 0.9, (2, 3): 0.8, (1, 2): 0.1}
    assert average_linkage(4, sims, 0.5, DOCS) == [[0, 1], [2, 3]]


def test_cluster_average_linkage_counts_an_absent_pair_as_zero():
    # after 0 and 1 merge, 2 is (0.6 + 0) / 2 = 0.3 alike to them on average
    sims = {(0, 1): 0.9, (0, 2): 0.6}
    assert average_linkage(3, sims, 0.5, DOCS) == [[0, 1], [2]]
    assert average_linkage(3, sims, 0.25, DOCS) == [[0, 1, 2]]


def test_cluster_two_clusters_holding_one_document_never_merge():
    # passages 0 and 1 are of one document: the likeliest pair is refused, and the story that takes 0 never
    # takes 1 later, however alike
    sims = {(0, 1): 0.95, (0, 2): 0.8, (1, 2): 0.9}
    assert average_linkage(3, sims, 0.5, ["a", "a", "b"]) == [[0], [1, 2]]
    assert average_linkage(3, {(0, 1): 0.95, (0, 2): 0.8}, 0.5, ["a", "a", "b"]) == [[0, 2], [1]]


# ----------------------------------------------------------------------------------------------- placement

def story(key: str, title: str, relevance: float) -> Story:
    d = doc(key, title)
    passage = Passage(f"p-{key}", d, title, [], True)
    passage.relevance = relevance
    return Story(id=key, passages=[passage])


def host(judge: Judge, report: Report) -> SimpleNamespace:
    """The build context as placement sees it: the judge, the report, and no plugin that adds to a score."""
    return SimpleNamespace(judge=judge, report=report, hook=SimpleNamespace(briefing_score="briefing_score"),
                           call=lambda hook, **kwargs: [])


def test_placement_puts_a_story_in_the_section_the_judge_scores_highest(judge):
    stories = [story("shelling", "Artillery shelling as troops dig in", 5.0),
               story("embargo", "EU oil embargo and new sanctions", 5.0),
               story("summit", "Envoy prepares summit talks", 5.0)]
    placed, _ = place(stories, host(judge, Report()))
    assert [(s.id, s.section) for s in placed] == [("shelling", "front"), ("embargo", "sanctions"),
                                                   ("summit", "talks")]
    assert all(s.scores[s.section] == max(s.scores.values()) for s in placed)


def test_placement_sends_an_unclaimed_story_to_the_fallback_and_leaves_out_one_off_subject(judge):
    report = Report()
    placed, entries = place([story("concert", "A concert in Kyiv", 5.0), story("bakery", "Local bakery wins", -2.0)],
                            host(judge, report))
    assert [(s.id, s.section) for s in placed] == [("concert", "other")]
    assert report.stories == []  # the entries are compose's to write, once, when they are whole
    assert entries["concert"]["unclaimed"] is True
    assert entries["bakery"]["printed"] is False and entries["bakery"]["why"].startswith("off subject")


def test_placement_takes_the_section_an_editor_put_a_story_in_and_keeps_the_models_scores(judge):
    shelling = story("shelling", "Artillery shelling as troops dig in", 5.0)
    shelling.placed = "talks"  # the model says front; the editor says talks
    concert = story("concert", "A concert in Kyiv", 5.0)
    concert.placed = "losses"  # not a section that holds stories: the model's choice stands
    placed, entries = place([shelling, concert], host(judge, Report()))
    assert [(s.id, s.section) for s in placed] == [("shelling", "talks"), ("concert", "other")]
    assert entries["shelling"]["placed"] == "by an editor" and entries["shelling"]["probability"] == 1.0
    assert max(entries["shelling"]["scores"], key=entries["shelling"]["scores"].get) == "front"
    assert "placed" not in entries["concert"]


def test_a_story_is_called_by_its_lead_reports_title_without_the_outlets_tag_else_by_its_items_headline():
    budget = {"sentences": 4, "words": 200}
    lead = Passage("a", doc("a", "Drones hit Kyiv overnight - BBC News", outlet="BBC"), "Drones hit Kyiv overnight - BBC News", [])
    inner = Passage("b/1", doc("b", "Sanctions talk in Brussels"), "", [], lead=False)
    assert story_headline(Story(id="s", passages=[inner, lead]), budget) == "Drones hit Kyiv overnight"
    d = doc("d", "", "Shelling went on near Bakhmut through the night. Two villages lost power, officials said.")
    (sentences,) = segment.sentences(d)
    untitled = Passage("d", d, "", sentences, lead=False)
    assert story_headline(Story(id="u", passages=[untitled]), budget) == "Shelling went on near Bakhmut through the night"
    nothing = Story(id="v", passages=[Passage("e", doc("e", ""), "", [], lead=False)])
    assert story_headline(nothing, budget) == "Update"  # as the item of a story with nothing to say is headed


# ---------------------------------------------------------------------------------------------- the judge

def test_judge_finds_two_tellings_of_one_event_likelier_alike_than_two_events(judge):
    first = [[Unit.of("a", "a", "Explosions hit the Crimean bridge early on Saturday",
                      "A truck bomb blew up on the Kerch bridge linking Crimea to Russia, setting fuel cars ablaze.")]]
    second = [[Unit.of("b", "b", "Crimean bridge damaged by a blast on Saturday",
                       "A blast on the Kerch bridge to Crimea set fuel tanks on a train ablaze, Russia said.")],
              [Unit.of("c", "c", "Grain ships leave Odesa under the export deal",
                       "Three ships loaded with corn sailed from Odesa under the Black Sea grain deal.")]]
    like = judge.likeness(first, second)
    assert like[0, 0] > like[0, 1]


def test_judge_finds_an_on_subject_title_more_relevant_than_an_off_subject_one(judge):
    on = Unit.of("on", "on", "Russian forces press on Bakhmut in eastern Ukraine", "")
    off = Unit.of("off", "off", "Arsenal beat Chelsea at the Emirates", "")
    assert judge.relevance(on) > judge.join > judge.relevance(off)
