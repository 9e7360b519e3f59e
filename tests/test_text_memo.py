"""Tokens kept by the source cache are taken as they are inside ``text.memo``, and tokenized afresh outside it."""

from __future__ import annotations

from briefing.editorial import text


def test_tokens_come_from_the_memo_inside_the_block_only():
    sentence = "Kyiv's allies pledged more tanks on Monday."
    fresh = text.tokens(sentence)
    assert fresh == ["kyiv", "allies", "pledged", "tanks", "monday"]
    known = {sentence: "kept tokens", "Other text.": ["other", "kept"]}
    with text.memo(known):
        assert text.tokens(sentence) == ["kept", "tokens"]
        listed = text.tokens("Other text.")
        assert listed == ["other", "kept"]
        listed.append("changed")  # a copy: the memo keeps its own list
        assert known["Other text."] == ["other", "kept"]
        assert text.tokens("Not in the memo at all.") == ["memo"]  # tokenized as ever
    assert text.tokens(sentence) == fresh
