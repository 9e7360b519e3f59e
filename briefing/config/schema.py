"""Options: the typed schema of ``briefing.toml``, declared once per table, checked once per build.

In: a table's raw TOML values and its declared :class:`Table`. Out: the values with defaults filled in, as a
read-only :class:`Settings` (``settings.max_mb`` or ``settings["max_mb"]``), or a :class:`ConfigError` naming the key, what was expected and what was found. Unknown keys are
collected with the closest valid name ("formts: did you mean formats?"); the caller decides whether
they are warnings or, under ``--strict``, errors. ``docs/configuration.md`` is generated from the same
declarations (:func:`markdown`), so a key cannot exist without its documentation.

Every value is read as the type its option declares, with nothing to convert where it is used: a whole number
(:func:`Int`) is an ``int``; a number (:func:`Float`, :class:`Number`) is a ``float``, its default too; a size is
a number of MB (its help says so), turned into bytes by :func:`mb_bytes`; an option whose default is ``None`` may
be ``None``. Defaults are written here, in the options, and nowhere else.

The value types and the check of a table's keys are :mod:`briefing.config.validate`'s, which the editor's notes
and the desk's requests are checked with too; here are the types only the configuration has (dates, time zones,
addresses), its tables, and its words for what it refuses (:func:`checked`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import UsageError
from .validate import (Bool, Choice, Float, Int, Invalid, ListOf, Mapping, Number, OneOrList, Record, Str, Type,
                       Unknown, kind)

__all__ = ["Bool", "Choice", "ConfigError", "Date", "Float", "HttpUrl", "Int", "LanguageCode", "ListOf", "Mapping",
           "Moment", "Number", "OneOrList", "Option", "Settings", "Str", "Table", "TimeZone", "Type", "Unknown",
           "check_table", "checked", "markdown", "mb_bytes"]


class ConfigError(UsageError):
    """A value in ``briefing.toml`` has the wrong type or is out of range (exit code 2)."""


def _moment(text: str) -> dt.date | dt.datetime | None:
    """A date (YYYY-MM-DD) or an ISO 8601 time from a string, or None."""
    text = text.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        return None


class Date(Type):
    name = "a date (YYYY-MM-DD)"

    def check(self, value, where):
        if isinstance(value, str) and len(value.strip()) == 10:
            value = _moment(value)
        if isinstance(value, (dt.date, dt.datetime)):
            return value.date() if isinstance(value, dt.datetime) else value
        raise self.fail(value, where)


class Moment(Type):
    """A date or an ISO 8601 time, as TOML or as a string; checked here, interpreted by its stage."""

    name = "a date or an ISO 8601 time"

    def check(self, value, where):
        if isinstance(value, (dt.date, dt.datetime)) or (isinstance(value, str) and _moment(value) is not None):
            return value.strip() if isinstance(value, str) else value
        raise self.fail(value, where)


class TimeZone(Type):
    name = "an IANA time zone name such as 'Europe/London'"

    def check(self, value, where):
        import zoneinfo

        if isinstance(value, str) and value.strip():
            try:
                zoneinfo.ZoneInfo(value.strip())
                return value.strip()
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                pass
        raise self.fail(value, where)


class LanguageCode(Type):
    """An ISO 639-1 code (``en``, ``de``), given back in lower case; empty means "not said"."""

    name = "a language code of ISO 639-1 such as 'en'"

    def check(self, value, where):
        if isinstance(value, str) and (not value.strip() or re.fullmatch(r"[A-Za-z]{2}", value.strip())):
            return value.strip().lower()
        raise self.fail(value, where)


class HttpUrl(Type):
    name = "an http(s) address"

    def check(self, value, where):
        if isinstance(value, str) and re.match(r"https?://[^\s/]+", value.strip(), re.IGNORECASE):
            return value.strip()
        raise self.fail(value, where)


@dataclass
class Option:
    """One key: its type, its default (written here only) and a one-line reason; ``cache`` marks what shapes
    cached stages. A size's help names its unit, MB."""

    type: Type
    default: Any
    help: str
    cache: bool = False


@dataclass
class Table:
    """One ``[table]``: its keys. ``each`` declares a table of tables (``[sections.KEY]``); ``many`` an array
    of tables (``[[source]]``, once per entry: checked into a list)."""

    help: str
    options: dict[str, Option] = field(default_factory=dict)
    each: "Table | None" = None
    owner: str = "engine"
    many: bool = False

    @property
    def heading(self) -> str:
        return "[[{}]]" if self.many else "[{}.KEY]" if self.each is not None else "[{}]"

    def defaults(self) -> dict[str, Any]:
        return {k: o.type.given(_copy(o.default)) for k, o in self.options.items()}


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def mb_bytes(megabytes: float) -> int:
    """A size declared in MB (a number of the schema) in bytes."""
    return int(float(megabytes) * 1024 * 1024)


class Settings(MappingABC[str, Any]):
    """One checked table, read-only: each key an attribute (``settings.timeout``), or a key of its mapping view
    (``settings["timeout"]``, ``settings.get("timeout")``, ``dict(settings)``), its value as the schema's type
    gives it (see the module's docstring) with its default filled in."""

    __slots__ = ("_name", "_values")

    def __init__(self, name: str, values: dict[str, Any]):  # name: the table as a message says it, "[fetch]"
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(f"{self._name} has no key {key!r}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"{self._name} is read-only: use replace({key}=...)")

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Settings({self._name!r}, {self._values!r})"

    def __reduce__(self):
        return (Settings, (self._name, self._values))

    def replace(self, **changes: Any) -> "Settings":
        """A copy with ``changes`` laid over it (keys the table has, values as checked)."""
        unknown = [k for k in changes if k not in self._values]
        if unknown:
            raise KeyError(f"{self._name} has no key {', '.join(map(repr, unknown))}")
        return Settings(self._name, {**self._values, **changes})


def checked(check: Callable[..., Any], *args: Any) -> Any:
    """``check(*args)``, a type's check (value, where, ...); a refusal raised as a ConfigError in the
    configuration's words."""
    try:
        return check(*args)
    except Invalid as exc:
        raise ConfigError(str(exc)) from None


def check_table(name: str, table: Table, raw: Any, unknown: list[Unknown],
                keys: Callable[[], list[str]] | None = None) -> Any:
    """``raw`` checked against ``table``: values with defaults (a list of such tables for a ``many`` table),
    unknown keys added to ``unknown``."""
    if table.many:
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
            raise ConfigError(f"[[{name}]]: expected tables (one [[{name}]] each), got {kind(raw)}")
        return [_check_options(table, t, f"[[{name}]] {n}", unknown) for n, t in enumerate(raw, 1)]
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"[{name}]: expected a table, got {kind(raw)}")
    if table.each is not None:
        valid = keys() if keys else None
        out = {}
        for key, sub in raw.items():
            if valid is not None and key not in valid:
                unknown.append(Unknown(key, valid, label=f"table [{name}.{key}]"))
                continue
            out[key] = check_table(f"{name}.{key}", table.each, sub, unknown)
        return out
    return _check_options(table, raw, f"[{name}]", unknown)


def _check_options(table: Table, raw: dict, where: str, unknown: list[Unknown]) -> Settings:
    record = Record({key: option.type for key, option in table.options.items()})
    return Settings(where, {**table.defaults(), **checked(record.check, raw, where, unknown)})


def markdown(tables: dict[str, Table]) -> str:
    """The reference page for every table: each key with its type, default and reason."""
    lines = ["# Configuration reference", "",
             "Every table and key `briefing.toml` can hold, generated from the schema the build checks it against "
             "(`python -m briefing.config.schema > docs/configuration.md`). A key that is not listed here is reported "
             "with the closest valid name; with `--strict` it fails the build (exit code 2).", ""]
    for name in sorted(tables, key=lambda n: (tables[n].owner != "engine", n)):
        table = tables[name]
        heading = table.heading.format(name)
        owner = "" if table.owner == "engine" else f" (plugin `{table.owner}`)"
        lines += [f"## `{heading}`{owner}", "", table.help, ""]
        options = (table.each or table).options
        if options:
            lines += ["| key | type | default | what it is for |", "| --- | --- | --- | --- |"]
            for key, option in options.items():
                lines.append(f"| `{key}` | {option.type.name} | {_shown(option.default)} | {option.help} |")
            lines.append("")
    return "\n".join(lines)


def _shown(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f"`{value!r}`".replace("'", '"') if value else '`""`'
    if isinstance(value, (list, dict)) and not value:
        return "`[]`" if isinstance(value, list) else "`{}`"
    if isinstance(value, list):
        text = ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in value)
        return f"`[{text}]`" if len(text) < 60 else f"{len(value)} values (see the source)"
    if isinstance(value, dict):
        return f"{len(value)} entries (see the source)"
    return f"`{value}`"


if __name__ == "__main__":  # python -m briefing.config.schema > docs/configuration.md
    from .settings import all_tables

    print(markdown(all_tables()), end="")
