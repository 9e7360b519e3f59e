"""Render: Issue → Markdown, HTML, PDF and EPUB text/bytes, all from Jinja2 templates over the same model.

In: an :class:`Issue`. Out: ``{"md": str, "html": str, "pdf": bytes, "epub": bytes}`` for the requested formats
(the e-book is put together by :mod:`briefing.output.epub`).
Templates come from the workspace's ``templates/`` first, then the packaged ones. Nothing invisible is printed
(control, bidirectional and zero-width characters are dropped from every value). Source text is
escaped for each format: Markdown specials are backslash-escaped (no raw HTML gets through), HTML is
autoescaped. The PDF engine may fetch nothing but ``data:`` URLs: no file, no network.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Callable
from urllib.parse import quote, urlsplit

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from ..config.settings import Config
from ..models import Issue
from ..pipeline.cache import FOLDER as CACHE_FOLDER

PACKAGE_TEMPLATES = "briefing_templates"
SOURCE_LINKS = 8  # a sources line links at most this many reports, then says "and N more" (report.json has all)
MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~]|&(?=#?\w+;))")
MD_LINE_START = re.compile(r"^(\s*)([-+>#=|]|\d+[.)])", re.MULTILINE)
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def ordinal_suffix(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def long_date(date: dt.date) -> str:
    """March 20<sup>th</sup>, 2023: the masthead's date."""
    return Markup(f"{date:%B} {date.day}<sup>{ordinal_suffix(date.day)}</sup>, {date.year}")


def plain_date(date: dt.date) -> str:
    """March 20th, 2023: the date in plain text."""
    return f"{date:%B} {date.day}{ordinal_suffix(date.day)}, {date.year}"


def md_text(text: str) -> str:
    """Source text made inert in Markdown: specials escaped, no block syntax at line starts, one line."""
    text = " ".join(str(text).split())
    text = MD_SPECIAL.sub(r"\\\1", text)
    return MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


# what an editor's comment may not do: raw HTML, entities, links and images, escapes of its own
EDITOR_SPECIAL = re.compile(r"([\\\[\]<>]|&(?=#?\w+;))")
# bidi overrides and isolates, zero-width and other invisible format characters: they can disguise text
INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def editor_markdown(text: str) -> str:
    """An editor's comment as Markdown that is safe in every output: *emphasis*, **bold** and `code` are kept;
    raw HTML, entities, links, images and block syntax are escaped; control and bidi characters are dropped;
    one line."""
    text = " ".join(INVISIBLE.sub(" ", str(text)).split())
    text = EDITOR_SPECIAL.sub(r"\\\1", text)
    text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)  # "1. one" is not a list
    return re.sub(r"^([-+>#=|])", r"\\\1", text)


def safe_url(url: str) -> str:
    """The URL if it is plain http(s), percent-encoded so it cannot break out of a link; else ''."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return quote(url, safe=":/?#@!$&'*+,;=%~.-_")


def href(url: str) -> str:
    """A link target from configuration: an http(s) URL, or a relative path with no scheme; else ''."""
    url = (url or "").strip()
    if urlsplit(url).scheme:
        return safe_url(url)
    return quote(url, safe="/?#&=%~.-_") if url else ""


def source_line(item, links: int = SOURCE_LINKS):
    """The outlets a sources line shows and how many are left (an Item, or the desk's view of one)."""
    if isinstance(item, dict):
        return item["shown"], item["more"]
    return item.source_line(links)


def md_link(text: str, url: str) -> str:
    u = href(url).replace("(", "%28").replace(")", "%29").replace("'", "%27")
    return f"[{md_text(text)}]({u})" if u else md_text(text)


HYPHENATE_WORD = re.compile(r"[^\W\d_]{7,}")  # words of seven letters or more; a break leaves three on each side


def soft_hyphens(lang: str = "en"):
    """A filter putting soft hyphens (U+00AD) into the long words of a text, by the dictionary WeasyPrint
    hyphenates the PDF with (pyphen). ``text|soft_hyphens`` is for screens: ``hyphens: auto`` needs a browser
    that has a hyphenation dictionary at hand, and without one justified text opens wide gaps (on phones most).
    ``text|soft_hyphens(false)`` leaves the text as it is (the PDF hyphenates by itself)."""
    loaded: list = []  # the dictionary, read on first use (a Markdown-only build never needs it)

    def apply(text: str, enabled: bool = True) -> str:
        if not enabled:
            return text
        if not loaded:
            import pyphen

            loaded.append(pyphen.Pyphen(lang=pyphen.language_fallback(lang) or "en", left=3, right=3))
        return HYPHENATE_WORD.sub(lambda m: loaded[0].inserted(m.group(0), hyphen="\u00ad"), str(text))

    return apply


def markdown_html(text: str) -> Markup:
    """Editor's Markdown → inline HTML, raw HTML disabled."""
    html = _markdown.renderInline(str(text))
    return Markup(html)


def markdown_text(text: str) -> str:
    """Editor's Markdown → plain text (for the plain-text mail): the words, without marks or tags."""
    from ..sources.sanitize import html_to_text

    return html_to_text(_markdown.renderInline(str(text)))


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept in the workspace's cache folder: a later build skips compiling them.

    Jinja keys each entry by the template's source, so an edited template is compiled afresh; a folder
    that cannot be written only means compiling every time, and an entry cut short (older Jinja versions
    write it in place) is compiled again.
    """

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError):  # unreadable, or cut short by a full disk: compile
            bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def template_cache(config: Config) -> TemplateCache | None:
    if not config.section("briefing").cache:
        return None
    return TemplateCache(str(Path(config.workspace) / CACHE_FOLDER / "templates"), "%s.jinja")


def _printable(value):
    """Every value a template prints, without control, bidirectional or zero-width characters (whatever made
    it: a source, a plugin, the configuration); markup stays markup."""
    from ..sources.sanitize import printable

    if isinstance(value, Markup):
        return Markup(printable(str(value)))
    return printable(value) if isinstance(value, str) else value


def environment(config: Config) -> jinja2.Environment:
    """The Jinja environment of the workspace's and the packaged templates, with the escaping filters.

    A build makes one (:attr:`briefing.host.context.BuildContext.env`), and the plugins add to it once."""
    loaders: list[jinja2.BaseLoader] = []
    workspace_templates = Path(config.workspace) / "templates"
    if workspace_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(workspace_templates)))
    loaders.append(jinja2.PackageLoader(PACKAGE_TEMPLATES, ""))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml"), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        bytecode_cache=template_cache(config),
        finalize=_printable,
    )
    env.filters.update(md=md_text, md_link=md_link, safe_url=safe_url, href=href, markdown=markdown_html,
                       markdown_text=markdown_text, long_date=long_date, plain_date=plain_date,
                       soft_hyphens=soft_hyphens("en"))
    env.globals["escape"] = escape
    env.globals["source_links"] = SOURCE_LINKS
    env.globals["source_line"] = source_line
    return env


def render_text(env: jinja2.Environment, fmt: str, issue: Issue, **extra) -> str:
    template = env.get_template(f"issue.{fmt}")
    return template.render(issue=issue, **extra)


def render_pdf(html: str) -> bytes:
    """The PDF of the issue's HTML; only ``data:`` URLs may be fetched."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    class DataOnlyFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=("data",), timeout=1)

        def fetch(self, url, headers=None):
            if not url.lower().startswith("data:"):
                raise ValueError(f"the PDF may not fetch {url[:80]!r}")
            return super().fetch(url, headers)

    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=DataOnlyFetcher())
    return document.write_pdf()


def render(issue: Issue, ctx, formats: tuple[str, ...] | None = None,
           pdf: Callable[[str], bytes] | None = None) -> dict[str, str | bytes]:
    """The issue in each of ``formats``; ``pdf`` makes the PDF of its HTML (default :func:`render_pdf`, looked up
    when called; the desk's runs in a process of its own, so that the page answers while a PDF is made)."""
    formats = formats or ctx.config.formats
    pdf = pdf or render_pdf
    env = ctx.env
    out: dict[str, str | bytes] = {}
    if "md" in formats:
        out["md"] = render_text(env, "md", issue)
    if "html" in formats:
        out["html"] = render_text(env, "html", issue, for_pdf=False)
    if "pdf" in formats:
        out["pdf"] = pdf(render_text(env, "html", issue, for_pdf=True))
    if "epub" in formats:
        from .epub import render_epub

        out["epub"] = render_epub(issue, env, ctx.config.section("briefing").language)
    return out
