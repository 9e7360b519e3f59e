"""Term scoring in one pass: the numbers of one whole-word regex per term, without running them all.

In: profiles' ``{"term": weight}`` tables and a text (and title). Out: for each profile, the same
length-damped weighted total that scanning the lower-cased text once per term with
``(?<![\\w])term(?![\\w])`` gives (whole words; a hyphenated compound such as "China-Russia" counts
for both halves), summed in the same order. The text's words are counted once;
single-word terms are looked up in that count, and a phrase is searched for only where its first word
stands free and the phrase occurs as a substring. Every profile of a build is scored against a text at once. Within :func:`memo`, scores
are looked up by a digest of the profiles, the text and the title (the build's cache keeps them).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

WORD = re.compile(r"\w+")
FREE_WORD = re.compile(r"\w+")  # every whole word, the halves of a hyphenated compound included


def term_pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w])" + re.escape(term.lower()) + r"(?![\w])")


@lru_cache(maxsize=64)
def _prepared(text: str) -> tuple[str, Counter, int]:
    """The lower-cased text, its free words counted, and its length in whitespace-separated words."""
    low = text.lower()
    return low, Counter(FREE_WORD.findall(low)), len(low.split())


class Profiles:
    """Several profiles' terms, merged: single words (looked up) and phrases (searched for)."""

    def __init__(self, tables: list[dict[str, float]]):
        self.size = len(tables)
        self.single: dict[str, list[tuple[int, int, float]]] = {}  # word → (profile, term index, weight)
        self.phrases: dict[str, tuple[re.Pattern[str], list[tuple[int, int, float]]]] = {}
        for p, terms in enumerate(tables):
            for index, (term, weight) in enumerate(terms.items()):
                low = term.lower()
                entry = (p, index, float(weight))
                if WORD.fullmatch(low):
                    self.single.setdefault(low, []).append(entry)
                else:
                    self.phrases.setdefault(low, (term_pattern(term), []))[1].append(entry)
        self.words = frozenset(self.single)
        # a phrase that starts with a word can only match where that word stands free
        self.by_first: dict[str, list[str]] = {}
        self.always: list[str] = []
        for phrase in self.phrases:
            first = WORD.match(phrase)
            if first:
                self.by_first.setdefault(first.group(), []).append(phrase)
            else:
                self.always.append(phrase)
        self.first_words = frozenset(self.by_first)

    def totals(self, text: str, title: str = "") -> list[float]:
        """Each profile's weighted total for the text and its title, before length damping."""
        hits: list[list[tuple[int, int, float]]] = [[] for _ in range(self.size)]
        low, free, _ = _prepared(text)
        for word in self.words.intersection(free):
            factor = 1.0 + math.log(free[word])
            for p, index, weight in self.single[word]:
                hits[p].append((index, 0, weight * factor))
        low_title, title_free = "", None
        if title:
            low_title, title_free, _ = _prepared(title)
            for word in self.words.intersection(title_free):
                for p, index, weight in self.single[word]:
                    hits[p].append((index, 1, weight))
        candidates = [p for word in self.first_words.intersection(free) for p in self.by_first[word]]
        if title_free is not None:
            candidates += [p for word in self.first_words.intersection(title_free) for p in self.by_first[word]]
        for phrase in dict.fromkeys(candidates + self.always):
            pattern, entries = self.phrases[phrase]
            count = len(pattern.findall(low)) if phrase in low else 0
            in_title = bool(low_title) and phrase in low_title and pattern.search(low_title) is not None
            if count or in_title:
                for p, index, weight in entries:
                    if count:
                        hits[p].append((index, 0, weight * (1.0 + math.log(count))))
                    if in_title:
                        hits[p].append((index, 1, weight))
        totals = []
        for found in hits:
            total = 0.0
            for _, _, amount in sorted(found):  # the order one regex per term would add them in
                total += amount
            totals.append(total)
        return totals


_compiled: dict[tuple[int, ...], tuple[list[dict], Profiles, str]] = {}
_memo: ContextVar[dict | None] = ContextVar("termscore_memo", default=None)


def _compiled_entry(tables: list[dict[str, float]]) -> tuple[list[dict], Profiles, str]:
    key = tuple(map(id, tables))
    found = _compiled.get(key)
    if found is None or found[0] != tables:
        if len(_compiled) > 64:
            _compiled.clear()
        digest = hashlib.blake2b(json.dumps(tables, default=str).encode(), digest_size=8).hexdigest()
        found = _compiled[key] = ([dict(t) for t in tables], Profiles(tables), digest)
    return found


@contextmanager
def memo(scores: dict | None):
    """Within this block, look scores up in (and add them to) ``scores``: text digest → [score, ...]."""
    token = _memo.set(scores)
    try:
        yield scores
    finally:
        _memo.reset(token)


def profile_scores(profiles: list[dict], text: str, title: str = "") -> list[float]:
    """How strongly ``text`` (and its title) match each profile's weighted terms, length-damped."""
    tables = [p.get("terms", {}) for p in profiles]
    _, merged, digest = _compiled_entry(tables)
    scores_memo = _memo.get()
    if scores_memo is not None:
        h = hashlib.blake2b(digest.encode(), digest_size=16)
        h.update(text.encode("utf-8", "surrogatepass"))
        h.update(b"\0" + title.encode("utf-8", "surrogatepass"))
        key = h.hexdigest()
        found = scores_memo.get(key)
        if isinstance(found, list) and len(found) == len(tables):
            return found
    totals = merged.totals(text, title)
    words = max(1, _prepared(text)[2] + (_prepared(title)[2] if title else 0))
    damping = 1.0 + math.log1p(words / 80.0)
    scores = [total / damping if table else 0.0 for total, table in zip(totals, tables)]
    if scores_memo is not None:
        scores_memo[key] = scores
    return scores


def profile_score(profile: dict, text: str, title: str = "") -> float:
    """One profile's score (see :func:`profile_scores`)."""
    return profile_scores([profile], text, title)[0]
