"""Cluster: Passages → Stories, one per event, however many outlets told it.

In: the day's on-subject passages (:class:`~briefing.pipeline.stages.Selected`) and the build's
:class:`~briefing.editorial.judge.Judge`. Out: :class:`Story` objects (:class:`~briefing.pipeline.stages.Clustered`,
with the day's documents).
One similarity decides: the judge's probability that two passages report one event (text and title likeness,
rare words and names in common, the same actor opening the title, the same section), computed for the pairs
that share a rare word (an inverted index: the work grows with the pairs worth comparing, not with the day
squared). Stories are then grown by average linkage: the two stories whose passages are, on average, most
likely one event are merged while that average reaches the judge's threshold, precision first: a pair never
compared counts as unrelated, so a story grows only where most of its reports agree. Last, stories whose
TF-IDF centroids are alike enough merge (a big event told in two vocabularies by two groups of outlets).
Both thresholds are learned together (``make tune``). Two passages of one document never share a story.
"""

from __future__ import annotations

import heapq

from ..editorial.features import cosine
from ..editorial.judge import PROPOSE, Judge, Unit
from ..models import Passage, Story, stable_id
from .stages import Clustered, Selected


def unit_of(passage: Passage) -> Unit:
    """The passage as the judge reads it: a passage from inside an article, which has no title of its own, is
    read with its first sentence as its title (as the model read its labelled teasers: a title, then text)."""
    if passage.title or not passage.sentences:
        return Unit.of(passage.id, passage.doc.id, passage.title, passage.text, passage.lead)
    rest = " ".join(s.text for s in passage.sentences[1:])
    return Unit.of(passage.id, passage.doc.id, passage.sentences[0].text, rest, passage.lead)


def average_linkage(n: int, sims: dict[tuple[int, int], float], threshold: float,
                    docs: list[str]) -> list[list[int]]:
    """Groups of ``range(n)``: clusters merged, most alike first, while the mean similarity of their members'
    pairs (absent pairs count 0) is at least ``threshold``; two clusters holding one document never merge."""
    size = [1] * n
    members = {i: [i] for i in range(n)}
    held = {i: {docs[i]} for i in range(n)}
    total: dict[tuple[int, int], float] = {}
    neighbours: dict[int, set[int]] = {i: set() for i in range(n)}
    for (i, j), s in sims.items():
        if s > 0:
            total[(i, j)] = s
            neighbours[i].add(j)
            neighbours[j].add(i)
    heap = [(-s, i, j) for (i, j), s in total.items()]
    heapq.heapify(heap)
    while heap:
        neg, i, j = heapq.heappop(heap)
        if i not in members or j not in members:
            continue
        key = (i, j) if i < j else (j, i)
        mean = total.get(key, 0.0) / (size[i] * size[j])
        if abs(mean + neg) > 1e-12:
            continue  # an entry from before one of them grew
        if mean < threshold:
            break
        if held[i] & held[j]:
            total.pop(key, None)
            neighbours[i].discard(j)
            neighbours[j].discard(i)
            continue
        keep, gone = (i, j) if i < j else (j, i)
        total.pop(key, None)
        neighbours[keep].discard(gone)
        neighbours[gone].discard(keep)
        for other in neighbours.pop(gone):
            old = (gone, other) if gone < other else (other, gone)
            new = (keep, other) if keep < other else (other, keep)
            total[new] = total.get(new, 0.0) + total.pop(old, 0.0)
            neighbours[other].discard(gone)
            neighbours[other].add(keep)
            neighbours[keep].add(other)
        size[keep] += size[gone]
        members[keep].extend(members.pop(gone))
        held[keep] |= held.pop(gone)
        for other in neighbours[keep]:
            k = (keep, other) if keep < other else (other, keep)
            heapq.heappush(heap, (-total[k] / (size[keep] * size[other]), k[0], k[1]))
    return [sorted(m) for _, m in sorted(members.items())]


TOP_WORDS = 12  # two stories are compared when their centroids share one of their heaviest words
# (one that at most PROPOSE stories have among theirs: a word every story weighs tells none apart)


def _centroid(rows: list[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for row in rows:
        for w, x in row.items():
            total[w] = total.get(w, 0.0) + x
    norm = sum(x * x for x in total.values()) ** 0.5 or 1.0
    return {w: x / norm for w, x in total.items()}


def _top(centroid: dict[str, float]) -> list[str]:
    return sorted(centroid, key=lambda w: (-centroid[w], w))[:TOP_WORDS]


def merge_centroids(groups: list[list[int]], rows: list[dict[str, float]], docs: list[str],
                    threshold: float) -> list[list[int]]:
    """Merge stories whose TF-IDF centroids are at least ``threshold`` alike, most alike first: two large
    stories of one event share their core words even where few of their reports share a sentence."""
    groups = [list(g) for g in groups]
    centroids = [_centroid([rows[i] for i in g]) for g in groups]
    held = [{docs[i] for i in g} for g in groups]
    version = [0] * len(groups)
    index: dict[str, set[int]] = {}
    for k, c in enumerate(centroids):
        for w in _top(c):
            index.setdefault(w, set()).add(k)
    heap: list[tuple[float, int, int, int, int]] = []

    def push(a: int) -> None:
        near = {b for w in _top(centroids[a]) if len(index.get(w, ())) <= PROPOSE
                for b in index.get(w, ()) if b != a and groups[b]}
        for b in near:
            if not held[a] & held[b]:
                sim = cosine(centroids[a], centroids[b])
                if sim >= threshold:
                    heapq.heappush(heap, (-sim, min(a, b), max(a, b), version[min(a, b)], version[max(a, b)]))

    for a in range(len(groups)):
        push(a)
    while heap:
        _, a, b, va, vb = heapq.heappop(heap)
        if not groups[a] or not groups[b] or version[a] != va or version[b] != vb:
            continue
        for w in _top(centroids[b]):
            index.get(w, set()).discard(b)
        for w in _top(centroids[a]):
            index.get(w, set()).discard(a)
        groups[a].extend(groups[b])
        groups[b] = []
        held[a] |= held[b]
        centroids[a] = _centroid([rows[i] for i in groups[a]])
        version[a] += 1
        for w in _top(centroids[a]):
            index.setdefault(w, set()).add(a)
        push(a)
    return [sorted(g) for g in groups if g]


def near_stories(groups: list[list[int]], sims: dict[tuple[int, int], float]) -> list[dict[int, float]]:
    """For each group, the other groups and how likely each tells the same story: the most likely pair of
    their passages (a pair never compared counts as unrelated)."""
    of = {i: g for g, members in enumerate(groups) for i in members}
    near: list[dict[int, float]] = [{} for _ in groups]
    for (i, j), p in sims.items():
        a, b = of[i], of[j]
        if a != b and p > near[a].get(b, 0.0):
            near[a][b] = near[b][a] = p
    return near


def cluster(passages: list[Passage], judge: Judge) -> list[Story]:
    """The day's stories, most relevant passage first within each; each knows how likely the others tell it
    too (``Story.near``), for the print-time check of :mod:`briefing.pipeline.compose`."""
    if not passages:
        return []
    order = sorted(range(len(passages)), key=lambda i: (-passages[i].relevance, passages[i].id))
    ordered = [passages[i] for i in order]
    units = [unit_of(p) for p in ordered]
    sims = judge.pairs(units)
    docs = [u.doc for u in units]
    groups = average_linkage(len(units), sims, judge.merge_threshold, docs)
    groups = merge_centroids(groups, judge.vectors([u.tokens for u in units]).rows, docs, judge.centroid_threshold)
    stories = []
    for group in groups:
        ps = [ordered[i] for i in group]
        stories.append(Story(id=stable_id(*sorted(p.id for p in ps)), passages=ps))
    for story, near in zip(stories, near_stories(groups, sims)):
        story.near = {stories[g].id: round(p, 4) for g, p in sorted(near.items())}
    return sorted(stories, key=lambda s: (-max(p.relevance for p in s.passages), s.id))


def run(ctx, selected: Selected) -> Clustered:
    """The stage: the day's stories, with the documents they were read from and the day's counts."""
    gated = selected.gated
    return Clustered(cluster(selected.passages, ctx.judge), gated.documents, (gated.in_window, len(gated.relevance)))
