"""Editing the notes file: one correction of the desk written into the file's text without losing a word.

In: the file's text (possibly empty), one checked correction, and what the desk knows of the item (where the
draft has it, its headline, its reports, the note the build applied to it). Out: the new text, written with
tomlkit, which keeps every other line and comment as it was (the desk writes the file atomically, under the
output lock). Each kind of correction is one entry of :data:`EDITS`: how it changes the item's note.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any, Callable

from ..sources.sanitize import one_line
from .notes import NOTE_ACTIONS

HEADLINE_COMMENT = 120  # characters of the headline written as a comment on a note's header line


@dataclass
class Target:
    """What the desk knows of the item a correction is for."""

    item: str
    from_section: str = ""  # the section the draft has it in ("" when it did not print)
    headline: str = ""
    reports: list[str] = field(default_factory=list)  # its reports (URLs, else document ids)
    own: int | None = None  # the [[note]] (1-based) the last build applied to it, if any
    killed_by: int | None = None  # for a restore: the note whose kill left it out


def _drop(table, *keys: str) -> None:
    for key in keys:
        if key in table:
            del table[key]


def _flag(key: str, clears: str = "", records_from: bool = False) -> Callable:
    """An edit that sets ``key = true`` (taking ``clears`` away), or takes ``key`` away."""
    def edit(table, value: bool, target: Target) -> None:
        if not value:
            _drop(table, key)
            return
        table[key] = True
        if clears:
            _drop(table, clears)
        if records_from and target.from_section and "from" not in table:
            table["from"] = target.from_section
    return edit


def _text(key: str) -> Callable:
    """An edit that writes the editor's text (on one line), or takes it away when empty."""
    def edit(table, value: str, target: Target) -> None:
        text = one_line(value)
        if text:
            table[key] = text
        else:
            _drop(table, key)
    return edit


def _move(table, section: str, target: Target) -> None:
    """Moved to ``section``; moved back where the draft had it takes the move away."""
    origin = str(table.get("from", target.from_section))
    if section == origin:
        _drop(table, "section", "from")
        return
    table["section"] = section
    if origin and "from" not in table:
        table["from"] = origin


EDITS: dict[str, Callable] = {
    "kill": _flag("kill", clears="restore", records_from=True),
    "pin": _flag("pin"),
    "restore": _flag("restore", clears="kill"),
    "headline": _text("headline"),
    "comment": _text("comment"),
    "section": _move,
}


def _reports_array(reports: list[str]):
    import tomlkit

    array = tomlkit.array()
    array.extend(reports)
    return array.multiline(len(reports) > 1)


def _attach(notes, attach: dict[int, list[str]]) -> None:
    """Old notes (keyed by the story's id alone) given the reports of the story they were applied to."""
    for number, reports in attach.items():
        if notes is not None and 0 < number <= len(notes) and "item" in notes[number - 1] and reports and \
                "reports" not in notes[number - 1]:
            notes[number - 1]["reports"] = _reports_array(reports)


def _add(doc, add: dict[str, Any]) -> None:
    import tomlkit

    table = tomlkit.table()
    for key, value in add.items():
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


def _own_note(notes, target: Target) -> int | None:
    """The index of the desk's note for the item: the note the build applied to it (it may name the story by
    yesterday's id), else the first ``[[note]]`` with ``item = "<id>"``."""
    if notes is None:
        return None
    if target.own is not None and 0 < target.own <= len(notes) and "item" in notes[target.own - 1]:
        return target.own - 1
    return next((i for i, t in enumerate(notes) if t.get("item") == target.item), None)


def _new_note(doc, target: Target):
    import tomlkit

    new = tomlkit.table()
    new.add("item", target.item)
    if target.headline:
        new.comment(one_line(target.headline)[:HEADLINE_COMMENT])
    notes = doc.get("note")
    if notes is None:
        notes = tomlkit.aot()
        doc.append("note", notes)
    notes.append(new)
    return notes, len(notes) - 1


def edit_notes(text: str, correction: dict[str, Any], *, from_section: str = "", headline: str = "",
               note_number: int | None = None, reports: list[str] | None = None, own: int | None = None,
               attach: dict[int, list[str]] | None = None) -> str:
    """``text`` (a notes file, possibly empty) with one correction of the desk written in.

    ``correction`` is checked by the caller: ``{"item": id}`` with one of ``kill``, ``pin``, ``restore`` (bools),
    ``section``, ``headline``, ``comment`` (strings; an empty string takes the editor's value away), or
    ``{"add": {...}}`` (an [[add]] table). The desk's note for an item is the one the last build applied to it
    (``own``), else the first ``[[note]]`` with ``item = "<id>"``; it is made when missing (with the headline as
    a comment on its header line) and always carries the item's id and ``reports`` as they are today.
    ``note_number``: for a restore, the note (1-based) whose ``kill`` left the item out. ``attach``: notes
    written before notes carried their reports (note number → the reports of the story it was applied to).
    """
    import tomlkit

    doc = tomlkit.parse(text) if text.strip() else tomlkit.document()
    _attach(doc.get("note"), attach or {})
    if "add" in correction:
        _add(doc, correction["add"])
        return _dump(doc)
    target = Target(correction["item"], from_section, headline, list(reports or []), own, note_number)
    notes = doc.get("note")
    if correction.get("restore") and _take_back_kill(notes, target):
        return _dump(doc)
    index = _own_note(notes, target)
    if index is None:
        if not any(correction.get(k) for k in NOTE_ACTIONS):
            return _dump(doc) if attach else text  # nothing to take back
        notes, index = _new_note(doc, target)
    table = notes[index]
    table["item"] = target.item  # the note follows its story: today's id and reports
    if target.reports:
        table["reports"] = _reports_array(target.reports)
    action = next(k for k in EDITS if k in correction)
    EDITS[action](table, correction[action], target)
    if not any(k in table for k in NOTE_ACTIONS):
        del notes[index]
    return _dump(doc)


def _take_back_kill(notes, target: Target) -> bool:
    """The editor's own leave-out taken back (the note's other corrections stay); False when there is none."""
    number = target.killed_by
    if notes is None or number is None or not 0 < number <= len(notes) or not notes[number - 1].get("kill"):
        return False
    table = notes[number - 1]
    del table["kill"]
    if "item" in table and not any(k in table for k in NOTE_ACTIONS):
        del notes[number - 1]
    return True


def _dump(doc) -> str:
    """The document's text, with a blank line before each table that tomlkit set right under another."""
    import tomlkit

    if doc.get("note") is not None and len(doc["note"]) == 0:
        del doc["note"]
    text = tomlkit.dumps(doc)
    spaced: list[str] = []
    for line in text.splitlines():
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
