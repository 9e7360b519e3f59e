"""The desk's history: the editors' moves and leave-outs of the last days, read from the notes folder.

In: the configuration (``[notes] folder``, ``[desk] learn_days``, the output folder for the headlines) and a day.
Out: :func:`desk_history`, one :class:`DeskRecord` per move or leave-out, oldest first: labelled examples for
the editorial model (the build teaches the placement with the moves).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..runtime.guarded import Unreadable, read_json
from .notes import KILLED, NotesError, notes_folder, read_notes

log = logging.getLogger("briefing.notes")

ISSUE_LIMIT = 32 * 1024 * 1024  # bytes of a back issue's report.json or issue.json read for its headlines


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


def _read(path: Path) -> dict:
    try:
        return read_json(path, limit=ISSUE_LIMIT, expect=dict)
    except (OSError, Unreadable):
        return {}


def _day_headlines(out: Path, date: dt.date) -> dict[str, str]:
    """Item and story ids of one built day → their headlines (issue.json first, then report.json)."""
    folder = Path(out) / date.isoformat()
    found: dict[str, str] = {}
    report = _read(folder / "report.json")
    try:
        for entry in report.get("stories", []):
            found[str(entry.get("story"))] = str((entry.get("item") or {}).get("headline") or entry.get("headline"))
        for entry in report.get("dropped", []):
            if entry.get("story"):
                found[str(entry["story"])] = str(entry.get("what", ""))
    except (AttributeError, TypeError):
        pass
    try:
        for section in _read(folder / "issue.json").get("sections", []):
            for item in section.get("items", []):
                found[str(item["id"])] = str(item["headline"])
    except (KeyError, AttributeError, TypeError):
        pass
    return found


def desk_history(config, days: int | None = None, today: dt.date | None = None) -> list[DeskRecord]:
    """The editors' moves and leave-outs of the last ``days`` days (default ``[desk] learn_days``) up to
    ``today`` (default: the configuration's date, else today), oldest first, read from ``notes/DATE.toml``.

    A ``[[note]]`` with ``kill = true`` is a leave-out, one with ``section = "…"`` a move (``from`` says where
    the draft had put it; the desk writes it). A notes file that cannot be read is skipped with a warning:
    the build of its day fails on it anyway.
    """
    days = config.section("desk").learn_days if days is None else days
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
        records.extend(_records(config, date, notes["note"]))
    return records


def _records(config, date: dt.date, notes: list[dict[str, Any]]) -> list[DeskRecord]:
    moves = [note for note in notes if note.get("kill") or note.get("section")]
    headlines = _day_headlines(config.out, date) if moves else {}
    return [DeskRecord(date=date, item=note.get("item", ""), from_section=note.get("from", ""),
                       to_section=KILLED if note.get("kill") else note["section"],
                       headline=headlines.get(note.get("item", ""), "") if note.get("item") else "",
                       match=note.get("match", "")) for note in moves]

