"""Validation: the value types every checked input is declared with, and the one error they raise.

In: a value and where it is (the path of keys a message names it by). Out: the value to use, or an
:class:`Invalid` saying where it is, what was expected and what was found. A :class:`Record` is a table of named
fields; a key it does not declare is an :class:`Unknown`, with the closest valid name, collected when the caller
gives a list for them (the configuration: warnings, errors under ``--strict``) and raised otherwise (the
editor's notes, the desk's requests).

The same error is said in the words of whoever reads it (:class:`Words`): the configuration's
(``[fetch] timeout: expected a number, got 'ten'``, :data:`CONFIG`) or the editor's (``kill must be true or
false, not the string 'no'``, :data:`EDITOR`). The declarations are :mod:`briefing.config.schema` (the
configuration's tables), :mod:`briefing.desk.notes` (a notes file's entries) and
:mod:`briefing.desk.corrections` (the desk's requests).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from typing import Any, Callable, Sequence


KINDS = ((bool, "true/false"), (int, "a whole number"), (float, "a number"), (str, "a string"), (list, "a list"),
         (dict, "a table"), (dt.date, "a date"))  # the first that a value is an instance of names it (bool: an int)


def kind(value: Any) -> str:
    """What a value is, as a message names it: ``a string``, ``a whole number``, ``a list``."""
    return next((name for types, name in KINDS if isinstance(value, types)), type(value).__name__)


def closest(key: str, known: Sequence[str]) -> str | None:
    """The valid name closest to ``key`` (a likely typing slip), or None when none is close."""
    close = difflib.get_close_matches(str(key), [str(k) for k in known], n=1, cutoff=0.6)
    return close[0] if close else None


@dataclass(frozen=True)
class Words:
    """How a refused value is said: its templates (``where``, ``expected``, ``shown``, ``reason``, ``close``,
    ``known``) and how the value found is shown."""

    wrong: str  # a value of the wrong type or out of range
    other: str  # a value with a reason of its own (a length, a character)
    close: str  # after an unknown name: the closest valid one
    far: str  # after an unknown name that is close to none
    shown: Callable[[Any], str]  # the value found, as the message shows it
    cut: int = 0  # characters of an unknown name shown (0: all)


def _as_written(value: Any) -> str:
    return repr(value) if not isinstance(value, (list, dict)) else kind(value)


def _as_said(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:60]!r}"
    return kind(value)


CONFIG = Words("{where}: expected {expected}, got {shown}", "{where} {reason}", "; did you mean {close!r}?",
               " (known: {known})", _as_written)
EDITOR = Words("{where} must be {expected}, not {shown}", "{where} {reason}", " (did you mean {close!r}?)", "",
               _as_said)


class Invalid(ValueError):
    """A value its type refuses: ``where`` it is, what was ``expected``, the ``value`` found, and the ``reason``
    when the type was right but something else is wrong (its length)."""

    def __init__(self, where: str, expected: str, value: Any, reason: str = ""):
        self.where, self.expected, self.value, self.reason = where, expected, value, reason
        super().__init__(self.said())

    def said(self, words: Words = CONFIG) -> str:
        template = words.other if self.reason else words.wrong
        return template.format(where=self.where, expected=self.expected, shown=words.shown(self.value),
                               reason=self.reason)

    def __str__(self) -> str:
        return self.said()


class Unknown(Invalid):
    """A key (or table) no declaration knows, with the closest valid name; ``place``: the table it is in."""

    def __init__(self, key: str, known: Sequence[str], place: str = "", label: str = ""):
        # label: how a message names it when not as "key 'name'" (a table: "table [sections.x]")
        self.key, self.known, self.place, self.label = key, list(known), place, label
        super().__init__(place, "a known name", key)

    def hint(self, words: Words = CONFIG) -> str:
        close = closest(self.key, self.known)
        known = ", ".join(sorted(map(str, self.known))) or "none"
        return (words.close if close else words.far).format(close=close, known=known)

    def said(self, words: Words = CONFIG) -> str:
        name = str(self.key)[:words.cut] if words.cut else self.key
        label = self.label or f"key {name!r}" + (f" in {self.place}" if self.place else "")
        return f"unknown {label}{self.hint(words)}"


class Type:
    """One kind of value; ``check`` returns the value to use or raises :class:`Invalid`; ``given`` is a default
    as the value to use; ``takes``: the Python types it reads."""

    name = "a value"
    takes: tuple[type, ...] = ()

    def given(self, default: Any) -> Any:
        return default

    def check(self, value: Any, where: str) -> Any:
        raise NotImplementedError

    def fail(self, value: Any, where: str, expected: str | None = None, reason: str = "") -> Invalid:
        return Invalid(where, expected or self.name, value, reason)

    def over(self, value: Any, where: str, limit: int, unit: str) -> None:
        """Invalid when ``value`` is longer than ``limit`` (0: no limit)."""
        if limit and len(value) > limit:
            raise self.fail(value, where, reason=f"is {len(value):,} {unit}; at most {limit:,}")


class Str(Type):
    name = "a string"
    takes = (str,)

    def __init__(self, non_empty: bool = False, limit: int = 0, name: str = ""):
        # limit: characters at most (0: none); name: what a message says it is instead of "a string"
        self.non_empty, self.limit = non_empty, limit
        self.name = name or self.name

    def check(self, value, where):
        if not isinstance(value, str):
            raise self.fail(value, where)
        if self.non_empty and not value.strip():
            raise self.fail(value, where, "a non-empty string" if self.name == Str.name else self.name)
        self.over(value, where, self.limit, "characters long")
        return value


class Bool(Type):
    name = "true or false"
    takes = (bool,)

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


class ListOf(Type):
    takes = (list,)

    def __init__(self, item: Type, non_empty: bool = False, limit: int = 0, each: str = "{where}[{i}]",
                 name: str = ""):
        # limit: entries at most (0: none); each: where an entry is ({where}, {i} from 0, {n} from 1)
        self.item, self.non_empty, self.limit, self.each = item, non_empty, limit, each
        self.name = name or (f"a list of {item.name.removeprefix('a ').removeprefix('an ')}s"
                             if item.name.startswith(("a ", "an ")) else f"a list ({item.name})")

    def check(self, value, where):
        if not isinstance(value, list):
            raise self.fail(value, where, f"{self.name} in [brackets]")
        if self.non_empty and not value:
            raise self.fail(value, where, "a non-empty list")
        self.over(value, where, self.limit, "entries")
        return [self.item.check(v, self.each.format(where=where, i=i, n=i + 1)) for i, v in enumerate(value)]

    def given(self, default):
        return [self.item.given(v) for v in default] if isinstance(default, list) else default


class OneOrList(ListOf):
    """A single value or a list of them (always given back as a list)."""

    def check(self, value, where):
        return super().check(value if isinstance(value, list) else [value], where)


class Mapping(Type):
    """A table of free keys (terms → weights, keys → labels), each value of one type."""

    takes = (dict,)

    def __init__(self, value: Type):
        self.value = value
        self.name = f"a table of {value.name.removeprefix('a ').removeprefix('an ')}s"

    def check(self, value, where):
        if not isinstance(value, dict):
            raise self.fail(value, where)
        return {str(k): self.value.check(v, f"{where}.{k}") for k, v in value.items()}

    def given(self, default):
        return {k: self.value.given(v) for k, v in default.items()} if isinstance(default, dict) else default


class Record(Type):
    """A table of named fields, each of its own type, checked in the order written; a key left out stays out.
    A key no field declares is an :class:`Unknown`: added to ``unknown`` when that is given, else raised."""

    name = "a table"
    takes = (dict,)

    def __init__(self, fields: MappingABC[str, Type], others: Sequence[str] = (), join: str = " ",
                 name: str = ""):
        # others: names checked elsewhere (kept as they are); join: between the table's and a key's place
        self.fields, self.others, self.join = dict(fields), tuple(others), join
        self.name = name or self.name

    def check(self, value, where, unknown: list[Unknown] | None = None):
        if not isinstance(value, dict):
            raise self.fail(value, where)
        out = {}
        for key, item in value.items():
            field = self.fields.get(key)
            if field is None and key not in self.others:
                found = Unknown(key, [*self.fields, *self.others], where)
                if unknown is None:
                    raise found
                unknown.append(found)
                continue
            out[key] = field.check(item, f"{where}{self.join}{key}" if where else key) if field else item
        return out


class Either(Type):
    """A value of one of several types, read as the first that takes its Python type (a string or a table)."""

    def __init__(self, *types: Type, name: str):
        self.types, self.name = types, name

    def check(self, value, where):
        for option in self.types:
            if isinstance(value, option.takes) and not (isinstance(value, bool) and bool not in option.takes):
                return option.check(value, where)
        raise self.fail(value, where)
