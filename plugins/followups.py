"""Follow-ups, not repeats: a story already published in an earlier issue is not printed again as new.

Reads the back issues (``OUT/<date>/issue.json``). A story of the day (in ``briefing_stories``, between
clustering and placing, so that a repeat never takes a place in the issue) matches an earlier item when it carries two of that item's printed sentences (or one, from the same
source document) or its headline is nearly the same (rapidfuzz). Then only what is new may be printed:
sentences from documents the earlier item did not use, and not already printed in any earlier issue. With new facts, the item is printed from
those alone with a back-reference in the house manner ("We reported on … in our Update of Day 387");
with none, it is dropped. A story whose reports were all passed over as repeats of an earlier item (its
``repeats`` in ``issue.json``) is dropped as that repeat. ``report.json`` records each decision (``notes`` kind ``follow-up``, and
``dropped`` with reason "already published …").

Configuration (optional), ``[followups]`` in ``briefing.toml``::

    days = 30                 # how far back to look, in days
    headline_similarity = 90  # 0-100; a headline at least this close to an earlier one is the same story
    sentence_similarity = 92  # 0-100; a sentence at least this close to a printed one is not new
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from briefing import Story, api, hookimpl
from briefing.api import Int, Number, Option, Table, back_issues, norm_key

log = logging.getLogger("briefing.followups")


class Earlier:
    """Every item of the recent back issues, indexed by sentence and headline."""

    def __init__(self, issues: list[dict[str, Any]], settings: dict[str, Any]):
        self.items: list[dict[str, Any]] = []
        self.by_sentence: dict[str, int] = {}
        self.headline_similarity = settings["headline_similarity"]
        self.sentence_similarity = settings["sentence_similarity"]
        for issue in issues:  # newest first: the latest mention of a sentence wins
            for section in issue.get("sections", []):
                for item in section.get("items", []):
                    if not item.get("documents"):
                        continue  # computed or hand-written items are not stories
                    texts = [s["text"] if isinstance(s, dict) else str(s) for s in item.get("sentences", [])]
                    entry = {"issue_day": issue["day"], "issue_date": issue["date"], "id": item["id"],
                             "headline": item["headline"], "documents": set(item["documents"]),
                             "repeats": set(item.get("repeats", [])),
                             "keys": [norm_key(t) for t in texts], "text": " ".join(texts)}
                    index = len(self.items)
                    self.items.append(entry)
                    for key in entry["keys"]:
                        self.by_sentence.setdefault(key, index)
        self.headlines = [norm_key(i["headline"]) for i in self.items]
        self.all_keys = list(self.by_sentence)

    def passed_over(self, story: Story) -> dict[str, Any] | None:
        """The earlier item every report of this story was passed over for, as its repeat, if any."""
        docs = {d.id for d in story.documents}
        return next((i for i in self.items if docs and docs <= i["repeats"]), None)

    def match(self, story: Story, headline: str, likeness=None) -> dict[str, Any] | None:
        """The earlier item this story follows up, if any: it shares two of its printed sentences (or one from
        the very same document), or the judge finds them the same story (``likeness``: this story's row of
        :meth:`Judge.likeness` against every earlier item, and the level from which it counts), or its headline
        is nearly the earlier one."""
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
        if likeness is not None and len(likeness[0]) and likeness[0].max() >= likeness[1]:
            return self.items[int(likeness[0].argmax())]
        if self.headlines and headline:
            from rapidfuzz import fuzz, process

            best = process.extractOne(norm_key(headline), self.headlines, scorer=fuzz.token_sort_ratio,
                                      score_cutoff=self.headline_similarity)
            if best is not None:
                return self.items[best[2]]
        return None

    def printed(self, text: str) -> bool:
        key = norm_key(text)
        if key in self.by_sentence:
            return True
        from rapidfuzz import fuzz, process

        return bool(self.all_keys) and process.extractOne(
            key, self.all_keys, scorer=fuzz.ratio, score_cutoff=self.sentence_similarity) is not None


def back_reference(earlier: dict[str, Any]) -> str:
    """The house manner, as a Markdown comment (the earlier headline is source text: escaped)."""
    when = (f"Update of Day {earlier['issue_day']}" if earlier["issue_day"] is not None
            else f"issue of {earlier['issue_date']}")
    return f"We reported on “{api.md_text(earlier['headline'])}” in our {when}."


@hookimpl
def briefing_options():
    return {"followups": Table("Stories already printed in a recent issue: left out, or told from their new facts.", {
        "days": Option(Int(0), 30, "how far back earlier issues are read, in days"),
        "headline_similarity": Option(Number(0, 100), 90, "0-100: a headline this close to an earlier one is "
                                      "the same story"),
        "sentence_similarity": Option(Number(0, 100), 92, "0-100: a sentence this close to a printed one is not new"),
    })}


@hookimpl
def briefing_stories(stories, config, build):
    """Drop the stories already told with nothing new; tell the others from their new facts only."""
    settings = config.section("followups")
    earlier = Earlier(back_issues(config.out, before=build.date, days=settings.days), settings)
    if not earlier.items:
        return None
    judge = build.judge
    told = judge.likeness([[api.Unit.of(p.id, p.doc.id, p.title, p.text) for p in s.passages if p.lead] or
                           [api.Unit.of(s.passages[0].id, s.passages[0].doc.id, "", s.passages[0].text)]
                           for s in stories],
                          [[api.Unit.of(f"earlier/{k}", f"earlier/{k}", i["headline"], i["text"])]
                           for k, i in enumerate(earlier.items)])
    kept = []
    for n, story in enumerate(stories):
        match = earlier.match(story, api.story_headline(story, config.item_budget()), (told[n], judge.fold_threshold))
        repeat = earlier.passed_over(story)
        if match is None and repeat is not None:  # passed over as a repeat then: not news now either
            build.drop_story(story, f"passed over as a repeat of “{repeat['headline']}” (the Update of Day "
                             f"{repeat['issue_day']}, {repeat['issue_date']})",
                             headline=api.story_headline(story, config.item_budget()),
                             followup="dropped", earlier_day=repeat["issue_day"],
                             earlier_date=repeat["issue_date"], earlier_item=repeat["id"],
                             earlier_headline=repeat["headline"], same_as=repeat["headline"])
            continue
        if match is None:
            kept.append(story)
            continue
        decision = {"earlier_day": match["issue_day"], "earlier_date": match["issue_date"],
                    "earlier_item": match["id"], "earlier_headline": match["headline"]}
        passages = []
        for p in story.passages:
            if p.doc.id in match["documents"]:
                continue
            fresh = [s for s in p.sentences if not earlier.printed(s.text)]
            if fresh:
                passages.append(dataclasses.replace(p, sentences=fresh))
        if not passages:
            build.drop_story(story, f"already published in the Update of Day {match['issue_day']} "
                             f"({match['issue_date']}), nothing new",
                             headline=api.story_headline(story, config.item_budget()),
                             followup="dropped", **decision)
            continue
        story.passages = passages
        story.comments.append(back_reference(match))
        build.scratch(__name__)[story.id] = decision  # noted once it prints (briefing_prepare_issue)
        kept.append(story)
    return kept


@hookimpl
def briefing_prepare_issue(issue, build):
    """Note each follow-up that printed, told from its new facts with a back-reference."""
    decisions = build.scratch(__name__)
    for section in issue.sections:
        for item in section.items:
            decision = decisions.get(item.id)
            if decision is not None:
                build.report.note("follow-up", f"{item.headline!r}: new facts since the Update of Day "
                                  f"{decision['earlier_day']}; told from them, with a back-reference",
                                  story=item.id, section=section.key, followup="printed", **decision)
