"""Guarded reader: every file the program reads back (its caches, ``sent.json``, back issues' ``issue.json``,
the editor's notes) is parsed here, under a size limit and a nesting limit, and checked for its outer type.

In: a path (or bytes already read), the limits, the type the top level must have, and the error to raise. Out:
the parsed value (JSON, or TOML as a dict), or that one error with a one-line reason (``too large: 3.2 MB
(limit 1 MB)``, ``nested deeper than 32 levels``, ``not UTF-8 text``, ``not valid JSON: …``, ``a list, not a
table``). A file that does not exist raises :class:`FileNotFoundError` as it is, so that a caller tells "none
yet" from "broken". What the caller does with a failure is its own choice: a cache removes its entry and builds
it again; a file that must be right (notes) passes ``error=`` a class of its own (or any callable that makes an
exception from the reason) and fails the build with it.

    from briefing.runtime.guarded import read_json, read_toml, Unreadable
    data = read_json(path, limit=8 << 20, expect=dict)      # Unreadable("nested deeper than 32 levels")
    notes = read_toml(path, limit=1 << 20, error=NotesError)

Why here and not in each reader: the standard parsers have no limits of their own. ``json`` and ``tomllib``
recurse once per level (100,000 ``[`` is a ``RecursionError``, not a ``ValueError``), read any size given, and
``json`` accepts ``NaN``; a pipe in place of a file blocks its reader for ever. One reader with the limits is
simpler to trust than five readers that each remember them.
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path
from typing import Any, Callable

LIMIT = 16 * 1024 * 1024  # bytes: the default cap on a file read back (a whole day's cache entry is under 2 MB)
DEPTH = 32  # levels of nesting: the deepest file the program writes has 7


class Unreadable(ValueError):
    """A file read back that is too large, too deep, not the expected type, or not valid; ``str()`` is the reason."""


ErrorMaker = Callable[[str], BaseException]
_NAMES = {dict: "a table", list: "a list", str: "a string", int: "a number", float: "a number", bool: "true or false",
          type(None): "null"}


def read_bytes(path: str | Path, limit: int = LIMIT, error: ErrorMaker = Unreadable) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; FileNotFoundError when there is none."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise error(f"cannot be read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # a pipe or a device would block the reader or never end
            raise error("not a regular file")
        if info.st_size > limit:
            raise error(f"too large: {_size(info.st_size)} (limit {_size(limit)})")
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise error(f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while being read
        raise error(f"too large: over {_size(limit)}")
    return data


def parse_json(data: bytes | str, *, limit: int = LIMIT, depth: int = DEPTH, expect: type | None = None,
               error: ErrorMaker = Unreadable) -> Any:
    """JSON text (UTF-8 bytes or a string) parsed under the limits; ``NaN`` and ``Infinity`` are refused."""
    if len(data) > limit:
        raise error(f"too large: {_size(len(data))} (limit {_size(limit)})")
    text = _text(data, error)
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise error(f"nested deeper than {depth} levels") from None
    except ValueError as exc:  # json.JSONDecodeError, and the constants refused
        raise error(f"not valid JSON: {_first_line(exc)}") from None
    return _checked(value, depth, expect, error)


def parse_toml(data: bytes | str, *, limit: int = LIMIT, depth: int = DEPTH, error: ErrorMaker = Unreadable) -> dict:
    """TOML text parsed under the limits (the top level of TOML is always a table)."""
    if len(data) > limit:
        raise error(f"too large: {_size(len(data))} (limit {_size(limit)})")
    text = _text(data, error)
    try:
        value = tomllib.loads(text)
    except RecursionError:
        raise error(f"nested deeper than {depth} levels") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"not valid TOML: {_first_line(exc)}") from None
    return _checked(value, depth, dict, error)


def read_json(path: str | Path, *, limit: int = LIMIT, depth: int = DEPTH, expect: type | None = None,
              error: ErrorMaker = Unreadable) -> Any:
    """The JSON file at ``path``, parsed under the limits (see :func:`parse_json`)."""
    return parse_json(read_bytes(path, limit, error), limit=limit, depth=depth, expect=expect, error=error)


def read_toml(path: str | Path, *, limit: int = LIMIT, depth: int = DEPTH, error: ErrorMaker = Unreadable) -> dict:
    """The TOML file at ``path``, parsed under the limits (see :func:`parse_toml`)."""
    return parse_toml(read_bytes(path, limit, error), limit=limit, depth=depth, error=error)


def type_name(value: Any) -> str:
    """How a value's type is named in a reason: ``a table``, ``a list``, ``a string``, …"""
    return _NAMES.get(type(value), type(value).__name__)


# -- inside --------------------------------------------------------------------------------------------------


def _text(data: bytes | str, error: ErrorMaker) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _checked(value: Any, depth: int, expect: type | None, error: ErrorMaker) -> Any:
    """``value`` when it nests at most ``depth`` levels and its top level is ``expect``."""
    if expect is not None and not isinstance(value, expect):
        raise error(f"{type_name(value)}, not {_NAMES.get(expect, expect.__name__)}")
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:  # containers only, without recursion
        node, level = stack.pop()
        if level > depth:
            raise error(f"nested deeper than {depth} levels")
        for child in (node.values() if isinstance(node, dict) else node):
            if isinstance(child, (dict, list)):
                stack.append((child, level + 1))
    return value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"
    return f"{n / 1048576:.1f} MB" if n % 1048576 else f"{n // 1048576} MB"
