"""Configuration: ``briefing.toml`` at the workspace root, checked against the schema, with flags laid over it.

In: a path to a TOML file (or none) and flag overrides. Out: a :class:`Config`. The engine's tables are
declared here (:data:`ENGINE_TABLES`), each plugin's through the ``briefing_options`` hook; every key has a
type, a default and a one-line reason (see :mod:`briefing.config.schema`). Plugins read their own tables through
:meth:`Config.section` (``[losses]`` → ``config.section("losses")``): a read-only :class:`Settings` of checked
values, each of the type its option declares, defaults filled in (:meth:`Config.table`: the same, as a mapping).
The engine's tables are checked when the file is read, the plugins' once, when the first build context of
this configuration is made.
"""

from __future__ import annotations

import datetime as dt
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import UsageError
from .schema import (Bool, Choice, ConfigError, Date, Float, Int, ListOf, Mapping, Moment, Number, Option, Settings,
                      Str, Table, TimeZone, Unknown, check_table, checked, mb_bytes)
from .sources import TABLE as SOURCE_TABLE, SourceTable, source_tables

CONFIG_NAME = "briefing.toml"
USER_AGENT = f"briefing/{__version__} (daily newsletter builder; reads the articles its feeds link to)"
FORMATS = ("md", "html", "pdf", "epub")
DEFAULT_FORMATS = ("md", "html", "pdf")  # epub needs an optional package (briefing.output.epub)

ENGINE_TABLES: dict[str, Table] = {
    "briefing": Table("The briefing itself: its name, its sources, its outputs and the limits of a build.", {
        "title": Option(Str(non_empty=True), "Briefing", "the newsletter's name: masthead, file names, mail"),
        "first_day": Option(Date(), None, "Day 1: issues are numbered from it (\"Day 390\"); unset, they are dated only"),
        "timezone": Option(TimeZone(), "UTC", "the zone whose date is today's issue and whose day is its window "
                           "(not the machine's TZ)"),
        "back_issues_text": Option(Str(), "the archive", "the words of the masthead's back-issues link"),
        "back_issues_url": Option(Str(), "../index.html", "where the back-issues link points"),
        "sources": Option(ListOf(Str(non_empty=True)), ["seeds"],
                          "files, folders, globs or http(s) URLs read by every build, relative to this file "
                          "(none by default when there are [[source]] tables)"),
        "out": Option(Str(non_empty=True), "out", "the folder built issues go to, one folder per date"),
        "formats": Option(ListOf(Choice(*FORMATS), non_empty=True), list(DEFAULT_FORMATS),
                          "the outputs each build writes (epub: an e-book, with `pip install "
                          "'briefing-desk[epub]'`)"),
        "max_source_mb": Option(Number(0, above=True), 20, "a source larger than this many MB is refused unread", cache=True),
        "lock_timeout": Option(Number(0), 600, "seconds a build waits for another build or send to finish"),
        "max_seconds": Option(Number(0, above=True), 1800,
                              "seconds a whole build may take: then it stops, names the stage and plugin running, "
                              "and leaves the previous issue as it was"),
        "workers": Option(Int(0), 0, "processes that read the sources when there is enough to read (0: one "
                          "per core; 1: none besides the build's own)"),
        "follow_symlinks": Option(Bool(), False,
                                  "read symbolic links in a source folder that lead outside it (loops never)"),
        "cache": Option(Bool(), True, "keep parsed sources between builds in .briefing-cache/"),
        "language": Option(Str(), "en", "the issue's language (ISO 639-1): documents in another are left out; "
                           "empty keeps every language"),
    }),
    "source": SOURCE_TABLE,
    "budget": Table("How long the issue may be.", {
        "item_sentences": Option(Int(1), 4, "sentences an item may hold"),
        "item_words": Option(Int(1), 160, "words an item may hold"),
        "section_items": Option(Int(1), 8, "items a section may hold"),
        "issue_items": Option(Int(1), 40, "items the whole issue may hold"),
    }),
    "window": Table("Which publication times count for the issue dated D (default: the calendar day before D in "
                    "[briefing] timezone). Times without a zone are in that zone too.", {
        "hours": Option(Number(0, above=True), None, "the window ends at D 00:00 and reaches back this many hours "
                        "(default: the whole day before, 23 or 25 hours when the clocks change)"),
        "since": Option(Moment(), None, "a fixed start instead (a date alone: that day's start)"),
        "until": Option(Moment(), None, "a fixed end instead (a date alone: that day's end)"),
    }),
    "fetch": Table("The one fetcher every download goes through: URL sources, OPML lists, the losses source, articles.", {
        "timeout": Option(Number(0, above=True), 20, "seconds a whole download of a URL source may take, headers included"),
        "allow_private": Option(Bool(), False, "let sources and links reach loopback, private and link-local "
                                "addresses (the desk's own network); cloud metadata addresses stay refused"),
        "list_feeds": Option(Int(1), 200, "feeds one OPML list may name; the rest are reported and not fetched"),
        "list_seconds": Option(Number(0, above=True), 120,
                               "seconds the feeds named by OPML lists may take together; the rest are reported"),
    }),
    "articles": Table("Reading the article behind each on-subject feed item (see docs/articles.md).", {
        "fetch": Option(Bool(), True, "false builds feed items from their descriptions and fetches no article"),
        "concurrency": Option(Int(1, 64), 8, "downloads at a time across hosts (articles and feeds alike)"),
        "per_host": Option(Int(1, 16), 2, "downloads at a time from one host"),
        "timeout": Option(Number(0, above=True), 15, "seconds one article's whole download may take, headers included"),
        "max_mb": Option(Number(0, above=True), 5, "a page larger than this many MB is abandoned while it streams"),
        "deadline": Option(Number(0, above=True), 120,
                           "seconds the whole stage may take; the items not read by then keep their descriptions"),
        "user_agent": Option(Str(non_empty=True), USER_AGENT, "the User-Agent of every request the build makes"),
        "cache_days": Option(Number(0), 14, "days a downloaded page is kept and served without asking (0: no cache)"),
    }),
    "subject": Table("The briefing's subject: every document is measured against it before anything else is done.", {
        "preset": Option(Str(), "", "a subject a plugin provides with its learned model ('russia-ukraine-war' is built in)"),
        "name": Option(Str(), "", "the subject as an editor says it ('the war'): the desk says a story left out is "
                       "'not about the war' (default: 'the subject')"),
        "terms": Option(Mapping(Number(0)), {}, "words and phrases of the subject and their weights, laid over the "
                        "preset's (a weight of 0 removes one)"),
        "examples": Option(ListOf(Str(non_empty=True)), [], "texts that are about the subject, added to the preset's"),
        "threshold": Option(Number(0), 3.0, "without a learned model: the term score a story needs to print"),
        "model": Option(Str(), "", "a model file written by `make tune --out FILE` to use instead of the preset's "
                        "own (a path relative to the workspace)"),
    }),
    "sections": Table("Each section's title, place and length; the keys are the sections' keys.", each=Table("", {
        "title": Option(Str(non_empty=True), None, "the section's heading (default: the plugin's)"),
        "order": Option(Int(), None, "its place in the issue, lower first (default: the plugin's)"),
        "enabled": Option(Bool(), True, "false leaves the section out"),
        "max_items": Option(Int(1), None, "items it may hold (default: [budget] section_items)"),
        "terms": Option(Mapping(Number(0)), None, "terms that replace the plugin's own"),
    })),
    "notes": Table("The editor's notes: one TOML file per day, applied to that day's issue (see docs/desk.md).", {
        "folder": Option(Str(non_empty=True), "notes", "where notes/YYYY-MM-DD.toml files are kept"),
    }),
    "desk": Table("The morning desk, `briefing serve`: review, correct and send the draft in a browser.", {
        "learn_days": Option(Int(0), 60, "how many days of the desk's moves and leave-outs desk_history() returns"),
        "token_env": Option(Str(non_empty=True), "BRIEFING_DESK_TOKEN",
                            "the environment variable holding the token the desk needs beyond loopback"),
    }),
    "mail": Table("Mailing a built issue with `briefing send`.", {
        "host": Option(Str(non_empty=True), None, "the SMTP server"),
        "port": Option(Int(1, 65535), None, "its port (default: 587 starttls, 465 tls, 25 none)"),
        "security": Option(Choice("starttls", "tls", "none"), "starttls",
                           "how the connection is protected (\"none\" with a username only to a relay on this machine)"),
        "sender": Option(Str(non_empty=True), None, "the From address"),
        "recipients": Option(ListOf(Str(non_empty=True), non_empty=True), None, "who receives the issue"),
        "username": Option(Str(), "", "the login, when the server needs one"),
        "password_env": Option(Str(non_empty=True), "BRIEFING_SMTP_PASSWORD",
                               "the environment variable holding the password (never the file)"),
        "subject": Option(Str(non_empty=True), "{name} – {date}", "the subject line's pattern ({name}, {title}, "
                          "{day}, {date})"),
        "timeout": Option(Number(0, above=True), 60, "seconds the whole send may take (a wall-clock limit, not "
                          "per reply)"),
        "cafile": Option(Str(), "", "a CA bundle for the server's certificate"),
        "list_id": Option(Str(), "", "the List-Id header, e.g. 'Conflict Update <conflict-update.example.org>' "
                          "(default: the title at the sender's domain)"),
        "unsubscribe": Option(Str(), "", "how to unsubscribe: a mailto: or https: address for List-Unsubscribe "
                              "(default: mailto:SENDER?subject=unsubscribe)"),
        "one_click": Option(Bool(), False, "the https unsubscribe address takes a one-click POST (RFC 8058): "
                            "adds List-Unsubscribe-Post"),
        "attach": Option(ListOf(Choice("pdf", "epub")), ["pdf"], "the issue's files the mail carries (each must be "
                         "among the formats built; epub: the e-book)"),
    }),
}

def engine_tables() -> dict[str, Table]:
    return dict(ENGINE_TABLES)


def all_tables(plugins=None) -> dict[str, Table]:
    """The engine's tables and every plugin's (``briefing_options``), by table name."""
    tables = engine_tables()
    if plugins is None:
        from ..host.plugins import Plugins

        plugins = Plugins(None)
    for name, table in plugin_tables(plugins).items():
        tables[name] = table
    return tables


def plugin_tables(plugins) -> dict[str, Table]:
    """Each plugin's declared tables; a name taken twice (or an engine table) is an error."""
    from ..errors import PluginError

    out: dict[str, Table] = {}
    for plugin_name, tables in plugins.call_named(plugins.hook.briefing_options):
        for name, table in dict(tables).items():
            if name in ENGINE_TABLES or name in out:
                raise PluginError(f"plugin {plugin_name!r}: configuration table [{name}] is already declared "
                                  f"by {out[name].owner if name in out else 'the engine'!r}")
            if not isinstance(table, Table):
                raise PluginError(f"plugin {plugin_name!r}: briefing_options must map table names to "
                                  f"briefing.config.schema.Table, not {type(table).__name__}")
            table.owner = plugin_name
            out[name] = table
    return out


@dataclass
class Config:
    """Everything a build needs to know, resolved to absolute paths. The tables' values, with their defaults,
    are the schema's (:meth:`section`); the fields below are what flags may replace or what a build works out."""

    workspace: Path
    sources: list[str] = field(default_factory=list)  # [briefing] sources, or the command line's
    source_tables: list[SourceTable] = field(default_factory=list)  # the [[source]] tables, in file order
    out: Path = Path()  # [briefing] out, or --out, resolved
    formats: tuple[str, ...] = ()  # [briefing] formats, or --formats
    date: dt.date | None = None
    sections: dict[str, Settings] = field(default_factory=dict)  # [sections.KEY], checked with the sections' keys
    strict: bool = False
    allow_empty: bool = False  # build --allow-empty: a day with nothing new on the subject is built all the same
    offline: bool = False  # build --offline: downloads come from the HTTP cache only, never the network
    raw: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    tables: dict[str, Any] = field(default_factory=dict)  # checked Settings by table ([[source]]: a list of them)
    unknown: list[Unknown] = field(default_factory=list)  # keys and tables the schema does not know
    plugins_checked: bool = False

    def section(self, name: str) -> Settings:
        """The checked ``[name]`` table: ``config.section("fetch").timeout``, its default filled in."""
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"[{name}] is not a checked table: the engine's are checked when the configuration "
                           "is read, a plugin's own when its build, send or listing begins") from None

    def override(self, name: str, **changes: Any) -> None:
        """Lay ``changes`` over the checked ``[name]`` table for this run (a flag, an evaluation's fixed setting)."""
        self.tables[name] = self.section(name).replace(**changes)

    def table(self, name: str) -> Settings:
        """The ``[name]`` table, as :meth:`section` (a read-only mapping: ``config.section("losses").labels``)."""
        return self.section(name)

    @property
    def title(self) -> str:
        return self.section("briefing").title

    @property
    def first_day(self) -> dt.date | None:
        return self.section("briefing").first_day

    @property
    def back_issues_text(self) -> str:
        return self.section("briefing").back_issues_text

    @property
    def back_issues_url(self) -> str:
        return self.section("briefing").back_issues_url

    @property
    def max_source_bytes(self) -> int:
        return mb_bytes(self.section("briefing").max_source_mb)

    @property
    def budget(self) -> Settings:
        return self.section("budget")

    @property
    def subject(self) -> Settings:
        return self.section("subject")

    def resolve(self, value: str | Path) -> Path:
        """A path from the configuration, relative to the workspace."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.workspace / p

    def day_number(self, date: dt.date) -> int | None:
        """The issue's number, counted from ``first_day`` (None when the briefing counts no days)."""
        return (date - self.first_day).days + 1 if self.first_day else None

    def zone(self) -> dt.tzinfo:
        """The briefing's time zone (``[briefing] timezone``, checked when the configuration was read)."""
        return zoneinfo.ZoneInfo(self.section("briefing").timezone)

    def today(self, now: dt.datetime | None = None) -> dt.date:
        """The issue date: ``--date`` when given, else today's date in the briefing's zone (not the machine's)."""
        if self.date is not None:
            return self.date
        now = now or dt.datetime.now(dt.timezone.utc)
        return now.astimezone(self.zone()).date()

    def check_day(self, date: dt.date, what: str) -> None:
        """UsageError when ``date`` comes before ``first_day``: there is no issue before Day 1."""
        if self.first_day is not None and date < self.first_day:
            raise UsageError(f"{what} {date.isoformat()} is before [briefing] first_day ({self.first_day.isoformat()}), "
                             "the date of Day 1: there is no issue to make for it")

    def item_budget(self) -> dict[str, int]:
        return {"sentences": self.budget.item_sentences, "words": self.budget.item_words}

    def check_plugins(self, plugins, section_keys: list[str] | None = None) -> None:
        """Check the plugins' tables (once), then, given the sections' keys, the ``[sections.KEY]`` tables;
        unknown keys and tables are kept in ``unknown``."""
        where = self.path.name if self.path else CONFIG_NAME
        if not self.plugins_checked:
            declared = plugin_tables(plugins)
            try:
                for name, table in declared.items():
                    self.tables[name] = check_table(name, table, self.raw.get(name), self.unknown)
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None
            known = set(ENGINE_TABLES) | set(declared)
            for name in self.raw:
                if name not in known:
                    self.unknown.append(Unknown(name, sorted(known), label=f"table [{name}]"))
            self.plugins_checked = True
        if section_keys is not None and "sections" not in self.tables:
            try:
                self.sections = check_table("sections", ENGINE_TABLES["sections"], self.raw.get("sections"),
                                            self.unknown, keys=lambda: section_keys)
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None
            self.tables["sections"] = self.sections

    def fingerprint_settings(self) -> dict[str, Any]:
        """The settings that shape what the source cache keeps (options declared with ``cache=True``)."""
        shaping = {}
        for name, table in ENGINE_TABLES.items():
            for key, option in table.options.items() if not table.many else ():
                if option.cache:
                    shaping[f"{name}.{key}"] = self.section(name)[key]
        return shaping


def parse_formats(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    formats = tuple(dict.fromkeys(f.strip().lower() for f in items if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(f"unknown format {','.join(unknown) or '(none)'}; choose from {','.join(FORMATS)}")
    return formats


def check_formats(formats: tuple[str, ...]) -> None:
    """A usage error, before anything is built, for a format whose optional package is missing."""
    if "epub" in formats:
        from ..output.epub import require

        require()


def find_config(start: Path) -> Path | None:
    """The nearest ``briefing.toml`` in ``start`` or its parents."""
    for folder in [start, *start.parents]:
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def default_workspace() -> dict[str, Any]:
    """The configuration ``briefing init`` writes (the skeleton's ``briefing.toml``): what a build outside any
    workspace uses, so that its subject and title are the documented ones, never the engine's own (its sources
    and the losses dataset's addresses left out: such a build reads the command line's sources alone)."""
    from importlib import resources

    raw = tomllib.loads((resources.files("briefing") / "skeleton" / CONFIG_NAME).read_text(encoding="utf-8"))
    raw.get("briefing", {}).pop("sources", None)
    raw.get("losses", {}).pop("source", None)  # only the command line's sources: nothing fetched besides them
    return raw


def _date(value: Any, what: str) -> dt.date:
    try:
        return checked(Date().check, value, what)
    except ConfigError:
        raise UsageError(f"{what}: expected a date as YYYY-MM-DD, got {value!r}") from None


def load_config(path: Path | None = None, **overrides: Any) -> Config:
    """Read and check the configuration file (if any), then apply flag overrides (None means 'not given')."""
    raw: dict[str, Any] = {}
    if path is None:
        path = find_config(Path.cwd())
    if path is not None:
        path = Path(path).resolve()
        if not path.is_file():
            raise UsageError(f"configuration file not found: {path}")
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path.name}: not valid TOML: {exc}") from None
        workspace = path.parent
    else:  # no workspace: the one `briefing init` makes, with the sources of the command line
        raw = default_workspace()
        workspace = Path.cwd().resolve()

    cfg = Config(workspace=workspace, raw=raw, path=path)
    where = path.name if path else CONFIG_NAME
    try:
        for name, table in ENGINE_TABLES.items():
            if table.each is None:
                cfg.tables[name] = check_table(name, table, raw.get(name), cfg.unknown)
        cfg.source_tables = source_tables(cfg.tables["source"])
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    main = cfg.section("briefing")
    given = raw.get("briefing") if isinstance(raw.get("briefing"), dict) else {}
    cfg.sources = list(main.sources) if "sources" in given or not cfg.source_tables else []
    cfg.out = Path(main.out)
    cfg.formats = tuple(dict.fromkeys(main.formats))

    if overrides.get("date") is not None:
        cfg.date = _date(overrides["date"], "--date")
        cfg.check_day(cfg.date, "--date")
    if overrides.get("sources"):  # the command line's sources replace the configured ones, tables and all
        cfg.sources = [str(s) for s in overrides["sources"]]
        cfg.source_tables = []
    if overrides.get("out") is not None:
        cfg.out = Path(overrides["out"])
    if overrides.get("formats") is not None:
        cfg.formats = parse_formats(overrides["formats"])
    if overrides.get("strict") is not None:
        cfg.strict = bool(overrides["strict"])
    if overrides.get("offline") is not None:
        cfg.offline = bool(overrides["offline"])
    if overrides.get("allow_empty") is not None:
        cfg.allow_empty = bool(overrides["allow_empty"])
    cfg.out = cfg.resolve(cfg.out)
    check_formats(cfg.formats)
    return cfg


__all__ = ["Config", "ConfigError", "load_config", "find_config", "parse_formats", "ENGINE_TABLES", "all_tables",
           "Float", "Int", "Str", "Bool", "ListOf", "Mapping", "Option", "Settings", "Table"]
