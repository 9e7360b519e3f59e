"""Hook specifications: every way a plugin can take part in a build.

Each hook is documented in ``docs/plugins.md``; a test fails when one is missing there. Every hook is offered
``build``, the :class:`briefing.host.context.BuildContext` of the build it runs in (configuration, report, the
plugin's checked settings, a scratch space of its own, the one Jinja environment, the fetcher).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # the engine's own modules import this one: for the annotations only
    from pathlib import Path

    import jinja2

    from .config.schema import Table
    from .config.settings import Config
    from .editorial.subject import Subject
    from .host.context import BuildContext
    from .models import Issue, Item, Loader, Section, Story
    from .runtime.report import Report

hookspec = pluggy.HookspecMarker("briefing")
hookimpl = pluggy.HookimplMarker("briefing")


@hookspec
def briefing_options() -> dict[str, Table] | None:
    """Return the configuration tables this plugin reads, as ``{name: briefing.config.schema.Table}``.

    The build checks ``[name]`` in ``briefing.toml`` against it; ``config.section(name)`` then gives the checked
    values with their defaults (``config.table(name)``: the same, read as a mapping).
    """


@hookspec
def briefing_sections(config: Config, build: BuildContext) -> list[Section] | None:
    """Return the sections this plugin contributes, as a list of :class:`briefing.models.Section`.

    :param config: the build's :class:`briefing.config.settings.Config`.
    :param build: the build's context.
    """


@hookspec(firstresult=True)
def briefing_subject(config: Config, build: BuildContext) -> Subject | None:
    """Return the briefing's :class:`briefing.editorial.judge.Subject` (its terms, examples and learned model), or None.

    The first answer wins; with none, the subject is what ``[subject]`` in ``briefing.toml`` declares.

    :param config: the build's configuration.
    :param build: the build's context.
    """


@hookspec
def briefing_examples(config: Config, build: BuildContext) -> dict[str, list[str]] | None:
    """Return texts an editor placed in each section on earlier days, as ``{section key: [headline, ...]}``.

    Called once per build while its context is made, after the sections are known: the editorial model takes
    each as an example of its section, weighted as an editor's choice. The built-in ``editor_notes`` plugin
    answers with the desk's moves of the last ``[desk] learn_days`` (:func:`briefing.api.desk_history`).

    :param config: the build's configuration.
    :param build: the build's context (its ``date``; its subject and sections are settled, its model not yet).
    """


@hookspec
def briefing_loaders(config: Config, build: BuildContext) -> list[Loader] | None:
    """Return the source loaders this plugin contributes, as a list of :class:`briefing.models.Loader`.

    :param config: the build's configuration.
    :param build: the build's context.
    """


@hookspec
def briefing_build_start(config: Config, build: BuildContext) -> None:
    """Called once when a build begins, before any source is read.

    :param config: the build's configuration.
    :param build: the build's context (``build.scratch(key)`` is a dict of this build's own).
    """


@hookspec
def briefing_score(section: Section, story: Story, config: Config, build: BuildContext) -> float | None:
    """Return a number to add to ``story``'s fit for ``section`` (or None to abstain).

    :param section: a :class:`briefing.models.Section`.
    :param story: a :class:`briefing.models.Story`.
    :param config: the build's configuration.
    :param build: the build's context.
    """


@hookspec
def briefing_stories(stories: list[Story], config: Config, build: BuildContext) -> list[Story] | None:
    """Look at the day's stories after clustering, before they are placed: return None, or the stories to keep,
    in the order wanted. Tell why a story is left out with ``build.drop_story(story, reason)``.

    :param stories: the list of :class:`briefing.models.Story`, most relevant first.
    :param config: the build's configuration.
    :param build: the build's context.
    """


@hookspec(firstresult=True)
def briefing_summarize(story: Story, budget: dict[str, int], config: Config, printed: tuple[str, ...],
                       build: BuildContext) -> Item | None:
    """Return the :class:`briefing.models.Item` for ``story`` (first answer wins; the default is extractive).

    :param story: a :class:`briefing.models.Story` already placed in a section.
    :param budget: a dict with ``sentences`` and ``words`` limits for the item.
    :param config: the build's configuration.
    :param printed: the headlines and sentences of the items composed so far (a tuple of str, in issue
        order): what the issue has already told, so that this item can tell something else.
    :param build: the build's context.
    """


@hookspec
def briefing_prepare_issue(issue: Issue, config: Config, report: Report, build: BuildContext) -> None:
    """Take a last look at the composed :class:`briefing.models.Issue` and change it in place.

    :param issue: the issue about to be rendered.
    :param config: the build's configuration.
    :param report: the build's :class:`briefing.runtime.report.Report`; note here what you changed.
    :param build: the build's context.
    """


@hookspec
def briefing_jinja_environment(env: jinja2.Environment, config: Config, build: BuildContext) -> None:
    """Add filters, globals or template folders to the Jinja2 environment, once per build.

    :param env: the :class:`jinja2.Environment` used for every template (issue, archive, feed, mail).
    :param config: the build's configuration.
    :param build: the build's context.
    """


@hookspec
def briefing_publish(issue: Issue, paths: dict[str, Path], config: Config, report: Report,
                     build: BuildContext) -> None:
    """Act after the issue's files are in place: archive pages, feeds, mail.

    :param issue: the rendered issue.
    :param paths: a dict from format (``md``, ``html``, ``pdf``, ``report``) to the written file's path.
    :param config: the build's configuration.
    :param report: the build's report (already written; for logging only).
    :param build: the build's context.
    """


@hookspec
def briefing_archive_changed(config: Config, build: BuildContext) -> None:
    """Write again whatever lists the back issues: an issue was taken out of ``OUT`` without a build
    (``briefing archive remove``).

    :param config: the workspace's configuration.
    :param build: a context with no issue being built (``build.date`` is the removed issue's date).
    """
