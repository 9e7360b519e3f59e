"""The plugin API: everything a plugin may use of the engine, in one place.

Plugins (the built-in ones too) import from here or from the package root (``briefing``), never from the
stage modules: what is listed here is kept stable, the rest may change. Grouped by what it is for:

- reading sources: :func:`fetch` (through the build's fetcher: pass ``build=`` or ``config=``),
  :func:`read_bytes`, :func:`decode`, :func:`extract_page` (a web page's article by trafilatura),
  :func:`html_to_text`, :func:`html_text` (the text and what stopped it, e.g. nesting deeper than
  :data:`MAX_DEPTH`), :func:`printable`, :func:`http_url`, :func:`clean_link`, :func:`host_outlet`,
  :func:`path_suffix`, :func:`parse_datetime`, :func:`one_line`;
- writing: :func:`atomic_write`, :func:`display_path`;
- text: :func:`tokens`, :func:`norm_key`, :func:`md_text`, :func:`markdown_html`;
- summarizing: :func:`extractive_item`, :func:`clean_headline`;
- back issues: :func:`back_issues`, :func:`read_issue`;
- the editor's notes: :func:`notes_path`, :func:`read_notes` (checked; :class:`NotesError` fails the build),
  :func:`editor_markdown` (an editor's comment made safe for every output);
- the desk's history: :func:`desk_history`, the editors' moves and leave-outs of the last ``[desk] learn_days``
  days as :class:`DeskRecord` (date, item, from section, to section or ``KILLED``, headline): labelled examples;
- configuration: :class:`Table`, :class:`Option` and the value types of :mod:`briefing.options`.

The Jinja environment of a build is ``build.env`` (the :class:`~briefing.context.BuildContext` every hook
is offered).
"""

from __future__ import annotations

from .context import BuildContext
from .extract import page as extract_page
from .fetch import fetch
from .files import atomic_write, display_path, read_bytes
from .issuefile import back_issues, read_issue
from .judge import Subject
from .model import Background, Linear, load_models
from .notes import KILLED, DeskRecord, NotesError, desk_history, notes_path, read_notes
from .publish import SUFFIXES as OUTPUT_SUFFIXES
from .options import (Bool, Choice, ConfigError, Date, Float, Int, ListOf, Mapping, Moment, Number, OneOrList, Option,
                      Str, Table)
from .render import editor_markdown, markdown_html, md_text
from .sanitize import (MAX_DEPTH, clean_link, host_outlet, html_text, html_to_text, http_url, one_line, parse_datetime,
                       path_suffix, printable)
from .summarize import clean_headline, extractive_item
from .text import norm_key, tokens
from .textdecode import decode

__all__ = [
    "BuildContext", "OUTPUT_SUFFIXES", "Subject", "Linear", "Background", "load_models", "fetch", "extract_page",
    "clean_link",
    "atomic_write", "display_path", "read_bytes", "back_issues", "read_issue",
    "Bool", "Choice", "ConfigError", "Date", "Float", "Int", "ListOf", "Mapping", "Moment", "Number", "OneOrList",
    "Option", "Str", "Table", "markdown_html", "md_text", "host_outlet", "html_text", "html_to_text", "http_url", "one_line",
    "MAX_DEPTH", "printable",
    "parse_datetime", "path_suffix", "clean_headline", "extractive_item", "norm_key", "tokens", "decode",
    "KILLED", "DeskRecord", "NotesError", "desk_history", "notes_path", "read_notes", "editor_markdown",
]
