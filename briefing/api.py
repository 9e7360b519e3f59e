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
- summarizing: :func:`extractive_item`, :func:`clean_headline`, :func:`story_headline` (what a story is called);
- back issues: :func:`back_issues`, :func:`read_issue`;
- the editor's notes: :func:`notes_path`, :func:`read_notes` (checked; :class:`NotesError` fails the build),
  :func:`report_key` (how a note names a report: its URL, else its document id), :func:`editor_markdown` (an
  editor's comment made safe for every output);
- the desk's history: :func:`desk_history`, the editors' moves and leave-outs of the last ``[desk] learn_days``
  days as :class:`DeskRecord` (date, item, from section, to section or ``KILLED``, headline): labelled examples;
- the editorial model: :class:`Unit` (a text as the build's judge reads it; ``build.judge.likeness`` tells how
  likely groups of texts tell one story, the judgment that merges reports and folds repeats);
- configuration: :class:`Table`, :class:`Option` and the value types of :mod:`briefing.config.schema`;
  :class:`Settings`, a checked table as ``config.section(name)`` gives it; :func:`mb_bytes`, a size in MB in bytes.

The Jinja environment of a build is ``build.env`` (the :class:`~briefing.host.context.BuildContext` every hook
is offered).

Each name is imported from its module when first used (``from briefing.api import html_to_text`` imports the
sanitizer, not the PDF engine): a plugin that imports this module at its top costs nothing at start-up, and a
build imports only what it runs (``tests/test_imports.py``: importing all of them at once would bring Jinja,
Markdown and the HTTP client into ``briefing plugins``). Type checkers and editors read the same names from
the ``TYPE_CHECKING`` imports below; a test keeps the two lists equal.
"""

from __future__ import annotations

import importlib
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config.schema import (Bool, Choice, ConfigError, Date, Float, Int, ListOf, Mapping, Moment, Number,
                                OneOrList, Option, Settings, Str, Table, mb_bytes)
    from .desk.history import DeskRecord, desk_history
    from .desk.notes import KILLED, NotesError, notes_path, read_notes, report_key
    from .editorial.features import Background, Linear, load_models
    from .editorial.judge import Unit
    from .editorial.subject import Subject
    from .editorial.text import norm_key, tokens
    from .host.context import BuildContext
    from .output.issuefile import back_issues, read_issue
    from .output.publish import SUFFIXES as OUTPUT_SUFFIXES
    from .output.render import editor_markdown, markdown_html, md_text
    from .pipeline.summarize import clean_headline, extractive_item, story_headline
    from .runtime.files import atomic_write, display_path, read_bytes
    from .sources.extract import page as extract_page
    from .sources.fetch import fetch
    from .sources.sanitize import (MAX_DEPTH, clean_link, host_outlet, html_text, html_to_text, http_url, one_line,
                                   parse_datetime, path_suffix, printable)
    from .sources.textdecode import decode

__all__ = [
    "Background", "Bool", "BuildContext", "Choice", "ConfigError", "Date", "DeskRecord", "Float", "Int", "KILLED",
    "Linear", "ListOf", "MAX_DEPTH", "Mapping", "Moment", "NotesError", "Number", "OUTPUT_SUFFIXES", "OneOrList",
    "Option", "Settings", "Str", "Subject", "Table", "Unit", "atomic_write", "back_issues", "clean_headline", "clean_link", "decode",
    "desk_history", "display_path", "editor_markdown", "extract_page", "extractive_item", "fetch", "host_outlet",
    "html_text", "html_to_text", "http_url", "load_models", "markdown_html", "mb_bytes", "md_text", "norm_key", "notes_path",
    "one_line", "parse_datetime", "path_suffix", "printable", "read_bytes", "read_issue", "read_notes", "report_key",
    "story_headline", "tokens",
]

# name → (module, name there): what the imports above say, read when a name is first used
_WHERE: MappingProxyType[str, tuple[str, str]] = MappingProxyType({
    **{n: ("config.schema", n) for n in ("Bool", "Choice", "ConfigError", "Date", "Float", "Int", "ListOf", "Mapping",
                                         "Moment", "Number", "OneOrList", "Option", "Settings", "Str", "Table",
                                         "mb_bytes")},
    **{n: ("desk.history", n) for n in ("DeskRecord", "desk_history")},
    **{n: ("desk.notes", n) for n in ("KILLED", "NotesError", "notes_path", "read_notes", "report_key")},
    **{n: ("editorial.features", n) for n in ("Background", "Linear", "load_models")},
    "Unit": ("editorial.judge", "Unit"),
    "Subject": ("editorial.subject", "Subject"),
    **{n: ("editorial.text", n) for n in ("norm_key", "tokens")},
    "BuildContext": ("host.context", "BuildContext"),
    **{n: ("output.issuefile", n) for n in ("back_issues", "read_issue")},
    "OUTPUT_SUFFIXES": ("output.publish", "SUFFIXES"),
    **{n: ("output.render", n) for n in ("editor_markdown", "markdown_html", "md_text")},
    **{n: ("pipeline.summarize", n) for n in ("clean_headline", "extractive_item", "story_headline")},
    **{n: ("runtime.files", n) for n in ("atomic_write", "display_path", "read_bytes")},
    "extract_page": ("sources.extract", "page"),
    "fetch": ("sources.fetch", "fetch"),
    **{n: ("sources.sanitize", n) for n in ("MAX_DEPTH", "clean_link", "host_outlet", "html_text", "html_to_text",
                                            "http_url", "one_line", "parse_datetime", "path_suffix", "printable")},
    "decode": ("sources.textdecode", "decode"),
})


def __getattr__(name: str) -> Any:
    found = _WHERE.get(name)
    if found is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{found[0]}", __package__), found[1])
    globals()[name] = value  # found once
    return value


def __dir__() -> list[str]:
    return __all__
