"""Issue files: the issue model as JSON (``OUT/<date>/issue.json``) and the back issues read from ``OUT/``.

In: an :class:`Issue` (written by the publish stage with the rendered files) or an output folder. Out: the
JSON text, an :class:`Issue` rebuilt from it (for mail, the desk and follow-ups), or the back issues'
metadata, newest first. Every reader of an issue after its build reads this one file, through the guarded reader
(:mod:`briefing.runtime.guarded`: at most ``LIMIT`` bytes and ``DEPTH`` levels); a back issue that fails it, or
whose fields are not of their types, is skipped with a warning, and :func:`read_issue` says why in one line.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

from ..models import Issue, IssueSection, Item, Sentence, Source
from ..runtime.guarded import read_json

log = logging.getLogger("briefing.issuefile")

NAME = "issue.json"
FORMAT = 2
LIMIT = 64 * 1024 * 1024  # bytes: a whole day's issue with its charts is under 2 MB
DEPTH = 8  # levels: an issue nests 7 (issue, sections, section, items, item, sentences, sentence)


def item_to_dict(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "headline": item.headline,
        "sentences": [{"text": s.text, "doc": s.doc_id, "start": s.start, "end": s.end, "paragraph": s.paragraph}
                      for s in item.sentences],
        "text": item.text,
        "figure_svg": item.figure_svg,
        "figure_svg_small": item.figure_svg_small,
        "comments": list(item.comments),
        "note": item.note,
        "score": item.score,
        "pinned": item.pinned,
        "sources": [{"outlet": s.outlet, "url": s.url, "title": s.title, "doc": s.doc_id} for s in item.sources],
        "documents": sorted({s.doc_id for s in item.sources if s.doc_id} | {s.doc_id for s in item.sentences}),
        "folded": list(item.folded),
        "repeats": list(item.repeats),
    }


def issue_to_dict(issue: Issue) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "title": issue.title, "name": issue.name, "day": issue.day, "date": issue.date.isoformat(),
        "slug": issue.slug, "back_issues_text": issue.back_issues_text, "back_issues_url": issue.back_issues_url,
        "sections": [{"key": s.key, "title": s.title, "message": s.message,
                      "items": [item_to_dict(i) for i in s.items]} for s in issue.sections],
    }


def to_json(issue: Issue) -> str:
    from ..runtime.report import json_safe  # a NaN score is written as null: the file stays valid JSON

    return json.dumps(json_safe(issue_to_dict(issue)), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def item_from_dict(raw: dict[str, Any]) -> Item:
    sentences = []
    for s in raw.get("sentences", []):
        if isinstance(s, dict):
            sentences.append(Sentence(str(s["text"]), str(s.get("doc", "")), int(s.get("start", 0)),
                                      int(s.get("end", 0)), int(s.get("paragraph", 0))))
    return Item(id=str(raw["id"]), headline=str(raw["headline"]), sentences=sentences, text=str(raw.get("text", "")),
                figure_svg=str(raw.get("figure_svg", "")), figure_svg_small=str(raw.get("figure_svg_small", "")),
                comments=[str(c) for c in raw.get("comments", [])],
                note=str(raw.get("note", "")), score=float(raw.get("score") or 0), pinned=bool(raw.get("pinned")),
                folded=[str(f) for f in raw.get("folded", [])],
                repeats=[str(d) for d in raw.get("repeats", [])],
                sources=[Source(outlet=str(s.get("outlet", "")), url=str(s.get("url", "")),
                                title=str(s.get("title", "")), doc_id=str(s.get("doc", "")))
                         for s in raw.get("sources", [])])


def issue_from_dict(raw: dict[str, Any]) -> Issue:
    if raw.get("format") != FORMAT:
        raise ValueError(f"issue.json format {raw.get('format')!r}, expected {FORMAT}; rebuild the issue")
    issue = Issue(title=str(raw["title"]), day=None if raw.get("day") is None else int(raw["day"]), date=dt.date.fromisoformat(raw["date"]),
                  back_issues_text=str(raw.get("back_issues_text", "")),
                  back_issues_url=str(raw.get("back_issues_url", "")))
    for s in raw["sections"]:
        issue.sections.append(IssueSection(key=str(s["key"]), title=str(s["title"]), message=str(s.get("message", "")),
                                           items=[item_from_dict(i) for i in s.get("items", [])]))
    return issue


def read_issue(folder: Path) -> Issue:
    """The issue built into ``folder``; FileNotFoundError when there is none, ValueError with the reason (one line)
    when it cannot be read."""
    raw = read_json(Path(folder) / NAME, limit=LIMIT, depth=DEPTH, expect=dict)
    try:
        return issue_from_dict(raw)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not an issue: {type(exc).__name__} {exc}") from None


def back_issues(out: Path, before: dt.date | None = None, days: int | None = None) -> list[dict[str, Any]]:
    """The metadata of every issue in ``out`` (only those dated before ``before``, and at most ``days`` days
    before it, when given), newest first. An unreadable file is skipped with a warning."""
    issues = []
    out = Path(out)
    if not out.is_dir():
        return issues
    for folder in out.iterdir():
        try:
            date = dt.date.fromisoformat(folder.name)
        except ValueError:
            continue
        meta = folder / NAME
        if before is not None and (date >= before or (days is not None and date < before - dt.timedelta(days=days))):
            continue
        if not meta.is_file():
            continue
        try:
            data = read_json(meta, limit=LIMIT, depth=DEPTH, expect=dict)
            if data.get("date") != folder.name or data.get("format") != FORMAT:
                raise ValueError("not an issue's metadata for this date in this format")
            issue_from_dict(data)  # every field of its type, or skipped here rather than fail a plugin
        except (ValueError, OSError, KeyError, TypeError, AttributeError) as exc:
            log.warning("back issues: skipped %s: %s", meta, exc)
            continue
        issues.append(data)
    return sorted(issues, key=lambda d: d["date"], reverse=True)
