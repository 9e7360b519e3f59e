"""The one validator the configuration, the editor's notes and the desk's requests are checked with: a wrong type,
an unknown key with the closest valid name, and a value out of its range, each said in its reader's words."""

import pytest

from briefing.config.schema import ConfigError, Int, Option, Table, check_table
from briefing.config.validate import CONFIG, EDITOR, Bool, Invalid, Record, Str, Unknown
from briefing.desk.corrections import DeskError, check
from briefing.desk.notes import NotesError, parse_notes

FIELDS = Record({"title": Str(limit=5), "count": Int(1, 10), "pin": Bool()})
VIEW = {"date": "2023-03-20", "sections": [{"key": "china", "items": [{"id": "a1", "kind": "story",
                                                                        "section": "china"}]}], "dropped": []}


def refused(value, where="t"):
    with pytest.raises(Invalid) as caught:
        FIELDS.check(value, where)
    return caught.value


# -- the validator itself -----------------------------------------------------------------------------------


def test_a_record_refuses_a_wrong_type_in_either_words():
    error = refused({"pin": "yes"})
    assert error.where == "t pin" and error.expected == "true or false" and error.value == "yes"
    assert error.said(CONFIG) == "t pin: expected true or false, got 'yes'"
    assert error.said(EDITOR) == "t pin must be true or false, not the string 'yes'"


def test_a_record_raises_an_unknown_key_with_the_closest_name_or_collects_it():
    error = refused({"titel": "x"})
    assert isinstance(error, Unknown) and error.key == "titel"
    assert str(error) == "unknown key 'titel' in t; did you mean 'title'?"
    assert error.said(EDITOR) == "unknown key 'titel' in t (did you mean 'title'?)"
    unknown: list[Unknown] = []
    assert FIELDS.check({"zzz": 1, "pin": True}, "t", unknown) == {"pin": True}
    assert [str(u) for u in unknown] == ["unknown key 'zzz' in t (known: count, pin, title)"]


def test_a_record_refuses_a_number_or_a_length_out_of_range():
    assert str(refused({"count": 11})) == "t count: expected a whole number of at least 1 and at most 10, got 11"
    assert str(refused({"count": 0})) == "t count: expected a whole number of at least 1 and at most 10, got 0"
    assert refused({"title": "abcdef"}).said(EDITOR) == "t title is 6 characters long; at most 5"
    assert FIELDS.check({"count": 10, "title": "abcde"}, "t") == {"count": 10, "title": "abcde"}


# -- its three users ----------------------------------------------------------------------------------------


TABLE = Table("a test table", {"days": Option(Int(0, 30), 3, "days kept"), "on": Option(Bool(), True, "on")})


def test_a_configuration_table():
    unknown: list[Unknown] = []
    assert dict(check_table("keep", TABLE, {"dayz": 1}, unknown)) == {"days": 3, "on": True}
    assert [str(u) for u in unknown] == ["unknown key 'dayz' in [keep]; did you mean 'days'?"]
    with pytest.raises(ConfigError, match=r"^\[keep\] on: expected true or false, got 'no'$"):
        check_table("keep", TABLE, {"on": "no"}, [])
    with pytest.raises(ConfigError, match=r"^\[keep\] days: expected a whole number of at least 0 and at most 30, "
                                          r"got 31$"):
        check_table("keep", TABLE, {"days": 31}, [])


@pytest.mark.parametrize("text, says", [
    ('[[note]]\nitem = "x"\npin = "no"\n', "f: note 1: pin must be true or false, not the string 'no'"),
    ('[[note]]\nitem = "x"\npni = true\n', ("f: note 1: unknown key 'pni' (did you mean 'pin'?); known keys: item, "
                                            "reports, match, comment, pin, kill, headline, section, restore, from")),
    ('[[note]]\nitem = "x"\nheadline = "' + "h" * 301 + '"\n',
     "f: note 1: headline is 301 characters long; at most 300"),
    ('[[add]]\nsection = "a"\nheadline = "b"\nsources = [{ outlet = "o", ulr = "u" }]\n',
     "f: add 1: unknown key 'ulr' in source 1 (did you mean 'url'?); known keys: outlet, url"),
])
def test_a_notes_entry(text, says):
    with pytest.raises(NotesError) as caught:
        parse_notes(text, "f")
    assert str(caught.value) == says


@pytest.mark.parametrize("body, says", [
    ({"item": "a1", "pin": "no"}, 'pin must be true or false, not "no"'),
    ({"item": "a1", "pni": True}, ("unknown key 'pni' (did you mean 'pin'?); a correction is {\"item\": id, one of "
                                   "kill, pin, section, headline, comment, restore} or {\"add\": …}")),
    ({"item": "a1", "headline": "h" * 301}, "headline is 301 characters long; at most 300"),
    ({"add": {"section": "china", "headlin": "x"}}, ("add: unknown key 'headlin' (did you mean 'headline'?); "
                                                     "known keys: section, headline, text, comment, pin, sources")),
])
def test_a_desk_request(body, says):
    with pytest.raises(DeskError) as caught:
        check(body, VIEW, lambda key: True)
    assert caught.value.status == 422 and str(caught.value) == says
