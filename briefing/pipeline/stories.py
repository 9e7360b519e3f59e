"""Stories: the ``briefing_stories`` plugins keep, leave out and reorder the day's clustered stories.

In: :class:`~briefing.pipeline.stages.Clustered`. Out: the same, with the stories the plugins kept, in their order.
Each plugin sees what the one before it kept; a story one leaves out without a word is recorded as left out by
that plugin. The stories given are not changed: the desk composes again from the same ones.
"""

from __future__ import annotations

import dataclasses

from ..models import Story
from .stages import Clustered


def keep_stories(ctx, stories: list[Story]) -> list[Story]:
    """The stories the ``briefing_stories`` plugins keep, in their order."""
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


def run(ctx, clustered: Clustered) -> Clustered:
    """The stage: the day's stories as the plugins keep them."""
    return dataclasses.replace(clustered, stories=keep_stories(ctx, clustered.stories))
