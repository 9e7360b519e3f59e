"""Follow-ups, not repeats: a story already published in an earlier issue is not printed again as new.

Reads the archive (``OUT/<date>/issue.json`` of earlier issues, see the archive plugin). A story of the
day matches an earlier item when it carries two of that item's printed sentences (or one, from the same
source document) or its headline is nearly the same (rapidfuzz). Then only what is new may be printed:
sentences from documents the earlier item did not use, and not already printed in any earlier issue. With new facts, the item is printed from
those alone with a back-reference in the house manner ("We reported on … in our Update of Day 387");
with none, it is dropped. ``report.json`` records each decision (``notes`` kind ``follow-up``, and
``dropped`` with reason "already published …").

Configuration (optional), ``[followups]`` in ``briefing.toml``::

    days = 30                 # how far back to look, in days
    headline_similarity = 90  # 0-100; a headline at least this close to an earlier one is the same story
    sentence_similarity = 92  # 0-100; a sentence at least this close to a printed one is not new
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

from rapidfuzz import fuzz, process

from briefing import hookimpl
from briefing.models import Story
from briefing.render import md_text
from briefing.summarize import clean_headline, extractive_item
from briefing.text import norm_key

from briefing_plugins.archive import load_archive

log = logging.getLogger("briefing.followups")

# One build at a time per process (the output lock); reset when a build asks for sections.
_state: dict[str, Any] = {}


class Earlier:
    """Every item of the recent back issues, indexed by sentence and headline."""

    def __init__(self, issues: list[dict[str, Any]], settings: dict[str, Any]):
        self.items: list[dict[str, Any]] = []
        self.by_sentence: dict[str, int] = {}
        self.headline_similarity = float(settings.get("headline_similarity", 90))
        self.sentence_similarity = float(settings.get("sentence_similarity", 92))
        for issue in issues:  # newest first: the latest mention of a sentence wins
            for section in issue.get("sections", []):
                for item in section.get("items", []):
                    if not item.get("documents"):
                        continue  # computed or hand-written items are not stories
                    entry = {"issue_day": issue["day"], "issue_date": issue["date"], "id": item["id"],
                             "headline": item["headline"], "documents": set(item["documents"]),
                             "keys": [norm_key(s) for s in item.get("sentences", [])]}
                    index = len(self.items)
                    self.items.append(entry)
                    for key in entry["keys"]:
                        self.by_sentence.setdefault(key, index)
        self.headlines = [norm_key(i["headline"]) for i in self.items]
        self.all_keys = list(self.by_sentence)

    def match(self, story: Story, headline: str) -> dict[str, Any] | None:
        shared: dict[int, int] = {}
        for sentence in story.sentences:
            index = self.by_sentence.get(norm_key(sentence.text))
            if index is not None:
                shared[index] = shared.get(index, 0) + 1
        docs = {d.id for d in story.documents}
        # one shared sentence may be boilerplate; two, or one from the very same document, is the story
        for index, count in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0])):
            if count >= 2 or docs & self.items[index]["documents"]:
                return self.items[index]
        if self.headlines and headline:
            best = process.extractOne(norm_key(headline), self.headlines, scorer=fuzz.token_sort_ratio,
                                      score_cutoff=self.headline_similarity)
            if best is not None:
                return self.items[best[2]]
        return None

    def printed(self, text: str) -> bool:
        key = norm_key(text)
        if key in self.by_sentence:
            return True
        return bool(self.all_keys) and process.extractOne(
            key, self.all_keys, scorer=fuzz.ratio, score_cutoff=self.sentence_similarity) is not None


def _earlier(config) -> Earlier | None:
    if _state.get("config") is not config:
        _reset(config)
    if _state.get("earlier") is None:
        date = config.date or dt.date.today()
        settings = config.table("followups")
        days = int(settings.get("days", 30))
        issues = [i for i in load_archive(config.out, before=date)
                  if dt.date.fromisoformat(i["date"]) >= date - dt.timedelta(days=days)]
        _state["earlier"] = Earlier(issues, settings)
    return _state["earlier"]


def _reset(config) -> None:
    _state.clear()
    _state.update(config=config, earlier=None, decisions={})


def _story_headline(story: Story) -> str:
    lead = next((p for p in story.passages if p.lead and p.title), None)
    return clean_headline(lead.title, lead.doc.outlet) if lead else ""


def back_reference(earlier: dict[str, Any]) -> str:
    """The house manner, as a Markdown comment (the earlier headline is source text: escaped)."""
    return f"We reported on “{md_text(earlier['headline'])}” in our Update of Day {earlier['issue_day']}."


@hookimpl
def briefing_sections(config):
    _reset(config)  # a new build starts here
    return []


@hookimpl(tryfirst=True)
def briefing_summarize(story, budget, config, printed):
    earlier_items = _earlier(config)
    if not earlier_items.items:
        return None
    earlier = earlier_items.match(story, _story_headline(story))
    if earlier is None:
        return None
    passages = []
    for p in story.passages:
        if p.doc.id in earlier["documents"]:
            continue
        fresh = [s for s in p.sentences if not earlier_items.printed(s.text)]
        if fresh:
            passages.append(dataclasses.replace(p, sentences=fresh))
    decision = {"earlier_day": earlier["issue_day"], "earlier_date": earlier["issue_date"],
                "earlier_item": earlier["id"], "earlier_headline": earlier["headline"]}
    item = extractive_item(dataclasses.replace(story, passages=passages), budget, printed) if passages else None
    if item is None or not item.sentences:
        _state["decisions"][story.id] = {"followup": "dropped", **decision}
        return extractive_item(story, budget, printed)  # removed again in briefing_prepare_issue, with the reason
    item.id = story.id
    item.comments.append(back_reference(earlier))
    _state["decisions"][story.id] = {"followup": "printed", **decision}
    return item


@hookimpl(tryfirst=True)
def briefing_prepare_issue(issue, config, report):
    decisions = _state.get("decisions", {}) if _state.get("config") is config else {}
    for section in issue.sections:
        kept = []
        for item in section.items:
            decision = decisions.get(item.id)
            if decision is None:
                kept.append(item)
            elif decision["followup"] == "dropped":
                report.drop(item.headline, f"already published in the Update of Day {decision['earlier_day']} "
                            f"({decision['earlier_date']}), nothing new", story=item.id, section=section.key,
                            **decision)
            else:
                kept.append(item)
                report.note("follow-up", f"{item.headline!r}: new facts since the Update of Day "
                            f"{decision['earlier_day']}; printed with a back-reference",
                            story=item.id, section=section.key, **decision)
        section.items = kept
    _state.clear()
