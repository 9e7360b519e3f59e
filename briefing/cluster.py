"""Cluster: Passages → Stories, one per event, however many outlets told it.

In: scored passages. Out: :class:`Story` objects. Passages are compared as TF-IDF vectors (numpy);
each passage joins the story whose centroid it is most similar to, when that is above the threshold
and the story holds nothing from the same document yet, else it starts a new story. A second pass then
merges stories whose centroids are as similar as that (closest pair first): the first pass depends on
the order passages arrive in, and a big story told by twenty outlets otherwise breaks into a few. The
work grows with passages × stories, never with the day's sentences squared.
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


def _passage_text(p: Passage) -> str:
    # the title says what the story is about: count it twice
    return f"{p.title} {p.title} {p.text}" if p.title else p.text


def cluster(passages: list[Passage], threshold: float = THRESHOLD) -> list[Story]:
    if not passages:
        return []
    order = sorted(range(len(passages)), key=lambda i: (-passages[i].relevance, passages[i].id))
    vectors = vectorize([_passage_text(p) for p in passages])
    sums = np.zeros_like(vectors)  # row k: the sum of story k's passage vectors (rows beyond count unused)
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
        norms[best] = float(np.linalg.norm(sums[best])) or 1.0
        members[best].append(i)
        docs_in[best].add(passages[i].doc.id)
    members = merge_stories(sums[:count] / norms[:count, None], members, docs_in, threshold, sums[:count])
    stories = []
    for group in members:
        ps = [passages[i] for i in group]
        stories.append(Story(id=stable_id(*sorted(p.id for p in ps)), passages=ps))
    return stories


def merge_stories(centroids: np.ndarray, members: list[list[int]], docs_in: list[set[str]],
                  threshold: float, sums: np.ndarray | None = None) -> list[list[int]]:
    """Merge the closest pair of stories while their centroids' cosine is at least ``threshold``.

    ``centroids`` holds one unit row per story (``sums`` the unnormalised sums, when known). After each
    merge only the merged story's row of similarities is recomputed, so the cost is stories × vocabulary
    per merge. Two stories holding passages of the same document never merge.
    """
    members = [list(m) for m in members]
    docs_in = [set(d) for d in docs_in]
    n = len(members)
    if n < 2:
        return members
    sums = (sums if sums is not None else centroids).astype(np.float32, copy=True)
    unit = centroids.astype(np.float32, copy=True)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -1.0)
    blocked = np.array([[bool(docs_in[a] & docs_in[b]) for b in range(n)] for a in range(n)]) \
        if n <= 2000 else None
    alive = np.ones(n, dtype=bool)
    while True:
        masked = np.where(blocked, -1.0, sims) if blocked is not None else sims
        flat = int(np.argmax(masked))
        a, b = divmod(flat, n)
        if masked[a, b] < threshold:
            break
        if blocked is None and docs_in[a] & docs_in[b]:
            sims[a, b] = sims[b, a] = -1.0
            continue
        if a > b:
            a, b = b, a
        members[a].extend(members[b])
        docs_in[a] |= docs_in[b]
        members[b], docs_in[b] = [], set()
        alive[b] = False
        sums[a] += sums[b]
        unit[a] = sums[a] / (np.linalg.norm(sums[a]) or 1.0)
        row = unit @ unit[a]
        row[~alive] = -1.0
        row[a] = -1.0
        sims[a, :], sims[:, a] = row, row
        sims[b, :], sims[:, b] = -1.0, -1.0
        if blocked is not None:
            blocked[a, :] |= blocked[b, :]
            blocked[:, a] |= blocked[:, b]
    return [m for m, keep in zip(members, alive) if keep]
