"""Select: documents' paragraphs → on-subject Passages, each scored against every section's profile.

In: Documents with their segmented paragraphs, the sections and the subject profile.
Out: Passages (runs of a document's paragraphs that fit the same section) with per-section scores;
off-subject documents are dropped with the reason in the report.

A profile is ``{"terms": {"phrase": weight, ...}, "examples": ["sentence", ...]}``; terms match whole
words, case-insensitively, and a term in the title counts double.
"""

from __future__ import annotations

import re

from . import termscore
from .models import Document, Passage, Section, Sentence, stable_id
from .report import Report

MIN_PARAGRAPHS_TO_SPLIT = 6
# a round-up's title: with no text of its own left (a teaser that only announces the list), it tells nothing
ROUNDUP = re.compile(r"\b(?:list of key events|key events|at a glance|what we know|round-?up|briefing)\b",
                     re.IGNORECASE)
DEFAULT_SUBJECT = {
    "terms": {
        "ukraine": 2, "ukrainian": 2, "ukrainians": 2, "kyiv": 2, "kiev": 1, "russia": 2, "russian": 2,
        "russians": 1, "moscow": 1.5, "kremlin": 2, "putin": 2, "zelensky": 2, "zelenskyy": 2,
        "zelenskiy": 2, "donbas": 2, "donetsk": 2, "luhansk": 2, "crimea": 2, "bakhmut": 3, "kherson": 2,
        "zaporizhzhia": 2, "mariupol": 2, "wagner": 1.5, "invasion": 1.5, "war": 1, "nato": 1,
        "sanctions": 1, "black sea": 1, "belarus": 1, "lukashenko": 1,
    },
    "threshold": 3.0,
}


def profile_score(profile: dict, text: str, title: str = "") -> float:
    """How strongly ``text`` (and its title) match a profile's weighted terms, length-damped."""
    return termscore.profile_score(profile, text, title)


def _best(scores: dict[str, float]) -> str:
    return max(sorted(scores), key=lambda k: scores[k]) if scores else ""


def _headline(doc: Document, sents: list[Sentence]) -> str:
    """The title and the opening sentence (the lede): together they say what a story is about."""
    return f"{doc.title}\n{sents[0].text}" if sents else doc.title


def split_passages(doc: Document, paragraphs: list[list[Sentence]], sections: list[Section]) -> list[Passage]:
    """Cut a long document where its paragraphs change section; a short one stays one passage.

    A long document gives at most one passage per section, the first of them opening it (``lead``).
    """
    scored = [p for p in sections if p.profile.get("terms")]
    def scores_of(text: str, title: str = "") -> dict[str, float]:
        scores = termscore.profile_scores([s.profile for s in scored], text, title)
        return {s.key: score for s, score in zip(scored, scores)}

    if len(paragraphs) < MIN_PARAGRAPHS_TO_SPLIT:
        sents = [s for p in paragraphs for s in p]
        text = " ".join(s.text for s in sents)
        return [Passage(stable_id(doc.id, 0), doc, doc.title, sents, True, scores_of(text, _headline(doc, sents)))]

    labels = []
    for para in paragraphs:
        sc = scores_of(" ".join(s.text for s in para))
        best = _best(sc)
        labels.append(best if sc.get(best, 0) > 0 else "")
    # paragraphs with no clear section, and one-paragraph detours, join the run before them
    for i in range(len(labels)):
        if not labels[i] and i:
            labels[i] = labels[i - 1]
    for i in range(1, len(labels) - 1):
        if labels[i] != labels[i - 1] and labels[i] != labels[i + 1]:
            labels[i] = labels[i - 1]
    # one passage per section: a later run about the same thing as an earlier one joins it
    # (the sentences keep their own spans, so a passage need not be contiguous)
    runs: list[list[int]] = []
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        if label not in by_label:
            by_label[label] = []
            runs.append(by_label[label])
        by_label[label].append(i)
    passages = []
    for n, run in enumerate(runs):
        sents = [s for i in run for s in paragraphs[i]]
        text = " ".join(s.text for s in sents)
        title = doc.title if n == 0 else ""
        heading = _headline(doc, sents) if n == 0 else ""
        passages.append(Passage(stable_id(doc.id, n), doc, title, sents, n == 0, scores_of(text, heading)))
    return passages


SECTION_SUPPORT = 0.25  # how much a section's profile adds to the subject score of a text that names the subject


def merge_profile(base: dict, extra: dict | None) -> dict:
    """``extra`` laid over ``base``: its terms are added to the base's (a weight of 0 removes a term)."""
    if not extra:
        return base
    terms = {**base.get("terms", {}), **extra.get("terms", {})}
    return {**base, **extra, "terms": {t: w for t, w in terms.items() if float(w)}}


def relevance_of(doc: Document, body: str, sections: list[Section], subject: dict) -> float:
    """Fit to the briefing's subject: its own terms, plus a little of the best section fit when it names the subject."""
    text = f"{doc.title}\n{body}"  # the title is read as text and, again, as the title: it counts double
    score = profile_score(subject, text, doc.title)
    if score <= 0:
        return 0.0
    fits = [profile_score(s.profile, text, doc.title) for s in sections if s.profile.get("terms")]
    return score + SECTION_SUPPORT * max(fits, default=0.0)


def select(docs: list[Document], segmented: dict[str, list[list[Sentence]]], sections: list[Section],
           subject: dict, report: Report) -> list[Passage]:
    """On-subject passages of all documents, with their section scores.

    A document whose text is all debris (a feed item with only a photo caption) still counts by its title:
    it becomes a passage without sentences, so it can join its story as one more source.
    """
    subject = merge_profile(DEFAULT_SUBJECT, subject)
    threshold = float(subject.get("threshold", 3.0))
    passages: list[Passage] = []
    for doc in docs:
        paragraphs = segmented.get(doc.id, [])
        if not paragraphs and not doc.title.strip():
            report.drop(doc.title, "no usable sentences after cleaning", doc=doc.id, path=doc.path)
            continue
        if not paragraphs and ROUNDUP.search(doc.title):
            report.drop(doc.title, "a round-up whose text lists nothing", doc=doc.id, path=doc.path)
            continue
        body = " ".join(s.text for p in paragraphs for s in p)
        relevance = relevance_of(doc, body, sections, subject)
        if relevance < threshold:
            report.drop(doc.title, f"off subject (relevance {relevance:.2f} < {threshold:g})",
                        doc=doc.id, path=doc.path, outlet=doc.outlet)
            continue
        for passage in split_passages(doc, paragraphs, sections):
            passage.relevance = relevance
            passages.append(passage)
    return passages
