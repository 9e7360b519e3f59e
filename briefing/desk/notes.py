"""Editor's notes: the file ``notes/<YYYY-MM-DD>.toml``, read and checked strictly.

In: the workspace's notes folder (``[notes] folder``) and a date. Out: :func:`read_notes`, the day's ``[[note]]``
and ``[[add]]`` entries as checked plain values, or a :class:`NotesError` naming the file, the entry and the key.
The notes decide what is published (a ``kill`` that is not read publishes what the editor left out), so a file
that cannot be read, is too large or too deep (the guarded reader's limits), has an unknown key, a value of the
wrong type or a text over its length fails the build (exit 1, the previous issue kept); it
is never skipped.

The schema (keys, their types, their limits and what they do) is :data:`NOTE_KEYS` and :data:`ADD_KEYS`; the
desk checks its requests against the same keys (:mod:`briefing.desk.corrections`), writes them
(:mod:`briefing.desk.editing`) and reads its history from them (:mod:`briefing.desk.history`); the editor_notes
plugin applies them to the build. A note names its item by ``item`` (the story's id), kept with ``reports`` (the
URLs, else document ids, of the reports it was made on) so that it follows its story when the story gains or
loses reports and its id changes; or by ``match`` (a phrase).
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class Key:
    """One key of a ``[[note]]`` or an ``[[add]]``: its type, the longest value, and what it does."""

    kind: type
    text: str
    limit: int = 0  # characters of a string, or entries of a list (0: no limit of its own)


NOTE_KEYS: dict[str, Key] = {
    "item": Key(str, "the item's id (report.json stories[].story, the HTML's id=\"item-…\")", MAX_ID),
    "reports": Key(list, "the reports the note was made on, their URLs (else document ids), written by the desk: "
                         "the note follows the story that holds most of them", MAX_REPORTS),
    "match": Key(str, "or a phrase from its headline, else its text (any case)", MAX_HEADLINE),
    "comment": Key(str, "a **Comment** – line under the item (emphasis and code only; links and HTML are escaped)",
                   MAX_COMMENT),
    "pin": Key(bool, "first in its section"),
    "kill": Key(bool, "left out of the issue; its place goes to the next story"),
    "headline": Key(str, "a headline of the editor's instead of the draft's", MAX_HEADLINE),
    "section": Key(str, "moved to this section (its key); summarized there", MAX_ID),
    "restore": Key(bool, "brought back: a story the draft left out is printed"),
    "from": Key(str, "where the draft had put the item when the editor moved or left it out (written by the desk; "
                     "changes nothing, read by the desk's history)", MAX_ID),
}
ADD_KEYS: dict[str, Key] = {
    "section": Key(str, "the section's key (required)", MAX_ID),
    "headline": Key(str, "the hand-written item's headline (required)", MAX_HEADLINE),
    "text": Key(str, "its text", MAX_TEXT),
    "comment": Key(str, "a **Comment** – line under it", MAX_COMMENT),
    "pin": Key(bool, "first in its section"),
    "sources": Key(list, "its sources: [{ outlet = \"…\", url = \"…\" }] or [\"Outlet\"]", MAX_SOURCES),
}
SOURCE_KEYS: dict[str, Key] = {"outlet": Key(str, "the outlet's name", MAX_HEADLINE),
                               "url": Key(str, "the report's address", MAX_URL)}
NOTE_ACTIONS = ("comment", "pin", "kill", "headline", "section", "restore")
TYPE_NAMES = {str: "a string", bool: "true or false", list: "a list"}


class NotesError(BuildError):
    """The editor's notes cannot be applied as written: the build fails (exit 1), the previous issue is kept."""


def notes_folder(config) -> Path:
    return config.resolve(config.section("notes").folder)


def notes_path(config, date: dt.date) -> Path:
    """``notes/<date>.toml`` in the workspace (``[notes] folder``)."""
    return notes_folder(config) / f"{date.isoformat()}.toml"


def suggest(key: str, known) -> str:
    """`` (did you mean 'kill'?)`` for a key close to a known one, else ""."""
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def kind_of(value: Any) -> str:
    """How a value is named in a message: ``the string 'no'``, ``the number 1``, ``a list``."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:60]!r}"
    return {list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


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


def check_value(key: str, value: Any, spec: Key, characters: bool = False) -> str:
    """Why ``value`` cannot be the value of ``key``, or "" when it can. ``characters``: refuse the characters
    :func:`bad_character` names too (the desk does; in a file written by hand they are dropped from every
    output, as in any source text)."""
    if not isinstance(value, spec.kind) or (spec.kind is not bool and isinstance(value, bool)):
        return f"{key} must be {TYPE_NAMES[spec.kind]}, not {kind_of(value)}"
    if spec.limit and len(value) > spec.limit:
        unit = "characters long" if spec.kind is str else "entries"
        return f"{key} is {len(value):,} {unit}; at most {spec.limit:,}"
    bad = bad_character(value) if characters and spec.kind is str else ""
    return f"{key} {bad}" if bad else ""


def check_keys(entry: dict, schema: dict[str, Key], characters: bool = False) -> str:
    """The first unknown key or bad value of ``entry`` against ``schema``, as a reason; "" when all are right."""
    for key, value in entry.items():
        if key not in schema:
            return f"unknown key {key!r}{suggest(key, schema)}; known keys: {', '.join(schema)}"
        problem = check_value(key, value, schema[key], characters)
        if problem:
            return problem
    return ""


def _reports_problem(entry: dict) -> str:
    for n, report in enumerate(entry.get("reports", []), 1):
        problem = check_value(f"report {n}", report, Key(str, "", MAX_URL))
        if problem or not report.strip():
            return problem or f"report {n} is empty"
    return ""


def _note_problem(entry: dict) -> str:
    """The rules of a ``[[note]]`` beyond its keys' types."""
    if ("item" in entry) == ("match" in entry):
        return "name the item with either item = \"<id>\" or match = \"<phrase>\""
    empty = next((k for k in ("item", "match", "section") if k in entry and not entry[k].strip()), None)
    if empty:
        return f"{empty} is empty"
    if entry.get("kill") and entry.get("restore"):
        return "kill and restore are both true; keep one"
    if "reports" in entry and "item" not in entry:
        return "reports go with item = \"<id>\""
    return _reports_problem(entry)


def _source_problem(n: int, source: Any) -> str:
    if isinstance(source, str):
        return check_value(f"source {n}", source, SOURCE_KEYS["outlet"])
    if not isinstance(source, dict):
        return f"source {n} must be a table {{ outlet = \"…\", url = \"…\" }} or a string, not {kind_of(source)}"
    problem = check_keys(source, SOURCE_KEYS)
    if problem:
        return f"source {n}: {problem}"
    return "" if source.get("outlet", "").strip() else f"source {n}: outlet is required"


def _add_problem(entry: dict) -> str:
    """The rules of an ``[[add]]`` beyond its keys' types."""
    missing = next((k for k in ("section", "headline") if not str(entry.get(k, "")).strip()), None)
    if missing:
        return f"{missing} is required"
    return next((p for p in (_source_problem(n, s) for n, s in enumerate(entry.get("sources", []), 1)) if p), "")


RULES = {"note": (NOTE_KEYS, _note_problem), "add": (ADD_KEYS, _add_problem)}


def check_entry(kind: str, number: int, entry: Any, where: str) -> dict[str, Any]:
    """One ``[[note]]`` or ``[[add]]`` checked against its keys, types, limits and rules; NotesError with the
    reason."""
    schema, rules = RULES[kind]
    label = f"{where}: {kind} {number}"
    if not isinstance(entry, dict):
        raise NotesError(f"{label}: expected a table ([[{kind}]]), got {kind_of(entry)}")
    problem = check_keys(entry, schema) or rules(entry)
    if problem:
        raise NotesError(f"{label}: {problem}")
    return entry


def check_notes(data: Any, where: str) -> dict[str, list[dict[str, Any]]]:
    """The parsed TOML of a notes file, checked: ``{"note": [...], "add": [...]}``."""
    unknown = sorted(set(data) - set(RULES))
    if unknown:
        raise NotesError(f"{where}: unknown table(s) {', '.join(unknown)}"
                         f"{suggest(unknown[0], RULES)}; use [[note]] and [[add]]")
    out: dict[str, list[dict[str, Any]]] = {}
    for kind in RULES:
        entries = data.get(kind, [])
        if not isinstance(entries, list):
            raise NotesError(f"{where}: {kind} must be written [[{kind}]] (an array of tables)")
        out[kind] = [check_entry(kind, n, e, where) for n, e in enumerate(entries, 1)]
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
