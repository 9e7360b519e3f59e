"""Build: the whole pipeline for one day, stage by stage, from configuration to files in ``out/``.

load → articles → gate → segment → select → cluster → stories → compose (summarize inside) → prepare → render
→ publish.
One :class:`~briefing.host.context.BuildContext` carries the build's state to every hook. Nothing is written
until every output has been rendered; a failure before that leaves ``out/`` as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..config.settings import Config
from ..editorial import termscore
from ..editorial.judge import Judge, subject_of
from ..errors import BuildError, OutOfTime, PluginError
from ..host.context import BuildContext
from ..host.plugins import Plugins
from ..host.sections import sections_of
from ..models import Issue, Section, Story
from ..output.publish import remove_leftovers, write_issue
from ..output.render import render
from ..runtime.deadline import BuildGuard, build_guard
from ..runtime.lock import out_lock
from ..runtime.report import Report
from . import segment
from .articles import read_articles
from .cache import SourceCache
from .cluster import cluster
from .compose import compose
from .gate import gate, warm_up
from .load import load, nothing_read
from .select import select
from .window import in_window, today

log = logging.getLogger("briefing.build")


@dataclass
class BuildResult:
    issue: Issue
    report: Report
    paths: dict[str, Path]
    timings: dict[str, float] = field(default_factory=dict)
    documents: list = field(default_factory=list)  # every document the build read, after the window


def issue_date(config: Config) -> dt.date:
    """``--date``, else today in ``[briefing] timezone`` (see :mod:`briefing.pipeline.window`)."""
    return today(config)


STAGES = ("load", "articles", "gate", "segment", "select", "cluster", "cache", "summarize", "render", "pdf",
          "publish")


def build(config: Config, plugins: Plugins | None = None,
          progress: Callable[[str, str | None], None] | None = None, hard_deadline: bool = False) -> BuildResult:
    """Build one issue while holding the output folder's lock (see :mod:`briefing.runtime.lock`), within
    ``[briefing] max_seconds`` (see :mod:`briefing.runtime.deadline`; ``hard_deadline``: end the process should the
    build not stop, as the command line does).

    ``progress(done, next)`` is told each stage as it ends (``done`` is "" before the first one).
    """
    with out_lock(config, "build"):
        remove_leftovers(config.out)  # of a build that was killed
        guard = build_guard(config, hard=hard_deadline)
        try:
            with guard:
                if progress:
                    progress("", STAGES[0])
                return _build(config, plugins, progress, guard)
        except OutOfTime:
            raise BuildError(guard.message()) from None


def desk_examples(config: Config, date: dt.date, report) -> dict[str, list[str]]:
    """The headlines the editors moved into each section before ``date`` (within ``[desk] learn_days``): the
    desk's history, which teaches the placement like labelled examples."""
    from ..desk.notes import KILLED, desk_history

    found: dict[str, list[str]] = {}
    for record in desk_history(config, today=date - dt.timedelta(days=1)):
        if record.to_section != KILLED and record.headline:
            found.setdefault(record.to_section, []).append(record.headline)
    if found:
        report.note("desk history", f"{sum(map(len, found.values()))} earlier move(s) of the desk teach the "
                    "placement", sections={k: len(v) for k, v in found.items()})
    return found


def keep_stories(ctx: BuildContext, stories: list[Story]) -> list[Story]:
    """The stories the ``briefing_stories`` plugins keep, in their order; one left out without a word is
    recorded as left out by that plugin."""
    args = {"stories": list(stories)}
    for plugin_name, kept in ctx.call_each(ctx.hook.briefing_stories, args):  # each plugin sees what the last one kept
        kept = list(kept)
        ids = {s.id for s in kept}
        explained = ctx.dropped_stories()
        for story in stories:
            if story.id not in ids and story.id not in explained:
                ctx.drop_story(story, f"left out by plugin {plugin_name}")
        stories = kept
        args["stories"] = list(kept)
    return stories


def _build(config: Config, plugins: Plugins | None = None,
           progress: Callable[[str, str | None], None] | None = None, guard: BuildGuard | None = None) -> BuildResult:
    guard = guard or BuildGuard()
    guard.stage = STAGES[0]
    plugins = plugins or Plugins(config.workspace)
    date = issue_date(config)
    ctx = BuildContext(config, plugins, date)
    ctx.guard = guard
    report = ctx.report
    timings: dict[str, float] = {}

    def stage(name: str, started: float) -> None:
        timings[name] = round(time.perf_counter() - started, 4)
        following = STAGES[STAGES.index(name) + 1:] if name in STAGES else ()
        if not cache:
            following = tuple(f for f in following if f != "cache")
        if "pdf" not in config.formats:
            following = tuple(f for f in following if f != "pdf")
        guard.stage = following[0] if following else ""
        if progress:
            progress(name, following[0] if following else None)

    t = time.perf_counter()
    config.check_plugins(plugins)  # every table is checked before anything is decided from it
    ctx.subject = subject_of(ctx)
    sections = ctx.sections = sections_of(ctx)
    ctx.judge = judge = Judge(ctx.subject, sections, desk_examples(config, date, report))
    ctx.call(ctx.hook.briefing_build_start)
    cache = SourceCache.for_build(config, plugins)
    if config.table("briefing")["language"]:
        warm_up()  # the language identifier loads while the sources are read
    documents = load(ctx, cache)
    if report.bad_sources and not report.sources:  # every source failed: say so, publish nothing
        raise BuildError(nothing_read(config, report))
    documents = in_window(documents, date, config, report)
    stage("load", t)
    if config.strict and report.bad_sources:
        names = ", ".join(f"{b['path']} ({b['reason']})" for b in report.bad_sources)
        raise BuildError(f"--strict: {len(report.bad_sources)} bad source(s): {names}")

    t = time.perf_counter()  # the article behind each on-subject feed item, read in place of its teaser
    documents = read_articles(ctx, documents, cache, progress)
    stage("articles", t)

    t = time.perf_counter()
    articles = [d for d in documents if d.kind == "article"]
    with termscore.memo(cache.scores if cache else None):
        relevance = gate(articles, judge, report, config.table("briefing")["language"])  # before any split
    articles = [d for d in articles if d.id in relevance]
    stage("gate", t)

    t = time.perf_counter()
    segmented = {d.id: cache.sentences(d) if cache else segment.sentences(d) for d in articles}
    stage("segment", t)

    t = time.perf_counter()
    with termscore.memo(cache.scores if cache else None):
        passages = select(articles, segmented, relevance, judge, report)
    stage("select", t)

    t = time.perf_counter()
    with termscore.memo(cache.scores if cache else None):
        stories = cluster(passages, judge)
    stories = keep_stories(ctx, stories)
    stage("cluster", t)
    if cache:
        t = time.perf_counter()
        cache.save()
        stage("cache", t)

    t = time.perf_counter()
    issue = compose(date, stories, documents, sections, ctx)
    ctx.call(ctx.hook.briefing_prepare_issue, issue=issue, report=report)
    if not report.documents and not issue.all_items():  # nothing read, nothing to say: not an issue
        raise BuildError(nothing_read(config, report))
    stage("summarize", t)

    t = time.perf_counter()
    text_formats = tuple(f for f in config.formats if f != "pdf")
    rendered = render(issue, ctx, formats=text_formats) if text_formats else {}
    stage("render", t)
    if "pdf" in config.formats:
        t = time.perf_counter()
        rendered.update(render(issue, ctx, formats=("pdf",)))
        stage("pdf", t)
    if config.strict and report.plugin_errors:
        raise BuildError(f"--strict: plugin {report.plugin_errors[0]['plugin']} failed "
                         f"in {report.plugin_errors[0]['hook']}: {report.plugin_errors[0]['error']}")

    t = time.perf_counter()
    folder = config.out / date.isoformat()
    with guard.held():  # the new issue goes in whole, or not at all
        paths = write_issue(folder, issue, rendered, report)
        guard.published = True
    ctx.call(ctx.hook.briefing_publish, issue=issue, paths=paths, report=report)
    stage("publish", t)
    log.info("built %s: %s", issue.name, ", ".join(str(p) for p in paths.values()))
    return BuildResult(issue=issue, report=report, paths=paths, timings=timings, documents=documents)
