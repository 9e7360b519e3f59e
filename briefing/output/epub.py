"""EPUB: Issue → an e-book for e-readers (EPUB 3), from the same issue model as the other formats.

In: an :class:`~briefing.models.Issue` and the build's Jinja environment. Out: the EPUB's bytes: one XHTML
document (the issue as ``issue_epub.html`` lays it out, with the stylesheet ``epub.css``; a workspace may override
both), a table of contents with an entry per section, and each item's chart as a PNG (its phone layout, drawn as
the mail's by :mod:`briefing.output.raster`: e-readers show PNG everywhere, inline SVG not always). A chart that
cannot be drawn is left out with a warning; the rest of the book is written.

The book is put together by ebooklib (EPUB 3 packaging: the container, the package document, the navigation
document and its NCX twin for older readers). Its archive is then rewritten with every entry dated the issue's
day, and the package's ``dcterms:modified`` is that day too, so that the same issue gives the same bytes. The
result passes epubcheck with no error (``tests/test_epub.py``). ebooklib is an optional dependency (``pip install
'briefing-desk[epub]'``): without it, asking for the format is a usage error before anything is built.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import uuid
import zipfile

from ..errors import UsageError
from ..models import Issue

log = logging.getLogger("briefing.epub")

CHAPTER = "issue.xhtml"
CHART_SCALE = 2.0  # pixels per CSS pixel: sharp on an e-reader's dense screen, as in the mail
INSTALL = "pip install 'briefing-desk[epub]' (with pipx: pipx inject briefing-desk ebooklib)"


def available() -> bool:
    """Whether the EPUB library is installed."""
    try:
        import ebooklib  # noqa: F401
    except ImportError:
        return False
    return True


def require() -> None:
    """A usage error, said before a build starts, when the EPUB library is missing."""
    if not available():
        raise UsageError(f"the epub format needs the ebooklib package: {INSTALL}")


def chart_images(issue: Issue) -> dict[str, dict]:
    """Each item's chart as a PNG: item id → file name, size in CSS pixels and bytes."""
    from .raster import item_charts

    return {item.id: {"name": f"chart-{item.id}.png", "width": width, "height": height, "png": png}
            for item, png, width, height in item_charts(issue, log, "for the EPUB ({}); written without it",
                                                         CHART_SCALE)}


def book_id(issue: Issue) -> str:
    """A stable identifier: the same issue is the same book on every rebuild (readers keep their place)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'briefing:{issue.title}:{issue.date.isoformat()}')}"


def render_epub(issue: Issue, env, language: str = "en") -> bytes:
    """The issue as an EPUB 3 book (see the module)."""
    from ebooklib import epub

    language = language or "en"
    charts = chart_images(issue)
    book = epub.EpubBook()
    book.set_identifier(book_id(issue))
    book.set_title(issue.name)
    book.set_language(language)
    book.add_author(issue.title)
    book.add_metadata("DC", "date", issue.date.isoformat())
    style = epub.EpubItem(uid="style", file_name="style.css", media_type="text/css",
                          content=env.get_template("epub.css").render().encode("utf-8"))
    book.add_item(style)
    chapter = epub.EpubHtml(title=issue.name, file_name=CHAPTER, lang=language)
    chapter.content = env.get_template("issue_epub.html").render(issue=issue, epub_charts=charts, hyphenate=False)
    chapter.add_item(style)
    book.add_item(chapter)
    for chart in charts.values():
        book.add_item(epub.EpubImage(uid=chart["name"].removesuffix(".png"), file_name=chart["name"],
                                     media_type="image/png", content=chart["png"]))
    book.toc = [epub.Link(f"{CHAPTER}#{section.key}", section.title, f"section-{section.key}")
                for section in issue.sections]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = [chapter]  # the issue opens the book; the contents are the reader's own menu (nav)
    moment = dt.datetime.combine(issue.date, dt.time())
    out = io.BytesIO()
    epub.write_epub(out, book, {"mtime": moment, "raise_exceptions": True})
    return dated(out.getvalue(), moment)


def dated(archive: bytes, moment: dt.datetime) -> bytes:
    """The same ZIP archive with every entry dated ``moment`` (ZIP keeps no zone), in the same order and with
    the same compression: ``mimetype`` first and stored, as EPUB requires."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6])
            entry.compress_type = info.compress_type
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info), compresslevel=9 if info.compress_type else None)
    return out.getvalue()
