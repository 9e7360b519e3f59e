"""The guarded reader (briefing/runtime/guarded.py): what it returns for good files, and the one-line reason it
gives for each way a file read back can be hostile or broken."""

from __future__ import annotations

import os
import threading

import pytest

from briefing.runtime.guarded import Unreadable, parse_json, parse_toml, read_json, read_toml


def test_a_good_json_file_is_returned_as_parsed(tmp_path):
    path = tmp_path / "entry.json"
    path.write_text('{"format": 3, "spans": [[0, 5], [6, 12]], "title": "Kyiv \\u00e9"}', encoding="utf-8")
    assert read_json(path, expect=dict) == {"format": 3, "spans": [[0, 5], [6, 12]], "title": "Kyiv é"}


def test_a_good_toml_file_is_returned_as_parsed(tmp_path):
    path = tmp_path / "notes.toml"
    path.write_text('[[note]]\nitem = "164e2ea1ffb5"\ncomment = "Confirmed."\n', encoding="utf-8")
    assert read_toml(path) == {"note": [{"item": "164e2ea1ffb5", "comment": "Confirmed."}]}


def test_a_hundred_thousand_brackets_are_one_line_not_a_recursion_error(tmp_path):
    path = tmp_path / "entry.json"
    path.write_text("[" * 100_000)
    with pytest.raises(Unreadable) as caught:
        read_json(path)
    assert str(caught.value) == "nested deeper than 32 levels"


def test_json_nested_past_the_limit_but_within_the_parser_is_refused_too():
    deep = "[" * 40 + "1" + "]" * 40
    with pytest.raises(Unreadable, match=r"^nested deeper than 32 levels$"):
        parse_json(deep)
    assert parse_json(deep, depth=40) is not None
    with pytest.raises(Unreadable, match=r"^nested deeper than 8 levels$"):
        parse_json('{"a": {"b": [[[[[[[1]]]]]]]}}', depth=8)


def test_toml_nested_five_hundred_levels_is_one_line(tmp_path):
    path = tmp_path / "notes.toml"
    path.write_text("x = " + "[" * 500 + "]" * 500 + "\n")
    with pytest.raises(Unreadable, match=r"^nested deeper than 32 levels$"):
        read_toml(path)
    path.write_text("a.b.c.d.e.f.g.h.i.j = 1\n")  # ten levels of tables, written as dotted keys
    with pytest.raises(Unreadable, match=r"^nested deeper than 6 levels$"):
        read_toml(path, depth=6)


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "notes.toml"
    with open(path, "wb") as fh:
        fh.truncate(10 * 1024 * 1024)  # 10 MB, sparse
    with pytest.raises(Unreadable) as caught:
        read_toml(path, limit=1024 * 1024)
    assert str(caught.value) == "too large: 10 MB (limit 1 MB)"
    with pytest.raises(Unreadable, match=r"^too large: 12 bytes \(limit 10 bytes\)$"):
        parse_json(b'{"a": "bcd"}', limit=10)


def test_the_top_level_type_is_checked():
    with pytest.raises(Unreadable, match=r"^a list, not a table$"):
        parse_json("[1, 2]", expect=dict)
    with pytest.raises(Unreadable, match=r"^a string, not a list$"):
        parse_json('"sends"', expect=list)
    assert parse_json("[1, 2]", expect=list) == [1, 2]


@pytest.mark.parametrize("text, reason", [
    ('{"score": NaN}', r"^not valid JSON: NaN is not a JSON number$"),
    ('{"score": -Infinity}', r"^not valid JSON: -Infinity is not a JSON number$"),
    ('{"a": 1', r"^not valid JSON: Expecting ',' delimiter: line 1 column 8 \(char 7\)$"),
    (b'{"a": "\xff"}', r"^not UTF-8 text \(invalid start byte at byte 7\)$"),
])
def test_what_is_not_json_is_named(text, reason):
    with pytest.raises(Unreadable, match=reason):
        parse_json(text)


def test_bad_toml_is_one_line():
    with pytest.raises(Unreadable) as caught:
        parse_toml('[[note]]\ncomment = "open\n')
    assert str(caught.value).startswith("not valid TOML: ") and "\n" not in str(caught.value)


def test_the_caller_chooses_the_error():
    class NotesError(Exception):
        pass

    with pytest.raises(NotesError, match=r"^notes\.toml: nested deeper than 32 levels$"):
        parse_toml("x = " + "[" * 100 + "]" * 100, error=lambda reason: NotesError(f"notes.toml: {reason}"))
    with pytest.raises(NotesError, match=r"^a list, not a table$"):
        parse_json("[]", expect=dict, error=NotesError)


def test_a_missing_file_is_told_apart_from_a_broken_one(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_json(tmp_path / "none.json")
    with pytest.raises(Unreadable, match=r"^not a regular file$"):
        read_json(tmp_path)  # a folder


def test_a_pipe_in_place_of_the_file_does_not_block_the_reader(tmp_path):
    fifo = tmp_path / "sent.json"
    os.mkfifo(fifo)
    outcome = []
    reader = threading.Thread(target=lambda: outcome.append(_reason(lambda: read_json(fifo))), daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # unblock the reader so the test process can end, then fail
        with open(fifo, "wb"):
            pass
    assert outcome == ["not a regular file"]


def _reason(call) -> str:
    try:
        call()
    except Unreadable as exc:
        return str(exc)
    return "read"
