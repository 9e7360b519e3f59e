"""Gate: is a document about the briefing's subject? Decided cheaply, from its title and opening text.

In: the day's documents (after the window). Out: :class:`~briefing.pipeline.stages.Gated`, the articles worth
reading further, each with its relevance (log-odds); the others are left out with the reason in the report.
The gate decides once, here, on what a document says before anything is spent on it (a feed item's teaser);
stages that cost something per document (reading the article behind a feed item, splitting sentences) come
after it, so a whole subscription's off-subject items cost next to nothing. (The load stage's workers may ask
the judge the same question ahead, while they hold the documents: an answer the judge remembers, not a
decision.)

The gate lets a document through when it *may* belong to an on-subject story (the judge's ``join`` level);
whether a story prints is decided later from its most relevant report (``keep``), so a follow-up that does
not name the war in its title still joins the story it follows up.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from ..editorial.judge import Judge, Unit
from ..models import Document
from .sourcesettings import declared_languages
from .stages import Gated

LANGUAGE_CONFIDENCE = 0.9  # a document is another language's only when the identifier is this sure
LANGUAGE_CHARS = 40  # shorter texts (a bare title) say too little to tell their language
LANGUAGE_SAMPLE = 600  # the title and opening this long tell the language as well as the whole text


_LOADING = threading.Lock()


@lru_cache(maxsize=1)
def _load_identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _identifier():
    """The language identifier, loaded once per process (decompressing its model takes about a second)."""
    with _LOADING:
        return _load_identifier()


def warm_up() -> None:
    """Start loading the language identifier in the background, while the sources are read. Its module is
    imported here, in the build's thread: the background thread only decompresses the model, so no import is
    ever half done when the load stage forks its workers."""
    import py3langid.langid  # noqa: F401

    threading.Thread(target=_identifier, name="language-model", daemon=True).start()


def language_of(doc: Document) -> tuple[str, float]:
    """The document's language (ISO 639-1) and how sure the identifier is; ("", 0) for too short a text."""
    text = f"{doc.title}. {doc.text}"[:LANGUAGE_SAMPLE]
    if len(text.strip()) < LANGUAGE_CHARS:
        return "", 0.0
    lang, probability = _identifier().classify(text)
    return lang, float(probability)


def unit_of(doc: Document) -> Unit:
    return Unit.of(doc.id, doc.id, doc.title, doc.text)


def relevance(judge: Judge, doc: Document) -> float:
    """How strongly the document's title and opening text speak of the subject (log-odds)."""
    return judge.relevance(unit_of(doc))


def other_language(doc: Document, language: str, declared: str = "") -> tuple[str, str] | None:
    """``(its language, why)`` when the document is not in the issue's ``language``: as its source declares
    (``declared``), else as the identifier is sure of; None when it is, or when nothing can tell."""
    if declared:
        return (declared, f"{declared}, as its source says") if declared != language else None
    lang, probability = language_of(doc)
    if lang and lang != language and probability >= LANGUAGE_CONFIDENCE:
        return lang, f"{lang}, {probability:.2f} sure"
    return None


def gate(docs: list[Document], judge: Judge, report, language: str = "",
         declared: dict[str, str] | None = None) -> dict[str, float]:
    """The relevance of each document that passes; the others are recorded as left out, with the reason:
    not in the issue's ``language`` (as the source declares it in ``declared``, document id → language, or as
    identified), or off the subject (with its score)."""
    passed = {}
    for doc in docs:
        if not doc.title.strip() and not doc.text.strip():
            report.drop(doc.title, "no text", doc=doc.id, path=doc.path)
            continue
        score = relevance(judge, doc)
        if score < judge.join:
            report.drop(doc.title, f"off subject (relevance {score:.2f} < {judge.join:.2f})", doc=doc.id,
                        path=doc.path, outlet=doc.outlet, relevance=round(score, 3))
            continue
        # the language is asked only of the documents that speak of the subject: a tenth of a day, or less
        other = other_language(doc, language, (declared or {}).get(doc.id, "")) if language else None
        if other is not None:
            report.drop(doc.title, f"written in another language ({other[1]}), not the issue's ({language})",
                        doc=doc.id, path=doc.path, outlet=doc.outlet, language=other[0])
            continue
        passed[doc.id] = score
    return passed


def run(ctx, documents: list[Document]) -> Gated:
    """The stage: the day's articles through the gate, in the issue's language, with their sources' languages."""
    articles = [d for d in documents if d.kind == "article"]
    passed = gate(articles, ctx.judge, ctx.report, ctx.config.section("briefing").language, declared_languages(ctx))
    return Gated(documents, [d for d in articles if d.id in passed], passed, in_window=len(articles))
