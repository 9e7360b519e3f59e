"""Editor's notes: a TOML file per day, ``notes/<YYYY-MM-DD>.toml`` in the workspace, applied to the issue.

A ``[[note]]`` finds one item by ``item`` (its stable id: ``report.json`` ``stories[].story``, the HTML's
``id="item-…"``) or by ``match`` (a phrase from its headline, else its text; case-insensitive) and may:

- ``comment = "…"``: add a ``**Comment** – …`` paragraph (Markdown, raw HTML disabled);
- ``pin = true``: move it to the top of its section;
- ``kill = true``: leave it out of the issue;
- ``headline = "…"``: replace its headline.

An ``[[add]]`` puts a hand-written item into a section: ``section`` (its key), ``headline``, ``text``, and
optionally ``comment``, ``pin``, ``sources = [{outlet = "…", url = "…"}]``.

A note that matches nothing, is ambiguous, or has unknown keys is reported: a warning on stderr and an
entry in ``report.json`` (``notes`` of kind ``editor-unmatched`` / ``editor-warning``), never dropped silently.
Configuration (optional): ``[notes] folder = "notes"``.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Any

from briefing import Item, Source, hookimpl, stable_id
from briefing.api import Option, Str, Table

log = logging.getLogger("briefing.editor_notes")

NOTE_KEYS = {"item", "match", "comment", "pin", "kill", "headline"}
ADD_KEYS = {"section", "headline", "text", "comment", "pin", "sources"}


def notes_path(config, date) -> Path:
    folder = config.resolve(config.table("notes")["folder"])
    return folder / f"{date.isoformat()}.toml"


def read_notes(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"editor's notes {path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"note", "add"})
    if unknown:
        raise ValueError(f"editor's notes {path}: unknown table(s) {', '.join(unknown)}; use [[note]] and [[add]]")
    for key in ("note", "add"):
        if not isinstance(data.get(key, []), list):
            raise ValueError(f"editor's notes {path}: {key} must be written [[{key}]]")
    return data


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def _text_of(item: Item) -> str:
    return " ".join(item.paragraphs).lower()


def find(issue, note: dict[str, Any]) -> list[tuple[Any, Item]]:
    """(section, item) pairs the note points at: by id, else by phrase in headline, else in text."""
    pairs = [(section, item) for section in issue.sections for item in section.items]
    if "item" in note:
        return [(s, i) for s, i in pairs if i.id == str(note["item"]).strip()]
    phrase = _one_line(note.get("match", "")).lower()
    if not phrase:
        return []
    by_headline = [(s, i) for s, i in pairs if phrase in _one_line(i.headline).lower()]
    return by_headline or [(s, i) for s, i in pairs if phrase in _one_line(_text_of(i))]


def _warn(report, kind: str, path: Path, message: str, **details: Any) -> None:
    log.warning("%s: %s", path, message)
    report.note(kind, f"{path.name}: {message}", file=str(path), **details)


def _sources(value: Any) -> list[Source]:
    out = []
    for entry in value if isinstance(value, list) else [value]:
        if isinstance(entry, dict):
            out.append(Source(outlet=_one_line(entry.get("outlet", "")), url=str(entry.get("url", "")).strip()))
        elif entry:
            out.append(Source(outlet=_one_line(entry)))
    return [s for s in out if s.outlet]


def apply_notes(issue, data: dict[str, Any], path: Path, report) -> None:
    for number, note in enumerate(data.get("note", []), 1):
        where = {"note": number}
        if not isinstance(note, dict):
            _warn(report, "editor-unmatched", path, f"note {number} is not a table", **where)
            continue
        unknown = sorted(set(note) - NOTE_KEYS)
        if unknown:
            _warn(report, "editor-warning", path, f"note {number}: unknown key(s) {', '.join(unknown)} ignored",
                  **where)
        target = note.get("item", note.get("match", ""))
        found = find(issue, note)
        if not found:
            _warn(report, "editor-unmatched", path, f"note {number} ({target!r}) matches no item in the issue",
                  **where)
            continue
        if len(found) > 1:
            _warn(report, "editor-warning", path, f"note {number} ({target!r}) matches {len(found)} items; "
                  f"applied to the first, {found[0][1].headline!r}", **where)
        section, item = found[0]
        done = []
        if note.get("headline"):
            item.headline = _one_line(note["headline"])
            done.append("headline")
        if note.get("comment"):
            item.comments.append(_one_line(note["comment"]))
            done.append("comment")
        if note.get("pin"):
            item.pinned = True
            done.append("pin")
        if note.get("kill"):
            section.items = [i for i in section.items if i is not item]
            done.append("kill")
        report.note("editor", f"note {number}: {', '.join(done) or 'nothing to do'} on {item.headline!r}",
                    item=item.id, section=section.key, file=str(path), **where)
    sections = {s.key: s for s in issue.sections}
    for number, add in enumerate(data.get("add", []), 1):
        where = {"add": number}
        if not isinstance(add, dict) or not add.get("headline") or not add.get("section"):
            _warn(report, "editor-unmatched", path, f"add {number} needs a section and a headline", **where)
            continue
        unknown = sorted(set(add) - ADD_KEYS)
        if unknown:
            _warn(report, "editor-warning", path, f"add {number}: unknown key(s) {', '.join(unknown)} ignored",
                  **where)
        section = sections.get(str(add["section"]))
        if section is None:
            _warn(report, "editor-unmatched", path, f"add {number}: no section {add['section']!r} in the issue "
                  f"(sections: {', '.join(sections)})", **where)
            continue
        headline = _one_line(add["headline"])
        item = Item(id=stable_id("editor", issue.date, headline), headline=headline,
                    text=_one_line(add.get("text", "")), sources=_sources(add.get("sources", [])),
                    comments=[_one_line(add["comment"])] if add.get("comment") else [],
                    pinned=bool(add.get("pin")))
        section.items.append(item)
        report.note("editor", f"add {number}: hand-written item {headline!r} in {section.key}",
                    item=item.id, section=section.key, file=str(path), **where)
    for section in issue.sections:  # pinned items first, otherwise in their order
        section.items.sort(key=lambda i: not i.pinned)


@hookimpl
def briefing_options():
    return {"notes": Table("The editor's notes applied to each day's issue.", {
        "folder": Option(Str(non_empty=True), "notes", "where notes/YYYY-MM-DD.toml files are kept"),
    })}


@hookimpl(trylast=True)
def briefing_prepare_issue(issue, config, report):
    path = notes_path(config, issue.date)
    if not path.is_file():
        return
    apply_notes(issue, read_notes(path), path, report)
