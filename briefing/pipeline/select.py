"""Select: the gate's documents and their paragraphs → Passages, each a run of a document about one section.

In: :class:`~briefing.pipeline.stages.Segmented`, the documents that passed the gate (with their relevance)
and their paragraphs. Out: :class:`~briefing.pipeline.stages.Selected`, the passages: a short document is one passage; a long one is cut where its paragraphs change section (the judge
says which section each paragraph fits), at most one passage per section, the first opening the document.
A round-up teaser whose text lists nothing is left out, the rule named in the report.
"""

from __future__ import annotations

from ..editorial.judge import Judge, Unit
from ..editorial.rules import ROUNDUP_TITLE
from ..models import Document, Passage, Sentence, stable_id
from ..runtime.report import Report
from .stages import Segmented, Selected

MIN_PARAGRAPHS_TO_SPLIT = 6  # a document shorter than this tells one story: it stays one passage
SPLIT_CONFIDENCE = 0.6  # a paragraph starts a run of another section only when the judge is this sure of it


def _best(judge: Judge, unit: Unit) -> str:
    """The section the judge is sure a paragraph belongs to, or "" (it then goes with the paragraphs before)."""
    if not judge.keys:
        return ""
    p = judge.probabilities(unit)
    best = int(p.argmax())
    return judge.keys[best] if p[best] >= SPLIT_CONFIDENCE else ""


def split_passages(doc: Document, paragraphs: list[list[Sentence]], judge: Judge) -> list[Passage]:
    """Cut a long document where its paragraphs change section; a short one stays one passage."""
    if len(paragraphs) < MIN_PARAGRAPHS_TO_SPLIT:
        sents = [s for p in paragraphs for s in p]
        return [Passage(stable_id(doc.id, 0), doc, doc.title, sents, True)]
    labels = [_best(judge, Unit.of(f"{doc.id}/{i}", doc.id, para[0].text, " ".join(s.text for s in para[1:]),
                                   False)) for i, para in enumerate(paragraphs)]
    # a paragraph the judge is unsure of, and a one-paragraph detour, join the run before them
    for i in range(1, len(labels)):
        if not labels[i]:
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
        passages.append(Passage(stable_id(doc.id, n), doc, doc.title if n == 0 else "", sents, n == 0))
    return passages


def select(docs: list[Document], segmented: dict[str, list[list[Sentence]]], relevance: dict[str, float],
           judge: Judge, report: Report) -> list[Passage]:
    """The passages of the documents that passed the gate, each carrying its document's relevance.

    A document whose text is all debris (a feed item with only a photo caption) still counts by its title:
    it becomes a passage without sentences, so it can join its story as one more source.
    """
    passages: list[Passage] = []
    for doc in docs:
        if doc.id not in relevance:
            continue
        paragraphs = segmented.get(doc.id, [])
        if not paragraphs and ROUNDUP_TITLE(doc.title):
            report.drop(doc.title, f"a round-up whose text lists nothing (rule: {ROUNDUP_TITLE.name})",
                        doc=doc.id, path=doc.path, rule=ROUNDUP_TITLE.name)
            continue
        for passage in split_passages(doc, paragraphs, judge):
            passage.relevance = relevance[doc.id]
            passages.append(passage)
    return passages


def run(ctx, segmented: Segmented) -> Selected:
    """The stage: the passages of the gate's articles, as the build's judge cuts them."""
    gated = segmented.gated
    return Selected(gated, select(gated.articles, segmented.sentences, gated.relevance, ctx.judge, ctx.report))
