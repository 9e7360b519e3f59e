"""Cluster: Passages → Stories, one per event, however many outlets told it.

In: scored passages. Out: :class:`Story` objects. Passages are compared as TF-IDF vectors (numpy);
each passage joins the story whose centroid it is most similar to, when that is above the threshold
and the story holds nothing from the same document yet, else it starts a new story. A second pass then
merges stories whose centroids are as similar as that (closest pair first): the first pass depends on
the order passages arrive in, and a big story told by twenty outlets otherwise breaks into a few. Words
found in one passage only are kept out of the vectors (they add to no dot product; their weight is kept
for the norms), and the work grows with passages × stories, never with the day's sentences squared.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from .models import Passage, Story, stable_id
from .text import tokens

THRESHOLD = 0.28


def vectorize(texts: list[str]) -> np.ndarray:
    """L2-normalised TF-IDF rows for ``texts`` (vocabulary and idf from the texts themselves)."""
    docs = [Counter(tokens(t)) for t in texts]
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    vocab = {w: i for i, w in enumerate(sorted(w for w, n in df.items()))}
    n = len(texts)
    matrix = np.zeros((n, len(vocab)), dtype=np.float32)
    for row, d in enumerate(docs):
        for w, c in d.items():
            matrix[row, vocab[w]] = (1 + math.log(c)) * (math.log((1 + n) / (1 + df[w])) + 1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return matrix / norms


def vectorize_shared(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Unit TF-IDF rows reduced to the words found in two texts or more, and what the rest weighed.

    A word found in one text only adds nothing to any dot product between two texts, so it is left out of
    the matrix; its weight stays in the second result (each row's squared norm outside the matrix), so that
    cosines between sums of rows come out exactly as with the full vocabulary, at a fraction of the memory.
    """
    docs = [Counter(tokens(t)) for t in texts]
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    shared = {w: i for i, w in enumerate(sorted(w for w, k in df.items() if k > 1))}
    n = len(texts)
    matrix = np.zeros((n, len(shared)), dtype=np.float32)
    alone = np.zeros(n, dtype=np.float64)
    for row, d in enumerate(docs):
        for w, c in d.items():
            weight = (1 + math.log(c)) * (math.log((1 + n) / (1 + df[w])) + 1)
            if w in shared:
                matrix[row, shared[w]] = weight
            else:
                alone[row] += weight * weight
    norms = np.sqrt((matrix.astype(np.float64) ** 2).sum(axis=1) + alone)
    norms[norms == 0] = 1
    return matrix / norms[:, None].astype(np.float32), alone / norms**2


def _passage_text(p: Passage) -> str:
    # the title says what the story is about: count it twice
    return f"{p.title} {p.title} {p.text}" if p.title else p.text


def cluster(passages: list[Passage], threshold: float = THRESHOLD) -> list[Story]:
    if not passages:
        return []
    order = sorted(range(len(passages)), key=lambda i: (-passages[i].relevance, passages[i].id))
    vectors, alone = vectorize_shared([_passage_text(p) for p in passages])
    sums = np.zeros_like(vectors)  # row k: the sum of story k's passage vectors (rows beyond count unused)
    extra = np.zeros(len(passages))  # story k's squared weight outside the shared words
    norms = np.ones(len(passages), dtype=np.float32)
    count = 0
    members: list[list[int]] = []
    docs_in: list[set[str]] = []
    for i in order:
        v = vectors[i]
        best = -1
        if count:
            sims = (sums[:count] @ v) / norms[:count]
            for j in np.argsort(-sims, kind="stable"):
                if sims[j] < threshold:
                    break
                if passages[i].doc.id not in docs_in[j]:
                    best = int(j)
                    break
        if best < 0:
            best, count = count, count + 1
            members.append([])
            docs_in.append(set())
        sums[best] += v
        extra[best] += alone[i]
        norms[best] = math.sqrt(float(sums[best] @ sums[best]) + extra[best]) or 1.0
        members[best].append(i)
        docs_in[best].add(passages[i].doc.id)
    members = merge_stories(sums[:count], extra[:count], members, docs_in, threshold)
    stories = []
    for group in members:
        ps = [passages[i] for i in group]
        stories.append(Story(id=stable_id(*sorted(p.id for p in ps)), passages=ps))
    return stories


def merge_stories(sums: np.ndarray, extra: np.ndarray, members: list[list[int]], docs_in: list[set[str]],
                  threshold: float) -> list[list[int]]:
    """Merge the closest pair of stories while their centroids' cosine is at least ``threshold``.

    ``sums`` holds each story's summed vectors over the shared words, ``extra`` its squared weight outside
    them. After each merge only the merged story's similarities are recomputed, so a merge costs
    stories × shared words. Two stories holding passages of the same document never merge.
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
    blocked = np.array([[bool(docs_in[a] & docs_in[b]) for b in range(n)] for a in range(n)])
    sims[blocked] = -1.0
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
        unit[a] = unit_row(a)
        row = unit @ unit[a]
        row[~alive | blocked[a]] = -1.0
        row[a] = -1.0
        sims[a, :], sims[:, a] = row, row
        sims[b, :], sims[:, b] = -1.0, -1.0
    return [m for m, keep in zip(members, alive) if keep]
