"""Model: the editorial model's features and its linear scorers, learned from labels or written by hand.

In: a text's title and body (what a feed item or an article's opening says). Out: a sparse feature vector and,
through a :class:`Linear` model (weights per class, as data), a score per class. The same features serve the
subject gate, the placement in sections and, as TF-IDF vectors, the merging of reports into stories.

A :class:`Linear` model is a plain table: for each class a bias, a weight per feature, and two shared
coefficients: ``prior`` for the class's declared terms (the weighted term score of :mod:`briefing.editorial.termscore`) and
``example`` for the similarity to the class's declared examples. A class the model has learned nothing about
(a plugin's new section) is scored by its terms and examples alone, through the same coefficients, so it competes
on the same scale. :func:`train` fits such a model by regularised logistic (or softmax) regression in numpy.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


from .text import tokens

PRUNE = 0.02  # a learned weight smaller than this changes no decision: it is left out of the model file
OPENING_CHARS = 2000  # a document's title and this much of its text describe it: a teaser whole, an article's opening
HEAD_TOKENS = 3  # the first content words of a title name its actor ("Russia warns …", "Lindsey Graham says …")


def features(title: str, text: str) -> dict[str, float]:
    """Sparse features: every content word of the title and opening (``w``), the title's words again (``t:w``),
    the title's word pairs (``tb:a_b``) and its first words (``h:w``); counts are damped as 1 + log(count)."""
    head = tokens(title)
    body = tokens(text[:OPENING_CHARS]) if text else []
    counts: Counter[str] = Counter()
    for w in head:
        counts["t:" + w] += 1
    for w in head + body:
        counts[w] += 1
    for a, b in zip(head, head[1:]):
        counts[f"tb:{a}_{b}"] += 1
    for w in head[:HEAD_TOKENS]:
        counts["h:" + w] = 1
    return {k: 1.0 + math.log(v) for k, v in counts.items()}


# --------------------------------------------------------------------------------------- TF-IDF vectors

_CAPITAL = re.compile(r"\b[A-Z][\w'’-]+")


def names(text: str) -> set[str]:
    """Lower-cased words written with a capital inside a sentence (people, places, bodies): not the first
    word of the text or of a sentence."""
    out = set()
    for m in _CAPITAL.finditer(text):
        before = text[max(0, m.start() - 2):m.start()].strip()
        if m.start() and before not in (".", "!", "?", ":", "“", '"', "‘", "'"):
            out.update(tokens(m.group())[:1])
    return out


@dataclass
class Background:
    """How many of a subject's usual texts hold each word (learned from labelled days): the words every day's
    news of the subject uses are common, and a word the day uses far more than usual is that day's event."""

    df: dict[str, int]
    texts: int

    @classmethod
    def of(cls, token_lists: list[list[str]], min_count: int = 2) -> "Background":
        df: Counter[str] = Counter()
        for words in token_lists:
            df.update(set(words))
        return cls({w: c for w, c in sorted(df.items()) if c >= min_count}, len(token_lists))

    def idf(self, word: str) -> float:
        return math.log((1 + self.texts) / (1 + self.df.get(word, 0))) + 1

    def to_json(self) -> dict:
        return {"texts": self.texts, "df": self.df}

    @classmethod
    def from_json(cls, raw: dict | None) -> "Background | None":
        return cls({str(k): int(v) for k, v in raw["df"].items()}, int(raw["texts"])) if raw else None


class Vectors:
    """L2-normalised TF-IDF vectors of texts, as sparse dicts. The IDF is the texts' own, or, given a
    :class:`Background`, the subject's usual one (so that the day's big event keeps the weight of its words
    however many of the day's texts tell it)."""

    def __init__(self, token_lists: list[list[str]], background: Background | None = None):
        df: Counter[str] = Counter()
        for words in token_lists:
            df.update(set(words))
        n = len(token_lists)
        self.df = df
        self.n = n
        if background is None:
            self.idf = {w: math.log((1 + n) / (1 + k)) + 1 for w, k in df.items()}
            self.unseen = math.log(1 + n) + 1
        else:
            self.idf = {w: background.idf(w) for w in df}
            self.unseen = background.idf("")
        self.rows = [self.vector(words) for words in token_lists]

    def vector(self, words: list[str]) -> dict[str, float]:
        counts = Counter(words)
        v = {w: (1 + math.log(c)) * self.idf.get(w, self.unseen) for w, c in counts.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(w, 0.0) for w, x in a.items())


def tfidf_rows(token_lists: list[list[str]]) -> list[dict[str, float]]:
    """L2-normalised TF-IDF rows as word → weight maps, for texts already tokenized (vocabulary and idf from
    the texts). Sparse on purpose: a story's few sentences share few words, and a dense sentences × vocabulary
    matrix per story costs more to build than every comparison made with it."""
    counts = [Counter(t) for t in token_lists]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n1 = len(counts) + 1
    idf = {w: math.log(n1 / (1 + k)) + 1 for w, k in df.items()}
    rows = []
    for c in counts:
        row = {w: (1 + math.log(k)) * idf[w] if k > 1 else idf[w] for w, k in c.items()}
        norm = math.sqrt(sum(v * v for v in row.values())) or 1.0
        rows.append({w: v / norm for w, v in row.items()})
    return rows


def dot(a: dict[str, float], b: dict[str, float]) -> float:
    """The dot product of two sparse rows (iterating the shorter)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[w] for w, v in a.items() if w in b)


# --------------------------------------------------------------------------------------- linear models

@dataclass
class Linear:
    """Scores per class: ``bias + Σ weight·feature + prior·term_score + example·example_similarity``.

    ``weights`` maps a feature to one weight per class (in the order of ``classes``). ``default_bias`` scores a
    class the model does not know. ``thresholds`` holds the decision points learned with it, by name.
    """

    classes: list[str]
    bias: list[float]
    weights: dict[str, list[float]] = field(default_factory=dict)
    prior: float = 1.0
    example: float = 0.0
    default_bias: float = 0.0
    thresholds: dict[str, float] = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    def learned(self, features_: dict[str, float]) -> list[float]:
        """The learned part of each known class's score for these features (plain floats: a handful of
        classes and a few dozen features per text, quicker than arrays)."""
        if len(self.classes) == 1:
            single = self.__dict__.get("_single")
            if single is None:
                single = self.__dict__["_single"] = {f: w[0] for f, w in self.weights.items()}
            return [self.bias[0] + sum(v * single[f] for f, v in features_.items() if f in single)]
        z = list(self.bias)
        for name, value in features_.items():
            w = self.weights.get(name)
            if w is not None:
                for k, x in enumerate(w):
                    z[k] += value * x
        return z

    def scores(self, features_: dict[str, float], keys: list[str], term_scores: list[float],
               example_scores: list[float] | None = None) -> list[float]:
        """One score per class of ``keys``: learned classes with their weights, others by terms and examples."""
        learned = self.learned(features_) if self.classes else []
        index = {c: i for i, c in enumerate(self.classes)}
        out = []
        for k, key in enumerate(keys):
            base = float(learned[index[key]]) if key in index else self.default_bias
            base += self.prior * term_scores[k]
            if example_scores is not None:
                base += self.example * example_scores[k]
            out.append(base)
        return out

    def to_json(self) -> dict:
        return {"classes": self.classes, "bias": [round(b, 5) for b in self.bias],
                "prior": round(self.prior, 5), "example": round(self.example, 5),
                "default_bias": round(self.default_bias, 5), "thresholds": self.thresholds, "info": self.info,
                "weights": {k: [round(x, 5) for x in v] for k, v in sorted(self.weights.items())}}

    @classmethod
    def from_json(cls, raw: dict) -> "Linear":
        return cls(classes=list(raw["classes"]), bias=[float(b) for b in raw["bias"]],
                   weights={str(k): [float(x) for x in v] for k, v in raw.get("weights", {}).items()},
                   prior=float(raw.get("prior", 1.0)), example=float(raw.get("example", 0.0)),
                   default_bias=float(raw.get("default_bias", 0.0)),
                   thresholds={str(k): float(v) for k, v in raw.get("thresholds", {}).items()},
                   info=dict(raw.get("info", {})))


def load_models(raw: dict | Path) -> dict[str, Linear]:
    """The named models of a model file's data (``{"models": {"subject": …, "sections": …, "merge": …}}``)."""
    if isinstance(raw, Path):
        raw = json.loads(raw.read_text(encoding="utf-8"))
    return {name: Linear.from_json(value) for name, value in raw.get("models", {}).items()}


# --------------------------------------------------------------------------------------- training (make tune)

@dataclass
class Sample:
    features: dict[str, float]
    label: int  # class index
    extra: list[list[float]] = field(default_factory=list)  # per class: [term score, example similarity]


def train(samples: list[Sample], classes: list[str], l2: float = 1.0, iterations: int = 1500,
          rate: float = 0.5, min_count: int = 2, binary: bool = False,
          coefficients: tuple[float, float] | None = None) -> Linear:
    """Regularised logistic (``binary``: one class, its score the log-odds) or softmax regression.

    Features seen in fewer than ``min_count`` samples are left out (they would only learn their sample).
    ``coefficients``: the shared (prior, example) coefficients, kept as given instead of learned; the word
    weights then learn only what the declared terms and examples miss. The coefficients, when learned, are
    kept at zero or above: terms and examples can only speak for their class.
    Adagrad steps from zero weights: deterministic, and a few seconds for thousands of samples.
    """
    import numpy as np  # only training needs it (a build only multiplies weights)

    seen: Counter[str] = Counter()
    for s in samples:
        seen.update(s.features.keys())
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in seen.items() if c >= min_count))}
    n, v, k = len(samples), len(vocab), 1 if binary else len(classes)
    rows, cols, vals = [], [], []
    for r, s in enumerate(samples):
        for f, x in s.features.items():
            j = vocab.get(f)
            if j is not None:
                rows.append(r)
                cols.append(j)
                vals.append(x)
    rows_a, cols_a, vals_a = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(vals)
    extra = np.zeros((n, k, 2))
    for r, s in enumerate(samples):
        if s.extra:
            extra[r] = np.asarray(s.extra)[-k:] if binary else np.asarray(s.extra)
    labels = np.array([s.label for s in samples])
    target = labels.astype(float).reshape(n, 1) if binary else np.eye(k)[labels]
    w = np.zeros((v, k))
    b = np.zeros(k)
    c = np.zeros(2) if coefficients is None else np.array(coefficients, dtype=float)  # prior, example
    acc_w, acc_b, acc_c = np.full((v, k), 1e-8), np.full(k, 1e-8), np.full(2, 1e-8)
    for _ in range(iterations):
        z = np.empty((n, k))
        for col in range(k):  # the sparse product, one class at a time (bincount: a C loop, unlike np.add.at)
            z[:, col] = np.bincount(rows_a, weights=w[cols_a, col] * vals_a, minlength=n)
        z += b + extra @ c
        if binary:
            p = 1.0 / (1.0 + np.exp(-z))
        else:
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            p = e / e.sum(axis=1, keepdims=True)
        g = (p - target) / n
        gw = np.empty((v, k))
        for col in range(k):
            gw[:, col] = np.bincount(cols_a, weights=g[rows_a, col] * vals_a, minlength=v)
        gw += l2 * w / n
        gb = g.sum(axis=0)
        gc = np.einsum("nk,nkj->j", g, extra)
        acc_w += gw * gw
        acc_b += gb * gb
        acc_c += gc * gc
        w -= rate * gw / np.sqrt(acc_w)
        b -= rate * gb / np.sqrt(acc_b)
        if coefficients is None:
            c = np.maximum(0.0, c - rate * gc / np.sqrt(acc_c))
    names_ = list(vocab)
    weights = {f: list(map(float, w[i])) for i, f in enumerate(names_) if np.abs(w[i]).max() >= PRUNE}
    return Linear(classes=["on"] if binary else list(classes), bias=list(map(float, b)), weights=weights,
                  prior=float(c[0]), example=float(c[1]), default_bias=float(np.mean(b)))
