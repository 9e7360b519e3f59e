"""The view: one day's issue as the desk shows it and its JSON API gives it.

In: the issue (the draft as it stands, or as read from ``issue.json``), its report (as ``report.json`` holds it),
the day's notes, the sections and the subject's name. Out: a plain dict (see docs/desk.md, "The JSON API"):
sections with their items, the stories that did not print and the documents left out (each with a reason written
for an editor), the notes that match nothing, the files, the send record and the notes file's version.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ..output.render import SOURCE_LINKS
from .reasons import for_editor


def version_of(text: bytes) -> str:
    """The version of a day's notes file (its text's digest; the same for no file and an empty one): a
    correction made on an older version is refused, so two browsers cannot overwrite each other."""
    return hashlib.sha256(text).hexdigest()[:16]


def sent_summary(folder: Path) -> dict[str, Any] | None:
    """What ``sent.json`` says: when the issue last reached someone, who has it, and whose copy is uncertain."""
    from ..mail.send import DELIVERED, SENDING, MailError, latest_states, sent_records

    try:
        records = sent_records(folder)
    except MailError as exc:
        return {"error": str(exc)}
    if not records:
        return None
    states = latest_states(records)
    delivered = [to for to, d in states.items() if d["state"] == DELIVERED]
    return {"at": max((states[to].get("at", "") for to in delivered), default=records[-1].get("started", "")),
            "count": len(delivered), "recipients": delivered, "sends": len(records),
            "unknown": [to for to, d in states.items() if d["state"] == SENDING],
            "missed": [f"{to} ({d.get('reason') or d['state']})" for to, d in states.items()
                       if d["state"] not in (DELIVERED, SENDING)]}


def applied_notes(report: dict[str, Any]) -> dict[str, int]:
    """Item id → the number of the note the build applied to it (its story's note, wherever the note
    found it)."""
    found: dict[str, int] = {}
    for entry in report.get("notes", []):
        if entry.get("kind") == "editor" and entry.get("item") and isinstance(entry.get("note"), int):
            found.setdefault(entry["item"], entry["note"])
    return found


def desk_notes(notes: list[dict[str, Any]], report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Item id → the desk's note for it: the note the build applied to it, else the first naming its id."""
    out: dict[str, dict[str, Any]] = {}
    for item, number in applied_notes(report).items():
        if 0 < number <= len(notes) and "item" in notes[number - 1]:
            out[item] = notes[number - 1]
    for note in notes:
        if "item" in note:
            out.setdefault(note["item"], note)
    return out


def _item(item, section_key: str, kind: str, comment: str) -> dict[str, Any]:
    shown, more = item.source_line(SOURCE_LINKS)
    return {
        "id": item.id, "headline": item.headline, "section": section_key,
        "sources": [{"outlet": s.outlet, "url": s.url} for s in item.sources],
        "outlets": [[outlet, [{"url": r.url} for r in reports]] for outlet, reports in item.outlets],
        "shown": [[outlet, [{"url": r.url} for r in reports]] for outlet, reports in shown],
        "more": more, "comment": comment, "comments": list(item.comments), "paragraphs": item.paragraphs,
        "note": item.note, "figure_svg": item.figure_svg, "figure_svg_small": item.figure_svg_small,
        "pinned": item.pinned, "kind": kind,
    }


def _sections(issue, report: dict[str, Any], notes: dict[str, list], section_info: dict[str, dict]) -> list[dict]:
    stories = {e.get("story") for e in report.get("stories", [])}
    added = {n.get("item") for n in report.get("notes", []) if n.get("kind") == "editor" and "add" in n}
    own = desk_notes(notes["note"], report)
    out = []
    for section in issue.sections:
        items = [_item(item, section.key, "story" if item.id in stories else
                       "hand-written" if item.id in added else "computed", own.get(item.id, {}).get("comment", ""))
                 for item in section.items]
        out.append({"key": section.key, "title": section.title, "message": section.message,
                    "stories": section_info.get(section.key, {}).get("stories", False), "items": items})
    return out


def _left_out(report: dict[str, Any], subject: str, titles: dict[str, str]) -> tuple[list[dict], list[dict]]:
    dropped, documents = [], []
    for entry in report.get("dropped", []):
        reason = for_editor(entry, subject, titles)
        if entry.get("story"):
            dropped.append({"id": entry["story"], "headline": entry.get("what", ""), "reason": reason,
                            "section": entry.get("section", "") or entry.get("from", ""),
                            "by_editor": bool(entry.get("editor")), "note": entry.get("note")})
        else:
            documents.append({"id": entry.get("doc", ""), "headline": entry.get("what", ""), "reason": reason})
    return dropped, documents


def issue_view(issue, report: dict[str, Any], notes: dict[str, list], *, section_info: dict[str, dict],
               subject: str) -> dict[str, Any]:
    """The issue as the page and the API show it (the day's files, send record and build are added by the
    desk)."""
    from ..output.render import plain_date

    sections = _sections(issue, report, notes, section_info)
    titles = {s["key"]: s["title"] for s in sections}
    dropped, documents = _left_out(report, subject, titles)
    return {
        "date": issue.date.isoformat(), "name": issue.name, "title": issue.title, "day": issue.day,
        "dateline": plain_date(issue.date), "back_issues_text": issue.back_issues_text, "slug": issue.slug,
        "sections": sections, "dropped": dropped, "documents_left_out": documents,
        "movable": [s for s in section_info.values() if s["stories"] and any(x["key"] == s["key"] for x in sections)],
        "unmatched": [n["message"] for n in report.get("notes", []) if n.get("kind") == "editor-unmatched"],
        "editor": [n for n in report.get("notes", []) if str(n.get("kind", "")).startswith("editor")],
    }
