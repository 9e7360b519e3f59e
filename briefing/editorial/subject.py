"""Subject: what a briefing is about, as a plugin (a preset) declares it and the workspace's ``[subject]`` adds.

In: the build context. Out: a :class:`Subject`: its name, terms, examples and, when learned (``make tune``),
the relevance, section and merge models and the subject's usual vocabulary. Light to import (no array
library): the ``briefing plugins`` listing needs the subject's name and nothing of the pipeline; the judge
(:mod:`briefing.editorial.judge`) is what reads the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .features import Background, Linear


@dataclass
class Subject:
    """What the briefing is about: terms (word → weight), example texts, and a model that scores relevance."""

    name: str
    terms: dict[str, float] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    model: Linear | None = None  # relevance; without one, the terms' score minus ``threshold``
    threshold: float = 3.0  # without a model: the term score a story needs to print
    join: float | None = None  # relevance a text needs to join a story (default: the model's, else 0)
    models: dict[str, Linear] = field(default_factory=dict)  # learned "sections" and "merge" models, if any
    section_examples: dict[str, list[str]] = field(default_factory=dict)  # labelled texts by section key
    background: Background | None = None  # how often the subject's usual texts use each word, if learned


def subject_of(ctx) -> Subject:
    """The build's subject: a plugin's (``briefing_subject``, e.g. a preset the workspace names), with the
    workspace's own ``[subject]`` terms and examples laid over it; or those alone."""
    from ..errors import UsageError

    table = ctx.config.section("subject")
    found = ctx.first(ctx.hook.briefing_subject)
    if found is None:
        if table.preset:
            raise UsageError(f"[subject] preset = {table.preset!r}: no plugin provides this subject")
        found = Subject(name="subject", threshold=table.threshold)
    terms = {**found.terms, **table.terms}
    found.terms = {k: v for k, v in terms.items() if v}
    found.examples = list(found.examples) + list(table.examples)
    if not found.terms and not found.examples and found.model is None:
        raise UsageError("briefing.toml: the briefing has no subject: set [subject] preset, or [subject] terms "
                         "(words that say a document belongs in the briefing)")
    return found
