"""Summarize: Story → Item, extractively (the default ``briefing_summarize`` implementation).

In: a story and a budget (sentences, words). Out: an :class:`Item` whose headline is a cleaned source
title (or a source sentence) and whose sentences are copied verbatim from the sources, chosen for
centrality in the story, coverage of its outlets and low redundancy. A sentence that leans on an
earlier one ("He said …") never opens an item.
"""

from __future__ import annotations

import re

import numpy as np

from .cluster import vectorize_tokens
from .hookspecs import hookimpl
from .models import Item, Sentence, Source, Story
from .text import norm_key, tokens

DEPENDENT = re.compile(
    r"^[\"“'‘]?(?:he|she|they|it|this|that|these|those|his|her|their|its|but|and|or|however|also|meanwhile"
    r"|yet|so|then|there|such|both|another|the\s+(?:move|report|statement|comments?|decision)|him|them)\b",
    re.IGNORECASE,
)
# "The South Carolina senator also pledged …": a definite description and "also" point back to an earlier sentence
ALSO_BACK = re.compile(r"^[\"“'‘]?(?:the|this|that)\s[^,.;:]{0,50}?\balso\b", re.IGNORECASE)
TITLE_SUFFIX = re.compile(r"\s+[-–—|:]\s+[^-–—|:]{2,40}$")


def clean_headline(title: str, outlet: str = "") -> str:
    """A source title without a trailing " - Outlet" or " | Section" tag, and without a final period."""
    title = " ".join(title.split())
    m = TITLE_SUFFIX.search(title)
    if m and (not outlet or outlet.lower() in m.group().lower() or len(m.group().split()) <= 3):
        title = title[: m.start()]
    return title.rstrip(" .")


FULL_STOP = re.compile(r"""[.!?…]["'”’)\]]*$""")


def _fragment(text: str) -> bool:
    """A short piece without a closing stop (a standfirst's tail: "Black Sea grain deal renewed")."""
    return len(text.split()) < 8 and not FULL_STOP.search(text.strip())


def _quotes_balanced(text: str) -> bool:
    return text.count('"') % 2 == 0 and text.count("“") == text.count("”")


MIN_NOVELTY = 0.5  # a later sentence must bring at least this share of content words the item has not used yet


def novelty(words: set[str], covered: set[str]) -> float:
    """The share of a sentence's content words that the chosen sentences have not said yet."""
    return len(words - covered) / len(words) if words else 0.0


def leans_back(text: str) -> bool:
    """True for a sentence that depends on the one before it ("He said …", "The senator also …")."""
    return bool(DEPENDENT.match(text) or ALSO_BACK.match(text))


HONORIFIC = re.compile(r"^[\"“'‘]?(?:Mr|Mrs|Ms|Dr)\.?\s+([A-Z][\w’'-]+)")


def unintroduced(text: str, before: list[str]) -> bool:
    """True for "Mr. Chaus told …" when no earlier sentence of the item has named Chaus (news style names
    a person in full first, then by honorific and surname)."""
    m = HONORIFIC.match(text)
    return bool(m) and not any(m.group(1) in b for b in before)


def choose(sentences: list[Sentence], budget: dict, exclude: set[str] = frozenset()) -> list[Sentence]:
    """Pick central, non-redundant sentences across outlets within the budget.

    A sentence that leans on the one before it never opens the item, and is taken later only when the
    sentence before it in its source has been taken too.
    """
    seen: set[str] = set(exclude)
    pool = []
    for s in sentences:
        key = norm_key(s.text)
        if key and key not in seen and _quotes_balanced(s.text) and not _fragment(s.text):
            seen.add(key)
            pool.append(s)
    if not pool:
        return []
    # the sentence before each one in the same source (-1 for an opening sentence)
    last_of: dict[str, int] = {}
    previous = []
    for i, s in enumerate(pool):
        previous.append(last_of.get(s.doc_id, -1))
        last_of[s.doc_id] = i
    words_of = [tokens(s.text) for s in pool]
    vectors = vectorize_tokens(words_of)
    words_of = [set(w) for w in words_of]
    covered: set[str] = set()
    centroid = vectors.sum(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    centrality = vectors @ centroid
    # sentences near the top of their paragraph sequence are leads: a small bonus
    position = np.array([1.0 / (1 + rank) for rank in _ranks_in_doc(pool)])
    base = (centrality + 0.15 * position).tolist()
    # what each sentence's tests need, found once (DEPENDENT is part of leans_back)
    leans = [leans_back(s.text) for s in pool]
    surname = [m.group(1) if (m := HONORIFIC.match(s.text)) else None for s in pool]
    redundancy = [0.0] * len(pool)  # each sentence's highest similarity to a chosen one
    open_ = list(range(len(pool)))  # not chosen, and neither too similar to nor too covered by the chosen
    max_sentences, max_words = int(budget.get("sentences", 4)), int(budget.get("words", 160))
    chosen: list[int] = []
    words = 0
    docs_used: set[str] = set()
    while len(chosen) < max_sentences:
        best, best_score = -1, -1e9
        for i in open_:
            if leans[i] and previous[i] not in chosen:  # never first, and only after its predecessor
                continue
            if surname[i] and not any(surname[i] in pool[j].text for j in chosen):
                continue
            score = base[i] - 0.5 * redundancy[i] + (0.05 if pool[i].doc_id not in docs_used else 0.0)
            if score > best_score:
                best, best_score = i, score
        if best < 0:
            break
        n = len(pool[best].text.split())
        if chosen and words + n > max_words:
            break
        chosen.append(best)
        covered |= words_of[best]
        words += n
        docs_used.add(pool[best].doc_id)
        # redundancy only grows and novelty only shrinks: a sentence that fails either is out for good
        still = []
        for i in open_:
            if i != best:
                redundancy[i] = max(redundancy[i], float(vectors[i] @ vectors[best]))
                if redundancy[i] <= 0.6 and novelty(words_of[i], covered) >= MIN_NOVELTY:
                    still.append(i)
        open_ = still
    first, rest = chosen[:1], sorted(chosen[1:], key=lambda i: (pool[i].doc_id != pool[chosen[0]].doc_id,
                                                                 pool[i].doc_id, pool[i].start))
    return [pool[i] for i in first + rest]


def _ranks_in_doc(pool: list[Sentence]) -> list[int]:
    counts: dict[str, int] = {}
    ranks = []
    for s in pool:
        ranks.append(counts.get(s.doc_id, 0))
        counts[s.doc_id] = ranks[-1] + 1
    return ranks


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


def extractive_item(story: Story, budget: dict) -> Item:
    """The item for a story: its sentences first, then the headline of the source its first sentence comes from.

    A story with no source title (a passage from inside a long article) takes a source sentence as the
    headline instead: of its three most central sentences, the most central one that stands on its own and
    reads like a headline (6–25 words), else the most central one.
    """
    leads = {p.doc.id: p for p in story.passages if p.lead and p.title}
    if leads:
        sentences = choose(story.sentences, budget, {norm_key(p.title) for p in leads.values()})
        lead = (leads.get(sentences[0].doc_id) if sentences else None) or next(iter(leads.values()))
        headline = clean_headline(lead.title, lead.doc.outlet)
    else:
        central = choose(story.sentences, {"sentences": 3, "words": 150})
        fit = [s for s in central if 6 <= len(s.text.split()) <= 25 and not leans_back(s.text)]
        top = fit[:1] or central[:1]
        headline = top[0].text.rstrip(" .") if top else "Update"
        sentences = choose(story.sentences, budget, {norm_key(s.text) for s in top})
    return Item(id=story.id, headline=headline, sentences=sentences, sources=sources_of(story),
                score=story.score)


@hookimpl(trylast=True)
def briefing_summarize(story, budget):
    return extractive_item(story, budget)
