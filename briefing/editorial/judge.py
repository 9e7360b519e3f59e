"""Judge: the editorial model of one build — is a text about the subject, which section does it fit, do two
reports tell one story.

In: the subject (its terms, examples and learned model), the sections (their terms, examples and, for those the
model has learned, their weights) and the day's texts (documents or passages, as :class:`Unit`). Out: a relevance
score per unit, section scores per unit and per story, and the probability that two units report one event.
Every stage that decides asks this one module: the gate, the clustering, the placement, the composing.

Scores are log-odds from :class:`briefing.editorial.features.Linear` models. A section the model has not learned (a plugin's)
is scored by its terms and examples through the same shared coefficients, so it competes on the same scale.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from . import termscore
from .features import Background, Linear, Vectors, cosine, features, names
from .subject import Subject, subject_of  # noqa: F401  (the judge's subject; re-exported)
from .text import tokens

LEAD_WEIGHT = 2.0  # an opening passage (under the outlet's headline) says what a story is about: it counts double
EXAMPLE_NEIGHBOURS = 3  # a text's fit to a section's examples: its mean similarity to the closest three
CLAIM = 0.34  # under this probability for its best section, a story is unclaimed and goes to the fallback section
NAME_SHARE = 0.2  # a name in more than this share of the day's texts (the war's parties) tells no event apart
DESK_SIMILARITY = 0.5  # a story this like (cosine) a headline the desk once moved owes its place partly to that move
NEVER = 1.01  # a probability threshold no pair reaches: the judgment it guards is never made
OPENING = 800  # the model learned on feed teasers (median 169 characters, nine in ten under 760): a longer text is
# judged by its title and an opening this long, so that an article is read as its teaser was and not found alike
# to every other article of the day by the sheer number of its words
PAIR_FLOOR = 0.05  # pairs of texts less alike than this (TF-IDF cosine of title and text) are never compared further


def default_model(threshold: float) -> Linear:
    """Relevance by declared terms alone: their weighted score minus the threshold (no learned weights)."""
    return Linear(classes=["on"], bias=[-threshold], prior=1.0)


class Unit:
    """One text as the judge sees it: a feed item, an article, or a passage of an article. Its features, words
    and names are found when first asked for (a relevance already known needs none of them)."""

    __slots__ = ("key", "doc", "title", "text", "lead", "_features", "_title_tokens", "_tokens", "_names")

    def __init__(self, key: str, doc: str, title: str, text: str, lead: bool = True):
        self.key, self.doc, self.title, self.text, self.lead = key, doc, title, text[:OPENING], lead
        self._features = self._title_tokens = self._tokens = self._names = None

    @property
    def features(self) -> dict[str, float]:
        if self._features is None:
            self._features = features(self.title, self.text)
        return self._features

    @property
    def memo(self) -> str:
        """What the judge remembers its answers by: the key and the text judged (a feed item whose article was
        read since is judged again, on the article)."""
        digest = hashlib.blake2b(f"{self.title}\0{self.text}".encode("utf-8", "surrogatepass"), digest_size=8)
        return f"{self.key}:{digest.hexdigest()}"

    @classmethod
    def of(cls, key: str, doc: str, title: str, text: str, lead: bool = True) -> "Unit":
        return cls(key, doc, title, text, lead)

    @property
    def title_tokens(self) -> list[str]:
        if self._title_tokens is None:
            self._title_tokens = tokens(self.title)
        return self._title_tokens

    @property
    def tokens(self) -> list[str]:
        """The title's words twice (it says what the text is about), then the opening's."""
        if self._tokens is None:
            self._tokens = self.title_tokens * 2 + tokens(self.text)
        return self._tokens

    @property
    def names(self) -> set[str]:
        if self._names is None:
            self._names = names(f"{self.title}. {self.text}")
        return self._names


def _claims(section, models: dict | None) -> bool:
    """Whether a section claims stories of its own: it has terms or examples, or the learned section model knows
    it."""
    return bool(section.profile.get("terms") or section.profile.get("examples")
                or (models and section.key in models.get("sections", Linear([], [])).classes))


def _section_examples(claiming: list, learned: dict[str, list[str]],
                      desk: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each claiming section's examples: its own, the learned ones, and the desk's moves; an editor's move counts
    as much as the closest labelled examples together: it fills their places."""
    return {s.key: list(s.profile.get("examples", [])) + list(learned.get(s.key, []))
            + [t for t in desk.get(s.key, []) for _ in range(EXAMPLE_NEIGHBOURS)]
            for s in claiming}


def _spans(sizes: list[int]) -> list[tuple[int, int]]:
    """Consecutive [start, end) row ranges of the given sizes."""
    spans, start = [], 0
    for size in sizes:
        spans.append((start, start + size))
        start += size
    return spans


class Judge:
    """The editorial model of one build (see the module docstring)."""

    def __init__(self, subject: Subject, sections: list, desk: dict[str, list[str]] | None = None):
        """``desk``: headlines the editors moved into each section on earlier days (the desk's history):
        examples of their sections like the labelled ones, remembered as the desk's."""
        self.subject = subject
        self.background = subject.background
        models = subject.models
        examples = subject.section_examples
        self.relevance_model = subject.model or default_model(subject.threshold)
        self.sections = [s for s in sections if s.make_items is None]
        self.claiming = [s for s in self.sections if _claims(s, models)]
        self.keys = [s.key for s in self.claiming]
        self.fallback = next((s.key for s in self.sections if s.fallback), "")
        self.section_model = (models or {}).get("sections") or Linear(classes=[], bias=[], prior=1.0)
        self.merge_model = (models or {}).get("merge")
        self.profiles = [s.profile for s in self.claiming]
        desk = desk or {}
        self.examples = _section_examples(self.claiming, examples or {}, desk)
        self.desk_examples = {(s.key, t) for s in self.claiming for t in desk.get(s.key, [])}
        words = [tokens(t) for k in self.keys for t in self.examples[k]]
        self.example_vectors = Vectors(words) if words else None
        # the examples as an inverted index: word → (example rows, weights), for one pass per text
        self._index: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._spans: list[tuple[int, int]] = []
        if self.example_vectors is not None:
            self._index = _postings(self.example_vectors.rows)
            self._spans = _spans([len(self.examples[k]) for k in self.keys])
        self._relevance: dict[str, float] = {}
        self._sections: dict[str, list[float]] = {}
        self._pairs: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}  # the last units' pair table

    # -- relevance -------------------------------------------------------------------------------------------
    def subject_terms(self, unit: Unit) -> float:
        return termscore.profile_score({"terms": self.subject.terms}, f"{unit.title}\n{unit.text}", unit.title)

    def relevance(self, unit: Unit) -> float:
        """Log-odds that the unit is about the subject."""
        memo = unit.memo
        found = self._relevance.get(memo)
        if found is None:
            found = self.relevance_model.scores(unit.features, ["on"], [self.subject_terms(unit)])[0]
            self._relevance[memo] = found
        return found

    def known_relevance(self, scores: dict[str, float]) -> None:
        """Relevance already asked of this judge elsewhere (a worker process of the load stage), by
        :attr:`Unit.memo`."""
        self._relevance.update(scores)

    @property
    def keep(self) -> float:
        """The relevance a story needs (its most relevant report) to be printed."""
        return self.relevance_model.thresholds.get("keep", 0.0)

    @property
    def join(self) -> float:
        """The relevance a text needs to be read further and join a story."""
        if self.subject.join is not None:
            return self.subject.join
        return self.relevance_model.thresholds.get("join", self.keep)

    # -- sections --------------------------------------------------------------------------------------------
    def term_scores(self, unit: Unit) -> list[float]:
        return termscore.profile_scores(self.profiles, f"{unit.title}\n{unit.text}", unit.title) \
            if self.profiles else []

    def example_scores(self, unit: Unit) -> list[float]:
        """For each section, the unit's mean cosine to its closest ``EXAMPLE_NEIGHBOURS`` examples."""
        if self.example_vectors is None:
            return [0.0] * len(self.keys)
        sims = np.zeros(len(self.example_vectors.rows))
        for w, x in self.example_vectors.vector(unit.tokens).items():
            found = self._index.get(w)
            if found is not None:
                sims[found[0]] += x * found[1]
        out = []
        for start, end in self._spans:
            part = sims[start:end]
            if not len(part):
                out.append(0.0)
                continue
            k = min(EXAMPLE_NEIGHBOURS, len(part))
            out.append(float(np.partition(part, len(part) - k)[len(part) - k:].mean()))
        return out

    def desk_example(self, unit: Unit, key: str) -> str:
        """The desk's own example of section ``key`` this unit is closest to, when it is among its closest
        examples (the placement then owes something to the editors' earlier corrections), else ""."""
        if not self.desk_examples or self.example_vectors is None or key not in self.keys:
            return ""
        start, end = self._spans[self.keys.index(key)]
        v = self.example_vectors.vector(unit.tokens)
        sims = []
        for row in range(start, end):
            text = self.examples[key][row - start]
            if (key, text) in self.desk_examples:
                sims.append((cosine(v, self.example_vectors.rows[row]), text))
        best = max(sims, default=(0.0, ""))
        return best[1] if best[0] >= DESK_SIMILARITY else ""

    def section_scores(self, unit: Unit) -> list[float]:
        """Log-odds-like scores of the unit for each claiming section (in ``self.keys`` order)."""
        memo = unit.memo
        found = self._sections.get(memo)
        if found is None:
            found = self.section_model.scores(unit.features, self.keys, self.term_scores(unit),
                                              self.example_scores(unit))
            self._sections[memo] = found
        return found

    def story_scores(self, units: list[Unit]) -> dict[str, float]:
        """A story's scores: its units' scores, an opening passage weighing double."""
        if not self.keys or not units:
            return {}
        weights = np.array([LEAD_WEIGHT if u.lead else 1.0 for u in units])
        scores = np.array([self.section_scores(u) for u in units])
        mean = (weights[:, None] * scores).sum(axis=0) / weights.sum()
        return {k: round(float(x), 4) for k, x in zip(self.keys, mean)}

    def decide(self, scores: dict[str, float]) -> tuple[str, float]:
        """The section a story goes to and the probability of that choice; unclaimed stories go to the
        fallback section ("" when there is none)."""
        if not scores:
            return self.fallback, 0.0
        keys = list(scores)
        z = np.array([scores[k] for k in keys])
        p = np.exp(z - z.max())
        p /= p.sum()
        best = int(np.argmax(p))
        if p[best] < CLAIM and self.fallback:
            return self.fallback, float(p[best])
        return keys[best], float(p[best])

    def probabilities(self, unit: Unit) -> np.ndarray:
        z = np.array(self.section_scores(unit)) if self.keys else np.zeros(1)
        p = np.exp(z - z.max())
        return p / p.sum()

    # -- one story or two ------------------------------------------------------------------------------------
    def pairs(self, units: list[Unit]) -> dict[tuple[int, int], float]:
        """The probability that two units report one event, for the pairs worth comparing (see
        :func:`pair_table`; others are taken as 0); units of one document are never paired."""
        if len(units) < 2:
            return {}
        key = tuple(u.key for u in units)
        if key not in self._pairs:  # the same day's units asked again (the lab tries thresholds on one day)
            self._pairs = {key: pair_table(units, [self.probabilities(u) for u in units], self.background)}
        pairs, x = self._pairs[key]
        if not len(pairs):
            return {}
        model = self.merge_model
        if model is None:  # untrained: the text similarity itself
            probability = x[:, 1]
        else:
            w = np.array([model.weights.get(name, [0.0])[0] for name in PAIR_FEATURES])
            probability = 1.0 / (1.0 + np.exp(-(model.bias[0] + x @ w)))
        return {(int(i), int(j)): float(p) for (i, j), p in zip(pairs, probability)}

    def likeness(self, first: list[list[Unit]], second: list[list[Unit]]) -> np.ndarray:
        """How likely each group of ``first`` tells the same story as each group of ``second`` (a story's
        reports; an earlier issue's item): the most likely pair of their texts, 0 where none was compared."""
        units = [u for group in first + second for u in group]
        owner = [g for g, group in enumerate(first + second) for _ in group]
        out = np.zeros((len(first), len(second)))
        for (i, j), p in self.pairs(units).items():
            a, b = sorted((owner[i], owner[j]))
            if a < len(first) <= b:
                out[a, b - len(first)] = max(out[a, b - len(first)], p)
        return out

    def vectors(self, token_lists: list[list[str]]) -> Vectors:
        """TF-IDF vectors of the day's texts, weighed as the pairs are (see :func:`pair_table`)."""
        return Vectors(token_lists, self.background)

    def same_story(self, x: list[float]) -> float:
        model = self.merge_model
        if model is None:  # untrained: the text similarity itself
            return x[1]
        z = model.bias[0] + sum(model.weights.get(name, [0.0])[0] * v for name, v in zip(PAIR_FEATURES, x))
        return 1.0 / (1.0 + math.exp(-z))

    @property
    def merge_threshold(self) -> float:
        return self.merge_model.thresholds.get("merge", 0.5) if self.merge_model else 0.3

    @property
    def centroid_threshold(self) -> float:
        return self.merge_model.thresholds.get("centroid", 0.5) if self.merge_model else 0.5

    @property
    def fold_threshold(self) -> float:
        """The probability from which a story is the same as one already printed and is folded into it (print
        time, and across days for follow-ups); above 1 (untrained) nothing is folded."""
        return self.merge_model.thresholds.get("fold", NEVER) if self.merge_model else NEVER

    @property
    def repeat_threshold(self) -> float:
        """The probability from which a small story is taken for a repeat of one already printed and passed over
        (it may still be the printed story's follow-on, which the editor can print with one click)."""
        return self.merge_model.thresholds.get("repeat", NEVER) if self.merge_model else NEVER

    @property
    def repeat_outlets(self) -> int:
        """A story told by this many outlets is never passed over as a repeat: it is folded or it prints."""
        return int(self.merge_model.thresholds.get("repeat_outlets", 3)) if self.merge_model else 3


PAIR_FEATURES = ("title cosine", "text cosine", "shared rare words", "shared names", "same first word",
                 "shared first words", "same section")
PROPOSE = 100  # a word in more texts than this is too common to propose a pair (it still counts in the likeness)
DENSE_CHUNK = 20000  # pairs whose common words are compared at once (memory: pairs × common words × 4 bytes)


def _postings(rows: list[dict[str, float]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    found: dict[str, tuple[list[int], list[float]]] = {}
    for i, row in enumerate(rows):
        for w, x in row.items():
            entry = found.setdefault(w, ([], []))
            entry[0].append(i)
            entry[1].append(x)
    return {w: (np.array(a, dtype=np.int64), np.array(v)) for w, (a, v) in found.items()}


def pair_dots(rows: list[dict[str, float]], propose: int, keys: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Dot products of sparse rows for pairs ``i < j``, as ``(keys, dots)`` with ``key = i * n + j``.

    Without ``keys``: the pairs that share a word held by at most ``propose`` rows (an inverted index: the work
    grows with those pairs, not with the rows squared). A word held by more rows adds to the dots of the pairs
    already proposed, compared in chunks, never proposing one itself.
    """
    n = len(rows)
    postings = _postings(rows)
    parts_k, parts_v = [], []
    dense = []
    for w, (members, values) in postings.items():
        m = len(members)
        if m < 2:
            continue
        if m > propose:
            dense.append(w)
            continue
        a, b = np.triu_indices(m, 1)
        parts_k.append(members[a] * n + members[b])
        parts_v.append(values[a] * values[b])
    if parts_k:
        all_k, all_v = np.concatenate(parts_k), np.concatenate(parts_v)
        found, inverse = np.unique(all_k, return_inverse=True)
        sums = np.bincount(inverse, weights=all_v, minlength=len(found))
    else:
        found, sums = np.zeros(0, dtype=np.int64), np.zeros(0)
    if keys is None:
        keys, dots = found, sums
    else:
        dots = np.zeros(len(keys))
        at = np.searchsorted(found, keys)
        ok = at < len(found)
        ok[ok] = found[at[ok]] == keys[ok]
        dots[ok] = sums[at[ok]]
    if dense and len(keys):
        column = {w: c for c, w in enumerate(dense)}
        matrix = np.zeros((n, len(dense)), dtype=np.float32)
        for w in dense:
            members, values = postings[w]
            matrix[members, column[w]] = values
        a, b = keys // n, keys % n
        for start in range(0, len(keys), DENSE_CHUNK):
            stop = start + DENSE_CHUNK
            dots[start:stop] += np.einsum("ij,ij->i", matrix[a[start:stop]], matrix[b[start:stop]])
    return keys, dots


def pair_table(units: list[Unit], probabilities: list[np.ndarray], background: Background | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of units worth comparing and their :data:`PAIR_FEATURES`: how alike their titles and texts
    are (TF-IDF cosines), how much rare vocabulary and how many names they share (a word or name in more than
    ``NAME_SHARE`` of the subject's usual texts is the subject's own and tells no event apart), whether their
    titles open with the same words (the same actor), and how alike their section probabilities are. Rarity
    is measured against the subject's ``background`` when there is one, else against the day itself (which
    then takes the words of the day's biggest story for the subject's own). A pair is worth comparing when it
    shares a word few texts hold and its texts are at least ``PAIR_FLOOR`` alike; two units of one document
    are never paired. Returns ``(pairs, features)``: an ``m × 2`` and an ``m × 7`` array."""
    n = len(units)
    vectors = Vectors([u.tokens for u in units], background)
    if background is None:
        common = {w for w, c in vectors.df.items() if c > max(2, NAME_SHARE * n)}
        propose = max(2, min(PROPOSE, int(max(2, NAME_SHARE * n))))
        idf = {w: math.log(n / c) for w, c in vectors.df.items()}
    else:
        common = {w for w, c in background.df.items() if c > NAME_SHARE * background.texts}
        propose = PROPOSE
        idf = {w: x - 1 for w, x in vectors.idf.items()}
    keys, full = pair_dots(vectors.rows, propose)
    a, b = keys // n, keys % n
    docs = np.array([u.doc for u in units], dtype=object)
    keep = (full >= PAIR_FLOOR) & (docs[a] != docs[b])
    keys, full, a, b = keys[keep], full[keep], a[keep], b[keep]
    if not len(keys):
        return np.zeros((0, 2), dtype=np.int64), np.zeros((0, len(PAIR_FEATURES)))
    titles = Vectors([u.title_tokens for u in units], background).rows
    rare = [{w: math.sqrt(idf[w]) for w in set(u.tokens) - common} for u in units]
    named = [{w: 1.0 for w in u.names - common} for u in units]
    first = [{u.title_tokens[0]: 1.0} if u.title_tokens else {} for u in units]
    heads = [{w: 1.0 for w in set(u.title_tokens[:3])} for u in units]
    columns = [pair_dots(rows, propose, keys)[1] for rows in (titles, rare, named, first, heads)]
    p = np.array(probabilities)
    same_section = np.einsum("ij,ij->i", p[a], p[b])
    x = np.column_stack([columns[0], full, columns[1] / 10.0, columns[2] / 3.0, columns[3], columns[4] / 3.0,
                         same_section])
    return np.column_stack([a, b]), x
