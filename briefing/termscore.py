"""Term scoring in one pass: the numbers of one whole-word regex per term, without running them all.

In: a profile's ``{"term": weight}`` table and a lower-cased text (and title). Out: the same weighted
total that scanning the text once per term with ``(?<![\\w-])term(?![\\w])`` gives, summed in the same
order. Single-word terms are looked up in a count of the text's words; a phrase is searched for only
when every one of its words occurs in the text. Texts are scored against many profiles in turn, so
the word counts of the last few texts are kept.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

WORD = re.compile(r"\w+")
FREE_WORD = re.compile(r"(?<![\w-])\w+")  # a word not joined to the one before it by a hyphen


def term_pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(term.lower()) + r"(?![\w])")


@dataclass(frozen=True)
class TextWords:
    free: Counter  # words not preceded by a hyphen, counted: where a single-word term can match
    words: frozenset  # every word: a phrase can match only if all its words are here
    length: int  # whitespace-separated words, for the length damping


@lru_cache(maxsize=64)
def text_words(low: str) -> TextWords:
    return TextWords(Counter(FREE_WORD.findall(low)), frozenset(WORD.findall(low)), len(low.split()))


class CompiledTerms:
    """A profile's terms, split into single words (looked up) and phrases (searched for)."""

    def __init__(self, terms: dict[str, float]):
        self.single: dict[str, list[tuple[int, float]]] = {}
        self.phrases: list[tuple[int, float, str, frozenset, re.Pattern[str]]] = []
        for index, (term, weight) in enumerate(terms.items()):
            low = term.lower()
            if WORD.fullmatch(low):
                self.single.setdefault(low, []).append((index, float(weight)))
            else:
                self.phrases.append((index, float(weight), low, frozenset(WORD.findall(low)), term_pattern(term)))

    def total(self, low: str, low_title: str) -> float:
        hits: list[tuple[int, int, float]] = []  # (term index, 0 text / 1 title, amount)
        text = text_words(low)
        for word in self.single.keys() & text.free.keys():
            for index, weight in self.single[word]:
                hits.append((index, 0, weight * (1.0 + math.log(text.free[word]))))
        if low_title:
            title = text_words(low_title)
            for word in self.single.keys() & title.free.keys():
                hits.extend((index, 1, weight) for index, weight in self.single[word])
        for index, weight, phrase, needed, pattern in self.phrases:
            if needed <= text.words and phrase in low:
                count = len(pattern.findall(low))
                if count:
                    hits.append((index, 0, weight * (1.0 + math.log(count))))
            if low_title and phrase in low_title and pattern.search(low_title):
                hits.append((index, 1, weight))
        total = 0.0
        for _, _, amount in sorted(hits):  # the order one regex per term would add them in
            total += amount
        return total


_compiled: dict[int, tuple[dict, CompiledTerms]] = {}


def compiled(terms: dict[str, float]) -> CompiledTerms:
    """The compiled form of a terms table (kept while an equal table is given again)."""
    found = _compiled.get(id(terms))
    if found is None or found[0] != terms:
        if len(_compiled) > 256:
            _compiled.clear()
        found = _compiled[id(terms)] = (dict(terms), CompiledTerms(terms))
    return found[1]


def profile_score(profile: dict, text: str, title: str = "") -> float:
    """How strongly ``text`` (and its title) match a profile's weighted terms, length-damped."""
    terms = profile.get("terms", {})
    if not terms:
        return 0.0
    low, low_title = text.lower(), title.lower()
    total = compiled(terms).total(low, low_title)
    words = max(1, text_words(low).length + (text_words(low_title).length if low_title else 0))
    return total / (1.0 + math.log1p(words / 80.0))
