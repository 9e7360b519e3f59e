"""One story, printed once: what a reader corrects is counted from labels, and the print-time check folds a
story into the one it tells again, or passes it over, by the judge's one same-story probability."""

from __future__ import annotations

from briefing.editorial.judge import Judge, Unit
from briefing.editorial.subject import Subject
from briefing.lab.corrections import corrections, totals
from briefing.models import Document, Passage, Sentence, Story
from briefing.pipeline.cluster import near_stories
from briefing.pipeline.compose import gather
from briefing.pipeline.summarize import extractive_item
from briefing.runtime.report import Report

BUDGET = {"sentences": 4, "words": 200}  # an item's length, as the house style's

# ----------------------------------------------------------------------------------------- the corrections

LABELS = [
    {"feed": "a.xml", "title": "Putin visits Mariupol", "on": True, "section": "putin_russia", "story": "mariupol"},
    {"feed": "b.xml", "title": "Putin tours occupied Mariupol", "on": True, "section": "putin_russia",
     "story": "mariupol"},
    {"feed": "c.xml", "title": "Putin in Mariupol at night", "on": True, "section": "putin_russia", "story": "mariupol"},
    {"feed": "d.xml", "title": "Xi to visit Moscow", "on": True, "section": "china", "story": "xi"},
    {"feed": "e.xml", "title": "Tennis: Medvedev wins", "on": False},
    {"feed": "f.xml", "title": "Poland sends MiGs", "on": True, "section": "containment", "story": "migs"},
    {"feed": "g.xml", "title": "Slovakia to send MiGs", "on": True, "section": "containment", "story": "slovakia"},
    {"feed": "h.xml", "title": "Grain deal renewed", "on": True, "section": "comments", "story": "grain"},
    {"feed": "i.xml", "title": "Black Sea grain deal extended", "on": True, "section": "comments", "story": "grain"},
    {"feed": "j.xml", "title": "Grain deal: Russia says 60 days", "on": True, "section": "comments", "story": "grain"},
]
REPORT = {"documents": [{"id": f"d{k}", "path": f"feeds/{label['feed']}", "title": label["title"]}
                        for k, label in enumerate(LABELS)]}


def item(headline, docs, in_text=()):
    return {"headline": headline, "documents": list(docs),
            "sentences": [{"text": "…", "doc": d} for d in in_text]}


def test_each_kind_of_correction_is_counted_from_the_labels():
    issue = {"sections": [
        {"key": "putin_russia", "items": [item("Putin visits Mariupol", ["d0", "d1"]),
                                          item("Putin in Mariupol at night", ["d2"])]},  # the same story again
        {"key": "comments", "items": [item("Xi to visit Moscow", ["d3"]),  # placed in comments, labelled china
                                      item("Medvedev wins", ["d4"])]},  # off the subject
        {"key": "containment", "items": [item("Poland sends MiGs", ["d5", "d6"], in_text=["d5", "d6"])]},
    ]}
    c = corrections("2023-03-19", LABELS, REPORT, issue)
    assert c.printed == 5
    assert [d["headline"] for d in c.duplicate] == ["Putin in Mariupol at night"]
    assert [(f["story"], f["joined"], f["reports"], f["in_text"]) for f in c.fusion] == [("migs", "slovakia", 1, True)]
    assert c.fusion_cost == 2  # the other event's sentence is in the text: two corrections
    assert [m["story"] for m in c.missing] == ["grain"]  # three outlets, not printed
    assert [(m["headline"], m["want"]) for m in c.misplaced] == [("Xi to visit Moscow", "china")]
    assert [o["headline"] for o in c.off] == ["Medvedev wins"]
    assert c.total == 1 + 2 + 1 + 1 + 1
    figures = totals([c, c])
    assert figures["total"] == 12 and figures["duplicate"] == 2 and figures["fused reports"] == 2


def test_a_fusion_only_in_the_sources_line_costs_one_and_an_item_without_labelled_reports_counts_nothing():
    issue = {"sections": [{"key": "containment", "items": [item("MiGs", ["d5", "d6"], in_text=["d5"]),
                                                           item("Losses", ["x1"])]}]}
    c = corrections("2023-03-19", LABELS, REPORT, issue)
    assert c.printed == 1 and c.fusion_cost == 1 and not c.duplicate


# ----------------------------------------------------------------------------------------- the print-time check

class Thresholds:
    """A judge's thresholds alone (the print-time check asks nothing else of it)."""

    fold_threshold, repeat_threshold, repeat_outlets = 0.9, 0.3, 3


def story(sid, outlets, near=None, separate=False):
    docs = [Document(id=f"{sid}{k}", title=f"{sid} report {k}", text="", outlet=o) for k, o in enumerate(outlets)]
    s = Story(id=sid, passages=[Passage(f"p{d.id}", d, d.title, []) for d in docs], near=near or {},
              separate=separate)
    return s


def test_a_story_that_tells_a_kept_one_again_is_folded_into_it_and_a_small_likely_repeat_is_passed_over():
    big = story("big", ["BBC", "CNN", "AP"])
    again = story("again", ["Sky"], near={"big": 0.95})  # the same story: folded, its outlet joins
    repeat = story("repeat", ["NPR"], near={"big": 0.5})  # likely a repeat, one outlet: passed over
    wide = story("wide", ["NYT", "FT", "WaPo"], near={"big": 0.5})  # as likely, but three outlets: prints
    other = story("other", ["Fox"], near={"big": 0.1})  # another story
    via = story("via", ["Hill"], near={"again": 0.92})  # tells a story folded into big: folded into big
    report = Report()
    why = {s.id: {"story": s.id} for s in (big, again, repeat, wide, other, via)}
    kept = gather([big, again, repeat, wide, other, via], Thresholds(), report, why, BUDGET)
    assert [s.id for s in kept] == ["big", "wide", "other"]
    assert [s.id for s in kept[0].folded] == ["again", "via"] and not big.folded  # the given story is left as it was
    assert {d.outlet for d in kept[0].documents} == {"BBC", "CNN", "AP", "Sky", "Hill"}  # whose sentences may print
    assert why["again"]["folded_into"] == "big" and why["again"]["printed"] is False
    assert why["repeat"]["repeat_of"] == "big" and "repeat" in why["repeat"]["why"]
    assert [d["story"] for d in report.dropped] == ["repeat"]


def test_an_editors_separate_mark_prints_a_story_on_its_own():
    big = story("big", ["BBC", "CNN", "AP"])
    again = story("again", ["Sky"], near={"big": 0.99}, separate=True)
    report = Report()
    kept = gather([big, again], Thresholds(), report, {}, BUDGET)
    assert [s.id for s in kept] == ["big", "again"] and not kept[0].folded


def test_stories_know_how_likely_each_other_one_tells_them():
    groups = [[0, 1], [2], [3]]
    sims = {(0, 1): 0.9, (1, 2): 0.4, (0, 2): 0.6, (2, 3): 0.2}
    assert near_stories(groups, sims) == [{1: 0.6}, {0: 0.6, 2: 0.2}, {1: 0.2}]


def test_the_judge_finds_two_tellings_of_one_event_likelier_than_two_events():
    judge = Judge(Subject(name="s", terms={"ukraine": 1.0}), [])
    first = [[Unit.of("a", "a", "Russian jet downs US drone over Black Sea",
                      "A Russian fighter jet collided with a US surveillance drone over the Black Sea.")]]
    second = [[Unit.of("b", "b", "US drone downed over Black Sea after Russian jet collision",
                       "The US military said a Russian jet hit its drone over the Black Sea.")],
              [Unit.of("c", "c", "Poland to send MiG fighter jets to Ukraine",
                       "Poland will send four MiG-29 jets to Ukraine in the coming days.")]]
    like = judge.likeness(first, second)
    assert like.shape == (1, 2) and like[0, 0] > like[0, 1]


# ----------------------------------------------------------------------------------------- summaries

def test_an_items_sentences_from_one_report_keep_their_source_order():
    # the second sentence is the most central (it is chosen first), the first is chosen too: it still comes first
    text = ("Heavy snow fell across the Donetsk region overnight, slowing supply convoys to the front. "
            "Oleksandr Syrskyi, the commander of Ukraine's ground forces, visited troops near Bakhmut on Sunday. "
            "Ukrainian troops near Bakhmut held off Russian assaults on Bakhmut, and Russian forces near Bakhmut "
            "were exhausted, the commander of Ukraine's ground forces said.")
    doc = Document(id="d", title="Bakhmut holds", text=text, outlet="X")
    from briefing.pipeline import segment

    sents = [s for p in segment.sentences(doc) for s in p]
    chosen = extractive_item(Story(id="s", passages=[Passage("p", doc, doc.title, sents)]),
                             {"sentences": 3, "words": 200}).sentences
    assert [s.text[:16] for s in chosen] == ["Heavy snow fell ", "Oleksandr Syrsky"]


def test_a_preview_is_told_only_when_the_story_has_nothing_else_and_a_credit_line_never():
    texts = {"a": "Xi and Putin are expected to meet again on Tuesday for formal talks.",
             "b": "Xi Jinping and Vladimir Putin held informal talks in the Kremlin on Monday evening.",
             "c": "© AP Chinese President Xi Jinping arrives at Vnukovo airport."}
    docs = [Document(id=k, title=f"Xi in Moscow {k}", text=t, outlet=k) for k, t in texts.items()]
    from briefing.pipeline import segment

    passages = [Passage(f"p{d.id}", d, d.title, [s for p in segment.sentences(d) for s in p]) for d in docs]
    told = [s.doc_id for s in extractive_item(Story(id="s", passages=passages), {"sentences": 4, "words": 200}).sentences]
    assert told == ["b"]
    alone = extractive_item(Story(id="t", passages=passages[:1]), {"sentences": 4, "words": 200}).sentences
    assert [s.doc_id for s in alone] == ["a"]


def test_the_judge_judges_an_article_read_since_on_its_text_not_on_the_teasers_answer():
    judge = Judge(Subject(name="s", terms={"ukraine": 2.0, "bakhmut": 3.0}), [])
    teaser = Unit.of("item", "item", "Weekend reading", "Our picks for the weekend.")
    article = Unit.of("item", "item", "Weekend reading", "Ukraine's troops held Bakhmut against Russian assaults.")
    assert judge.relevance(article) > judge.relevance(teaser)  # one id, two texts: two answers
    assert judge.relevance(teaser) == judge.relevance(Unit.of("item", "item", "Weekend reading",
                                                              "Our picks for the weekend."))
