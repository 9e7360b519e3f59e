"""The data that flows through the pipeline, one direction only.

Document (load) → Sentence (segment) → Story (cluster) → Item (summarize) → Issue (compose).
Every sentence keeps its provenance: the document it came from and its character span there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable


def stable_id(*parts: object, length: int = 12) -> str:
    """A short, stable hexadecimal id derived from the given parts."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass
class Document:
    """One source text: an article, a page, a feed item, or a data record."""

    id: str
    title: str
    text: str
    path: str = ""
    outlet: str = ""
    url: str = ""
    author: str = ""
    published: dt.datetime | None = None
    kind: str = "article"  # "article", or a plugin's own kind such as "data"
    data: Any = None  # structured payload for non-text documents
    origin: str = ""  # "feed" for a feed item (its text is the feed's teaser until its article is read)

    def to_report(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "outlet": self.outlet,
            "url": self.url,
            "author": self.author,
            "published": self.published.isoformat() if self.published else None,
            "kind": self.kind,
            "path": self.path,
        }


@dataclass(frozen=True)
class Sentence:
    """A sentence copied verbatim from a document: document[start:end] == text."""

    text: str
    doc_id: str
    start: int
    end: int
    paragraph: int = 0  # index of the paragraph inside the document


@dataclass
class Passage:
    """A run of a document's paragraphs about one subject; the unit that clustering groups."""

    id: str
    doc: Document
    title: str
    sentences: list[Sentence]
    lead: bool = True  # the passage opens its document (its title is the document's)
    scores: dict[str, float] = field(default_factory=dict)  # fit to each section's profile
    relevance: float = 0.0  # fit to the briefing's subject

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass
class Story:
    """Passages from one or several outlets about the same event."""

    id: str
    passages: list[Passage]
    section: str = ""
    score: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)  # Markdown lines the item will carry (a back-reference)
    relevance: float = 0.0  # its most relevant report's fit to the subject (log-odds)
    near: dict[str, float] = field(default_factory=dict)  # other stories of the day: how likely each tells this one
    folded: list["Story"] = field(default_factory=list)  # stories of this event folded into it when it printed
    repeats: list["Story"] = field(default_factory=list)  # stories passed over as its repeats when it printed
    separate: bool = False  # an editor asked that it print on its own: never folded in, never passed over
    placed: str = ""  # the section an editor put it in (its key): placement takes it, whatever the scores say

    @property
    def documents(self) -> list[Document]:
        seen: dict[str, Document] = {}
        for p in self.passages:
            seen.setdefault(p.doc.id, p.doc)
        return list(seen.values())

    @property
    def sentences(self) -> list[Sentence]:
        return [s for p in self.passages for s in p.sentences]

    @property
    def text(self) -> str:
        return " ".join(p.title + ". " + p.text for p in self.passages)


@dataclass
class Source:
    """Where an item's text came from, as shown in its sources line."""

    outlet: str
    url: str = ""
    title: str = ""
    doc_id: str = ""


@dataclass
class Item:
    """One entry of a section: a bold headline, verbatim sentences, and their sources."""

    id: str
    headline: str
    sentences: list[Sentence] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    text: str = ""  # plugin-made text (e.g. computed figures) when there are no source sentences
    figure_svg: str = ""  # a drawing made by plugin code (never source text); HTML and PDF only
    figure_svg_small: str = ""  # the same drawing laid out for a phone's width (the HTML on small screens, mail)
    comments: list[str] = field(default_factory=list)  # editor's comments, Markdown
    note: str = ""  # a plain remark shown under the headline (e.g. a back-reference)
    score: float = 0.0
    pinned: bool = False
    folded: list[str] = field(default_factory=list)  # the ids of the stories folded into this item
    repeats: list[str] = field(default_factory=list)  # the documents of the stories passed over as its repeats

    @property
    def outlets(self) -> list[tuple[str, list[Source]]]:
        """The sources grouped by outlet, in the order they first appear: each outlet once, with its reports."""
        groups: dict[str, list[Source]] = {}
        for source in self.sources:
            groups.setdefault(source.outlet, []).append(source)
        return list(groups.items())

    def source_line(self, links: int) -> tuple[list[tuple[str, list[Source]]], int]:
        """The outlets a sources line shows, each with the reports it links (at most ``links`` links in all,
        an outlet's first report before any outlet's second), and how many outlets are left for "and N more"."""
        groups = self.outlets
        shown = [(outlet, reports[:1]) for outlet, reports in groups[:links]]
        room = links - len(shown)
        for k, (outlet, reports) in enumerate(groups[:len(shown)]):
            extra = reports[1:1 + room]
            shown[k] = (outlet, shown[k][1] + extra)
            room -= len(extra)
        return shown, max(0, len(groups) - links)

    @property
    def paragraphs(self) -> list[str]:
        """The item's sentences joined into paragraphs as they stood in their sources."""
        if not self.sentences:
            return [self.text] if self.text else []
        paras: list[list[str]] = []
        last: tuple[str, int] | None = None
        for s in self.sentences:
            key = (s.doc_id, s.paragraph)
            if key != last or not paras:
                paras.append([])
            paras[-1].append(s.text)
            last = key
        return [" ".join(p) for p in paras]


@dataclass
class Section:
    """A section of the issue, contributed by a plugin.

    ``profile`` describes the stories it claims (terms with weights and example sentences);
    ``fallback`` marks the section that takes relevant stories no other section claims;
    ``make_items`` lets a section produce its own items (e.g. from data) instead of claiming stories.
    """

    key: str
    title: str
    order: int = 100
    profile: dict[str, Any] = field(default_factory=dict)
    fallback: bool = False
    max_items: int | None = None
    make_items: Callable[..., list[Item]] | None = None
    plugin: str = ""
    subject: str = ""  # the subject (preset) this section belongs to; "" for any

    def replace(self, **changes: Any) -> "Section":
        return dataclasses.replace(self, **changes)


@dataclass
class SectionContent:
    """What a section's ``make_items`` may return instead of a bare list: its items and a message to show
    when there are none (why the section is empty today)."""

    items: list[Item] = field(default_factory=list)
    message: str = ""


@dataclass
class Loader:
    """A way to read one kind of source, declared through ``briefing_loaders``.

    ``suffixes``: the file extensions it reads (``.xml``); the loaders that claim a source's suffix are tried
    in ``priority`` order (higher first), and one whose ``load`` returns None passes the source on. A source
    whose suffix no loader claims (a URL without one, an odd extension) goes to the first loader whose
    ``sniff(first_bytes)`` recognises it. ``load(path, data, build)`` returns a list of Documents, or None
    when the source is not its kind; it raises :class:`briefing.errors.SourceError` when the source is its
    kind but broken.
    """

    name: str
    load: Callable[..., list[Document] | None]
    suffixes: frozenset[str] = frozenset()
    sniff: Callable[[bytes], bool] | None = None
    priority: int = 0
    plugin: str = ""

    def claims(self, suffix: str) -> bool:
        return suffix in self.suffixes


@dataclass
class IssueSection:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)
    message: str = ""  # shown when the section has something to say but no items


@dataclass
class Issue:
    """The whole newsletter for one day; every renderer reads only this."""

    title: str
    day: int | None  # counted from [briefing] first_day; None when the briefing counts no days
    date: dt.date
    back_issues_text: str
    back_issues_url: str
    sections: list[IssueSection] = field(default_factory=list)

    @property
    def name(self) -> str:
        """"Conflict Update Day 390", or the title and the date for a briefing that counts no days."""
        return f"{self.title} Day {self.day}" if self.day is not None else f"{self.title} of {self.date:%B} " \
            f"{self.date.day}, {self.date.year}"

    @property
    def slug(self) -> str:
        words = "".join(c if c.isalnum() else " " for c in self.title.lower()).split()
        return "-".join(words) + (f"-day-{self.day}" if self.day is not None else f"-{self.date.isoformat()}")

    def all_items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]
