"""Cluster: Passages → Stories, one per event, however many outlets told it.

In: scored passages. Out: :class:`Story` objects. Passages are compared as TF-IDF vectors (numpy);
each passage joins the story whose centroid it is most similar to, when that is above the threshold
and the story holds nothing from the same document yet, else it starts a new story. A second pass then
merges stories whose centroids are as similar as that (closest pair first): the first pass depends on
the order passages arrive in, and a big story told by twenty outlets otherwise breaks into a few. Words
found in one passage only are kept out of the vectors (they add to no dot product; their weight is kept
for the norms), and the work grows with passages × stories, never with the day's sentences squared.

Feed teasers (a headline and a line or two) share too few words for TF-IDF cosines to join them: fifteen
outlets announcing the same state visit in different words stay fifteen stories. A last pass therefore
merges *short* stories (under ``SHORT_CHARS`` of text) by the names they share. A name is a word the
day's own sentences write capitalised after a lower-case word more often than in lower case (people,
places, institutions: no list is kept; days, months and titles left out), a part of a compound ("China-Russia")
included, and that occurs in at most ``NAME_SHARE`` of the day's passages (the war's parties, named
everywhere, tell no event apart). Each short story becomes a vector of its names weighted by
(1 + log tf) × log(passages / df); the closest pair of centroids is merged while their cosine reaches
``NAME_THRESHOLD``, only between stories that fit the same section best (the argmax of their passages'
section scores, weighted as placement weighs them, or none when that stays under placement's claim; no
section is named here), that hold no document in
common, and that name at least two entities in common: a first name counts with its surname, a demonym
with its country, so that two teasers that only both mention Vladimir Putin stay apart. The cost is
short stories × their names, per merge.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from .compose import MIN_CLAIM
from .models import Passage, Story, stable_id
from .text import tokens

THRESHOLD = 0.28
SHORT_CHARS = 1200  # a story with less text than this is a teaser: it is also merged by shared names
NAME_THRESHOLD = 0.25
MIN_SHARED_ENTITIES = 2  # teasers merge by names only when they name two people, places or bodies in common
NAME_SHARE = 0.2  # a name in a larger share of the day's passages (the war's parties) tells no event apart
LEAD_WEIGHT = 2.0  # as placement weighs an opening passage against the rest of a story
_MID_CAPITAL = re.compile(r"(?<=[a-z,;:] )[A-Z][\w'’-]+")
_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z][\w'’-]+")


def vectorize(texts: list[str]) -> np.ndarray:
    """L2-normalised TF-IDF rows for ``texts`` (vocabulary and idf from the texts themselves)."""
    return vectorize_tokens([tokens(t) for t in texts])


def vectorize_tokens(token_lists: list[list[str]]) -> np.ndarray:
    """:func:`vectorize` for texts already tokenized."""
    docs = [Counter(t) for t in token_lists]
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    words = sorted(df)
    vocab = {w: i for i, w in enumerate(words)}
    n = len(docs)
    lengths = [len(d) for d in docs]
    total = sum(lengths)
    matrix = np.zeros((n, len(vocab)), dtype=np.float32)
    if total:
        rows = np.repeat(np.arange(n), lengths)
        cols = np.fromiter((vocab[w] for d in docs for w in d), dtype=np.intp, count=total)
        counts = np.fromiter((c for d in docs for c in d.values()), dtype=np.intp, count=total)
        # the same float64 numbers as (1 + log(c)) * (log((1 + n) / (1 + df)) + 1) term by term
        tf = np.array([0.0] + [1 + math.log(c) for c in range(1, int(counts.max()) + 1)])
        idf = np.array([math.log((1 + n) / (1 + df[w])) + 1 for w in words])
        matrix[rows, cols] = tf[counts] * idf[cols]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return matrix / norms


def _passage_text(p: Passage) -> str:
    # the title says what the story is about: count it twice
    return f"{p.title} {p.title} {p.text}" if p.title else p.text


def passage_tokens(p: Passage, memo: dict[str, list[str] | str]) -> list[str]:
    """The tokens of :func:`_passage_text`, each sentence tokenized once.

    ``memo``: text → its tokens, as a list or as one space-separated string (as a cache keeps them).
    """
    out: list[str] = []
    for text in ([p.title, p.title] if p.title else []) + [s.text for s in p.sentences]:
        found = memo.get(text)
        if found is None:
            found = memo[text] = tokens(text)
        elif isinstance(found, str):
            found = memo[text] = found.split()
        out.extend(found)
    return out


def _rows(docs: list[Counter]) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Sparse L2-normalised TF-IDF rows (column indices, weights) and each column's document frequency.

    The same numbers as :func:`vectorize`, without a dense row per text over the whole vocabulary.
    """
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    vocab = {w: i for i, w in enumerate(sorted(df))}
    n = len(docs)
    idf = {w: math.log((1 + n) / (1 + k)) + 1 for w, k in df.items()}
    indices, weights = [], []
    for d in docs:
        cols = sorted((vocab[w], (1 + math.log(c)) * idf[w]) for w, c in d.items())
        idx = np.fromiter((i for i, _ in cols), dtype=np.int64, count=len(cols))
        val = np.fromiter((x for _, x in cols), dtype=np.float32, count=len(cols))
        norm = np.linalg.norm(val)
        indices.append(idx)
        weights.append(val / norm if norm else val)
    counts = np.zeros(len(vocab), dtype=np.int64)
    for w, k in df.items():
        counts[vocab[w]] = k
    return indices, weights, counts


def cluster(passages: list[Passage], threshold: float = THRESHOLD,
            token_memo: dict[str, list[str] | str] | None = None) -> list[Story]:
    """Each passage, most relevant first, joins the most similar story centroid or starts a story.

    Centroids are the sums of their members' rows, kept as one matrix over the words that occur in
    two passages or more (a word of one passage alone can add nothing to a similarity with another
    passage; it only adds to the centroid's length, which is kept as a number), so each passage is
    compared with every story in one matrix product.
    """
    if not passages:
        return []
    order = sorted(range(len(passages)), key=lambda i: (-passages[i].relevance, passages[i].id))
    memo = {} if token_memo is None else token_memo
    indices, weights, df = _rows([Counter(passage_tokens(p, memo)) for p in passages])
    shared = np.flatnonzero(df >= 2)
    column = np.full(len(df), -1, dtype=np.int64)
    column[shared] = np.arange(len(shared))
    sums = np.zeros((len(shared), 16), dtype=np.float32)  # word × story: the centroids, transposed
    lone_sq: list[float] = []  # squared length each story's centroid owes to words of one passage
    norms = np.zeros(16, dtype=np.float64)
    members: list[list[int]] = []
    docs_in: list[set[str]] = []
    for i in order:
        cols = column[indices[i]]
        keep = cols >= 0
        idx, val = cols[keep], weights[i][keep]
        lone = float(np.dot(weights[i][~keep], weights[i][~keep]))
        k = len(members)
        best = -1
        if k:
            sims = (val @ sums[idx, :k]) / norms[:k]
            candidates = np.flatnonzero(sims >= threshold)
            for j in candidates[np.argsort(-sims[candidates], kind="stable")]:
                if passages[i].doc.id not in docs_in[j]:
                    best = int(j)
                    break
        if best < 0:
            if k == sums.shape[1]:
                sums = np.concatenate([sums, np.zeros_like(sums)], axis=1)
                norms = np.concatenate([norms, np.zeros_like(norms)])
            best = k
            members.append([])
            docs_in.append(set())
            lone_sq.append(0.0)
        sums[idx, best] += val
        lone_sq[best] += lone
        norms[best] = math.sqrt(float(np.dot(sums[:, best], sums[:, best])) + lone_sq[best]) or 1.0
        members[best].append(i)
        docs_in[best].add(passages[i].doc.id)
    k = len(members)
    members = merge_stories(sums[:, :k].T, np.array(lone_sq, dtype=np.float64), members, docs_in, threshold)
    members = merge_teasers(passages, members, memo)
    stories = []
    for group in members:
        ps = [passages[i] for i in group]
        stories.append(Story(id=stable_id(*sorted(p.id for p in ps)), passages=ps))
    return stories


# days and months are written capitalised but name no event: everything on a day happened "on Sunday"
CALENDAR = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march april
june july august september october november december""".split())


# titles are written capitalised before a name but name no one: "Gov. Ron DeSantis", "President Biden"
TITLES = frozenset("""president vice prime minister chancellor secretary governor gov senator sen rep representative
general gen lt col maj capt sgt adm mr mrs ms dr prof sir dame lord king queen prince princess pope ambassador
mayor commander spokesman spokeswoman spokesperson""".split())


def _sentence_counts(passages: list[Passage]) -> Counter[str]:
    """Each distinct sentence of the passages and how often it occurs (a syndicated paragraph is read once)."""
    return Counter(s.text for p in passages for s in p.sentences)


_CAPITAL_WORD = re.compile(r"\b[A-Z][\w'’-]+")
_NAME_PAIR = re.compile(r"(?=\b([A-Z][\w'’-]+)\s+([A-Z][\w'’-]+))")


def names_of(passages: list[Passage]) -> set[str]:
    """Tokens the passages' sentences write capitalised mid-sentence more often than in lower case
    (days, months and titles left out)."""
    capital: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for text, times in _sentence_counts(passages).items():
        for w in _MID_CAPITAL.findall(text):
            for t in tokens(w)[:1]:
                capital[t] += times
        for t in tokens(" ".join(_LOWER_WORD.findall(text))):
            lower[t] += times
    return {w for w, c in capital.items() if c > lower[w] and w not in CALENDAR and w not in TITLES}


def first_names(passages: list[Passage], names: set[str]) -> dict[str, str]:
    """Names that the day's sentences mostly write just before another name ("Vladimir" → "putin",
    "Xi" → "jinping"): a first name and its surname are one person, not two names in common."""
    written: Counter[str] = Counter()
    before: Counter[tuple[str, str]] = Counter()
    for text, times in _sentence_counts(passages).items():
        for w in tokens(" ".join(_CAPITAL_WORD.findall(text))):
            if w in names:
                written[w] += times
        for a, b in _NAME_PAIR.findall(text):
            ta, tb = tokens(a)[:1], tokens(b)[:1]
            if ta and tb and ta[0] in names and tb[0] in names and ta != tb:
                before[(ta[0], tb[0])] += times
    alias: dict[str, str] = {}
    for (a, b), c in sorted(before.items(), key=lambda kv: (-kv[1], kv[0])):
        if a not in alias and 2 * c >= written[a]:
            alias[a] = b
    resolved = {}  # "russian" → "president" → "vladimir" → "putin": the whole run is one name
    for a in alias:
        seen, b = {a}, alias[a]
        while b in alias and alias[b] not in seen:
            seen.add(b)
            b = alias[b]
        resolved[a] = b
    return resolved


def same_entity(names: set[str], alias: dict[str, str]) -> dict[str, str]:
    """Each name → the entity it stands for: its surname (see :func:`first_names`), or for a name that
    begins like a shorter one (all but that one's last letter, four at least), the shorter one:
    "chinese" → "china", "iranian" → "iran"."""
    stems: dict[str, str] = {}  # all but the last letter of a name → the name (the first in order)
    for v in sorted(names, key=lambda w: (len(w), w)):
        if len(v) >= 4:
            stems.setdefault(v[:-1], v)
    out = {}
    for w in names:
        stem = next((stems[w[:k]] for k in range(3, len(w) - 1) if w[:k] in stems), w)
        out[w] = alias.get(w, stem)
    return out


def best_fit(passages: list[Passage]) -> str:
    """The section key the passages' scores favour, weighted by length and opening passage (as placement does);
    "" when no section claims them (their weighted mean stays under placement's ``MIN_CLAIM``)."""
    total: Counter[str] = Counter()
    weights = 0.0
    for p in passages:
        w = max(1, len(p.sentences)) * (LEAD_WEIGHT if p.lead else 1.0)
        weights += w
        for key, score in p.scores.items():
            total[key] += score * w
    if not total:
        return ""
    best = max(sorted(total), key=lambda key: total[key])
    return best if total[best] >= MIN_CLAIM * weights else ""


def merge_teasers(passages: list[Passage], members: list[list[int]], memo: dict[str, list[str] | str],
                  short_chars: int = SHORT_CHARS, threshold: float = NAME_THRESHOLD) -> list[list[int]]:
    """Merge short stories whose shared names (see the module docstring) make their centroids close."""
    short = [k for k, m in enumerate(members)
             if any(passages[i].lead for i in m) and sum(len(passages[i].text) for i in m) < short_chars]
    if len(short) < 2:
        return members
    names = names_of(passages)
    # "China-Russia talks" names China and Russia: a compound's parts count as words here
    words_of = [[part for t in passage_tokens(p, memo) for part in (t.split("-") if "-" in t else (t,))]
                for p in passages]
    df: Counter[str] = Counter()
    for words in words_of:
        df.update(set(words) & names)
    n = len(passages)
    names = {w for w in names if df[w] <= NAME_SHARE * n}
    counts = []
    for k in short:
        c: Counter[str] = Counter()
        for i in members[k]:
            c.update(t for t in words_of[i] if t in names)
        counts.append(c)
    vocab = {w: j for j, w in enumerate(sorted(set().union(*counts)))}
    rows = np.zeros((len(short), len(vocab)), dtype=np.float32)
    for r, c in enumerate(counts):
        for w, tf in c.items():
            rows[r, vocab[w]] = (1 + math.log(tf)) * math.log(n / df[w])
    lengths = np.linalg.norm(rows, axis=1, keepdims=True)
    lengths[lengths == 0] = 1
    docs_in = [{passages[i].doc.id for i in members[k]} for k in short]
    fits = [best_fit([passages[i] for i in members[k]]) for k in short]
    entity = same_entity(names, first_names(passages, names))
    entities = [{entity.get(w, w) for w in c} for c in counts]
    merged = merge_stories(rows / lengths, np.zeros(len(short)), [members[k] for k in short], docs_in,
                           threshold, groups=fits, entities=entities)
    chosen = set(short)
    return [m for k, m in enumerate(members) if k not in chosen] + merged


def merge_stories(sums: np.ndarray, extra: np.ndarray, members: list[list[int]], docs_in: list[set[str]],
                  threshold: float, groups: list[str] | None = None,
                  entities: list[set[str]] | None = None) -> list[list[int]]:
    """Merge the closest pair of stories while their centroids' cosine is at least ``threshold``.

    ``sums`` holds each story's summed vectors over the shared words, ``extra`` its squared weight outside
    them. After each merge only the merged story's similarities are recomputed, so a merge costs
    stories × shared words. Two stories holding passages of the same document never merge, nor two
    whose ``groups`` differ, nor two that have fewer than two of their ``entities`` in common (when given).
    """
    members = [list(m) for m in members]
    n = len(members)
    if n < 2:
        return members
    sums = sums.astype(np.float32, copy=True)
    extra = np.array(extra, dtype=np.float64, copy=True)

    def unit_row(k: int) -> np.ndarray:
        return sums[k] / (math.sqrt(float(sums[k] @ sums[k]) + extra[k]) or 1.0)

    unit = np.stack([unit_row(k) for k in range(n)])
    sims = unit @ unit.T
    np.fill_diagonal(sims, -1.0)
    blocked = np.zeros((n, n), dtype=bool)  # stories sharing a document (a long article's passages)
    holders: dict[str, list[int]] = {}
    for k, docs in enumerate(docs_in):
        for doc in docs:
            holders.setdefault(doc, []).append(k)
    for ks in holders.values():
        if len(ks) > 1:
            blocked[np.ix_(ks, ks)] = True
    if groups is not None:
        labels = np.array(groups, dtype=object)
        blocked |= labels[:, None] != labels[None, :]
    # pairs with too few names in common: recomputed for a merged story, whose names are both stories' names
    if entities is not None:  # stories × entities, 1 where the story names it
        column = {e: j for j, e in enumerate(sorted(set().union(*entities)))}
        named = np.zeros((n, len(column)), dtype=np.float32)
        for k, found in enumerate(entities):
            named[k, [column[e] for e in found]] = 1.0
        few = (named @ named.T) < MIN_SHARED_ENTITIES
    else:
        few = np.zeros((n, n), dtype=bool)
    sims[blocked | few] = -1.0
    alive = np.ones(n, dtype=bool)
    while True:
        flat = int(np.argmax(sims))
        a, b = divmod(flat, n)
        if sims[a, b] < threshold:
            break
        if a > b:
            a, b = b, a
        members[a].extend(members[b])
        members[b] = []
        alive[b] = False
        sums[a] += sums[b]
        extra[a] += extra[b]
        blocked[a, :] |= blocked[b, :]
        blocked[:, a] = blocked[a, :]
        if entities is not None:
            named[a] = np.maximum(named[a], named[b])
            few[a, :] = few[:, a] = (named @ named[a]) < MIN_SHARED_ENTITIES
        unit[a] = unit_row(a)
        row = unit @ unit[a]
        row[~alive | blocked[a] | few[a]] = -1.0
        row[a] = -1.0
        sims[a, :], sims[:, a] = row, row
        sims[b, :], sims[:, b] = -1.0, -1.0
    return [m for m, keep in zip(members, alive) if keep]
