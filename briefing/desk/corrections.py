"""Corrections: one request of the desk (JSON, or a form of the page) checked against the issue as it stands.

In: the request's body (a JSON object, or the form's fields), the issue as the desk shows it (its view) and
whether a section takes stories. Out: the checked correction (``{"item": id, "<action>": value}`` or
``{"add": {...}}``), or a :class:`DeskError` with the HTTP status and a message saying why (nothing changed).
The keys, types and lengths are the notes file's own (:mod:`briefing.desk.notes`), each request checked as one
record of them (:data:`REQUEST`, :data:`ADD`: :mod:`briefing.config.validate`); what each action needs of the
item (printed, or among the stories left out) is one entry of :data:`RULES`. An editor's text may not hold
a control, bidirectional or invisible character: refused with 422, never written to the notes file.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Callable
from urllib.parse import urlsplit

from ..config.validate import EDITOR, Invalid, Record, Str, Unknown
from ..errors import BriefingError
from ..sources.sanitize import one_line
from .notes import ADD_KEYS, NOTE_KEYS, bad_character, record, said

ACTIONS = ("kill", "pin", "section", "headline", "comment", "restore")
VERSION = "version"  # the optional key that says which draft a correction was made on


class DeskError(BriefingError):
    """A request the desk refuses, with its HTTP status and a message saying why (nothing was changed);
    ``view``: the issue as it stands, for a writer whose page was out of date."""

    def __init__(self, status: int, message: str, view: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.view = view


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:80]


DESK = replace(EDITOR, shown=_shown, cut=40)  # the editor's words, a value shown as JSON, a key cut at 40
ITEM = Str(non_empty=True, name="the id of an item (a string), e.g. {\"item\": \"8c45dd02fcb9\", \"kill\": true}")
REQUEST = Record({"item": ITEM, **{action: NOTE_KEYS[action].type for action in ACTIONS}}, others=("add",))
ADD = record(ADD_KEYS)
ADD_DEFAULTS = {"section": "", "headline": "", "text": "", "comment": "", "pin": False, "sources": []}


# -- what each action needs of its item ---------------------------------------------------------------------


def _printed(item: str, view: dict[str, Any]) -> dict[str, Any]:
    items = {i["id"]: i for s in view["sections"] for i in s["items"]}
    if item not in items:
        dropped = any(d["id"] == item for d in view["dropped"])
        raise DeskError(422, f"no item {item!r} in the issue of {view['date']}"
                        + (" (it did not print: bring it back first)" if dropped else ""))
    return items[item]


def _bring_back(item: str, value: Any, view: dict[str, Any], takes_stories) -> dict[str, Any]:
    if not any(d["id"] == item for d in view["dropped"]):
        printed = any(i["id"] == item for s in view["sections"] for i in s["items"])
        where = "is in the issue already" if printed else "is not among the stories left out"
        raise DeskError(422, f"item {item!r} {where}; only a story that did not print can be brought back")
    return {"item": item, "restore": True}


def _kill(item: str, value: bool, view: dict[str, Any], takes_stories) -> dict[str, Any]:
    if not value:  # "kill": false takes back a leave-out: the story is brought back
        return _bring_back(item, True, view, takes_stories)
    _printed(item, view)
    return {"item": item, "kill": True}


def _restore(item: str, value: bool, view: dict[str, Any], takes_stories) -> dict[str, Any]:
    if value:
        return _bring_back(item, value, view, takes_stories)
    _printed(item, view)
    raise DeskError(422, f"item {item!r} is printed; restore is for stories that did not print")


def _on_printed(action: str) -> Callable:
    def rule(item: str, value: Any, view: dict[str, Any], takes_stories) -> dict[str, Any]:
        _printed(item, view)
        return {"item": item, action: value}
    return rule


def _move(item: str, section: str, view: dict[str, Any], takes_stories) -> dict[str, Any]:
    found = _printed(item, view)
    keys = [s["key"] for s in view["sections"]]
    if section not in keys:
        raise DeskError(422, f"no section {section[:40]!r} in the issue; sections: {', '.join(keys)}")
    if found["kind"] == "story" and not takes_stories(section):
        raise DeskError(422, f"section {section!r} makes its own items; a story cannot be moved there")
    if found["section"] == section:
        raise DeskError(422, f"item {item!r} is in section {section!r} already")
    return {"item": item, "section": section}


RULES: dict[str, Callable] = {
    "kill": _kill,
    "restore": _restore,
    "pin": _on_printed("pin"),
    "headline": _on_printed("headline"),
    "comment": _on_printed("comment"),
    "section": _move,
}


# -- the request --------------------------------------------------------------------------------------------


def _plain(values: dict[str, Any], where: str) -> None:
    """DeskError when an editor's text holds a character no output may print (see :func:`bad_character`)."""
    for key, value in values.items():
        bad = bad_character(value) if isinstance(value, str) else ""
        if bad:
            raise DeskError(422, f"{where}{key} {bad}")


def check(raw: Any, view: dict[str, Any], takes_stories: Callable[[str], bool]) -> dict[str, Any]:
    """One correction checked against its record (:data:`REQUEST`), then against the issue as it stands;
    DeskError (4xx) with the reason."""
    if not isinstance(raw, dict):
        raise DeskError(400, f"expected one correction as a JSON object, got {type(raw).__name__}")
    raw = {k: v for k, v in raw.items() if k != VERSION}
    if "add" in raw:
        if set(raw) != {"add"}:
            raise DeskError(422, "an added item comes alone: {\"add\": {\"section\": …, \"headline\": …, "
                                 "\"text\": …}}")
        return {"add": check_add(raw["add"], [s["key"] for s in view["sections"]])}
    try:
        raw = REQUEST.check({"item": None, **raw}, "")
    except Unknown as exc:
        raise DeskError(422, f"{exc.said(DESK)}; a correction is {{\"item\": id, one of {', '.join(ACTIONS)}}} "
                             "or {\"add\": …}") from None
    except Invalid as exc:
        raise DeskError(422, said(exc, DESK)) from None
    actions = [k for k in ACTIONS if k in raw]
    if len(actions) != 1:
        raise DeskError(422, f"one correction at a time: give exactly one of {', '.join(ACTIONS)} "
                             f"(got {', '.join(actions) or 'none'})")
    action = actions[0]
    _plain({action: raw[action]}, "")
    return RULES[action](raw["item"][:40], raw[action], view, takes_stories)  # an id is 12 characters: cut


def _source(source: Any) -> dict[str, str] | None:
    if not isinstance(source, dict):
        raise DeskError(422, "add: each source is {\"outlet\": \"…\", \"url\": \"http(s)://…\"}")
    _plain(source, "add: a source's ")
    outlet, url = one_line(source.get("outlet", "")), source.get("url", "").strip()
    if url and urlsplit(url).scheme.lower() not in ("http", "https"):
        raise DeskError(422, f"add: a source's url must be http(s), not {url[:80]!r}")
    if url and not outlet:
        raise DeskError(422, "add: a source with a url needs an outlet")
    return {"outlet": outlet, "url": url} if outlet else None


def check_add(add: Any, section_keys: list[str]) -> dict[str, Any]:
    """A hand-written item, checked against the [[add]] keys of the notes file (:data:`ADD`)."""
    if not isinstance(add, dict):
        raise DeskError(422, "add must be an object: {\"section\": …, \"headline\": …, \"text\": …}")
    try:
        add = ADD.check(add, "")
    except Invalid as exc:
        raise DeskError(422, f"add: {said(exc, DESK)}") from None
    _plain(add, "add: ")
    out = {key: one_line(value) if isinstance(value, str) else value
           for key, value in {**ADD_DEFAULTS, **add}.items()}
    if not out["headline"]:
        raise DeskError(422, "add: a hand-written item needs a headline")
    if out["section"] not in section_keys:
        raise DeskError(422, f"add: no section {out['section'][:40]!r} in the issue; sections: "
                             f"{', '.join(section_keys)}")
    out["sources"] = [s for s in map(_source, out["sources"]) if s]
    return out


def form_correction(fields: dict[str, str]) -> dict[str, Any]:
    """A correction from a form of the page (the same forms the script turns into JSON)."""
    action, item, value = fields.get("action", ""), fields.get("item", ""), fields.get("value", "")
    version = {VERSION: fields[VERSION]} if fields.get(VERSION) else {}
    if action == "add":
        source = {"outlet": fields.get("outlet", ""), "url": fields.get("url", "")}
        return {"add": {"section": fields.get("section", ""), "headline": fields.get("headline", ""),
                        "text": fields.get("text", ""), "comment": fields.get("comment", ""),
                        "pin": fields.get("pin") == "on",
                        "sources": [source] if source["outlet"] or source["url"] else []}, **version}
    simple = {"kill": ("kill", True), "pin": ("pin", True), "unpin": ("pin", False), "restore": ("restore", True)}
    if action in simple:
        key, flag = simple[action]
        return {"item": item, key: flag, **version}
    if action in ("section", "headline", "comment"):
        return {"item": item, action: value, **version}
    raise DeskError(422, f"unknown action {action[:40]!r}")
