"""Editor's notes: ``notes/<YYYY-MM-DD>.toml`` in the workspace, applied to that day's issue.

The file is written by hand or by the desk (``briefing serve``); its schema is in :mod:`briefing.desk.notes` and
docs/desk.md. A ``[[note]]`` names one item by ``item`` (its id: ``report.json`` ``stories[].story``, the HTML's
``id="item-…"``) or by ``match`` (a phrase from its headline, else its text; any case) and may:

- ``kill = true``: leave it out; ``section = "KEY"``: move it to another section; ``restore = true``: bring back
  a story the draft left out (on its own: never folded into, nor passed over for, another story). These change
  what is composed, so they are applied to the day's stories before they are placed (``briefing_stories``; a
  moved story's ``placed`` names its new section): a story left out frees its place for the next one, a moved
  story is placed and summarized in its new section, a story brought back takes a place;
- ``pin = true``: first in its section; ``headline = "…"``: the editor's headline; ``comment = "…"``: a
  ``**Comment** –`` line (emphasis kept, HTML and links escaped in every output). These touch the finished items
  (``briefing_prepare_issue``), as do notes on items that are not stories (the losses line, hand-written items).

An ``[[add]]`` puts a hand-written item into a section: ``section``, ``headline``, ``text``, and optionally
``comment``, ``pin``, ``sources = [{outlet = "…", url = "…"}]``.

A note the desk writes keeps, beside the story's ``item`` id, its ``reports`` (their URLs, else document ids).
The id changes when the story gains or loses a report (a feed more or less); the note then follows the story that
holds most of its reports, at least half of those still read today, and says so in ``report.json``.

The notes decide what is published, so a file that cannot be read, an unknown key, a value of the wrong type or
a section that is not in the issue fails the build (exit 1, the previous issue kept). A note that matches no
story and no item (its reports all gone, a phrase no headline has) is never dropped quietly: it is a warning on
stderr (even under ``-q``), an entry in ``report.json`` (``notes`` of kind ``editor-unmatched``), the first thing
the desk shows, and with ``--strict`` it fails the build. What each note did is noted (kind ``editor``); a story
left out by the editor is in ``dropped`` with ``editor: true`` and the note's number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from briefing import Item, Source, api, hookimpl, stable_id
from briefing.api import NotesError, notes_path, read_notes, report_key


def _warn(report, kind: str, path, message: str, **details: Any) -> None:
    report.warn(kind, f"{path.name}: {message}", said=f"{path}: {message}", file=str(path), **details)


def _target(note: dict[str, Any]) -> str:
    return note.get("item", note.get("match", ""))


class Desk:
    """The notes of one build and what has been done with them (kept in ``build.scratch``)."""

    def __init__(self, path, notes: dict[str, list[dict[str, Any]]]):
        self.path = path
        self.notes = notes["note"]
        self.adds = notes["add"]
        self.story_of: dict[int, str] = {}  # note number → the story id it was applied to at the story stage
        self.followed: dict[int, str] = {}  # note number → how it followed its story to a new id
        self.done: dict[int, list[str]] = {}  # note number → what it did
        self.headline_of: dict[int, str] = {}
        self.moves: dict[str, str] = {}  # story id → section key
        self.restore: set[str] = set()  # stories that must print
        self.killed: set[str] = set()
        self.stories: dict[str, Any] = {}  # every story the last briefing_stories saw, by id

    def did(self, number: int, what: str, headline: str = "") -> None:
        self.done.setdefault(number, []).append(what)
        if headline:
            self.headline_of.setdefault(number, headline)


def _desk(build) -> Desk | None:
    return build.scratch(__name__).get("desk")


# -- finding what a note names --------------------------------------------------------------------------------


def by_reports(stories, reports: list[str]) -> list:
    """The stories holding most of ``reports``, when they hold at least half of those among ``stories``."""
    wanted = set(reports)
    held = {s.id: wanted & {report_key(d) for d in s.documents} for s in stories}
    present = set().union(*held.values()) if held else set()
    best = max((len(h) for h in held.values()), default=0)
    if not best or best * 2 < len(present):
        return []
    return [s for s in stories if len(held[s.id]) == best]


def find_stories(stories, note: dict[str, Any]) -> list:
    """The stories a note names: by id, else by its reports (the story changed), else by phrase."""
    if "item" in note:
        return [s for s in stories if s.id == note["item"].strip()] or by_reports(stories, note.get("reports", []))
    phrase = api.one_line(note["match"]).lower()
    by_title = [s for s in stories if any(phrase in api.one_line(p.title).lower() for p in s.passages if p.title)]
    return by_title or [s for s in stories if phrase in api.one_line(s.text).lower()]


def find_items(issue, note: dict[str, Any], story_id: str | None = None) -> list[tuple[Any, Item]]:
    """(section, item) pairs the note points at: by id, else by phrase in headline, else in text."""
    pairs = [(section, item) for section in issue.sections for item in section.items]
    wanted = story_id or note.get("item")
    if wanted:
        return [(s, i) for s, i in pairs if i.id == wanted.strip()]
    phrase = api.one_line(note.get("match", "")).lower()
    by_headline = [(s, i) for s, i in pairs if phrase in api.one_line(i.headline).lower()]
    return by_headline or [(s, i) for s, i in pairs if phrase in " ".join(i.paragraphs).lower()]


# -- hooks ----------------------------------------------------------------------------------------------------


@hookimpl
def briefing_examples(config, build):
    """The headlines the editors moved into each section before this issue's day (the desk's history, within
    ``[desk] learn_days``): they teach the placement like labelled examples."""
    found: dict[str, list[str]] = {}
    for record in api.desk_history(config, today=build.date - dt.timedelta(days=1)):
        if record.to_section != api.KILLED and record.headline:
            found.setdefault(record.to_section, []).append(record.headline)
    return found


@hookimpl
def briefing_build_start(config, build):
    """Read and check the day's notes before any source is read: a bad file fails the build at once."""
    path = notes_path(config, build.date)
    if not path.is_file():
        return
    notes = read_notes(path, config.workspace)
    sections = {s.key: s for s in build.sections}
    where = f"editor's notes {path.name}"
    for kind, entries in (("note", notes["note"]), ("add", notes["add"])):
        for number, entry in enumerate(entries, 1):
            key = entry.get("section")
            if key is None:
                continue
            if key not in sections:
                raise NotesError(f"{where}: {kind} {number}: no section {key!r} in the issue (sections: "
                                 f"{', '.join(sections)})")
    build.scratch(__name__)["desk"] = Desk(path, notes)


def _left_out(build, note: dict[str, Any]) -> list:
    """A story to bring back that a plugin before this one left out: taken back from it."""
    if "item" not in note:
        return []
    found = find_stories(build.stories_left_out(), note)
    story = build.restore_story(found[0].id) if found else None
    return [story] if story is not None else []


def _followed(desk: Desk, number: int, note: dict[str, Any], story, report) -> None:
    """Say so when a note found its story by its reports, under a new id."""
    if "item" not in note or note["item"].strip() == story.id:
        return
    reports = set(note.get("reports", []))
    shared = len(reports & {report_key(d) for d in story.documents})
    desk.followed[number] = (f"followed its story from {note['item'].strip()!r} to {story.id!r} ({shared} of its "
                             f"{len(reports)} reports in it today)")
    report.note("editor-followed", f"{desk.path.name}: note {number} {desk.followed[number]}", note=number,
                item=story.id, was=note["item"].strip(), file=str(desk.path))


@hookimpl(trylast=True)
def briefing_stories(stories, config, build):
    """Find each note's story; leave out, move and bring back stories before they are placed."""
    desk = _desk(build)
    if desk is None:
        return None
    kept = list(stories)
    desk.stories = {s.id: s for s in stories}
    for number, note in enumerate(desk.notes, 1):
        found = find_stories(kept, note)
        if not found and note.get("restore"):
            found = _left_out(build, note)
            kept.extend(found)
            desk.stories.update((s.id, s) for s in found)
        if not found:
            continue  # perhaps an item that is not a story: tried again on the finished issue
        if len(found) > 1:
            _warn(build.report, "editor-warning", desk.path, f"note {number} ({_target(note)!r}) matches "
                  f"{len(found)} stories; applied to the first, {api.story_headline(found[0], config.item_budget())!r}", note=number)
        story = found[0]
        desk.story_of[number] = story.id
        _followed(desk, number, note, story, build.report)
        if not any(note.get(k) for k in ("kill", "section", "restore")):
            continue  # a comment, a headline, a pin: applied to the story's item
        headline = api.story_headline(story, config.item_budget())
        if note.get("kill"):
            kept = [s for s in kept if s is not story]
            desk.killed.add(story.id)
            build.drop_story(story, f"left out by the editor ({desk.path.name}, note {number})", headline=headline,
                             editor=True, note=number, **({"from": note["from"]} if note.get("from") else {}))
            desk.did(number, "kill", headline)
            continue
        if note.get("restore"):
            desk.restore.add(story.id)
            story.separate = True  # brought back on its own: never folded into, nor passed over for, another
            desk.did(number, "restore", headline)
        if note.get("section"):
            desk.moves[story.id] = story.placed = note["section"]  # placed there, whatever its scores say
            desk.did(number, f"moved to {note['section']}", headline)
    return kept


def _printed(issue) -> tuple[str, ...]:
    out: list[str] = []
    for item in issue.all_items():
        out.append(item.headline)
        out.extend(s.text for s in item.sentences)
    return tuple(out)


def _make_item(story, config, issue) -> Item:
    """The item of a story the editor wants printed that the draft left out after placing it."""
    budget = config.item_budget()
    item = api.extractive_item(story, budget, _printed(issue))
    if not item.sentences:  # none stands alone: the editor asked for it, so its opening sentences
        words, chosen = 0, []
        for sentence in story.sentences[: budget["sentences"]]:
            words += len(sentence.text.split())
            if chosen and words > budget["words"]:
                break
            chosen.append(sentence)
        item.sentences = chosen
    for comment in story.comments:
        if comment not in item.comments:
            item.comments.append(comment)
    return item


def _provenance(report, story_id: str, item: Item, section: str) -> None:
    entry = next((e for e in report.stories if e.get("story") == story_id), None)
    if entry is None:
        return
    entry["section"] = section
    entry["item"] = {"headline": item.headline, "sentences": [
        {"doc": s.doc_id, "start": s.start, "end": s.end, "text": s.text} for s in item.sentences]}


def _bring_in(issue, config, report, desk: Desk, fallback_key: str | None) -> None:
    """Moves and restores the composition could not honour (a full section, no sentence that stands alone):
    the item is made, or moved, here."""
    sections = {s.key: s for s in issue.sections}
    where = {item.id: section for section in issue.sections for item in section.items}
    for story_id in sorted(set(desk.moves) | desk.restore, key=lambda i: list(desk.stories).index(i)
                           if i in desk.stories else 0):
        if story_id in desk.killed:
            continue
        target_key = desk.moves.get(story_id)
        current = where.get(story_id)
        if current is not None:
            if target_key and current.key != target_key and target_key in sections:
                item = next(i for i in current.items if i.id == story_id)
                current.items.remove(item)
                sections[target_key].items.append(item)
                _provenance(report, story_id, item, target_key)
            continue
        story = desk.stories.get(story_id)
        if story is None:
            continue
        entry = next((e for e in report.stories if e.get("story") == story_id), {})
        key = target_key or entry.get("section") or fallback_key or issue.sections[-1].key
        if key not in sections:
            continue
        item = _make_item(story, config, issue)
        sections[key].items.append(item)
        report.dropped[:] = [d for d in report.dropped if d.get("story") != story_id]
        _provenance(report, story_id, item, key)


def _add_items(issue, desk: Desk, report) -> None:
    sections = {s.key: s for s in issue.sections}
    for number, add in enumerate(desk.adds, 1):
        section = sections[add["section"]]
        headline = api.one_line(add["headline"])
        sources = [Source(outlet=api.one_line(s)) if isinstance(s, str) else
                   Source(outlet=api.one_line(s.get("outlet", "")), url=str(s.get("url", "")).strip())
                   for s in add.get("sources", [])]
        item = Item(id=stable_id("editor", issue.date, headline), headline=headline,
                    text=api.one_line(add.get("text", "")), sources=[s for s in sources if s.outlet],
                    comments=[api.editor_markdown(add["comment"])] if add.get("comment", "").strip() else [],
                    pinned=bool(add.get("pin")))
        section.items.append(item)
        report.note("editor", f"add {number}: hand-written item {headline!r} in {section.key}", item=item.id,
                    section=section.key, file=str(desk.path), add=number)


def _apply_to_item(issue, report, desk: Desk, number: int, note: dict[str, Any], found, story_id) -> None:
    """One note applied to the finished item it names."""
    section, item = found
    headline = item.headline
    if note.get("kill"):  # not a story (the losses line, a hand-written item): left out here
        section.items = [i for i in section.items if i is not item]
        report.drop(headline, f"left out by the editor ({desk.path.name}, note {number})", story=item.id,
                    section=section.key, editor=True, note=number)
        desk.did(number, "kill", headline)
        return
    if note.get("section") and story_id is None and note["section"] != section.key:
        target = next(s for s in issue.sections if s.key == note["section"])
        section.items = [i for i in section.items if i is not item]
        target.items.append(item)
        desk.did(number, f"moved to {target.key}", headline)
    if note.get("headline", "").strip():
        item.headline = api.one_line(note["headline"])
        desk.did(number, "headline", headline)
    if note.get("comment", "").strip():
        item.comments.append(api.editor_markdown(note["comment"]))
        desk.did(number, "comment", headline)
    if note.get("pin"):
        item.pinned = True
        desk.did(number, "pin", headline)
    if number not in desk.done:
        desk.did(number, "nothing to do", headline)


def _not_printed(report, desk: Desk, number: int, note: dict[str, Any], story_id) -> None:
    """A note whose item is not in the issue: its story did not print (the note waits for it), or it matches
    nothing at all (said loudly: on stderr, in report.json, at the top of the desk)."""
    if number in desk.done:
        return
    if story_id is not None:
        entry = next((d for d in report.dropped if d.get("story") == story_id), {})
        _warn(report, "editor-warning", desk.path, f"note {number} ({_target(note)!r}): its story did not print "
              f"({entry.get('reason', 'left out')}); the note waits for it", note=number, item=story_id)
        return
    _warn(report, "editor-unmatched", desk.path, f"note {number} ({_target(note)!r}) matches no item of the issue "
          "and no story of the day" + (": none of its reports is in today's stories" if note.get("reports") else ""),
          note=number, **({"item": note["item"]} if "item" in note else {}))


@hookimpl(trylast=True)
def briefing_prepare_issue(issue, config, report, build):
    """Bring in what the composition could not, then headlines, comments, pins and leave-outs of items that are
    not stories; then the hand-written items; pinned items first. With ``--strict`` a note that matches nothing
    fails the build."""
    desk = _desk(build)
    if desk is None:
        return
    _bring_in(issue, config, report, desk, next((s.key for s in build.sections if s.fallback), None))
    _add_items(issue, desk, report)
    for number, note in enumerate(desk.notes, 1):
        story_id = desk.story_of.get(number)
        if story_id in desk.killed:
            continue
        found = find_items(issue, note, story_id)
        if not found:
            _not_printed(report, desk, number, note, story_id)
            continue
        if len(found) > 1 and story_id is None:
            _warn(report, "editor-warning", desk.path, f"note {number} ({_target(note)!r}) matches {len(found)} "
                  f"items; applied to the first, {found[0][1].headline!r}", note=number)
        _apply_to_item(issue, report, desk, number, note, found[0], story_id)
    for number in sorted(desk.done):
        report.note("editor", f"note {number}: {', '.join(desk.done[number])} on {desk.headline_of.get(number, '')!r}",
                    item=desk.story_of.get(number, desk.notes[number - 1].get("item", "")), file=str(desk.path),
                    note=number, **({"followed": desk.followed[number]} if number in desk.followed else {}))
    for section in issue.sections:  # pinned items first, otherwise in their order
        section.items.sort(key=lambda i: not i.pinned)
    unmatched = [n for n in report.notes if n["kind"] == "editor-unmatched" and n.get("file") == str(desk.path)]
    if build.strict and unmatched:
        raise NotesError(f"--strict: {unmatched[0]['message']}" + (f" (and {len(unmatched) - 1} more)"
                                                                    if len(unmatched) > 1 else ""))
