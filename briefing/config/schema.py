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
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass, field
from collections.abc import Iterator, Mapping as MappingABC
from typing import Any, Callable

from ..errors import UsageError


class ConfigError(UsageError):
    """A value in ``briefing.toml`` has the wrong type or is out of range (exit code 2)."""


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (dt.date, dt.datetime)):
        return "a date"
    return type(value).__name__


class Type:
    """One kind of value; ``check`` returns the value to use or raises ConfigError; ``given`` is a default as
    the value to use."""

    name = "a value"

    def given(self, default: Any) -> Any:
        return default

    def check(self, value: Any, where: str) -> Any:
        raise NotImplementedError

    def fail(self, value: Any, where: str, expected: str | None = None) -> ConfigError:
        shown = repr(value) if not isinstance(value, (list, dict)) else _kind(value)
        return ConfigError(f"{where}: expected {expected or self.name}, got {shown}")


class Str(Type):
    name = "a string"

    def __init__(self, non_empty: bool = False):
        self.non_empty = non_empty

    def check(self, value, where):
        if not isinstance(value, str):
            raise self.fail(value, where)
        if self.non_empty and not value.strip():
            raise self.fail(value, where, "a non-empty string")
        return value


class Bool(Type):
    name = "true or false"

    def check(self, value, where):
        if not isinstance(value, bool):
            raise self.fail(value, where)
        return value


class Number(Type):
    def __init__(self, minimum: float | None = None, maximum: float | None = None, whole: bool = False,
                 above: bool = False):
        self.minimum, self.maximum, self.whole, self.above = minimum, maximum, whole, above
        self.name = "a whole number" if whole else "a number"
        if minimum is not None:
            self.name += f" {'above' if above else 'of at least'} {minimum:g}"
        if maximum is not None:
            self.name += f"{' and' if minimum is not None else ''} at most {maximum:g}"

    def check(self, value, where):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(value, where)
        if self.whole and not isinstance(value, int):
            raise self.fail(value, where)
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(value, where)
        if self.minimum is not None and (value <= self.minimum if self.above else value < self.minimum):
            raise self.fail(value, where)
        if self.maximum is not None and value > self.maximum:
            raise self.fail(value, where)
        return self.given(value)

    def given(self, default):
        return float(default) if not self.whole and isinstance(default, int) else default


def Int(minimum: int | None = None, maximum: int | None = None) -> Number:
    return Number(minimum, maximum, whole=True)


def Float(minimum: float | None = None, maximum: float | None = None, above: bool = False) -> Number:
    return Number(minimum, maximum, above=above)


class Choice(Type):
    def __init__(self, *values: str):
        self.values = values
        self.name = "one of " + ", ".join(repr(v) for v in values)

    def check(self, value, where):
        if not isinstance(value, str) or value.lower() not in self.values:
            raise self.fail(value, where)
        return value.lower()


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


class ListOf(Type):
    def __init__(self, item: Type, non_empty: bool = False):
        self.item, self.non_empty = item, non_empty
        self.name = f"a list of {item.name.removeprefix('a ').removeprefix('an ')}s" \
            if item.name.startswith(("a ", "an ")) else f"a list ({item.name})"

    def check(self, value, where):
        if not isinstance(value, list):
            raise self.fail(value, where, f"{self.name} in [brackets]")
        if self.non_empty and not value:
            raise self.fail(value, where, f"a non-empty list")
        return [self.item.check(v, f"{where}[{i}]") for i, v in enumerate(value)]

    def given(self, default):
        return [self.item.given(v) for v in default] if isinstance(default, list) else default


class OneOrList(ListOf):
    """A single value or a list of them (always given back as a list)."""

    def check(self, value, where):
        return super().check(value if isinstance(value, list) else [value], where)


class Mapping(Type):
    """A table of free keys (terms → weights, keys → labels), each value of one type."""

    def __init__(self, value: Type):
        self.value = value
        self.name = f"a table of {value.name.removeprefix('a ').removeprefix('an ')}s"

    def check(self, value, where):
        if not isinstance(value, dict):
            raise self.fail(value, where)
        return {str(k): self.value.check(v, f"{where}.{k}") for k, v in value.items()}

    def given(self, default):
        return {k: self.value.given(v) for k, v in default.items()} if isinstance(default, dict) else default


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


def suggest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(sorted(known)) or 'none'})"


@dataclass
class Unknown:
    """A key or table the schema does not know, with where it is and the closest valid name."""

    where: str
    hint: str

    def __str__(self) -> str:
        return f"unknown {self.where}{self.hint}"


def check_table(name: str, table: Table, raw: Any, unknown: list[Unknown],
                keys: Callable[[], list[str]] | None = None) -> Any:
    """``raw`` checked against ``table``: values with defaults (a list of such tables for a ``many`` table),
    unknown keys added to ``unknown``."""
    if table.many:
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
            raise ConfigError(f"[[{name}]]: expected tables (one [[{name}]] each), got {_kind(raw)}")
        return [_check_options(table, t, f"[[{name}]] {n}", unknown) for n, t in enumerate(raw, 1)]
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"[{name}]: expected a table, got {_kind(raw)}")
    if table.each is not None:
        valid = keys() if keys else None
        out = {}
        for key, sub in raw.items():
            if valid is not None and key not in valid:
                unknown.append(Unknown(f"table [{name}.{key}]", suggest(key, valid)))
                continue
            out[key] = check_table(f"{name}.{key}", table.each, sub, unknown)
        return out
    return _check_options(table, raw, f"[{name}]", unknown)


def _check_options(table: Table, raw: dict, where: str, unknown: list[Unknown]) -> Settings:
    out = table.defaults()
    for key, value in raw.items():
        option = table.options.get(key)
        if option is None:
            unknown.append(Unknown(f"key {key!r} in {where}", suggest(key, list(table.options))))
            continue
        out[key] = option.type.check(value, f"{where} {key}")
    return Settings(where, out)


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
