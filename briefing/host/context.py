"""The build context: one object per build, handed to every hook as ``build``.

In: the configuration, the plugins and the issue date. Out: what plugins share with the engine during one
build, and nothing that outlives it: the report, the checked settings (``config.section(name)``), a scratch
dict per plugin (``build.scratch(key)``), the one Jinja environment (the environment hook runs once), the one
fetcher every download goes through (``build.fetcher``), and contained calls into the plugins that report failures to this build's report. Two builds in one process
never see each other's state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..config.settings import Config
from ..errors import UsageError
from ..pipeline.window import today
from ..runtime.report import Report


class BuildContext:
    """Everything one build (or one send, or one listing of plugins) shares with its plugins."""

    def __init__(self, config: Config, plugins, date: dt.date | None = None, report: Report | None = None):
        self.config = config
        self.plugins = plugins
        config.check_plugins(plugins)  # the plugins' own tables, checked once per configuration, before any read
        self.date = date or today(config)
        self.report = report if report is not None else Report()
        self.strict = config.strict
        self._scratch: dict[Any, dict] = {}
        self._env = None
        self._fetcher = None
        self.sections = []  # set by the build once the plugins have contributed them
        self.guard = None  # the build's deadline and where it is (briefing.runtime.deadline), set by the build
        self.subject = None  # the briefing's subject (briefing.editorial.judge.Subject), set by the build
        self._judge = None  # the build's editorial model (briefing.editorial.judge.Judge)

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
    def judge(self):
        """The build's editorial model (:class:`briefing.editorial.judge.Judge`), made from its subject and sections."""
        if self._judge is None:
            from .sections import sections_of
            from ..editorial.judge import Judge, subject_of

            self.subject = self.subject or subject_of(self)
            self.sections = self.sections or sections_of(self)
            self._judge = Judge(self.subject, self.sections)
        return self._judge

    @judge.setter
    def judge(self, value) -> None:
        self._judge = value

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
