"""Per-source settings at work: the files and URLs each ``[[source]]`` names, and what its settings do.

In: the configuration (``[briefing] sources`` and the ``[[source]]`` tables of
:mod:`briefing.config.sources`) and, source by source, the documents its loader gave. Out: the entries to read,
each with its table or none (a paused table's entry is not read, and the report says so); each source's
documents with the table's ``outlet`` put in and cut to its ``max_items``, the newest (the others listed as
dropped); and, for the later stages, each document's table (:func:`table_of`): the gate takes its ``language``
instead of identifying the document's, and the articles stage requests no article for a source with ``articles
= false``. The feeds an OPML list names take the list's table.
"""

from __future__ import annotations

import dataclasses

from ..config.sources import SourceTable
from ..models import Document
from .expand import expand

KEY = __name__  # the build's scratch: document id → its source's table


def planned(config, report) -> list[tuple[str, SourceTable | None]]:
    """Every file and URL to read, once, with the ``[[source]]`` table that names it (a table wins over the
    flat list where both name a file)."""
    found: dict[str, SourceTable | None] = {entry: None for entry in expand(config.sources, config, report)}
    for table in config.source_tables:
        if not table.enabled:
            report.note("sources", f"{table.entry}: not read ({table.name} has enabled = false)", path=table.entry)
            continue
        for entry in expand([table.entry], config, report):
            if found.get(entry) is None:
                found[entry] = table
    return list(found.items())


def _newest_first(doc: Document) -> tuple[bool, float]:
    return (doc.published is None, -doc.published.timestamp() if doc.published else 0.0)


def applied(table: SourceTable | None, docs: list[Document], name: str, ctx) -> list[Document]:
    """The documents of one source as its table wants them (the same list when it has none); remembers each
    kept document's table for the later stages."""
    if table is None:
        return docs
    articles = [d for d in docs if d.kind == "article"]
    if table.max_items is not None and len(articles) > table.max_items:
        kept = {id(d) for d in sorted(articles, key=_newest_first)[:table.max_items]}
        for doc in articles:
            if id(doc) not in kept:
                ctx.report.drop(doc.title, f"over its source's max_items ({table.max_items}): the newest are taken",
                                doc=doc.id, path=name, outlet=table.outlet or doc.outlet)
        docs = [d for d in docs if d.kind != "article" or id(d) in kept]
    if table.outlet:
        docs = [dataclasses.replace(d, outlet=table.outlet) if d.kind == "article" else d for d in docs]
    remembered = ctx.scratch(KEY)
    for doc in docs:
        remembered[doc.id] = table
    return docs


def table_of(ctx, doc: Document) -> SourceTable | None:
    """The ``[[source]]`` table of the source a document came from, or None."""
    return ctx.scratch(KEY).get(doc.id)


def declared_languages(ctx) -> dict[str, str]:
    """Document id → the language its source's table says it is written in (only where one says)."""
    return {doc_id: table.language for doc_id, table in ctx.scratch(KEY).items() if table.language}

