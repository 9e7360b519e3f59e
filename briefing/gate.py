"""Gate: is a document about the briefing's subject? Decided cheaply, from its title and opening text.

In: a document and the build context. Out: its relevance and whether it passes the subject threshold.
Stages that cost something per document (reading the article behind a feed item, splitting sentences) ask
the gate first, so a whole subscription's off-subject items cost next to nothing.
"""

from __future__ import annotations

from .models import Document
from .select import DEFAULT_SUBJECT, merge_profile, relevance_of

OPENING_CHARS = 2000  # the title and this much of the text decide: a teaser whole, an article's opening


def subject_profile(ctx) -> dict:
    return merge_profile(DEFAULT_SUBJECT, ctx.config.subject)


def relevance(ctx, doc: Document) -> float:
    """How strongly the document's title and opening text speak of the subject."""
    sections = [s for s in ctx.sections if s.profile.get("terms")]
    return relevance_of(doc, doc.text[:OPENING_CHARS], sections, subject_profile(ctx))


def on_subject(ctx, doc: Document) -> bool:
    """True when the document passes the subject threshold (it is worth reading further)."""
    return relevance(ctx, doc) >= float(subject_profile(ctx).get("threshold", 3.0))
