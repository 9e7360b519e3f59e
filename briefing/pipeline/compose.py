"""Compose: Stories → one Issue (title, day, date, sections of items), and the report of what printed and why.

In: :class:`~briefing.pipeline.stages.Clustered` (the day's stories and documents), and the build context's
sections and judge. Out: an :class:`Issue`.

1. **On the subject?** A story prints only when its most relevant report reaches the judge's ``keep`` level.
2. **Where?** Each story goes to the section the judge finds it fits best (plus any ``briefing_score``
   answers); a story no section claims goes to the fallback section.
3. **Printed once.** Most important first, each story is checked against those already kept, by the judge's
   probability that they tell one story (``Story.near``, from the clustering): from its ``fold`` level it is
   folded into the kept one (its outlets join the sources, its facts may add a sentence); from its lower
   ``repeat`` level a story of few outlets is passed over as a repeat. An editor's ``separate`` mark exempts
   a story from both. The report says what was folded into what, and what was passed over for which.
4. **What prints.** Stories are ranked issue-wide by importance: distinct outlets first, then relevance and
   recency. Each section's top story prints; then the others, most important first, while the section and the
   issue have room. When the budget is short it is the least important story of the whole issue that gives way.
5. **How.** Each story becomes an item through ``briefing_summarize`` (the extractive default), most important
   first, so that later items tell what earlier ones have not; no sentence appears twice in an issue.

Sections that make their own items (from data) are asked for them. ``report.json`` records, for every story,
where it went, its scores, and why it printed or not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from rapidfuzz import fuzz, process

from ..editorial.text import norm_key
from ..models import Document, Issue, IssueSection, Item, Section, SectionContent, Story
from ..runtime.report import Report
from .cluster import unit_of
from .stages import Clustered
from .summarize import story_headline

log = logging.getLogger("briefing.compose")

NEAR_DUPLICATE = 90  # rapidfuzz token-sort similarity (0-100) from which two sentences count as copies
TEXT_SHARE = 0.5  # a story with something to say beyond its title ranks before a bare title told by as many outlets
RELEVANCE_SHARE = 0.04  # a unit of relevance (log-odds, up to 10) adds this: it orders stories of as many outlets
WIDE_STORY = 2  # a story told by this many outlets is held back by the issue's length only, not its section's
RECENCY_SHARE = 0.1  # being the latest story of the day adds this; the three together stay under one outlet


def outlets(story: Story) -> int:
    return len({d.outlet or d.id for d in story.documents})


def importance(story: Story, span: tuple[dt.datetime, dt.datetime] | None = None) -> float:
    """Distinct outlets that told the story; then, by less than one outlet together, whether it has text beyond
    its titles, how surely it is about the subject, and how recent its latest report is within ``span`` (the
    day's first and last report)."""
    value = outlets(story) + TEXT_SHARE * bool(story.sentences) + RELEVANCE_SHARE * max(0.0, min(story.relevance, 10.0))
    times = [d.published for d in story.documents if d.published is not None]
    if span is not None and times and span[1] > span[0]:
        value += RECENCY_SHARE * (max(times) - span[0]) / (span[1] - span[0])
    return value


def day_span(stories: list[Story]) -> tuple[dt.datetime, dt.datetime] | None:
    """The first and last publication times of the stories' documents (None when none is dated)."""
    times = [d.published for s in stories for d in s.documents if d.published is not None]
    try:
        return (min(times), max(times)) if times else None
    except TypeError:  # dated with and without a time zone: recency is left out
        return None


def place(stories: list[Story], ctx) -> tuple[list[Story], dict[str, dict]]:
    """The stories that stay, each with its section; the others are recorded as left out, with the reason. With
    them, every story's entry for the report (by story id), which the later steps complete."""
    judge, report = ctx.judge, ctx.report
    claiming = {s.key: s for s in judge.claiming}
    stays = {s.key for s in judge.sections}  # the sections that hold stories
    kept = []
    entries: dict[str, dict] = {}
    for story in stories:
        story.relevance = max(p.relevance for p in story.passages)
        entry = {"story": story.id, "headline": story.passages[0].title or story.passages[0].text[:100],
                 "sources": [d.outlet or d.title for d in story.documents],
                 "documents": [d.id for d in story.documents], "outlets": outlets(story),
                 "relevance": round(story.relevance, 3)}
        if story.relevance < judge.keep:
            why = f"off subject (its most relevant report scores {story.relevance:.2f} < {judge.keep:.2f})"
            report.drop(entry["headline"], why, **entry)
            entries[story.id] = {**entry, "printed": False, "why": why}
            continue
        scores = judge.story_scores([unit_of(p) for p in story.passages])
        for key, section in claiming.items():
            extra = ctx.call(ctx.hook.briefing_score, section=section, story=story)
            if extra:
                scores[key] = round(scores[key] + sum(float(x) for x in extra), 4)
        story.scores = scores
        section, probability = judge.decide(scores)
        if story.placed in stays:  # an editor's choice: the scores are kept for the report, not followed
            section, probability = story.placed, 1.0
            entry["placed"] = "by an editor"
        if not section:
            why = "no section claims it and there is no fallback section"
            report.drop(entry["headline"], why, **entry)
            entries[story.id] = {**entry, "scores": scores, "printed": False, "why": why}
            continue
        story.section, story.score = section, round(probability, 4)
        entry.update(section=section, probability=story.score, scores=scores)
        taught = judge.desk_example(unit_of(story.passages[0]), section)
        if taught:
            entry["desk"] = f"placed like {taught!r}, which the desk moved to this section on an earlier day"
        if section == judge.fallback and section not in scores:
            entry["unclaimed"] = True
        entries[story.id] = entry
        kept.append(story)
    return kept, entries


def gather(ranked: list[Story], judge, report: Report, entries: dict[str, dict], budget: dict) -> list[Story]:
    """The stories that print on their own, in the order given (most important first); the others are folded
    into the kept story they tell, or passed over as its repeat (see the module docstring, step 3), which their
    ``entries`` (by story id) say."""
    kept: list[Story] = []
    for story in ranked:
        like, p = None, 0.0
        if not story.separate:
            for k, candidate in enumerate(kept):
                q = max(story.near.get(x.id, 0.0) for x in [candidate, *candidate.folded])
                if q > p:
                    like, p = k, q
        entry = entries.get(story.id, {})
        if like is not None and p >= judge.fold_threshold:
            into = kept[like]  # a new story: the one the clustering gave stays as it was, for a desk's recompose
            kept[like] = dataclasses.replace(into, folded=into.folded + [story],
                                             passages=into.passages + story.passages)
            entry.update(printed=False, folded_into=into.id, likeness=round(p, 3),
                         why=f"folded into “{story_headline(into, budget)}”: the same story ({p:.2f})")
        elif like is not None and p >= judge.repeat_threshold and outlets(story) < judge.repeat_outlets:
            # not named on the sources line: measured, a likely repeat named there was another story too often
            same = kept[like]
            kept[like] = dataclasses.replace(same, repeats=same.repeats + [story])  # said in its item's record
            why = f"passed over as a repeat of “{story_headline(same, budget)}” ({p:.2f})"
            entry.update(printed=False, repeat_of=same.id, likeness=round(p, 3), why=why)
            report.drop(story_headline(story, budget), "passed over as a repeat", story=story.id, repeat_of=same.id,
                        same_as=story_headline(same, budget), likeness=round(p, 3))
        else:
            kept.append(story)
    return kept


def _section_items(section: Section, date: dt.date, documents: list[Document], ctx) -> tuple[list[Item], str]:
    """A section's own items and its message, its ``make_items`` contained like a hook."""
    plugin = section.plugin or section.key
    ok, made = ctx.contained(plugin, "make_items",
                             lambda: section.make_items(date=date, documents=documents, config=ctx.config,
                                                        report=ctx.report),
                             detail=f" of section {section.key!r}")
    if not ok or made is None:
        return [], ""
    if isinstance(made, SectionContent):
        items, message = made.items, made.message
    else:
        items, message = made, ""
    items = list(items) if isinstance(items, (list, tuple)) else None
    if items is None or not all(isinstance(i, Item) for i in items):
        ctx.plugin_failed(plugin, "make_items", f"section {section.key!r}: returned {type(made).__name__}, "
                          "not a list of Item or a SectionContent", "")
        return [], ""
    return items, str(message or "")


def copy_of(text: str, seen: list[str]) -> int | None:
    """Where ``text`` is the same as, or a near-copy of, a sentence or headline already in the issue: its index
    in ``seen`` (the :func:`norm_key` of each of those sentences and headlines), else None."""
    if not seen:
        return None
    found = process.extractOne(norm_key(text), seen, scorer=fuzz.token_sort_ratio, score_cutoff=NEAR_DUPLICATE)
    return None if found is None else found[2]


def _fresh_sentences(item: Item, used: list[str], owners: list[str]) -> dict[str, str]:
    """Takes out of ``item`` the sentences already in the issue (``used``: their keys; ``owners``: the headline
    of the item each is from). When none is left: ``{"same_as": headline}``, the item the first one copies."""
    chosen = item.sentences
    copies = [copy_of(s.text, used) for s in chosen]
    item.sentences = [s for s, found in zip(chosen, copies) if found is None]
    return {"same_as": owners[copies[0]]} if chosen and not item.sentences else {}


def record(entries: dict[str, dict], story: Story, item: Item | None, reason: str) -> None:
    """Say in the story's report entry whether it printed and why; with its item's provenance when it did."""
    entry = entries.get(story.id)
    if entry is None:
        return
    entry["printed"] = item is not None
    entry["why"] = reason
    if item is not None:
        entry["item"] = {
            "headline": item.headline,
            "sentences": [{"doc": s.doc_id, "start": s.start, "end": s.end, "text": s.text}
                          for s in item.sentences],
        }


def _tops_first(ranked: list[Story], sections: list[Section]) -> tuple[list[Story], list[Story]]:
    """Each section's top story, and the order stories are tried in: those tops first, then the rest by importance
    (the least important give way)."""
    tops = [next(s for s in ranked if s.section == section.key) for section in sections
            if any(s.section == section.key for s in ranked)]
    return tops, tops + [s for s in ranked if s not in tops]


def _full_budget(story: Story, printed_items: int, per_issue: int, in_section: int, limit: int) -> str | None:
    """Which length budget holds this story back: "issue", "section" or None. A section's length holds back its
    single-outlet stories only: news told by several outlets is never left out for its section's length while the
    issue has room."""
    if printed_items >= per_issue:
        return "issue"
    if in_section >= limit and outlets(story) < WIDE_STORY:
        return "section"
    return None


def _carry_comments(story: Story, item: Item) -> None:
    """What a plugin said of the story (a back-reference) goes with its item."""
    for comment in story.comments:
        if comment not in item.comments:
            item.comments.append(comment)


def _placed_reason(story: Story, tops: list[Story], rank: int, of: int) -> str:
    """Why a printed story stands where it does, for the build report."""
    if story in tops:
        return "the top story of its section"
    n = outlets(story)
    return f"ranks {rank} of {of} issue-wide ({n} outlet{'s' * (n != 1)})"


def _issue_sections(sections: list[Section], ranked: list[Story], items: dict[str, Item], date: dt.date,
                    documents: list[Document], ctx) -> list[IssueSection]:
    """The issue's sections in order: a section that makes its own items makes them; the others hold their printed
    stories by importance."""
    out = []
    for section in sections:
        part = IssueSection(key=section.key, title=section.title)
        if section.make_items is not None:
            part.items, part.message = _section_items(section, date, documents, ctx)
        else:
            part.items = [items[s.id] for s in ranked if s.section == section.key and s.id in items]
        out.append(part)
    return out


def compose(ctx, clustered: Clustered) -> Issue:
    """The stage: the day's stories placed, gathered, ranked and summarized into the issue; every story's entry
    written to the report once, when it is complete."""
    config, report, date, sections = ctx.config, ctx.report, ctx.date, ctx.sections
    placed, entries = place(clustered.stories, ctx)
    issue = Issue(title=config.title, day=config.day_number(date), date=date,
                  back_issues_text=config.back_issues_text, back_issues_url=config.back_issues_url)
    budget = config.item_budget()
    per_issue = config.budget.issue_items
    limits = {s.key: s.max_items or config.budget.section_items for s in sections}
    span = day_span(placed)
    ranked = sorted(placed, key=lambda s: (-importance(s, span), s.id))
    ranked = gather(ranked, ctx.judge, report, entries, budget)
    ranked = sorted(ranked, key=lambda s: (-importance(s, span), s.id))  # importance after folding
    rank = {s.id: n for n, s in enumerate(ranked)}
    tops, queue = _tops_first(ranked, sections)
    items: dict[str, Item] = {}
    printed: list[str] = []  # every headline and sentence so far, most important story first
    used: list[str] = []  # their keys, for the near-duplicate check
    owners: list[str] = []  # the headline of the item each key is from
    count = {key: 0 for key in limits}
    for story in queue:
        full = _full_budget(story, len(items), per_issue, count[story.section], limits[story.section])
        if full is not None:
            held = len(items) if full == "issue" else count[story.section]
            why = (f"over the length budget (the {full} is full with {held} more important items; this story "
                   f"ranks {rank[story.id] + 1} of {len(ranked)})")
            report.drop(story.passages[0].title or story.id, "over the length budget", story=story.id,
                        section=story.section, full=full, rank=rank[story.id] + 1, of=len(ranked))
            record(entries, story, None, why)
            continue
        item = ctx.first(ctx.hook.briefing_summarize, story=story, budget=budget, printed=tuple(printed))
        if item is None:
            record(entries, story, None, "no summarizer gave an item")
            continue
        _carry_comments(story, item)
        had_sentences, chosen = bool(story.sentences), bool(item.sentences)
        same = _fresh_sentences(item, used, owners)
        if not item.sentences and not item.text and had_sentences:
            why = ("every sentence already appears earlier in the issue" if chosen else
                   "no sentence of it stands on its own (each leans on one before it or is cut off)")
            report.drop(item.headline, why, story=story.id, section=story.section, **same)
            record(entries, story, None, why)
            continue
        printed.append(item.headline)
        printed.extend(s.text for s in item.sentences)
        used.extend(norm_key(text) for text in printed[-1 - len(item.sentences):])
        owners.extend([item.headline] * (1 + len(item.sentences)))
        item.score = round(importance(story, span), 4)
        item.folded = [f.id for f in story.folded]
        item.repeats = sorted({d.id for r in story.repeats for d in r.documents})
        record(entries, story, item, _placed_reason(story, tops, rank[story.id] + 1, len(ranked)))
        items[story.id] = item
        count[story.section] += 1
    issue.sections.extend(_issue_sections(sections, ranked, items, date, clustered.documents, ctx))
    report.stories.extend(entries.values())
    return issue


run = compose  # the stage: Clustered → Issue
