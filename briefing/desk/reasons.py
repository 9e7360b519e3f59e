"""Reasons written for an editor: why a story or a document did not print, as the desk shows it.

In: one ``dropped`` entry of ``report.json`` (its ``reason`` and the details the stage recorded beside it), the
subject's name (``[subject] name``, else "the subject") and the sections' titles. Out: one short sentence an
editor reads without the model's figures: "not about the war", "over the section's length: China holds its 8
items", "the same story as “…”". ``report.json`` keeps the figures for whoever measures the model.

Each reason a stage writes is one entry of :data:`REASONS` (the start of its text → how to say it); a reason
no entry knows (a plugin's own) is shown as the plugin wrote it.
"""

from __future__ import annotations

from typing import Any, Callable

SUBJECT = "the subject"  # what the subject is called when [subject] name is not set


def _off_subject(entry: dict[str, Any], words: dict[str, Any]) -> str:
    return f"not about {words['subject']}"


def _over_length(entry: dict[str, Any], words: dict[str, Any]) -> str:
    if entry.get("full") == "issue":
        return "over the issue's length: it is full with more important stories"
    title = words["sections"].get(entry.get("section", ""), "the section")
    return f"over the section's length: {title} is full with more important stories"


def _copies(entry: dict[str, Any], words: dict[str, Any]) -> str:
    same = entry.get("same_as")
    return f"the same story as “{same}”" if same else "everything it says is already in the issue"


def _plugin(entry: dict[str, Any], words: dict[str, Any]) -> str:
    return f"left out by the {entry['reason'].removeprefix('left out by plugin').strip()} plugin"


def _language(entry: dict[str, Any], words: dict[str, Any]) -> str:
    return f"written in another language ({entry['language']})" if entry.get("language") else \
        "written in another language"


def _window(entry: dict[str, Any], words: dict[str, Any]) -> str:
    when = str(entry.get("published", ""))[:16].replace("T", " ")
    return f"published outside the day ({when} UTC)" if when else "published outside the day"


def _said(text: str) -> Callable[[dict[str, Any], dict[str, Any]], str]:
    return lambda entry, words: text


# the start of a reason as the stages write it → how the desk says it
REASONS: dict[str, Callable[[dict[str, Any], dict[str, Any]], str]] = {
    "off subject": _off_subject,
    "over the length budget": _over_length,
    "every sentence already appears earlier in the issue": _copies,
    "passed over as a repeat": _copies,
    "no sentence of it stands on its own": _said("no sentence of it reads on its own: each leans on one before "
                                                 "it or is cut off"),
    "no section claims it": _said("no section takes it"),
    "left out by plugin": _plugin,
    "no text": _said("it has no text"),
    "written in another language": _language,
    "a round-up whose text lists nothing": _said("a round-up that lists no story of its own"),
    "outside the day's window": _window,
    "no summarizer gave an item": _said("no item could be made of it"),
}


def for_editor(entry: dict[str, Any], subject: str = "", sections: dict[str, str] | None = None) -> str:
    """The reason of one ``dropped`` entry, written for an editor."""
    reason = str(entry.get("reason", ""))
    words = {"subject": subject or SUBJECT, "sections": sections or {}}
    said = next((say for start, say in REASONS.items() if reason.startswith(start)), None)
    return said(entry, words) if said else reason
