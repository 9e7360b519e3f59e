"""The stage contract: every stage of a build is a module's ``run(ctx, value) -> value``.

``ctx`` is the build's :class:`~briefing.host.context.BuildContext`, whole when made (configuration, plugins,
date, subject, sections, editorial model, report, deadline, sources' cache, progress); ``value`` is what the
stage before gave, and a stage's only output is what it returns. A stage writes to the report; no stage reads
the report back as its working table. What passes from stage to stage is below, in the build's order:

    sources → load → documents → window → documents → gate → Gated → articles → Gated → segment → Segmented
    → select → Selected → cluster → Clustered → stories → Clustered → compose → Issue

What follows the issue is the build's own, in :mod:`briefing.pipeline.build`, because the desk runs it apart
(a correction recomposes a draft; the draft is written when the editor pauses): the ``briefing_prepare_issue``
plugins, the checks for an empty issue, then rendering into :class:`Rendered` and writing it whole.

Each hand-over is read-only: a stage makes a new one (``dataclasses.replace``) rather than changing the one it
was given, so that what a stage received is still what it was when a later step (the desk's recompose) needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from ..models import Document, Passage, Sentence, Story

if TYPE_CHECKING:
    from ..host.context import BuildContext

In = TypeVar("In", contravariant=True)
Out = TypeVar("Out", covariant=True)


class Stage(Protocol[In, Out]):
    """One stage of the build: what the stage before gave in, what the next one takes out."""

    def __call__(self, ctx: BuildContext, value: In, /) -> Out: ...


@dataclass(frozen=True)
class Gated:
    """The day's documents after the gate: the gate decided once which articles are on the subject."""

    documents: list[Document]  # every document in the day's window (a section that makes its own items reads them)
    articles: list[Document]  # the articles that passed the gate, in the order read
    relevance: dict[str, float]  # each passed article's relevance (log-odds), by document id
    in_window: int = 0  # articles in the day's window before the gate (an empty day's message says it)


@dataclass(frozen=True)
class Segmented:
    """The gate's articles, each cut into paragraphs of sentences."""

    gated: Gated
    sentences: dict[str, list[list[Sentence]]]  # document id → its paragraphs, each a list of sentences


@dataclass(frozen=True)
class Selected:
    """The passages of the gate's articles, each a run of one document about one section."""

    gated: Gated
    passages: list[Passage]


@dataclass(frozen=True)
class Clustered:
    """The day's stories: what the cluster stage and the ``briefing_stories`` plugins give, and compose takes."""

    stories: list[Story]
    documents: list[Document]  # every document in the day's window
    counts: tuple[int, int] = (0, 0)  # articles in the day's window, and of those on the subject (an empty day)


@dataclass(frozen=True)
class Rendered:
    """The issue in each of the configuration's formats, not written yet."""

    issue: object  # the Issue
    files: dict[str, str | bytes] = field(default_factory=dict)  # format → text or bytes
