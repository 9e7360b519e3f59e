"""The plugin API: everything a plugin may use of the engine, in one place.

Plugins (the built-in ones too) import from here or from the package root (``briefing``), never from the
stage modules: what is listed here is kept stable, the rest may change. Grouped by what it is for:

- reading sources: :func:`fetch`, :func:`read_bytes`, :func:`decode`, :func:`html_to_text`, :func:`html_text`
  (the text and what stopped it, e.g. nesting deeper than :data:`MAX_DEPTH`), :func:`printable`,
  :func:`http_url`, :func:`host_outlet`, :func:`path_suffix`, :func:`parse_datetime`, :func:`one_line`;
- writing: :func:`atomic_write`, :func:`display_path`;
- text: :func:`tokens`, :func:`norm_key`, :func:`md_text`, :func:`markdown_html`;
- summarizing: :func:`extractive_item`, :func:`clean_headline`;
- back issues: :func:`back_issues`, :func:`read_issue`;
- configuration: :class:`Table`, :class:`Option` and the value types of :mod:`briefing.options`.

The Jinja environment of a build is ``build.env`` (the :class:`~briefing.context.BuildContext` every hook
is offered).
"""

from __future__ import annotations

from .context import BuildContext
from .fetch import fetch
from .files import atomic_write, display_path, read_bytes
from .issuefile import back_issues, read_issue
from .publish import SUFFIXES as OUTPUT_SUFFIXES
from .options import (Bool, Choice, ConfigError, Date, Float, Int, ListOf, Mapping, Moment, Number, OneOrList, Option,
                      Str, Table)
from .render import markdown_html, md_text
from .sanitize import (MAX_DEPTH, host_outlet, html_text, html_to_text, http_url, one_line, parse_datetime, path_suffix,
                       printable)
from .summarize import clean_headline, extractive_item
from .text import norm_key, tokens
from .textdecode import decode

__all__ = [
    "BuildContext", "OUTPUT_SUFFIXES", "fetch", "atomic_write", "display_path", "read_bytes", "back_issues", "read_issue",
    "Bool", "Choice", "ConfigError", "Date", "Float", "Int", "ListOf", "Mapping", "Moment", "Number", "OneOrList",
    "Option", "Str", "Table", "markdown_html", "md_text", "host_outlet", "html_text", "html_to_text", "http_url", "one_line",
    "MAX_DEPTH", "printable",
    "parse_datetime", "path_suffix", "clean_headline", "extractive_item", "norm_key", "tokens", "decode",
]
