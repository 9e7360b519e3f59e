"""Results: what a plugin hands back to the engine, checked before the engine uses it.

In: a hook's name and what one implementation returned (or, for the hooks that change things in place, the
issue or the Jinja environment after the call). Out: None when the engine can use it, else one line saying
what is wrong ("returned Item whose score is nan, not a finite number"), which the caller reports as that
plugin's failure. The checks go one level into the models (each Section, Loader, Story, Item and its
sentences and sources), which is as far as the engine reads without checking again; a number must be finite,
so that a NaN can never reach a score, a section or ``report.json``.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from typing import Any, Callable

from ..models import Issue, IssueSection, Item, Loader, Passage, Section, SectionContent, Sentence, Source, Story


def short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _str(v):
    return isinstance(v, str)


def _int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _strs(v):
    return isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v)


def _callable_or_none(v):
    return v is None or callable(v)


# (field, test, what it must be), per model
FIELDS: dict[type, list[tuple[str, Callable[[Any], bool], str]]] = {
    Section: [("key", lambda v: _str(v) and bool(v.strip()), "a non-empty string"), ("title", _str, "a string"),
              ("order", _int, "a whole number"), ("profile", lambda v: isinstance(v, dict), "a dict"),
              ("fallback", lambda v: isinstance(v, bool), "true or false"),
              ("max_items", lambda v: v is None or (_int(v) and v >= 1), "None or a whole number from 1"),
              ("make_items", _callable_or_none, "None or a function"), ("subject", _str, "a string")],
    Loader: [("name", lambda v: _str(v) and bool(v), "a non-empty string"), ("load", callable, "a function"),
             ("suffixes", lambda v: isinstance(v, (set, frozenset)) and all(_str(s) for s in v),
              "a set of suffixes"),
             ("sniff", _callable_or_none, "None or a function"), ("priority", finite, "a finite number")],
    Sentence: [("text", _str, "a string"), ("doc_id", _str, "a string"), ("start", _int, "a whole number"),
               ("end", _int, "a whole number"), ("paragraph", _int, "a whole number")],
    Source: [("outlet", _str, "a string"), ("url", _str, "a string"), ("title", _str, "a string"),
             ("doc_id", _str, "a string")],
    Item: [("id", _str, "a string"), ("headline", _str, "a string"),
           ("sentences", lambda v: isinstance(v, list) and all(isinstance(s, Sentence) for s in v),
            "a list of Sentence"),
           ("sources", lambda v: isinstance(v, list) and all(isinstance(s, Source) for s in v), "a list of Source"),
           ("text", _str, "a string"), ("figure_svg", _str, "a string"), ("comments", _strs, "a list of strings"),
           ("note", _str, "a string"), ("score", finite, "a finite number"),
           ("pinned", lambda v: isinstance(v, bool), "true or false")],
    Story: [("id", _str, "a string"),
            ("passages", lambda v: isinstance(v, list) and bool(v) and all(isinstance(p, Passage) for p in v),
             "a non-empty list of Passage"),
            ("section", _str, "a string"), ("score", finite, "a finite number"),
            ("scores", lambda v: isinstance(v, dict) and all(_str(k) and finite(x) for k, x in v.items()),
             "a dict of finite numbers"),
            ("comments", _strs, "a list of strings"), ("relevance", finite, "a finite number")],
    Passage: [("id", _str, "a string"), ("title", _str, "a string"),
              ("sentences", lambda v: isinstance(v, list) and all(isinstance(s, Sentence) for s in v),
               "a list of Sentence"),
              ("scores", lambda v: isinstance(v, dict) and all(finite(x) for x in v.values()),
               "a dict of finite numbers"),
              ("relevance", finite, "a finite number")],
    IssueSection: [("key", _str, "a string"), ("title", _str, "a string"), ("message", _str, "a string"),
                   ("items", lambda v: isinstance(v, list) and all(isinstance(i, Item) for i in v), "a list of Item")],
    Issue: [("title", _str, "a string"), ("day", lambda v: v is None or _int(v), "None or a whole number"),
            ("date", lambda v: isinstance(v, dt.date), "a date"),
            ("sections", lambda v: isinstance(v, list) and all(isinstance(s, IssueSection) for s in v),
             "a list of IssueSection")],
}
# what lies inside a model that the engine reads without checking again
INSIDE = {Item: ("sentences", "sources"), Story: ("passages",), Passage: ("sentences",), IssueSection: ("items",),
          Issue: ("sections",)}


def model_problem(obj: Any) -> str | None:
    """What is wrong with one model object's fields (and those of the models it holds), or None."""
    for name, test, what in FIELDS.get(type(obj), []):
        value = getattr(obj, name, None)
        if not test(value):
            return f"{type(obj).__name__} whose {name} is {short(value, 40)}, not {what}"
    for name in INSIDE.get(type(obj), ()):
        for inner in getattr(obj, name):
            problem = model_problem(inner)
            if problem:
                return problem
    return None


def _list_of(result: Any, kind: type, what: str) -> str | None:
    if not isinstance(result, (list, tuple)) or not all(isinstance(x, kind) for x in result):
        return f"returned {short(result)}, not {what}"
    for x in result:
        problem = model_problem(x)
        if problem:
            return f"returned {article(problem)}"
    return None


def article(phrase: str) -> str:
    return ("an " if phrase[:1] in "AEIOU" else "a ") + phrase


def check_result(hook: str, result: Any) -> str | None:
    """What is wrong with a hook's result, or None when the hook can use it."""
    if result is None:
        return None
    listed = {"briefing_sections": (Section, "a list of Section"), "briefing_loaders": (Loader, "a list of Loader"),
              "briefing_stories": (Story, "a list of Story")}
    if hook in listed:
        return _list_of(result, *listed[hook])
    if hook == "briefing_score" and not finite(result):
        return f"returned {short(result)}, not a finite number"
    if hook == "briefing_summarize":
        if not isinstance(result, Item):
            return f"returned {short(result)}, not an Item"
        problem = model_problem(result)
        return f"returned {article(problem)}" if problem else None
    if hook == "make_items":
        if isinstance(result, SectionContent):
            if not isinstance(result.message, str):
                return f"returned a SectionContent whose message is {short(result.message, 40)}, not a string"
            result = result.items
        return _list_of(result, Item, "a list of Item or a SectionContent")
    if hook == "briefing_options" and not isinstance(result, dict):
        return f"returned {short(result)}, not a dict of tables"
    if hook == "briefing_subject":
        from ..editorial.subject import Subject

        if not isinstance(result, Subject):
            return f"returned {short(result)}, not a Subject"
    return None


# -- hooks that change things in place: what to keep, and how to put it back --------------------------------
def snapshot_issue(issue: Issue) -> Issue:
    return copy.deepcopy(issue)


def restore_issue(issue: Issue, saved: Issue) -> None:
    issue.__dict__.clear()
    issue.__dict__.update(copy.deepcopy(saved).__dict__)


def snapshot_stories(stories: list[Story]) -> list[tuple[Any, dict]]:
    """Each story's and passage's fields (their lists and dicts copied): what a plugin may change in place."""
    def fields(obj):
        return {k: list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v
                for k, v in obj.__dict__.items()}
    saved = []
    for story in stories:
        saved.append((story, fields(story)))
        for passage in story.passages if isinstance(story.passages, list) else []:
            saved.append((passage, fields(passage)))
    return saved


def restore_stories(saved: list[tuple[Any, dict]]) -> None:
    for obj, fields in saved:
        obj.__dict__.clear()
        obj.__dict__.update(fields)
