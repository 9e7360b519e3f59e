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
# "“…,” he said.": a quotation whose speaker an earlier sentence named
PRONOUN_SPEAKER = re.compile(r"[\"”’'],?\s+(?:he|she|they)\s+(?:said|says|added|told\b[^.]*|wrote|noted)\.?$",
                             re.IGNORECASE)
TITLE_SUFFIX = re.compile(r"\s+[-–—|:]\s+[^-–—|:]{2,40}$")


def clean_headline(title: str, outlet: str = "") -> str:
    """A source title without a trailing " - Outlet" or " | Section" tag, and without a final period."""
    title = " ".join(title.split())
    m = TITLE_SUFFIX.search(title)
    if m and (not outlet or outlet.lower() in m.group().lower() or len(m.group().split()) <= 3):
        title = title[: m.start()]
    return title.rstrip(" .")


# a feed's teaser cut off mid-sentence: "… still holding onto their fortified positions in the center of..."
TRUNCATED = re.compile(r"[\w,]\s?(?:\.\.\.|…)$")


def truncated(text: str) -> bool:
    """True for a teaser cut off mid-sentence (it ends in an ellipsis right after a word or a comma)."""
    return text.endswith(("...", "…")) and TRUNCATED.search(text[-8:]) is not None


FULL_STOP = re.compile(r"""[.!?…]["'”’)\]]*$""")


def _fragment(text: str) -> bool:
    """A short piece without a closing stop (a standfirst's tail: "Black Sea grain deal renewed")."""
    return len(text.split()) < 8 and not FULL_STOP.search(text.strip())


def _quotes_balanced(text: str) -> bool:
    return text.count('"') % 2 == 0 and text.count("“") == text.count("”")


MIN_NOVELTY = 0.5  # a later sentence must bring at least this share of content words the item has not used yet
# what a sentence adds to the issue as a whole (its share of content words no earlier item has printed)
# raises its centrality by up to this factor: a story told again from another angle leads with what is new
# in it, and a sentence that says nothing central gains little
ISSUE_NOVELTY = 1.0


def novelty(words: set[str], covered: set[str]) -> float:
    """The share of a sentence's content words that the chosen sentences have not said yet."""
    return len(words - covered) / len(words) if words else 0.0


def leans_back(text: str) -> bool:
    """True for a sentence that depends on the one before it ("He said …", "The senator also …",
    "“…,” she said.")."""
    if DEPENDENT.match(text) or ALSO_BACK.match(text):
        return True
    low = text[-80:].lower()  # the attribution closes the sentence: read only its end, when it holds a pronoun
    return (" he " in low or " she " in low or " they " in low) and PRONOUN_SPEAKER.search(low) is not None


HONORIFIC = re.compile(r"^[\"“'‘]?(?:Mr|Mrs|Ms|Dr)\.?\s+([A-Z][\w’'-]+)")


def unintroduced(text: str, before: list[str]) -> bool:
    """True for "Mr. Chaus told …" when no earlier sentence of the item has named Chaus (news style names
    a person in full first, then by honorific and surname)."""
    m = HONORIFIC.match(text)
    return bool(m) and not any(m.group(1) in b for b in before)


def choose(sentences: list[Sentence], budget: dict, exclude: set[str] = frozenset(),
           said: set[str] = frozenset()) -> list[Sentence]:
    """Pick central, non-redundant sentences across outlets within the budget.

    ``exclude``: the :func:`norm_key` of each sentence not to take; ``said``: content words the issue has already
    printed, so that a sentence that adds to them is preferred. A sentence that leans on the one before it
    never opens the item, and is taken later only when the sentence before it in its source has been taken too.
    """
    seen: set[str] = set(exclude)
    pool = []
    for s in sentences:
        key = norm_key(s.text)
        if key and key not in seen and _quotes_balanced(s.text) and not _fragment(s.text):
            seen.add(key)
            pool.append(s)
    # a teaser cut off mid-sentence is told only when the story has nothing whole to say
    pool = [s for s in pool if not truncated(s.text)] or pool
    if not pool:
        return []
    # the sentence just before each one in its source (-1 when that is not in the pool: an opening sentence,
    # or one after a gap, whose "he said" could not be told whom it means)
    last_of: dict[str, int] = {}
    previous = []
    for i, s in enumerate(pool):
        j = last_of.get(s.doc_id, -1)
        previous.append(j if j >= 0 and 0 <= s.paragraph - pool[j].paragraph <= 1 else -1)
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
    fresh = np.array([novelty(w, said) if said else 1.0 for w in words_of])
    base = (centrality * (1 + ISSUE_NOVELTY * fresh) + 0.15 * position).tolist()
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
    # the most central sentence first, then the others by source and position; a sentence that leans on
    # the one before it comes right after that one
    followers: dict[int, int] = {previous[i]: i for i in chosen if leans[i] and previous[i] in chosen}
    roots = [i for i in chosen if i not in followers.values()]
    roots = roots[:1] + sorted(roots[1:], key=lambda i: (pool[i].doc_id != pool[chosen[0]].doc_id,
                                                         pool[i].doc_id, pool[i].start))
    ordered = []
    for i in roots:
        while i >= 0:
            ordered.append(i)
            i = followers.get(i, -1)
    return [pool[i] for i in ordered]


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


# a title that sells a video, a live page or a question rather than telling the news
TEASER_TITLE = re.compile(
    r"^(?:[^:]{1,20}:\s)?(?:see|watch|video|listen|live|analysis|opinion|explainer|in pictures|pictured|photos?"
    r"|how|why|what|who|here'?s)\b"
    r"|\?|\blive (?:updates|news|blog)\b|[-–—:]\s*live\b|\blatest:|\|",
    re.IGNORECASE,
)


def headline_passage(leads: dict[str, object], sentences: list[Sentence]) -> object:
    """The opening passage whose title heads the item: that of the source of the item's first sentence,
    unless it is a teaser (a video, a live page, a question); then that of the next sentence's source whose
    title is plain, else the first plain title, else the first title."""
    plain = {doc: p for doc, p in leads.items() if not TEASER_TITLE.search(p.title)}
    for s in sentences:
        if s.doc_id in plain:
            return plain[s.doc_id]
    return next(iter(plain.values()), None) or leads.get(sentences[0].doc_id if sentences else "") \
        or next(iter(leads.values()))


def extractive_item(story: Story, budget: dict, printed: tuple[str, ...] = ()) -> Item:
    """The item for a story: its sentences first, then the headline: the title of the source its first
    sentence comes from, unless that is a teaser (see :func:`headline_passage`).

    A story with no source title (a passage from inside a long article) takes a source sentence as the
    headline instead: of its three most central sentences, the most central one that stands on its own and
    reads like a headline (6–25 words), else the most central one.
    """
    said = {w for text in printed for w in tokens(text)}
    leads = {p.doc.id: p for p in story.passages if p.lead and p.title}
    if leads:
        sentences = choose(story.sentences, budget, {norm_key(p.title) for p in leads.values()}, said)
        lead = headline_passage(leads, sentences)
        headline = clean_headline(lead.title, lead.doc.outlet)
    else:
        central = choose(story.sentences, {"sentences": 3, "words": 150})
        fit = [s for s in central if 6 <= len(s.text.split()) <= 25 and not leans_back(s.text)]
        top = fit[:1] or central[:1]
        headline = top[0].text.rstrip(" .") if top else "Update"
        sentences = choose(story.sentences, budget, {norm_key(s.text) for s in top}, said)
    return Item(id=story.id, headline=headline, sentences=sentences, sources=sources_of(story),
                score=story.score)


@hookimpl(trylast=True)
def briefing_summarize(story, budget, printed):
    return extractive_item(story, budget, printed)
