"""Compose: Stories → one Issue (title, day, date, sections of items).

In: the day's stories and documents, the sections the plugins contribute, the configuration.
Out: an :class:`Issue`. Each story goes to the one section whose profile (plus any ``briefing_score``
answers) fits it best; relevant stories no section claims go to the fallback section. Sections that
make their own items (from data) are asked for them. No sentence appears twice in an issue.
"""

from __future__ import annotations

import datetime as dt
import logging

from rapidfuzz import fuzz, process

from .config import Config
from .models import Document, Issue, IssueSection, Item, Section, SectionContent, Story
from .text import norm_key

log = logging.getLogger("briefing.compose")

MIN_CLAIM = 1.5  # below this best fit, a story is "unclaimed" and goes to the fallback section
TIE_MARGIN = 0.05
LEAD_WEIGHT = 2.0


def configured_sections(found: list[Section], config: Config) -> list[Section]:
    """The plugins' sections with titles, order and limits from ``[sections.KEY]``; disabled ones left out."""
    out = []
    for section in found:
        conf = {k: v for k, v in config.sections.get(section.key, {}).items() if v is not None}
        if conf.get("enabled", True) is False:
            continue
        section = section.replace(
            title=str(conf.get("title", section.title)),
            order=int(conf.get("order", section.order)),
            max_items=conf.get("max_items", section.max_items),
        )
        if "terms" in conf:
            section.profile = {**section.profile, "terms": dict(conf["terms"])}
        out.append(section)
    return sorted(out, key=lambda s: (s.order, s.key))


def story_scores(story: Story, sections: list[Section], ctx) -> dict[str, float]:
    # passages weigh by their length; an opening passage (with the outlet's headline) says what the story
    # is about and weighs double, so a closing detour (a quote about sanctions) does not decide the section
    weights = [max(1, len(p.sentences)) * (LEAD_WEIGHT if p.lead else 1.0) for p in story.passages]
    total = sum(weights) or 1.0
    scores: dict[str, float] = {}
    for section in sections:
        base = sum(p.scores.get(section.key, 0.0) * w for p, w in zip(story.passages, weights)) / total
        extra = ctx.call("briefing_score", section=section, story=story) if ctx is not None else []
        scores[section.key] = round(base + sum(float(x) for x in extra), 4)
    return scores


def decide(scores: dict[str, float]) -> tuple[str | None, list[str] | None]:
    """The claiming section for a story's scores (None: unclaimed), and the two keys when it is a tie."""
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked or ranked[0][1] < MIN_CLAIM:
        return None, None
    tie = None
    if len(ranked) > 1 and ranked[1][1] >= ranked[0][1] * (1 - TIE_MARGIN):
        tie = [ranked[0][0], ranked[1][0]]
    return ranked[0][0], tie


def place(stories: list[Story], sections: list[Section], ctx) -> dict[str, list[Story]]:
    report = ctx.report
    claiming = [s for s in sections if s.make_items is None and not s.fallback]
    fallback = next((s for s in sections if s.fallback and s.make_items is None), None)
    placed: dict[str, list[Story]] = {s.key: [] for s in sections}
    for story in stories:
        scores = story_scores(story, claiming, ctx)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        story.scores = scores
        entry = {
            "story": story.id,
            "headline": story.passages[0].title or story.passages[0].text[:100],
            "sources": [d.outlet or d.title for d in story.documents],
            "documents": [d.id for d in story.documents],
            "scores": scores,
        }
        best, tie = decide(scores)
        if best is not None:
            story.section, story.score = best, scores[best]
            if tie:
                entry["tie"] = tie
        elif fallback is not None:
            story.section, story.score = fallback.key, ranked[0][1] if ranked else 0.0
            entry["unclaimed"] = True
        else:
            report.drop(entry["headline"], "no section claims it and there is no fallback section", **entry)
            continue
        entry["section"], entry["score"] = story.section, story.score
        report.stories.append(entry)
        placed[story.section].append(story)
    return placed


def importance(story: Story, span: tuple[dt.datetime, dt.datetime] | None = None) -> float:
    """Outlets that told the story first; then its fit to its section (up to 0.9) and how recent its latest
    report is within ``span``, the day's first and last publication times (up to 0.1): together less than
    one outlet, so they only order stories told by as many outlets."""
    value = len({d.outlet or d.id for d in story.documents}) + 0.09 * min(story.score, 10.0)
    times = [d.published for d in story.documents if d.published is not None]
    if span is not None and times and span[1] > span[0]:
        value += 0.1 * (max(times) - span[0]) / (span[1] - span[0])
    return value


def day_span(stories: list[Story]) -> tuple[dt.datetime, dt.datetime] | None:
    """The first and last publication times of the stories' documents (None when none is dated)."""
    times = [d.published for s in stories for d in s.documents if d.published is not None]
    try:
        return (min(times), max(times)) if times else None
    except TypeError:  # dated with and without a time zone: recency is left out
        return None


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


NEAR_DUPLICATE = 90  # rapidfuzz token-sort similarity (0-100) from which two sentences count as copies


def near_duplicate(text: str, seen: list[str]) -> bool:
    """True when ``text`` is the same as, or a near-copy of, a sentence or headline already in the issue.

    ``seen``: the :func:`norm_key` of each of those sentences and headlines.
    """
    if not seen:
        return False
    return process.extractOne(norm_key(text), seen, scorer=fuzz.token_sort_ratio,
                              score_cutoff=NEAR_DUPLICATE) is not None


def record_provenance(report: Report, story_id: str, item: Item) -> None:
    """Put the item's headline and each sentence's document and character span in the story's report entry."""
    entry = next((e for e in report.stories if e.get("story") == story_id), None)
    if entry is None:
        return
    entry["item"] = {
        "headline": item.headline,
        "sentences": [{"doc": s.doc_id, "start": s.start, "end": s.end, "text": s.text} for s in item.sentences],
    }


def compose(date: dt.date, stories: list[Story], documents: list[Document], sections: list[Section],
            ctx) -> Issue:
    config, report = ctx.config, ctx.report
    placed = place(stories, sections, ctx)
    issue = Issue(title=config.title, day=config.day_number(date), date=date,
                  back_issues_text=config.back_issues_text, back_issues_url=config.back_issues_url)
    budget = config.item_budget()
    per_section = int(config.budget["section_items"])
    per_issue = int(config.budget["issue_items"])
    printed: list[str] = []  # every headline and sentence so far, in issue order
    used: list[str] = []  # their keys, for the near-duplicate check
    count = 0
    span = day_span(stories)
    for section in sections:
        out = IssueSection(key=section.key, title=section.title)
        if section.make_items is not None:
            out.items, out.message = _section_items(section, date, documents, ctx)
        else:
            limit = int(section.max_items or per_section)
            for story in sorted(placed[section.key], key=lambda s: (-importance(s, span), s.id)):
                if len(out.items) >= limit or count >= per_issue:
                    report.drop(story.passages[0].title or story.id, "over the length budget",
                                story=story.id, section=section.key)
                    continue
                item = ctx.first("briefing_summarize", story=story, budget=budget, printed=tuple(printed))
                if item is None:
                    continue
                for comment in story.comments:  # what a plugin said of the story (a back-reference) goes with it
                    if comment not in item.comments:
                        item.comments.append(comment)
                had_sentences, chosen = bool(story.sentences), bool(item.sentences)
                item.sentences = [s for s in item.sentences if not near_duplicate(s.text, used)]
                if not item.sentences and not item.text and had_sentences:
                    why = ("every sentence already appears earlier in the issue" if chosen else
                           "no sentence of it stands on its own (each leans on one before it or is cut off)")
                    report.drop(item.headline, why, story=story.id, section=section.key)
                    continue
                printed.append(item.headline)
                printed.extend(s.text for s in item.sentences)
                used.extend(norm_key(text) for text in printed[-1 - len(item.sentences):])
                record_provenance(report, story.id, item)
                item.score = round(importance(story, span), 4)
                out.items.append(item)
                count += 1
        issue.sections.append(out)
    return issue
