"""Summarize: Story → Item, extractively (the default ``briefing_summarize`` implementation).

In: a story and a budget (sentences, words). Out: an :class:`Item`. Its **headline** is the plainest title among
the story's reports: not a teaser (a video, a live page, a question), not a round-up, at most ``HEADLINE_WORDS``
words, and of those the one most like the story as a whole; a passage from inside an article, which has no
title, takes its most central sentence that stands on its own. Its **sentences** are copied verbatim from the
sources, chosen for centrality in the story, novelty to the issue, coverage of its outlets and low redundancy;
a sentence that leans on an earlier one ("He said …") never opens an item. See :mod:`briefing.editorial.rules` for the
named rules used here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..editorial.features import dot, tfidf_rows
from ..editorial.rules import (ADDRESSES_READER, CREDIT_LINE, PREVIEW, ROUNDUP_TITLE, TEASER_TITLE, TRUNCATED,
                               UNINTRODUCED, fragment, leans_back)
from ..editorial.text import norm_key, tokens
from ..hookspecs import hookimpl
from ..models import Item, Sentence, Source, Story

HEADLINE_WORDS = 20  # a headline longer than this is a sentence, not a headline
MIN_NOVELTY = 0.5  # a later sentence must bring at least this share of content words the item has not used yet
ISSUE_NOVELTY = 1.0  # what a sentence adds to the issue raises its centrality by up to this factor
LEAD_BONUS = 0.15  # a sentence near the top of its document is a lead: a small bonus
OUTLET_BONUS = 0.05  # a sentence from an outlet the item has not quoted yet: a smaller one
REDUNDANCY = 0.6  # a sentence this similar (cosine) to a chosen one says the same thing again
QUOTES = "\"“‘'"  # a sentence opening with a quotation heads nothing: the reader does not know who speaks
TITLE_SUFFIX = re.compile(r"\s+[-–—|:]\s+[^-–—|:]{2,40}$")


def clean_headline(title: str, outlet: str = "") -> str:
    """A source title without a trailing " - Outlet" or " | Section" tag, and without a final period."""
    title = " ".join(title.split())
    m = TITLE_SUFFIX.search(title)
    if m and (not outlet or outlet.lower() in m.group().lower() or len(m.group().split()) <= 3):
        title = title[: m.start()]
    return title.rstrip(" .")


def story_headline(story: Story, budget: dict) -> str:
    """What a story is called wherever it is named (the report, the desk, the notes, the follow-ups): its lead
    report's title without the outlet's tag (:func:`clean_headline`); else the headline its item would have
    (:func:`extractive_item`, within ``budget``)."""
    lead = next((p for p in story.passages if p.lead and p.title), None)
    if lead is not None:
        return clean_headline(lead.title, lead.doc.outlet) or story.id
    return extractive_item(story, budget).headline or story.id


def _quotes_balanced(text: str) -> bool:
    return text.count('"') % 2 == 0 and text.count("“") == text.count("”")


def novelty(words: set[str], covered: set[str]) -> float:
    """The share of a sentence's content words that the chosen sentences have not said yet."""
    return len(words - covered) / len(words) if words else 0.0


@dataclass
class Candidates:
    """The sentences an item may take, with what each test needs found once."""

    pool: list[Sentence]
    previous: list[int]  # the sentence just before each in its source (-1: an opening or one after a gap)
    words: list[set[str]]
    vectors: list[dict[str, float]]
    base: list[float]  # centrality, raised by novelty to the issue and a lead bonus
    leans: list[bool]
    surname: list[str | None]


def _stands_whole(s: Sentence) -> bool:
    """A sentence fit to print on its own: quotes closed, not a fragment, not addressed to the reader, no credit
    line."""
    return (_quotes_balanced(s.text) and not fragment(s.text) and not ADDRESSES_READER(s.text)
            and not CREDIT_LINE(s.text))


def _distinct_whole(sentences: list[Sentence], exclude: set[str]) -> list[Sentence]:
    """The story's sentences said once each, none repeating (or opening like) an excluded text, each whole; a
    cut-off teaser or a preview of what is to come only when nothing else is left."""
    seen: set[str] = set(exclude)
    pool = []
    for s in sentences:
        key = norm_key(s.text)
        if key and key not in seen and not any(key.startswith(e) for e in exclude if e) and _stands_whole(s):
            seen.add(key)
            pool.append(s)
    pool = [s for s in pool if not TRUNCATED(s.text)] or pool
    return [s for s in pool if not PREVIEW(s.text)] or pool  # what is still to come, only when nothing else is


def _previous_in_source(pool: list[Sentence]) -> list[int]:
    """For each sentence, the one just before it in its source (-1: an opening or one after a gap)."""
    last_of: dict[str, int] = {}
    previous = []
    for i, s in enumerate(pool):
        j = last_of.get(s.doc_id, -1)
        previous.append(j if j >= 0 and 0 <= s.paragraph - pool[j].paragraph <= 1 else -1)
        last_of[s.doc_id] = i
    return previous


def _centrality(vectors: list[dict[str, float]]) -> list[float]:
    """Each row's likeness to the centroid of all rows."""
    centroid: dict[str, float] = {}
    for row in vectors:
        for w, v in row.items():
            centroid[w] = centroid.get(w, 0.0) + v
    size = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    return [dot(row, centroid) / size for row in vectors]


def _lead_positions(pool: list[Sentence]) -> list[float]:
    """1 for the first sentence of its document in the pool, 1/2 for the second, and so on."""
    ranks: dict[str, int] = {}
    position = []
    for s in pool:
        position.append(1.0 / (1 + ranks.get(s.doc_id, 0)))
        ranks[s.doc_id] = ranks.get(s.doc_id, 0) + 1
    return position


def candidates(sentences: list[Sentence], exclude: set[str], said: set[str]) -> Candidates | None:
    """Distinct, whole sentences of the story (a cut-off teaser only when nothing whole is left)."""
    pool = _distinct_whole(sentences, exclude)
    if not pool:
        return None
    previous = _previous_in_source(pool)
    token_lists = [tokens(s.text) for s in pool]
    vectors = tfidf_rows(token_lists)
    words = [set(w) for w in token_lists]
    centrality = _centrality(vectors)
    position = _lead_positions(pool)
    base = [c * (1 + ISSUE_NOVELTY * (novelty(w, said) if said else 1.0)) + LEAD_BONUS * p
            for c, w, p in zip(centrality, words, position)]
    surname = [m.group(1) if (m := UNINTRODUCED.pattern.match(s.text)) else None for s in pool]
    return Candidates(pool, previous, words, vectors, base, [bool(leans_back(s.text)) for s in pool], surname)


def pick(c: Candidates, max_sentences: int, max_words: int) -> list[int]:
    """Greedy choice: the best open sentence each round, until the budget is spent or nothing is left."""
    redundancy = [0.0] * len(c.pool)
    open_ = list(range(len(c.pool)))
    chosen: list[int] = []
    covered: set[str] = set()
    words = 0
    docs_used: set[str] = set()
    while len(chosen) < max_sentences:
        best, best_score = -1, -1e9
        for i in open_:
            if c.leans[i] and c.previous[i] not in chosen:  # never first, and only after its predecessor
                continue
            if c.surname[i] and not any(c.surname[i] in c.pool[j].text for j in chosen):
                continue
            score = c.base[i] - 0.5 * redundancy[i] + (OUTLET_BONUS if c.pool[i].doc_id not in docs_used else 0.0)
            if score > best_score:
                best, best_score = i, score
        if best < 0:
            break
        n = len(c.pool[best].text.split())
        if chosen and words + n > max_words:
            break
        chosen.append(best)
        covered |= c.words[best]
        words += n
        docs_used.add(c.pool[best].doc_id)
        # redundancy only grows and novelty only shrinks: a sentence that fails either is out for good
        still = []
        for i in open_:
            if i != best:
                redundancy[i] = max(redundancy[i], dot(c.vectors[i], c.vectors[best]))
                if redundancy[i] <= REDUNDANCY and novelty(c.words[i], covered) >= MIN_NOVELTY:
                    still.append(i)
        open_ = still
    return chosen


def arrange(c: Candidates, chosen: list[int]) -> list[Sentence]:
    """Report by report, the report of the most central sentence first, then the others as they were chosen;
    within a report, its sentences in their source order (a name is introduced before it is used, and a
    sentence that leans on the one before it follows it)."""
    order: dict[str, int] = {}
    for i in chosen:
        order.setdefault(c.pool[i].doc_id, len(order))
    return [c.pool[i] for i in sorted(chosen, key=lambda i: (order[c.pool[i].doc_id], c.pool[i].start))]


def choose(sentences: list[Sentence], budget: dict, exclude: set[str] = frozenset(),
           said: set[str] = frozenset()) -> list[Sentence]:
    """Central, non-redundant sentences across outlets within the budget.

    ``exclude``: the :func:`norm_key` of each sentence not to take (the headline); ``said``: content words the
    issue has already printed, so that a sentence that adds to them is preferred.
    """
    c = candidates(sentences, set(exclude), set(said))
    if c is None:
        return []
    chosen = pick(c, int(budget.get("sentences", 4)), int(budget.get("words", 160)))
    return arrange(c, chosen)


def sources_of(story: Story) -> list[Source]:
    out: list[Source] = []
    seen: set[tuple[str, str]] = set()
    for doc in story.documents:
        outlet = doc.outlet or doc.title
        key = (outlet.lower(), doc.url)
        if key not in seen:
            seen.add(key)
            out.append(Source(outlet=outlet, url=doc.url, title=doc.title, doc_id=doc.id))
    return out


BREAK = re.compile(r"\s*(?::|;|\s[-–—]\s)\s*")


def shorten(headline: str) -> str:
    """A headline of at most HEADLINE_WORDS words: a longer title is cut at its last break (a colon, a dash)
    within that length, else after that many words."""
    words = headline.split()
    if len(words) <= HEADLINE_WORDS:
        return headline
    cut = " ".join(words[:HEADLINE_WORDS])
    breaks = [m.start() for m in BREAK.finditer(cut) if m.start() > len(cut) // 3]
    return cut[:breaks[-1]].rstrip(" ,") if breaks else cut.rstrip(" ,") + "…"


def plain_title(title: str) -> bool:
    """A title that tells the news: not a teaser, not a round-up, not longer than a headline."""
    return not TEASER_TITLE(title) and not ROUNDUP_TITLE(title) and len(title.split()) <= HEADLINE_WORDS


def headline_passage(leads: list, sentences: list[Sentence]):
    """The opening passage whose title heads the item: of the plain titles, the one whose words are most
    shared by the story's other titles (the plainest telling of the event), shorter ones first on a tie;
    with no plain title, the shortest title."""
    plain = [p for p in leads if plain_title(clean_headline(p.title, p.doc.outlet))]
    if not plain:
        return min(leads, key=lambda p: (len(p.title.split()), p.doc.id))
    words = [set(tokens(p.title)) for p in plain]
    counts: dict[str, int] = {}
    for w in words:
        for t in w:
            counts[t] = counts.get(t, 0) + 1
    def typical(k: int) -> float:
        return sum(counts[t] - 1 for t in words[k]) / (len(words[k]) or 1)
    best = max(range(len(plain)), key=lambda k: (typical(k), -len(plain[k].title.split()), plain[k].doc.id))
    return plain[best]


def _opens_cleanly(s: Sentence) -> bool:
    """A sentence that can head an item: it leans on nothing before it, opens with no quotation, names no one
    not yet introduced, and is neither a preview nor cut off."""
    return (not leans_back(s.text) and s.text[:1] not in QUOTES and not UNINTRODUCED(s.text)
            and not PREVIEW(s.text) and not TRUNCATED(s.text))


def _heading_sentence(story: Story) -> list[Sentence]:
    """The story's most central sentence that stands on its own as a headline (a list of one, or empty): one of
    headline length first; a sentence too long for a headline is cut at a break (a colon, a dash) rather than
    mid-clause."""
    central = choose(story.sentences, {"sentences": 6, "words": 400})
    able = [s for s in central if _opens_cleanly(s)]
    fit = [s for s in able if 6 <= len(s.text.split()) <= HEADLINE_WORDS]
    return (fit[:1] or [s for s in able if not shorten(s.text.rstrip(" .")).endswith("…")][:1] or able[:1]
            or central[:1])


def extractive_item(story: Story, budget: dict, printed: tuple[str, ...] = ()) -> Item:
    """The item for a story: its headline (see :func:`headline_passage`) and its chosen sentences. A story
    told only under teaser or round-up titles, or only inside longer articles, is headed by its most central
    sentence that stands on its own."""
    said = {w for text in printed for w in tokens(text)}
    leads = [p for p in story.passages if p.lead and p.title]
    plain = [p for p in leads if plain_title(clean_headline(p.title, p.doc.outlet))]
    # a sentence heads the story only when it has one to spare: else its title, teaser or not, does
    if leads and (plain or len({norm_key(s.text) for s in story.sentences}) < 2):
        lead = headline_passage(leads, story.sentences)
        headline = clean_headline(lead.title, lead.doc.outlet)
        sentences = choose(story.sentences, budget, {norm_key(p.title) for p in leads}, said)
    else:
        top = _heading_sentence(story)
        headline = top[0].text.rstrip(" .") if top else "Update"
        sentences = choose(story.sentences, budget, {norm_key(s.text) for s in top}, said)
    return Item(id=story.id, headline=shorten(headline), sentences=sentences, sources=sources_of(story),
                score=story.score)


@hookimpl(trylast=True)
def briefing_summarize(story, budget, printed):
    return extractive_item(story, budget, printed)
