"""One-pass term scoring gives exactly the numbers of one whole-word regex per term."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.editorial.termscore import Profiles, profile_score, profile_scores, term_pattern

WORDS = ["ukraine", "russia", "russian", "pro-russian", "black", "sea", "u.s.", "g7", "nato's", "kyiv", "war",
         "Sea", "BLACK", "x", "über", "σ", "_id", "2023", "-", "—", ".", ",", "'", "’s"]
TERMS = ["ukraine", "russian", "black sea", "u.s.", "g7", "nato", "war", "über", "pro-russian", "sea", "Kyiv"]


def regex_total(terms: dict, low: str, low_title: str) -> float:
    total = 0.0
    for term, weight in terms.items():
        pattern = term_pattern(term)
        count = len(pattern.findall(low))
        if count:
            total += float(weight) * (1.0 + math.log(count))
        if low_title and pattern.search(low_title):
            total += float(weight)
    return total


text = st.lists(st.sampled_from(WORDS), max_size=40).flatmap(
    lambda words: st.lists(st.sampled_from([" ", "", "-", "\n", ". "]), min_size=len(words), max_size=len(words))
    .map(lambda seps: "".join(w + s for w, s in zip(words, seps))))
terms = st.dictionaries(st.sampled_from(TERMS), st.sampled_from([0.5, 1, 1.5, 2, 3]), min_size=1)


@settings(max_examples=300, deadline=None)
@given(terms=terms, body=text, title=text)
def test_one_pass_equals_one_regex_per_term(terms, body, title):
    assert Profiles([terms]).totals(body, title) == [regex_total(terms, body.lower(), title.lower())]


@settings(max_examples=100, deadline=None)
@given(tables=st.lists(terms, min_size=1, max_size=4), body=text, title=text)
def test_profiles_scored_together_score_as_each_alone(tables, body, title):
    together = profile_scores([{"terms": t} for t in tables], body, title)
    assert together == [profile_scores([{"terms": t}], body, title)[0] for t in tables]
    assert profile_scores([{"terms": {}}], body, title) == [0.0]


def test_both_halves_of_a_hyphenated_compound_count():
    profile = {"terms": {"china": 2.0, "russia": 2.0}}
    both = profile_score(profile, "China-Russia talks")
    assert both > profile_score({"terms": {"china": 2.0}}, "China-Russia talks") > 0.0
    assert profile_score({"terms": {"russian": 2.0}}, "pro-russian forces") > 0.0
    assert profile_score({"terms": {"russian": 2.0}}, "Russians gather") == 0.0  # still whole words only
    assert profile_score({"terms": {"black sea": 1}}, "the Black Sea fleet") > 0.0
    assert profile_score({"terms": {"black sea": 1}}, "a black and a sea") == 0.0


def reference_tokens(text: str) -> list[str]:
    """The tokenizer written the plain way, word by word."""
    from briefing.editorial.text import STOP, WORD

    out = []
    for m in WORD.finditer(text.lower()):
        w = m.group().strip("'’-").replace("’", "'")
        if w.endswith("'s"):
            w = w[:-2]
        if len(w) > 1 and w not in STOP:
            out.append(w)
    return out


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aBsÜ’'- .\n-σΣ2_x", max_size=60))
def test_the_fast_tokenizer_gives_the_plain_tokens(text):
    from briefing.editorial.text import tokens

    assert tokens(text) == reference_tokens(text)
    assert tokens(text) == reference_tokens(text)  # the remembered answer too
