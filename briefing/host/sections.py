"""Sections: the sections of the issue, as the plugins contribute them and the configuration shapes them.

In: the build context (its plugins and ``[sections.KEY]`` tables). Out: the sections of this briefing, in order:
those of its subject (a preset's own sections take part only in briefings about it) and those of any subject,
with the titles, order and limits the configuration gives, disabled ones left out. Light to import: the
``briefing plugins`` listing needs this and nothing of the pipeline.
"""

from __future__ import annotations

from ..config.settings import Config
from ..errors import PluginError
from ..models import Section


def sections_of(ctx, subject) -> list[Section]:
    """Every section the plugins contribute to a briefing on ``subject``, configured; two sections with one key
    are an error."""
    found: list[Section] = []
    owner: dict[str, str] = {}
    for plugin_name, sections in ctx.call_named(ctx.hook.briefing_sections):
        for section in sections:
            if section.key in owner:
                raise PluginError(
                    f"plugin {plugin_name!r}: section key {section.key!r} is already used by {owner[section.key]!r}"
                )
            owner[section.key] = plugin_name
            if section.subject in ("", subject.name):  # a preset's sections take part in its briefings only
                found.append(section.replace(plugin=plugin_name))
    ctx.check_settings([s.key for s in found])
    return configured_sections(found, ctx.config)


def configured_sections(found: list[Section], config: Config) -> list[Section]:
    """The plugins' sections with titles, order and limits from ``[sections.KEY]``; disabled ones left out."""
    out = []
    for section in found:
        conf = config.sections.get(section.key)
        if conf is None:
            out.append(section)
            continue
        if not conf.enabled:
            continue
        section = section.replace(
            title=section.title if conf.title is None else conf.title,
            order=section.order if conf.order is None else conf.order,
            max_items=section.max_items if conf.max_items is None else conf.max_items,
        )
        if conf.terms is not None:
            section.profile = {**section.profile, "terms": dict(conf.terms)}
        out.append(section)
    return sorted(out, key=lambda s: (s.order, s.key))
