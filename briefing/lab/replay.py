"""Replay: a labelled day run through the real stages in memory, with an editorial model the lab gives.

In: a :class:`~briefing.lab.days.Day` and a :class:`~briefing.editorial.subject.Subject` (models trained on other
days, thresholds to try). Out: the issue and the report as a build writes them (``issue.json`` and
``report.json``, as dicts), scored exactly as a real build's files are (:mod:`briefing.lab.corrections`).
:func:`prepare` runs the stages up to the passages once; :func:`finish` clusters and composes them, as often as
the lab asks, with the thresholds it sets on the judge.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from ..editorial.judge import Judge
from ..editorial.subject import Subject
from ..host.context import BuildContext
from ..host.plugins import Plugins
from ..host.sections import sections_of
from ..models import Passage
from ..output.issuefile import issue_to_dict
from ..pipeline import segment
from ..pipeline.cluster import cluster
from ..pipeline.compose import compose
from ..pipeline.gate import gate
from ..pipeline.select import select
from ..runtime.report import Report, json_safe
from .days import Day, lab_context


@dataclass
class Prepared:
    """A day's passages under one model: what clustering and composing start from."""

    day: Day
    ctx: BuildContext
    judge: Judge
    passages: list[Passage]
    report: Report  # what the stages before clustering reported


def prepare(day: Day, subject: Subject, plugins: Plugins | None = None) -> Prepared:
    """The gate, segmenting and selecting of ``day`` with ``subject``'s models."""
    ctx = lab_context(day.name, plugins)
    ctx.subject = subject
    ctx.sections = sections_of(ctx)
    ctx.judge = judge = Judge(subject, ctx.sections)
    report = ctx.report
    report.documents = list(day.report["documents"])
    articles = [d for d in day.documents if d.kind == "article"]
    relevance = gate(articles, judge, report, ctx.config.section("briefing").language)
    articles = [d for d in articles if d.id in relevance]
    for d in articles:
        if d.id not in day.sentences:
            day.sentences[d.id] = segment.sentences(d)
    passages = select(articles, day.sentences, relevance, judge, report)
    return Prepared(day, ctx, judge, passages, copy.deepcopy(report))


def finish(prepared: Prepared, thresholds: dict[str, float] | None = None) -> tuple[dict, dict]:
    """Cluster and compose the prepared passages with these merge thresholds (``merge``, ``centroid``,
    ``fold``, ``repeat``, ``repeat_outlets``); the issue and the report as dicts."""
    ctx, judge = prepared.ctx, prepared.judge
    if thresholds and judge.merge_model is not None:
        judge.merge_model.thresholds.update(thresholds)
    ctx.report = report = copy.deepcopy(prepared.report)
    ctx._scratch.clear()
    stories = cluster([copy.copy(p) for p in prepared.passages], judge)
    issue = compose(ctx.date, stories, prepared.day.documents, ctx.sections, ctx)
    ctx.call(ctx.hook.briefing_prepare_issue, issue=issue, report=report)
    return issue_to_dict(issue), json_safe({"documents": report.documents, "stories": report.stories,
                                            "dropped": report.dropped})


def replay(day: Day, subject: Subject, plugins: Plugins | None = None) -> tuple[dict, dict]:
    """The issue and report a build of ``day`` makes with ``subject``."""
    return finish(prepare(day, subject, plugins))
