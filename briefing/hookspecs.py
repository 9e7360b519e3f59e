"""Hook specifications: every way a plugin can take part in a build.

Each hook is documented in ``docs/plugins.md``; a test fails when one is missing there.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("briefing")
hookimpl = pluggy.HookimplMarker("briefing")


@hookspec
def briefing_sections(config):
    """Return the sections this plugin contributes, as a list of :class:`briefing.models.Section`.

    :param config: the build's :class:`briefing.config.Config`.
    """


@hookspec(firstresult=True)
def briefing_load_source(path, data, config):
    """Turn one source into a list of :class:`briefing.models.Document`, or return None if it is not yours.

    :param path: the source's path or URL, as a string.
    :param data: the source's bytes (already read, size-capped).
    :param config: the build's configuration.
    Raise :class:`briefing.errors.SourceError` with a reason when the source is yours but broken.
    """


@hookspec
def briefing_score(section, story, config):
    """Return a number to add to ``story``'s fit for ``section`` (or None to abstain).

    :param section: a :class:`briefing.models.Section`.
    :param story: a :class:`briefing.models.Story`.
    :param config: the build's configuration.
    """


@hookspec(firstresult=True)
def briefing_summarize(story, budget, config, printed):
    """Return the :class:`briefing.models.Item` for ``story`` (first answer wins; the default is extractive).

    :param story: a :class:`briefing.models.Story` already placed in a section.
    :param budget: a dict with ``sentences`` and ``words`` limits for the item.
    :param config: the build's configuration.
    :param printed: the headlines and sentences of the items composed so far (a tuple of str, in issue
        order): what the issue has already told, so that this item can tell something else.
    """


@hookspec
def briefing_prepare_issue(issue, config, report):
    """Take a last look at the composed :class:`briefing.models.Issue` and change it in place.

    :param issue: the issue about to be rendered.
    :param config: the build's configuration.
    :param report: the build's :class:`briefing.report.Report`; note here what you changed.
    """


@hookspec
def briefing_jinja_environment(env, config):
    """Add filters, globals or template folders to the Jinja2 environment before rendering.

    :param env: the :class:`jinja2.Environment` used for every output.
    :param config: the build's configuration.
    """


@hookspec
def briefing_publish(issue, paths, config, report):
    """Act after the issue's files are in place: archive pages, feeds, mail.

    :param issue: the rendered issue.
    :param paths: a dict from format (``md``, ``html``, ``pdf``, ``report``) to the written file's path.
    :param config: the build's configuration.
    :param report: the build's report (already written; for logging only).
    """
