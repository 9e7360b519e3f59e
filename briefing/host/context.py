"""The context: one object per command, handed to every hook as ``build``; a build's is a :class:`BuildContext`.

In: the configuration, the plugins and the issue date (a build's also its subject, sections and editorial
model, its deadline, cache and progress, all settled when it is made). Out: what plugins share with the engine
during one command, and nothing that outlives it: the report, the checked settings (``config.section(name)``), a scratch
dict per plugin (``build.scratch(key)``), the one Jinja environment (the environment hook runs once), the one
fetcher every download goes through (``build.fetcher``), and contained calls into the plugins that report failures to this build's report. Two builds in one process
never see each other's state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from ..config.settings import Config
from ..errors import UsageError
from ..runtime.progress import tell
from ..runtime.report import Report


class HostContext:
    """What one command shares with its plugins: the configuration, the plugins, the date, the report, a scratch
    dict per plugin, the Jinja environment and the fetcher. Whole when made; a send, an archive change and the
    plugins' listing take this; a build takes a :class:`BuildContext`."""

    def __init__(self, config: Config, plugins=None, date: dt.date | None = None, *, report: Report | None = None):
        from .plugins import Plugins

        self.config = config
        self.plugins = plugins = plugins or Plugins(config.workspace)
        config.check_plugins(plugins)  # the plugins' own tables, checked once per configuration, before any read
        self.date = date or config.today()
        self.report = report if report is not None else Report()
        self.strict = config.strict
        self._scratch: dict[Any, dict] = {}
        self._env = None
        self._fetcher = None


    # -- plugins ---------------------------------------------------------------------------------------
    @property
    def hook(self):
        """The hooks, one attribute each (``ctx.hook.briefing_score``): what the calls below take."""
        return self.plugins.hook

    def call(self, hook, **kwargs: Any) -> list[Any]:
        return self.plugins.call(hook, sink=self, build=self, config=self.config, **kwargs)

    def call_named(self, hook, **kwargs: Any) -> list[tuple[str, Any]]:
        return self.plugins.call_named(hook, sink=self, build=self, config=self.config, **kwargs)

    def call_each(self, hook, args: dict[str, Any], **kwargs: Any):
        """One implementation at a time, each offered ``args`` as they are when it is called (see
        :meth:`briefing.host.plugins.Plugins.call_each`)."""
        return self.plugins.call_each(hook, args, sink=self, build=self, config=self.config, **kwargs)

    def first(self, hook, **kwargs: Any) -> Any:
        return self.plugins.first(hook, sink=self, build=self, config=self.config, **kwargs)

    def contained(self, plugin: str, hook: str, call, check: bool = True, detail: str = "") -> tuple[bool, Any]:
        """Run a plugin's own callable (a loader, a section's ``make_items``) as a contained hook call."""
        return self.plugins.contained(plugin, hook, call, self, check=check, detail=detail)

    def plugin_failed(self, plugin: str, hook: str, error: str, trace: str) -> None:
        self.report.plugin_error(plugin, hook, error, trace)

    # -- state -----------------------------------------------------------------------------------------
    def scratch(self, key: Any) -> dict:
        """A dict of this build's own for ``key`` (a plugin passes its ``__name__``): empty at the start."""
        return self._scratch.setdefault(key, {})

    def drop_story(self, story, reason: str, headline: str = "", **details: Any) -> None:
        """Record that a story is left out of the issue, and why (``briefing_stories``)."""
        headline = headline or next((p.title for p in story.passages if p.title), "") or story.id
        self.report.drop(headline, reason, story=story.id, documents=[d.id for d in story.documents], **details)
        self.scratch("briefing.host.context")[story.id] = reason
        self.scratch("briefing.host.context.stories")[story.id] = story

    def dropped_stories(self) -> dict[str, str]:
        return dict(self.scratch("briefing.host.context"))

    def stories_left_out(self) -> list:
        """The stories left out with :meth:`drop_story` so far, in the order they were left out."""
        return list(self.scratch("briefing.host.context.stories").values())

    def restore_story(self, story_id: str):
        """Take back a story left out with :meth:`drop_story` (the editor brought it back): its entry leaves
        the report's ``dropped``; returns the story, or None when no story of that id was left out."""
        story = self.scratch("briefing.host.context.stories").pop(story_id, None)
        if story is None:
            return None
        self.scratch("briefing.host.context").pop(story_id, None)
        self.report.dropped[:] = [d for d in self.report.dropped if d.get("story") != story_id]
        return story

    # -- shared services -------------------------------------------------------------------------------
    @property
    def env(self):
        """The Jinja environment every template of this build is rendered with (plugins add to it once)."""
        if self._env is None:
            from ..output.render import environment

            self._env = environment(self.config)
            self.call(self.hook.briefing_jinja_environment, env=self._env)
        return self._env

    @property
    def fetcher(self):
        """The build's :class:`~briefing.sources.fetch.Fetcher`: address checks, limits, robots.txt, the HTTP cache."""
        if self._fetcher is None:
            from ..sources.fetch import Fetcher

            self._fetcher = Fetcher.for_config(self.config)
        return self._fetcher

    def check_settings(self, section_keys: list[str]) -> None:
        """Check the plugins' tables and report every unknown key; under ``--strict`` they fail (exit 2)."""
        self.config.check_plugins(self.plugins, section_keys)
        unknown = self.config.unknown
        where = self.config.path.name if self.config.path else "briefing.toml"
        if unknown and self.strict:
            raise UsageError(f"{where}: --strict: " + "; ".join(str(u) for u in unknown))
        for entry in unknown:
            self.report.warn("configuration", f"{where}: {entry}; ignored", where=entry.where)


class BuildContext(HostContext):
    """Everything one build (one desk composition, one replayed day) shares with its stages and plugins: whole
    when made.

    The one way a build's context is made: its subject (a plugin's, or ``subject`` as given), its sections and its
    editorial model are settled here, before any stage runs; the editors' earlier placements by section
    (``briefing_examples``: the desk's history) teach the model like labelled ones (``examples``: these instead). ``guard`` (the
    build's deadline, :mod:`briefing.runtime.deadline`), ``cache`` (the sources' cache,
    :mod:`briefing.pipeline.cache`) and ``progress`` (told each stage as it ends, and the counts within a long
    one) are what a whole build gives. :meth:`again` is a context for one more composition of the same day.
    """

    def __init__(self, config: Config, plugins=None, date: dt.date | None = None, *, report: Report | None = None,
                 subject=None, examples: dict[str, list[str]] | None = None, guard=None, cache=None,
                 progress: Callable[[str, str | None], None] | None = None, _editorial: tuple | None = None):
        from ..editorial.judge import Judge, subject_of
        from ..runtime.deadline import BuildGuard
        from .sections import sections_of

        super().__init__(config, plugins, date, report=report)
        self.guard = guard or BuildGuard()
        self.cache = cache
        self.progress = progress
        if _editorial is not None:
            self.subject, self.sections, self.judge = _editorial
            return
        config.check_day(self.date, "the issue's date,")
        self.subject = subject or subject_of(self)
        self.sections: list = sections_of(self, self.subject)
        examples = self._examples() if examples is None else examples
        self.judge = Judge(self.subject, self.sections, examples)

    def _examples(self) -> dict[str, list[str]]:
        """The editors' earlier placements the plugins give (``briefing_examples``), by section, noted."""
        found: dict[str, list[str]] = {}
        for answer in self.call(self.hook.briefing_examples):
            for key, texts in (answer or {}).items():
                found.setdefault(str(key), []).extend(str(t) for t in texts)
        if found:
            self.report.note("desk history", f"{sum(map(len, found.values()))} earlier move(s) of the desk "
                             "teach the placement", sections={k: len(v) for k, v in found.items()})
        return found

    def again(self, report: Report, guard=None) -> "BuildContext":
        """A context for one more step on this day (the desk's composition, a draft's publishing): the same
        subject, sections and editorial model, ``report`` as its report, ``guard`` as its deadline, and a state of
        its own."""
        return BuildContext(self.config, self.plugins, self.date, report=report, guard=guard,
                            _editorial=(self.subject, self.sections, self.judge))

    def tell(self, message: str) -> None:
        """Say how a long stage is getting on (counts within it), when ``progress`` is a terminal line."""
        tell(self.progress, message)
