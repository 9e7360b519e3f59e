"""Editor's notes: the file ``notes/<YYYY-MM-DD>.toml``, read and checked strictly, edited without losing a word.

In: the workspace's notes folder (``[notes] folder``) and a date. Out:

- :func:`read_notes`: the day's ``[[note]]`` and ``[[add]]`` entries as checked plain values, or a
  :class:`NotesError` naming the file, the entry and the key. The notes decide what is published (a ``kill``
  that is not read publishes what the editor left out), so a file that cannot be read, an unknown key or a
  value of the wrong type fails the build (exit 1, the previous issue kept); it is never skipped.
- :func:`edit_notes`: one correction from the desk written into the file's text with tomlkit, which keeps what
  is there, comments included (the desk writes the file atomically, under the output lock).
- :func:`desk_history`: the editors' moves and leave-outs of the last ``[desk] learn_days`` days, as records.

The schema (keys, their types and what they do) is :data:`NOTE_KEYS` and :data:`ADD_KEYS`; the editor_notes
plugin applies the notes to the build, the desk (:mod:`briefing.desk.service`) writes them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import logging
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import BuildError
from ..runtime.files import display_path

log = logging.getLogger("briefing.notes")

# key → (type, what it does); every [[note]] names its item by ``item`` or ``match``
NOTE_KEYS: dict[str, tuple[type, str]] = {
    "item": (str, "the item's id (report.json stories[].story, the HTML's id=\"item-…\")"),
    "match": (str, "or a phrase from its headline, else its text (any case)"),
    "comment": (str, "a **Comment** – line under the item (emphasis and code only; links and HTML are escaped)"),
    "pin": (bool, "first in its section"),
    "kill": (bool, "left out of the issue; its place goes to the next story"),
    "headline": (str, "a headline of the editor's instead of the draft's"),
    "section": (str, "moved to this section (its key); summarized there"),
    "restore": (bool, "brought back: a story the draft left out is printed"),
    "from": (str, "where the draft had put the item when the editor moved or left it out (written by the desk; "
                  "changes nothing, read by the desk's history)"),
}
ADD_KEYS: dict[str, tuple[type, str]] = {
    "section": (str, "the section's key (required)"),
    "headline": (str, "the hand-written item's headline (required)"),
    "text": (str, "its text"),
    "comment": (str, "a **Comment** – line under it"),
    "pin": (bool, "first in its section"),
    "sources": (list, "its sources: [{ outlet = \"…\", url = \"…\" }] or [\"Outlet\"]"),
}
NOTE_ACTIONS = ("comment", "pin", "kill", "headline", "section", "restore")
KILLED = "killed"  # a history record's ``to_section`` when the editor left the item out
TYPE_NAMES = {str: "a string", bool: "true or false", list: "a list"}


class NotesError(BuildError):
    """The editor's notes cannot be applied as written: the build fails (exit 1), the previous issue is kept."""


def notes_folder(config) -> Path:
    return config.resolve(config.table("notes").get("folder") or "notes")


def notes_path(config, date: dt.date) -> Path:
    """``notes/<date>.toml`` in the workspace (``[notes] folder``)."""
    return notes_folder(config) / f"{date.isoformat()}.toml"


def _suggest(key: str, known) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def check_entry(kind: str, number: int, entry: Any, where: str) -> dict[str, Any]:
    """One ``[[note]]`` or ``[[add]]`` checked against its keys and types; NotesError with the reason."""
    schema = NOTE_KEYS if kind == "note" else ADD_KEYS
    label = f"{where}: {kind} {number}"
    if not isinstance(entry, dict):
        raise NotesError(f"{label}: expected a table ([[{kind}]]), got {_kind(entry)}")
    for key, value in entry.items():
        if key not in schema:
            raise NotesError(f"{label}: unknown key {key!r}{_suggest(key, schema)}; known keys: "
                             f"{', '.join(schema)}")
        expected = schema[key][0]
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise NotesError(f"{label}: {key} must be {TYPE_NAMES[expected]}, not {_kind(value)}")
    if kind == "note":
        if ("item" in entry) == ("match" in entry):
            raise NotesError(f"{label}: name the item with either item = \"<id>\" or match = \"<phrase>\"")
        for key in ("item", "match"):
            if key in entry and not entry[key].strip():
                raise NotesError(f"{label}: {key} is empty")
        if entry.get("kill") and entry.get("restore"):
            raise NotesError(f"{label}: kill and restore are both true; keep one")
        if "section" in entry and not entry["section"].strip():
            raise NotesError(f"{label}: section is empty")
    else:
        for key in ("section", "headline"):
            if not str(entry.get(key, "")).strip():
                raise NotesError(f"{label}: {key} is required")
        for n, source in enumerate(entry.get("sources", []), 1):
            if isinstance(source, str):
                continue
            if not isinstance(source, dict):
                raise NotesError(f"{label}: source {n} must be a table {{ outlet = \"…\", url = \"…\" }} or a "
                                 f"string, not {_kind(source)}")
            for key, value in source.items():
                if key not in ("outlet", "url"):
                    raise NotesError(f"{label}: source {n}: unknown key {key!r}{_suggest(key, ('outlet', 'url'))}")
                if not isinstance(value, str):
                    raise NotesError(f"{label}: source {n}: {key} must be a string, not {_kind(value)}")
            if not source.get("outlet", "").strip():
                raise NotesError(f"{label}: source {n}: outlet is required")
    return entry


def check_notes(data: Any, where: str) -> dict[str, list[dict[str, Any]]]:
    """The parsed TOML of a notes file, checked: ``{"note": [...], "add": [...]}``."""
    unknown = sorted(set(data) - {"note", "add"})
    if unknown:
        raise NotesError(f"{where}: unknown table(s) {', '.join(unknown)}"
                         f"{_suggest(unknown[0], ('note', 'add'))}; use [[note]] and [[add]]")
    out: dict[str, list[dict[str, Any]]] = {}
    for kind in ("note", "add"):
        entries = data.get(kind, [])
        if not isinstance(entries, list):
            raise NotesError(f"{where}: {kind} must be written [[{kind}]] (an array of tables)")
        out[kind] = [check_entry(kind, n, e, where) for n, e in enumerate(entries, 1)]
    return out


def parse_notes(text: str, where: str) -> dict[str, list[dict[str, Any]]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NotesError(f"{where}: not valid TOML: {exc}; fix the file, then build again") from None
    return check_notes(data, where)


def read_notes(path: Path, workspace: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """The checked notes of one file; NotesError when it cannot be read as written."""
    where = f"editor's notes {display_path(path, workspace) if workspace else path}"
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotesError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise NotesError(f"{where}: cannot be read: {exc.strerror or exc}") from None
    return parse_notes(text, where)


# -- editing (the desk) -------------------------------------------------------------------------------------


def _note_tables(doc):
    return doc.get("note") if doc.get("note") is not None else None


def _actions(table) -> list[str]:
    return [k for k in NOTE_ACTIONS if k in table]


def edit_notes(text: str, correction: dict[str, Any], *, from_section: str = "", headline: str = "",
               note_number: int | None = None) -> str:
    """``text`` (a notes file, possibly empty) with one correction of the desk written in; tomlkit keeps every
    other line and comment as it was.

    ``correction`` is checked by the caller: ``{"item": id}`` with one of ``kill``, ``pin``, ``restore`` (bools),
    ``section``, ``headline``, ``comment`` (strings; an empty string takes the editor's value away), or
    ``{"add": {...}}`` (an [[add]] table). The desk's own note for an item is the first ``[[note]]`` with
    ``item = "<id>"``; it is made when missing (with the headline as a comment on its header line).
    ``note_number``: for a restore, the note (1-based) whose ``kill`` left the item out.
    """
    import tomlkit

    doc = tomlkit.parse(text) if text.strip() else tomlkit.document()
    if "add" in correction:
        table = tomlkit.table()
        for key, value in correction["add"].items():
            if key == "sources":
                sources = tomlkit.array()
                for source in value:
                    inline = tomlkit.inline_table()
                    inline.update({k: v for k, v in source.items() if v})
                    sources.append(inline)
                table.add(key, sources)
            elif value not in ("", None, False):
                table.add(key, value)
        adds = doc.get("add")
        if adds is None:
            adds = tomlkit.aot()
            doc.append("add", adds)
        adds.append(table)
        return _dump(doc)

    item = correction["item"]
    notes = _note_tables(doc)
    if correction.get("restore") and note_number is not None and notes is not None and \
            0 < note_number <= len(notes) and notes[note_number - 1].get("kill"):
        table = notes[note_number - 1]  # the editor's own leave-out is taken back
        del table["kill"]
        if "item" in table and not _actions(table):
            del notes[note_number - 1]
        return _dump(doc)
    index = next((i for i, t in enumerate(notes or []) if t.get("item") == item), None)
    if index is None:
        if not any(correction.get(k) for k in NOTE_ACTIONS):
            return text  # nothing to take back
        new = tomlkit.table()
        new.add("item", item)
        if headline:
            new.comment(" ".join(headline.split())[:120])
        if notes is None:
            notes = tomlkit.aot()
            doc.append("note", notes)
        notes.append(new)
        index = len(notes) - 1
    table = notes[index]
    for key in ("kill", "pin", "restore"):
        if key not in correction:
            continue
        if correction[key]:
            table[key] = True
            opposite = {"kill": "restore", "restore": "kill"}.get(key)
            if opposite and opposite in table:
                del table[opposite]
            if key == "kill" and from_section and "from" not in table:
                table["from"] = from_section
        elif key in table:
            del table[key]
    for key in ("headline", "comment"):
        if key in correction:
            value = " ".join(str(correction[key]).split())
            if value:
                table[key] = value
            elif key in table:
                del table[key]
    if "section" in correction:
        target = correction["section"]
        origin = str(table.get("from", from_section))
        if target == origin:  # moved back where the draft had it
            for key in ("section", "from"):
                if key in table:
                    del table[key]
        else:
            table["section"] = target
            if origin and "from" not in table:
                table["from"] = origin
    if not _actions(table):
        del notes[index]
    return _dump(doc)


def _dump(doc) -> str:
    """The document's text, with a blank line before each table that tomlkit set right under another."""
    import tomlkit

    if doc.get("note") is not None and len(doc["note"]) == 0:
        del doc["note"]
    text = tomlkit.dumps(doc)
    lines = text.splitlines()
    spaced: list[str] = []
    for line in lines:
        if line.startswith("[") and spaced and spaced[-1].strip() and not spaced[-1].lstrip().startswith("#"):
            spaced.append("")
        spaced.append(line)
    tidy = "\n".join(spaced).strip("\n") + "\n" if spaced else ""
    try:  # only whitespace may change; a line that merely looked like a table header keeps the text as it was
        if tomllib.loads(tidy) == tomllib.loads(text):
            text = tidy
    except tomllib.TOMLDecodeError:
        pass
    return text if not text or text.endswith("\n") else text + "\n"


# -- the desk's history -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskRecord:
    """One correction of the desk that can teach the draft: an item moved to another section, or left out."""

    date: dt.date
    item: str  # the story id ("" when the note names its item by a phrase: see ``match``)
    from_section: str  # where the draft had put it ("" when not recorded)
    to_section: str  # the section the editor moved it to, or "killed"
    headline: str  # as the draft printed it ("" when that day's files are gone)
    match: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["date"] = self.date.isoformat()
        return out


def _day_headlines(out: Path, date: dt.date) -> dict[str, str]:
    """Item and story ids of one built day → their headlines (issue.json first, then report.json)."""
    folder = Path(out) / date.isoformat()
    found: dict[str, str] = {}
    try:
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        for entry in report.get("stories", []):
            found[str(entry.get("story"))] = str((entry.get("item") or {}).get("headline") or entry.get("headline"))
        for entry in report.get("dropped", []):
            if entry.get("story"):
                found[str(entry["story"])] = str(entry.get("what", ""))
    except (OSError, ValueError, AttributeError):
        pass
    try:
        issue = json.loads((folder / "issue.json").read_text(encoding="utf-8"))
        for section in issue.get("sections", []):
            for item in section.get("items", []):
                found[str(item["id"])] = str(item["headline"])
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        pass
    return found


def desk_history(config, days: int | None = None, today: dt.date | None = None) -> list[DeskRecord]:
    """The editors' moves and leave-outs of the last ``days`` days (default ``[desk] learn_days``) up to
    ``today`` (default: the configuration's date, else today), oldest first, read from ``notes/DATE.toml``.

    A ``[[note]]`` with ``kill = true`` is a leave-out, one with ``section = "…"`` a move (``from`` says where
    the draft had put it; the desk writes it). A notes file that cannot be read is skipped with a warning:
    the build of its day fails on it anyway.
    """
    days = int(config.table("desk").get("learn_days", 60) if days is None else days)
    today = today or config.date or dt.date.today()
    folder = notes_folder(config)
    records: list[DeskRecord] = []
    if days <= 0 or not folder.is_dir():
        return records
    for path in sorted(folder.glob("*.toml")):
        try:
            date = dt.date.fromisoformat(path.stem)
        except ValueError:
            continue
        if not (today - dt.timedelta(days=days) < date <= today):
            continue
        try:
            notes = read_notes(path, config.workspace)
        except NotesError as exc:
            log.warning("desk history: %s", exc)
            continue
        headlines = None
        for note in notes["note"]:
            if not (note.get("kill") or note.get("section")):
                continue
            if headlines is None:
                headlines = _day_headlines(config.out, date)
            item = note.get("item", "")
            records.append(DeskRecord(date=date, item=item, from_section=note.get("from", ""),
                                      to_section=KILLED if note.get("kill") else note["section"],
                                      headline=headlines.get(item, "") if item else "",
                                      match=note.get("match", "")))
    return records
