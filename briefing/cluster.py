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
    centroids: list[np.ndarray] = []
    members: list[list[int]] = []
    docs_in: list[set[str]] = []
    for i in order:
        v = vectors[i]
        best, best_sim = -1, threshold
        if centroids:
            sims = np.array([float(c @ v) / (np.linalg.norm(c) or 1.0) for c in centroids])
            for j in np.argsort(-sims):
                if sims[j] < threshold:
                    break
                if passages[i].doc.id not in docs_in[j]:
                    best, best_sim = int(j), float(sims[j])
                    break
        if best < 0:
            centroids.append(v.copy())
            members.append([i])
            docs_in.append({passages[i].doc.id})
        else:
            centroids[best] += v
            members[best].append(i)
            docs_in[best].add(passages[i].doc.id)
    members = merge_stories(vectors, members, [docs_in[k] for k in range(len(members))], threshold)
    stories = []
    for group in members:
        ps = [passages[i] for i in group]
        stories.append(Story(id=stable_id(*sorted(p.id for p in ps)), passages=ps))
    return stories



def merge_stories(vectors: np.ndarray, members: list[list[int]], docs_in: list[set[str]],
                  threshold: float) -> list[list[int]]:
    """Merge stories whose centroids' cosine is at least ``threshold``, closest pairs first.

    Each round merges every disjoint pair above the threshold (a story takes part in one merge a round),
    then the centroids are recomputed; rounds repeat until nothing merges. Two stories holding passages
    of the same document never merge.
    """
    members = [list(m) for m in members]
    docs_in = [set(d) for d in docs_in]
    while len(members) > 1:
        centroids = np.stack([vectors[m].sum(axis=0) for m in members])
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        norms[norms == 0] = 1
        centroids /= norms
        sims = centroids @ centroids.T
        np.fill_diagonal(sims, -1.0)
        a_idx, b_idx = np.nonzero(np.triu(sims >= threshold, k=1))
        if not len(a_idx):
            break
        order = np.argsort(-sims[a_idx, b_idx], kind="stable")
        touched: set[int] = set()
        gone: set[int] = set()
        for k in order:
            a, b = int(a_idx[k]), int(b_idx[k])
            if a in touched or b in touched or docs_in[a] & docs_in[b]:
                continue
            members[a].extend(members[b])
            docs_in[a] |= docs_in[b]
            touched.update((a, b))
            gone.add(b)
        if not gone:
            break
        members = [m for i, m in enumerate(members) if i not in gone]
        docs_in = [d for i, d in enumerate(docs_in) if i not in gone]
    return members
