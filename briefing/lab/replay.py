"""Replay: a labelled day run through the real stages in memory, with an editorial model the lab gives.

In: a :class:`~briefing.lab.days.Day` and a :class:`~briefing.editorial.subject.Subject` (models trained on other
days, thresholds to try). Out: the issue and the report as a build writes them (``issue.json`` and
``report.json``, as dicts), scored exactly as a real build's files are (:mod:`briefing.lab.corrections`).
:func:`prepare` runs the stages up to the passages once; :func:`finish` clusters and composes them, as often as
the lab asks, with the thresholds it sets on the judge.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass

from ..editorial.judge import Judge
from ..editorial.subject import Subject
from ..host.context import BuildContext
from ..host.plugins import Plugins
from ..output.issuefile import issue_to_dict
from ..pipeline import cluster, compose, gate, segment, select
from ..pipeline.stages import Segmented, Selected
from ..runtime.report import Report, json_safe
from .days import Day, lab_context


@dataclass
class Prepared:
    """A day's passages under one model: what clustering and composing start from."""

    day: Day
    ctx: BuildContext
    judge: Judge
    selected: Selected
    report: Report  # what the stages before clustering reported


def prepare(day: Day, subject: Subject, plugins: Plugins | None = None) -> Prepared:
    """The gate, segmenting and selecting of ``day`` with ``subject``'s models."""
    ctx = lab_context(day.name, plugins, subject=subject)
    ctx.report.documents = list(day.report["documents"])
    gated = gate.run(ctx, day.documents)
    for d in gated.articles:
        if d.id not in day.sentences:
            day.sentences[d.id] = segment.sentences(d)
    selected = select.run(ctx, Segmented(gated, day.sentences))
    return Prepared(day, ctx, ctx.judge, selected, copy.deepcopy(ctx.report))


def finish(prepared: Prepared, thresholds: dict[str, float] | None = None) -> tuple[dict, dict]:
    """Cluster and compose the prepared passages with these merge thresholds (``merge``, ``centroid``,
    ``fold``, ``repeat``, ``repeat_outlets``); the issue and the report as dicts."""
    judge = prepared.judge
    if thresholds and judge.merge_model is not None:
        judge.merge_model.thresholds.update(thresholds)
    ctx = prepared.ctx.again(copy.deepcopy(prepared.report))
    selected = dataclasses.replace(prepared.selected, passages=[copy.copy(p) for p in prepared.selected.passages])
    issue = compose.run(ctx, cluster.run(ctx, selected))
    ctx.call(ctx.hook.briefing_prepare_issue, issue=issue, report=ctx.report)
    report = ctx.report
    return issue_to_dict(issue), json_safe({"documents": report.documents, "stories": report.stories,
                                            "dropped": report.dropped})


def replay(day: Day, subject: Subject, plugins: Plugins | None = None) -> tuple[dict, dict]:
    """The issue and report a build of ``day`` makes with ``subject``."""
    return finish(prepare(day, subject, plugins))
