"""Editor's notes: the file ``notes/<YYYY-MM-DD>.toml``, read and checked strictly.

In: the workspace's notes folder (``[notes] folder``) and a date. Out: :func:`read_notes`, the day's ``[[note]]``
and ``[[add]]`` entries as checked plain values, or a :class:`NotesError` naming the file, the entry and the key.
The notes decide what is published (a ``kill`` that is not read publishes what the editor left out), so a file
that cannot be read, is too large or too deep (the guarded reader's limits), has an unknown key, a value of the
wrong type or a text over its length fails the build (exit 1, the previous issue kept); it
is never skipped.

The schema (keys, their types, their limits and what they do) is :data:`NOTE_KEYS` and :data:`ADD_KEYS`, declared
with the configuration's value types (:mod:`briefing.config.validate`) and checked as one record each; the
desk checks its requests against the same keys (:mod:`briefing.desk.corrections`), writes them
(:mod:`briefing.desk.editing`) and reads its history from them (:mod:`briefing.desk.history`); the editor_notes
plugin applies them to the build. A note names its item by ``item`` (the story's id), kept with ``reports`` (the
URLs, else document ids, of the reports it was made on) so that it follows its story when the story gains or
loses reports and its id changes; or by ``match`` (a phrase).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..config.schema import Option
from ..config.validate import EDITOR, Bool, Either, Invalid, ListOf, Record, Str, Unknown, Words
from ..errors import BuildError
from ..runtime.files import display_path
from ..runtime.guarded import parse_toml, read_bytes
from ..sources.sanitize import CONTROL, SURROGATE

NOTES_LIMIT = 1024 * 1024  # bytes of one day's notes file: a morning's corrections are a few KB
NOTES_DEPTH = 8  # levels of nesting: a notes file has 4 ([[add]] → sources → a source table → its values)
MAX_HEADLINE = 300  # characters of an editor's headline (the loaders cut titles there too)
MAX_COMMENT = 2000  # characters of an editor's comment
MAX_TEXT = 5000  # characters of a hand-written item's text
MAX_ID = 100  # characters of an item id or a section key (ids are 12)
MAX_REPORTS = 500  # reports a note is attached to (the largest story of a whole day has a few dozen)
MAX_SOURCES = 10  # sources of a hand-written item
MAX_URL = 2000  # characters of a report's or a source's address
KILLED = "killed"  # a history record's ``to_section`` when the editor left the item out


NOTE_KEYS: dict[str, Option] = {
    "item": Option(Str(limit=MAX_ID), None, "the item's id (report.json stories[].story, the HTML's id=\"item-…\")"),
    "reports": Option(ListOf(Str(non_empty=True, limit=MAX_URL), limit=MAX_REPORTS, each="report {n}"), None,
                      "the reports the note was made on, their URLs (else document ids), written by the desk: the "
                      "note follows the story that holds most of them"),
    "match": Option(Str(limit=MAX_HEADLINE), None, "or a phrase from its headline, else its text (any case)"),
    "comment": Option(Str(limit=MAX_COMMENT), None,
                      "a **Comment** – line under the item (emphasis and code only; links and HTML are escaped)"),
    "pin": Option(Bool(), None, "first in its section"),
    "kill": Option(Bool(), None, "left out of the issue; its place goes to the next story"),
    "headline": Option(Str(limit=MAX_HEADLINE), None, "a headline of the editor's instead of the draft's"),
    "section": Option(Str(limit=MAX_ID), None, "moved to this section (its key); summarized there"),
    "restore": Option(Bool(), None, "brought back: a story the draft left out is printed"),
    "from": Option(Str(limit=MAX_ID), None, "where the draft had put the item when the editor moved or left it out "
                                            "(written by the desk; changes nothing, read by the desk's history)"),
}
SOURCE_KEYS: dict[str, Option] = {"outlet": Option(Str(limit=MAX_HEADLINE), None, "the outlet's name"),
                                  "url": Option(Str(limit=MAX_URL), None, "the report's address")}
SOURCE = Either(Str(limit=MAX_HEADLINE), Record({k: o.type for k, o in SOURCE_KEYS.items()}, join=": "),
                name="a table { outlet = \"…\", url = \"…\" } or a string")
ADD_KEYS: dict[str, Option] = {
    "section": Option(Str(limit=MAX_ID), None, "the section's key (required)"),
    "headline": Option(Str(limit=MAX_HEADLINE), None, "the hand-written item's headline (required)"),
    "text": Option(Str(limit=MAX_TEXT), None, "its text"),
    "comment": Option(Str(limit=MAX_COMMENT), None, "a **Comment** – line under it"),
    "pin": Option(Bool(), None, "first in its section"),
    "sources": Option(ListOf(SOURCE, limit=MAX_SOURCES, each="source {n}",
                             name="a list of sources ({ outlet = \"…\", url = \"…\" } or \"Outlet\")"), None,
                      "its sources: [{ outlet = \"…\", url = \"…\" }] or [\"Outlet\"]"),
}
NOTE_ACTIONS = ("comment", "pin", "kill", "headline", "section", "restore")


def record(keys: dict[str, Option]) -> Record:
    """The keys of an entry as one record to check it against."""
    return Record({key: option.type for key, option in keys.items()})


class NotesError(BuildError):
    """The editor's notes cannot be applied as written: the build fails (exit 1), the previous issue is kept."""


def notes_folder(config) -> Path:
    return config.resolve(config.section("notes").folder)


def notes_path(config, date: dt.date) -> Path:
    """``notes/<date>.toml`` in the workspace (``[notes] folder``)."""
    return notes_folder(config) / f"{date.isoformat()}.toml"


def bad_character(text: str) -> str:
    """What is wrong with ``text`` as an editor's words: a control, bidirectional or invisible character (which
    every output would drop, or which could reorder what a reader sees), or half a UTF-16 pair; "" if none."""
    found = CONTROL.search(text) or SURROGATE.search(text)
    if found is None:
        return ""
    code = ord(found.group())
    what = ("a NUL character" if code == 0 else "a control character" if code < 0x20 or 0x7F <= code < 0xA0
            else "half of a UTF-16 pair" if 0xD800 <= code < 0xE000
            else "a bidirectional control character" if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069
            or code in (0x200E, 0x200F, 0x061C) else "an invisible character")
    return f"contains {what} (U+{code:04X})"


def said(error: Invalid, words: Words = EDITOR) -> str:
    """A refused value as a message to the editor says it; an unknown key with the keys that are known."""
    known = f"; known keys: {', '.join(map(str, error.known))}" if isinstance(error, Unknown) else ""
    return error.said(words) + known


def _note_problem(entry: dict) -> str:
    """The rules of a ``[[note]]`` beyond its keys' types."""
    if ("item" in entry) == ("match" in entry):
        return "name the item with either item = \"<id>\" or match = \"<phrase>\""
    empty = next((k for k in ("item", "match", "section") if k in entry and not entry[k].strip()), None)
    if empty:
        return f"{empty} is empty"
    if entry.get("kill") and entry.get("restore"):
        return "kill and restore are both true; keep one"
    return "reports go with item = \"<id>\"" if "reports" in entry and "item" not in entry else ""


def _add_problem(entry: dict) -> str:
    """The rules of an ``[[add]]`` beyond its keys' types."""
    missing = next((k for k in ("section", "headline") if not str(entry.get(k, "")).strip()), None)
    if missing:
        return f"{missing} is required"
    return next((f"source {n}: outlet is required" for n, source in enumerate(entry.get("sources", []), 1)
                 if isinstance(source, dict) and not source.get("outlet", "").strip()), "")


RULES = {"note": (record(NOTE_KEYS), _note_problem), "add": (record(ADD_KEYS), _add_problem)}


def check_entry(kind: str, number: int, entry: Any, where: str) -> dict[str, Any]:
    """One ``[[note]]`` or ``[[add]]`` checked against its keys, types, limits (its record) and rules; NotesError
    with the reason."""
    keys, rules = RULES[kind]
    label = f"{where}: {kind} {number}"
    if not isinstance(entry, dict):
        raise NotesError(f"{label}: expected a table ([[{kind}]]), got {EDITOR.shown(entry)}")
    try:
        entry = keys.check(entry, "")
    except Invalid as exc:
        raise NotesError(f"{label}: {said(exc)}") from None
    problem = rules(entry)
    if problem:
        raise NotesError(f"{label}: {problem}")
    return entry


def check_notes(data: Any, where: str) -> dict[str, list[dict[str, Any]]]:
    """The parsed TOML of a notes file, checked: ``{"note": [...], "add": [...]}``."""
    unknown = sorted(set(data) - set(RULES))
    if unknown:
        raise NotesError(f"{where}: unknown table(s) {', '.join(unknown)}"
                         f"{Unknown(unknown[0], list(RULES)).hint(EDITOR)}; use [[note]] and [[add]]")
    out: dict[str, list[dict[str, Any]]] = {}
    for name in RULES:
        entries = data.get(name, [])
        if not isinstance(entries, list):
            raise NotesError(f"{where}: {name} must be written [[{name}]] (an array of tables)")
        out[name] = [check_entry(name, n, e, where) for n, e in enumerate(entries, 1)]
    return out


def _refuse(where: str):
    def error(reason: str) -> NotesError:
        fix = "; fix the file, then build again" if reason.startswith("not valid TOML") else ""
        return NotesError(f"{where}: {reason}{fix}")
    return error


def parse_notes(text: str | bytes, where: str) -> dict[str, list[dict[str, Any]]]:
    """A notes file's text, parsed by the guarded reader (size and depth limits) and checked."""
    return check_notes(parse_toml(text, limit=NOTES_LIMIT, depth=NOTES_DEPTH, error=_refuse(where)), where)


def read_notes(path: Path, workspace: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """The checked notes of one file; NotesError when it cannot be read as written."""
    where = f"editor's notes {display_path(path, workspace) if workspace else path}"
    try:
        data = read_bytes(path, NOTES_LIMIT, _refuse(where))
    except FileNotFoundError:
        raise NotesError(f"{where}: cannot be read: no such file") from None
    return parse_notes(data, where)


def report_key(document) -> str:
    """How a note names one report: the document's URL, else its id."""
    return document.url or document.id


def story_reports(report: dict[str, Any], story_id: str) -> list[str]:
    """The reports of one story of a built day (its ``report.json`` as a dict), as a note names them."""
    keys = {d.get("id"): d.get("url") or d.get("id") for d in report.get("documents", [])}
    entries = [*report.get("stories", []), *report.get("dropped", [])]
    entry = next((e for e in entries if e.get("story") == story_id and e.get("documents")), None)
    return [keys.get(i) or i for i in entry["documents"]] if entry else []
