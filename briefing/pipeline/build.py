"""Build: the whole pipeline for one day, stage by stage, from configuration to files in ``out/``.

load → articles → gate → segment → select → cluster → stories → compose (summarize inside) → prepare → render
→ publish.
One :class:`~briefing.host.context.BuildContext` carries the build's state to every hook. Nothing is written
until every output has been rendered; a failure before that leaves ``out/`` as it was.

A build asked to ``keep`` its stories returns them (:class:`Clustered`: the stories as clustered, the documents,
the report as it stood, the subject, sections and judge) so that an editor's correction re-runs only what
follows the stories: :func:`recompose` (the ``briefing_stories`` plugins, compose, prepare; no file written,
a fraction of a second on a whole day) and :func:`publish` (render and write, as a build does). The desk does
so; the issue it writes is the one a whole build would write from the same sources and notes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..config.settings import Config
from ..editorial import termscore
from ..editorial.judge import Judge, subject_of
from ..errors import BuildError, Interrupted, OutOfTime, PluginError
from ..host.context import BuildContext
from ..host.plugins import Plugins
from ..host.sections import sections_of
from ..models import Document, Issue, Section, Story
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
from .sourcesettings import declared_languages
from .window import in_window, today

log = logging.getLogger("briefing.build")


@dataclass
class Clustered:
    """What a build computed up to its stories, kept so that a correction re-runs only what follows them."""

    config: Config
    plugins: Plugins
    date: dt.date
    subject: object
    sections: list[Section]
    judge: Judge
    stories: list[Story]  # as clustered, before any ``briefing_stories`` plugin
    documents: list[Document]  # every document the build read, after the window
    report: Report  # as it stood after clustering
    counts: tuple[int, int] = (0, 0)  # articles in the day's window, and of those on the subject (an empty day)

    def fresh(self) -> tuple[BuildContext, list[Story]]:
        """A context for one more composition, with the report as it stood, and copies of the stories that the
        plugins and the composition may change (their passages, comments, scores and places)."""
        ctx = BuildContext(self.config, self.plugins, self.date, report=self.report.copy())
        ctx.subject, ctx.sections, ctx.judge = self.subject, self.sections, self.judge
        stories = [dataclasses.replace(s, passages=list(s.passages), comments=list(s.comments), scores=dict(s.scores))
                   for s in self.stories]
        return ctx, stories


@dataclass
class Draft:
    """One composed issue that is not written yet: what :func:`recompose` gives and :func:`publish` writes."""

    ctx: BuildContext
    issue: Issue
    documents: list[Document]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def report(self) -> Report:
        return self.ctx.report


@dataclass
class BuildResult:
    issue: Issue
    report: Report
    paths: dict[str, Path]
    timings: dict[str, float] = field(default_factory=dict)
    documents: list = field(default_factory=list)  # every document the build read, after the window
    clustered: Clustered | None = None  # what the build computed up to its stories (``keep=True``)


def issue_date(config: Config) -> dt.date:
    """``--date``, else today in ``[briefing] timezone`` (see :mod:`briefing.pipeline.window`)."""
    return today(config)


STAGES = ("load", "articles", "gate", "segment", "select", "cluster", "cache", "summarize", "render", "pdf",
          "publish")


@contextlib.contextmanager
def _told(guard):
    """Inside ``guard``: its deadline said as a BuildError, a stop it made (Ctrl-C, SIGTERM) as Interrupted."""
    try:
        yield
    except OutOfTime:
        raise BuildError(guard.message()) from None
    except KeyboardInterrupt:
        if not guard.interrupted:
            raise
        raise Interrupted(guard.stopped(), guard.signal) from None


def build(config: Config, plugins: Plugins | None = None,
          progress: Callable[[str, str | None], None] | None = None, hard_deadline: bool = False,
          keep: bool = False) -> BuildResult:
    """Build one issue while holding the output folder's lock (see :mod:`briefing.runtime.lock`), within
    ``[briefing] max_seconds`` (see :mod:`briefing.runtime.deadline`; ``hard_deadline``: end the process should the
    build not stop, as the command line does).

    ``progress(done, next)`` is told each stage as it ends (``done`` is "" before the first one). ``keep``: the
    result carries what was computed up to the stories (``result.clustered``), for :func:`recompose`.
    """
    with out_lock(config, "build"):
        remove_leftovers(config.out)  # of a build that was killed
        guard = build_guard(config, hard=hard_deadline)
        with _told(guard), guard:
            if progress:
                progress("", STAGES[0])
            return _build(config, plugins, progress, guard, keep)


def nothing_new(date: dt.date, report: Report, in_window: int, on_subject: int) -> str:
    """Why a day with nothing new on the subject is not an issue (one line)."""
    return (f"nothing new on the subject for {date.isoformat()}: of {len(report.documents)} document(s) read, "
            f"{in_window} fall in the day's window and {on_subject} of those are on the subject, and no "
            "section has an item; no issue was built and nothing archived (--allow-empty builds the empty issue)")


def recompose(clustered: Clustered) -> Draft:
    """The issue composed again from the kept stories, with the notes and plugins as they are now (the
    ``briefing_build_start`` and ``briefing_stories`` plugins, compose, prepare); nothing is written."""
    ctx, stories = clustered.fresh()
    timer = Timer(ctx.config)
    ctx.call(ctx.hook.briefing_build_start)
    issue = _compose(ctx, stories, clustered.documents, timer, clustered.counts)
    return Draft(ctx, issue, clustered.documents, timer.timings)


def publish(draft: Draft, hard_deadline: bool = False, still: Callable[[], bool] | None = None,
            pdf: Callable[[str], bytes] | None = None) -> BuildResult | None:
    """A draft rendered and written as a build writes its issue (under the output lock, within the deadline).
    ``still``: asked under the lock before anything is done; when it says no (another build wrote the day since
    the stories were kept), nothing is written and None is returned. ``pdf``: what makes the PDF of the issue's
    HTML (default :func:`~briefing.output.render.render_pdf`, here)."""
    config = draft.ctx.config
    guard = build_guard(config, hard=hard_deadline)
    draft.ctx.guard = guard
    with _told(guard), guard:
        timer = Timer(config, guard=guard, timings=dict(draft.timings))
        rendered = _render(draft.ctx, draft.issue, timer, pdf)  # before the lock: nothing is written yet
        with out_lock(config, "build"):
            if still is not None and not still():
                return None
            remove_leftovers(config.out)
            return _store(draft.ctx, draft.issue, draft.documents, timer, rendered)


def desk_examples(config: Config, date: dt.date, report) -> dict[str, list[str]]:
    """The headlines the editors moved into each section before ``date`` (within ``[desk] learn_days``): the
    desk's history, which teaches the placement like labelled examples."""
    from ..desk.history import KILLED, desk_history

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


class Timer:
    """The stages' timings, the guard told where the build is, and ``progress`` told each stage as it ends."""

    def __init__(self, config: Config, guard: BuildGuard | None = None, progress=None, cache: bool = True,
                 timings: dict[str, float] | None = None):
        self.config, self.guard, self.progress, self.cache = config, guard or BuildGuard(), progress, cache
        self.timings: dict[str, float] = timings if timings is not None else {}
        self.started = time.perf_counter()

    def start(self) -> None:
        self.started = time.perf_counter()

    def done(self, name: str) -> None:
        self.timings[name] = round(time.perf_counter() - self.started, 4)
        following = STAGES[STAGES.index(name) + 1:] if name in STAGES else ()
        following = tuple(f for f in following if (f != "cache" or self.cache) and
                          (f != "pdf" or "pdf" in self.config.formats))
        self.guard.stage = following[0] if following else ""
        if self.progress:
            self.progress(name, following[0] if following else None)
        self.started = time.perf_counter()


def _build(config: Config, plugins: Plugins | None = None,
           progress: Callable[[str, str | None], None] | None = None, guard: BuildGuard | None = None,
           keep: bool = False) -> BuildResult:
    guard = guard or BuildGuard()
    guard.stage = STAGES[0]
    plugins = plugins or Plugins(config.workspace)
    date = issue_date(config)
    config.check_day(date, "the issue's date,")
    ctx = BuildContext(config, plugins, date)
    ctx.guard = guard
    report = ctx.report
    timer = Timer(config, guard, progress)

    ctx.subject = subject_of(ctx)
    sections = ctx.sections = sections_of(ctx)
    ctx.judge = judge = Judge(ctx.subject, sections, desk_examples(config, date, report))
    ctx.call(ctx.hook.briefing_build_start)
    cache = SourceCache.for_build(config, plugins)
    timer.cache = bool(cache)
    if config.section("briefing").language:
        warm_up()  # the language identifier loads while the sources are read
    documents = load(ctx, cache)
    if report.bad_sources and not report.sources:  # every source failed: say so, publish nothing
        raise BuildError(nothing_read(config, report))
    documents = in_window(documents, date, config, report)
    timer.done("load")
    if config.strict and report.bad_sources:
        names = ", ".join(f"{b['path']} ({b['reason']})" for b in report.bad_sources)
        raise BuildError(f"--strict: {len(report.bad_sources)} bad source(s): {names}")

    documents = read_articles(ctx, documents, cache, progress)  # the article behind each on-subject feed item
    timer.done("articles")

    articles = [d for d in documents if d.kind == "article"]
    window_articles = len(articles)
    with termscore.memo(cache.scores if cache else None):
        relevance = gate(articles, judge, report, config.section("briefing").language,  # before any split
                         declared_languages(ctx))
    articles = [d for d in articles if d.id in relevance]
    timer.done("gate")

    segmented = {d.id: cache.sentences(d) if cache else segment.sentences(d) for d in articles}
    timer.done("segment")

    with termscore.memo(cache.scores if cache else None):
        passages = select(articles, segmented, relevance, judge, report)
    timer.done("select")

    with termscore.memo(cache.scores if cache else None):
        stories = cluster(passages, judge)
    counts = (window_articles, len(relevance))
    clustered = Clustered(config, plugins, date, ctx.subject, sections, judge, list(stories), documents,
                          report.copy(), counts) if keep else None
    issue = _compose(ctx, stories, documents, timer, counts, cache)
    result = _store(ctx, issue, documents, timer, _render(ctx, issue, timer))
    result.clustered = clustered
    return result


def _compose(ctx: BuildContext, stories: list[Story], documents: list[Document], timer: Timer,
             counts: tuple[int, int], cache: SourceCache | None = None) -> Issue:
    """From the clustered stories to the issue as it will print: the ``briefing_stories`` plugins, compose,
    ``briefing_prepare_issue``; BuildError for an issue with no item unless ``--allow-empty`` (``counts``: the
    articles in the day's window and of those on the subject, which the message gives)."""
    stories = keep_stories(ctx, stories)
    timer.done("cluster")
    if cache:
        cache.save()
        timer.done("cache")
    issue = compose(ctx.date, stories, documents, ctx.sections, ctx)
    ctx.call(ctx.hook.briefing_prepare_issue, issue=issue, report=ctx.report)
    if not ctx.report.documents and not issue.all_items():  # nothing read, nothing to say: not an issue
        raise BuildError(nothing_read(ctx.config, ctx.report))
    if not issue.all_items() and not ctx.config.allow_empty:  # stale feeds, a date too early or too late
        raise BuildError(nothing_new(ctx.date, ctx.report, *counts))
    timer.done("summarize")
    return issue


def _render(ctx: BuildContext, issue: Issue, timer: Timer,
            pdf: Callable[[str], bytes] | None = None) -> dict[str, str | bytes]:
    """The issue in every format of the configuration."""
    config, report = ctx.config, ctx.report
    text_formats = tuple(f for f in config.formats if f != "pdf")
    rendered = render(issue, ctx, formats=text_formats) if text_formats else {}
    timer.done("render")
    if "pdf" in config.formats:
        rendered.update(render(issue, ctx, formats=("pdf",), **({"pdf": pdf} if pdf else {})))
        timer.done("pdf")
    if config.strict and report.plugin_errors:
        raise BuildError(f"--strict: plugin {report.plugin_errors[0]['plugin']} failed "
                         f"in {report.plugin_errors[0]['hook']}: {report.plugin_errors[0]['error']}")
    return rendered


def _store(ctx: BuildContext, issue: Issue, documents: list[Document], timer: Timer,
           rendered: dict[str, str | bytes]) -> BuildResult:
    """The rendered issue written whole, then the publish plugins."""
    config, report, guard = ctx.config, ctx.report, timer.guard
    folder = config.out / ctx.date.isoformat()
    with guard.held():  # the new issue goes in whole, or not at all
        paths = write_issue(folder, issue, rendered, report)
        guard.published = True
    ctx.call(ctx.hook.briefing_publish, issue=issue, paths=paths, report=report)
    timer.done("publish")
    log.info("built %s: %s", issue.name, ", ".join(str(p) for p in paths.values()))
    return BuildResult(issue=issue, report=report, paths=paths, timings=timer.timings, documents=documents)
