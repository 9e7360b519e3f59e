"""Per-source settings: the ``[[source]]`` tables of ``briefing.toml``, one per source, as :class:`SourceTable`.

In: the tables as the schema checked them (typed values, defaults filled in). Out: one :class:`SourceTable` each,
numbered by its place in the file, or a :class:`ConfigError` naming the table when it gives neither a path nor a
URL, or both. A feed reader's per-feed settings: what the source is called, whether it is read at all, whether
the articles behind its items are, how many items it gives, and the language it is written in. The build
applies them (:mod:`briefing.pipeline.sourcesettings`); the flat ``[briefing] sources`` list is read as before,
with none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .schema import Bool, ConfigError, HttpUrl, Int, LanguageCode, Option, Str, Table

TABLE = Table("One source with settings of its own: a table for each, `[[source]]`, read besides `[briefing] "
              "sources` (which then defaults to none). Give `path` or `url`.", {
                  "path": Option(Str(non_empty=True), None, "a file, folder or glob, relative to this file"),
                  "url": Option(HttpUrl(), None, "or an http(s) address: a feed, a page or an OPML list"),
                  "outlet": Option(Str(), "", "the outlet named on every item from it, instead of the name the "
                                   "source gives (a feed's title, a page's site name)"),
                  "enabled": Option(Bool(), True, "false pauses the source: not read, its settings kept"),
                  "articles": Option(Bool(), True, "read the article behind each of its feed items (false: the "
                                     "items keep the feed's descriptions, and nothing is requested)"),
                  "max_items": Option(Int(1), None, "the most items taken from it, the newest first (the rest "
                                      "are listed as dropped); unset: all"),
                  "language": Option(LanguageCode(), "", "the language it is written in: taken instead of "
                                     "identifying each item's (items in another language than the issue's are "
                                     "left out); empty: identified"),
              }, many=True)


@dataclass(frozen=True)
class SourceTable:
    """One ``[[source]]``: ``entry`` is its path or URL, ``number`` its place among the tables (from 1)."""

    number: int
    entry: str
    outlet: str = ""
    enabled: bool = True
    articles: bool = True
    max_items: int | None = None
    language: str = ""

    @property
    def name(self) -> str:
        return f"[[source]] {self.number}"


def source_tables(checked: list[dict[str, Any]]) -> list[SourceTable]:
    """The checked ``[[source]]`` tables as :class:`SourceTable`; a table with neither or both of path and url
    is a :class:`ConfigError`."""
    found = []
    for number, table in enumerate(checked, 1):
        path, url = table["path"], table["url"]
        if path is not None and url is not None:
            raise ConfigError(f"[[source]] {number}: give path or url, not both")
        if path is None and url is None:
            raise ConfigError(f"[[source]] {number}: give path (a file, folder or glob) or url")
        found.append(SourceTable(number=number, entry=path if path is not None else url,
                                 outlet=" ".join(table["outlet"].split()), enabled=table["enabled"],
                                 articles=table["articles"], max_items=table["max_items"],
                                 language=table["language"]))
    return found
