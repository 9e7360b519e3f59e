"""Small text helpers shared by the stages: word tokens without stop words, and normalised keys."""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
STOP = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself
no nor not now of off on once only or other our ours ourselves out over own same she should so some such
than that the their theirs them themselves then there these they this those through to too under until up
very was we were what when where which while who whom why will with would you your yours yourself
said says say told according new one two three year years day days last week also since however still
mr ms mrs us
""".split())
# Countries and bodies written in capitals or with dots, which lower-casing would lose or confuse with a word:
# "U.S." and "US" (not the pronoun "us"), "U.K.", "U.N.".
ABBREVIATIONS = re.compile(r"\bU\.S\.(?:A\.)?|\bUSA?\b|\bU\.K\.|\bU\.N\.")
ABBREVIATION_WORD = {"U.S.": "usa", "U.S.A.": "usa", "US": "usa", "USA": "usa", "U.K.": "uk", "U.N.": "un"}


def tokens(text: str) -> list[str]:
    """Lower-cased content words of ``text`` (stop words and one-letter words left out)."""
    known = _memo.get()
    if known is not None:
        found = known.get(text)
        if found is not None:
            return found.split() if isinstance(found, str) else list(found)
    return list(_tokens(text))


_memo: ContextVar[dict | None] = ContextVar("tokens_memo", default=None)


@contextmanager
def memo(known: dict | None):
    """Within this block, take the tokens of a text found in ``known`` (text → its tokens, as a list or as
    one space-separated string: the source cache's, from an earlier build) instead of tokenizing it."""
    token = _memo.set(known)
    try:
        yield known
    finally:
        _memo.reset(token)


@lru_cache(maxsize=1 << 17)
def _tokens(text: str) -> tuple[str, ...]:
    # a sentence is tokenized by clustering, then again by summarizing: the second time is a look-up
    if "U" in text:
        text = ABBREVIATIONS.sub(lambda m: " " + ABBREVIATION_WORD.get(m.group(), m.group()) + " ", text)
    low = text.lower()
    if "’" in low:
        low = low.replace("’", "'")  # the same words: both quotes belong to WORD, and both are trimmed
    out = []
    for w in WORD.findall(low):  # a word starts with a letter: only its end can need trimming
        if w[-1] in "'-":
            w = w.rstrip("'-")
        if w[-2:] == "'s":
            w = w[:-2]
        if len(w) > 1 and w not in STOP:
            out.append(w)
    return tuple(out)


@lru_cache(maxsize=65536)
def norm_key(text: str) -> str:
    """A key under which near-identical sentences (case, spacing, punctuation) coincide."""
    return " ".join(_WORDS.findall(text.lower()))


_WORDS = re.compile(r"\w+")
