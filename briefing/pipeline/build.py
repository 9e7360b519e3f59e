"""Build: the whole pipeline for one day, stage by stage, from configuration to files in ``out/``.

load → window → gate → articles → segment → select → cluster → stories → compose (summarize inside) → prepare
→ render → publish. Every stage is a module's ``run(ctx, value) -> value`` (:mod:`briefing.pipeline.stages`):
one :class:`~briefing.host.context.BuildContext`, whole when made, carries the build's state to every stage and
hook, and what a stage returns is what the next one takes. Nothing is written until every output has been
rendered; a failure before that leaves ``out/`` as it was.

A build asked to ``keep`` its stories returns them (:class:`Kept`: its context, the stories as clustered with the
day's documents, and the report as it stood) so that an editor's correction re-runs only what follows the
stories: :func:`recompose` (the ``briefing_stories`` plugins, compose, prepare; no file written, a fraction of a
second on a whole day) and :func:`publish` (render and write, as a build does). The desk does so; the issue it
writes is the one a whole build would write from the same sources and notes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..config.settings import Config
from ..editorial import termscore
from ..errors import BuildError, Interrupted, OutOfTime
from ..host.context import BuildContext
from ..host.plugins import Plugins
from ..models import Document, Issue
from ..output.publish import remove_leftovers, write_issue
from ..output.render import render
from ..runtime.deadline import BuildGuard, build_guard
from ..runtime.lock import out_lock
from ..runtime.report import Report
from . import articles, cluster, compose, gate, load, segment, select, stories, window
from .cache import SourceCache
from .load import nothing_read
from .sourcesettings import planned
from .stages import Clustered, Rendered, Stage

log = logging.getLogger("briefing.build")


@dataclass
class Kept:
    """What a build computed up to its stories, kept so that a correction re-runs only what follows them."""

    ctx: BuildContext  # the build's subject, sections and model, with its report as it stood after clustering
    clustered: Clustered  # as clustered, before any ``briefing_stories`` plugin

    @property
    def stories(self):
        return self.clustered.stories

    @property
    def report(self) -> Report:
        return self.ctx.report

    def fresh(self) -> tuple[BuildContext, Clustered]:
        """A context for one more composition, with the report as it stood, and copies of the stories that the
        plugins and the composition may change (their passages, comments, scores and places)."""
        copies = [dataclasses.replace(s, passages=list(s.passages), comments=list(s.comments), scores=dict(s.scores))
                  for s in self.clustered.stories]
        return self.ctx.again(self.ctx.report.copy()), dataclasses.replace(self.clustered, stories=copies)


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
    kept: Kept | None = None  # what the build computed up to its stories (``keep=True``)


STAGES = ("load", "gate", "articles", "segment", "select", "cluster", "cache", "summarize", "render", "pdf",
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
    result carries what was computed up to the stories (``result.kept``), for :func:`recompose`.
    """
    with out_lock(config, "build"):
        remove_leftovers(config.out)  # of a build that was killed
        guard = build_guard(config, hard=hard_deadline)
        with _told(guard), guard:
            if progress:
                progress("", STAGES[0])
            return _build(config, plugins, progress, guard, keep)


def nothing_new(date, report: Report, in_window: int, on_subject: int) -> str:
    """Why a day with nothing new on the subject is not an issue (one line)."""
    return (f"nothing new on the subject for {date.isoformat()}: of {len(report.documents)} document(s) read, "
            f"{in_window} fall in the day's window and {on_subject} of those are on the subject, and no "
            "section has an item; no issue was built and nothing archived (--allow-empty builds the empty issue)")


def recompose(kept: Kept) -> Draft:
    """The issue composed again from the kept stories, with the notes and plugins as they are now (the
    ``briefing_build_start`` and ``briefing_stories`` plugins, compose, prepare); nothing is written."""
    ctx, clustered = kept.fresh()
    timer = Timer(ctx)
    ctx.call(ctx.hook.briefing_build_start)
    issue = _compose(ctx, clustered, timer)
    return Draft(ctx, issue, clustered.documents, timer.timings)


def publish(draft: Draft, hard_deadline: bool = False, still: Callable[[], bool] | None = None,
            pdf: Callable[[str], bytes] | None = None) -> BuildResult | None:
    """A draft rendered and written as a build writes its issue (under the output lock, within the deadline).
    ``still``: asked under the lock before anything is done; when it says no (another build wrote the day since
    the stories were kept), nothing is written and None is returned. ``pdf``: what makes the PDF of the issue's
    HTML (default :func:`~briefing.output.render.render_pdf`, here)."""
    config = draft.ctx.config
    guard = build_guard(config, hard=hard_deadline)
    ctx = draft.ctx.again(draft.report, guard)  # the draft's, under the deadline of the publish that writes it
    with _told(guard), guard:
        timer = Timer(ctx, timings=dict(draft.timings))
        rendered = _render(ctx, draft.issue, timer, pdf)  # before the lock: nothing is written yet
        with out_lock(config, "build"):
            if still is not None and not still():
                return None
            remove_leftovers(config.out)
            return _store(ctx, rendered, draft.documents, timer)


class Timer:
    """The stages' timings, the guard told where the build is, and ``progress`` told each stage as it ends."""

    def __init__(self, ctx: BuildContext, timings: dict[str, float] | None = None):
        self.ctx = ctx
        self.timings: dict[str, float] = timings if timings is not None else {}
        self.started = time.perf_counter()

    def done(self, name: str) -> None:
        ctx = self.ctx
        self.timings[name] = round(time.perf_counter() - self.started, 4)
        following = STAGES[STAGES.index(name) + 1:] if name in STAGES else ()
        following = tuple(f for f in following if (f != "cache" or ctx.cache is not None) and
                          (f != "pdf" or "pdf" in ctx.config.formats))
        ctx.guard.stage = following[0] if following else ""
        if ctx.progress:
            ctx.progress(name, following[0] if following else None)
        self.started = time.perf_counter()

    def run(self, name: str, stage: Stage, value):
        """``stage(ctx, value)``, timed as ``name`` ("": with the stage after it); the relevance scores it asks
        for are kept in the sources' cache."""
        cache = self.ctx.cache
        with termscore.memo(cache.scores if cache is not None else None):
            out = stage(self.ctx, value)
        if name:
            self.done(name)
        return out


def _build(config: Config, plugins: Plugins | None = None,
           progress: Callable[[str, str | None], None] | None = None, guard: BuildGuard | None = None,
           keep: bool = False) -> BuildResult:
    guard = guard or BuildGuard()
    guard.stage = STAGES[0]
    plugins = plugins or Plugins(config.workspace)
    ctx = BuildContext(config, plugins, guard=guard, cache=SourceCache.for_build(config, plugins), progress=progress)
    report = ctx.report
    timer = Timer(ctx)
    ctx.call(ctx.hook.briefing_build_start)
    if config.section("briefing").language:
        gate.warm_up()  # the language identifier loads while the sources are read
    documents = load.run(ctx, planned(config, report))
    if report.bad_sources and not report.sources:  # every source failed: say so, publish nothing
        raise BuildError(nothing_read(config, report))
    documents = timer.run("load", window.run, documents)
    if config.strict and report.bad_sources:
        names = ", ".join(f"{b['path']} ({b['reason']})" for b in report.bad_sources)
        raise BuildError(f"--strict: {len(report.bad_sources)} bad source(s): {names}")
    gated = timer.run("gate", gate.run, documents)
    gated = timer.run("articles", articles.run, gated)  # the article behind each feed item the gate passed
    segmented = timer.run("segment", segment.run, gated)
    selected = timer.run("select", select.run, segmented)
    clustered = timer.run("", cluster.run, selected)  # timed with the stories plugins, as "cluster"
    kept = Kept(ctx.again(report.copy()), clustered) if keep else None  # not the build's cache nor its deadline
    issue = _compose(ctx, clustered, timer)
    result = _store(ctx, _render(ctx, issue, timer), gated.documents, timer)
    result.kept = kept
    return result


def _compose(ctx: BuildContext, clustered: Clustered, timer: Timer) -> Issue:
    """From the clustered stories to the issue as it will print: the ``briefing_stories`` plugins, compose,
    ``briefing_prepare_issue``; BuildError for an issue with no item unless ``--allow-empty`` (the message
    gives the day's counts)."""
    clustered = timer.run("cluster", stories.run, clustered)
    if ctx.cache is not None:
        ctx.cache.save()
        timer.done("cache")
    issue = compose.run(ctx, clustered)
    ctx.call(ctx.hook.briefing_prepare_issue, issue=issue, report=ctx.report)
    if not ctx.report.documents and not issue.all_items():  # nothing read, nothing to say: not an issue
        raise BuildError(nothing_read(ctx.config, ctx.report))
    if not issue.all_items() and not ctx.config.allow_empty:  # stale feeds, a date too early or too late
        raise BuildError(nothing_new(ctx.date, ctx.report, *clustered.counts))
    timer.done("summarize")
    return issue


def _render(ctx: BuildContext, issue: Issue, timer: Timer, pdf: Callable[[str], bytes] | None = None) -> Rendered:
    """The issue in every format of the configuration."""
    config, report = ctx.config, ctx.report
    text_formats = tuple(f for f in config.formats if f != "pdf")
    files = render(issue, ctx, formats=text_formats) if text_formats else {}
    timer.done("render")
    if "pdf" in config.formats:
        files.update(render(issue, ctx, formats=("pdf",), **({"pdf": pdf} if pdf else {})))
        timer.done("pdf")
    if config.strict and report.plugin_errors:
        raise BuildError(f"--strict: plugin {report.plugin_errors[0]['plugin']} failed "
                         f"in {report.plugin_errors[0]['hook']}: {report.plugin_errors[0]['error']}")
    return Rendered(issue, files)


def _store(ctx: BuildContext, rendered: Rendered, documents: list[Document], timer: Timer) -> BuildResult:
    """The rendered issue written whole, then the publish plugins."""
    config, report, guard, issue = ctx.config, ctx.report, ctx.guard, rendered.issue
    folder = config.out / ctx.date.isoformat()
    with guard.held():  # the new issue goes in whole, or not at all
        paths = write_issue(folder, issue, rendered.files, report)
        guard.published = True
    ctx.call(ctx.hook.briefing_publish, issue=issue, paths=paths, report=report)
    timer.done("publish")
    log.info("built %s: %s", issue.name, ", ".join(str(p) for p in paths.values()))
    return BuildResult(issue=issue, report=report, paths=paths, timings=timer.timings, documents=documents)
