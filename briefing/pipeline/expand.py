"""Expand: source entries → the files and URLs they name.

In: entries as ``[briefing] sources``, ``[[source]]`` and ``--sources`` give them (files, folders, globs, URLs),
relative to the workspace. Out: the files (sorted, hidden ones and a folder's licence or readme skipped) and URLs,
each once. A name that exists is taken as it is, even with ``*``, ``?`` or ``[`` in it; otherwise it is a pattern
(``**`` for any depth), and a folder it names is read whole. Symbolic links that lead outside a folder are not
followed unless ``[briefing] follow_symlinks``, link loops never; each is reported, as is an entry that names
nothing.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from pathlib import Path

from ..config.settings import Config
from ..runtime.files import display_path
from ..runtime.report import Report

# Files that travel with sources but are not sources (a dataset's licence, a folder's readme).
NOT_SOURCES = {"license", "licence", "notice", "copying", "readme", "readme.md", "readme.txt", "license.txt"}


def is_url(entry: str) -> bool:
    return entry.lower().startswith(("http://", "https://"))


def expand(entries: list[str], config: Config, report: Report) -> list[str]:
    """Files (sorted, hidden ones skipped) and URLs named by the source entries.

    A name that exists is taken as it is, even with ``*``, ``?`` or ``[`` in it; otherwise such a name is a
    pattern (``**`` for any depth). Folders and patterns are walked without following a symbolic link that
    leads outside the folder (or the pattern's fixed part) unless ``[briefing] follow_symlinks`` is true, and
    never into a folder already being walked (a link loop): each such link is reported, not read.
    """
    problems: list[tuple[str, str]] = []  # (the entry or file as the report shows it, why it is not read)
    found = _found([(e, e if is_url(e) else str(config.resolve(e))) for e in entries],
                   config.section("briefing").follow_symlinks, os.path.realpath(config.workspace), problems)
    for name, reason in problems:
        report.bad_source(name, reason)
    return found


def _found(entries: list[tuple[str, str]], follow: bool, workspace: str, problems: list[tuple[str, str]]) -> list[str]:
    """The files and URLs of ``entries`` (each as given, and resolved), each once; what cannot be read goes to
    ``problems``."""
    found: list[str] = []
    for entry, resolved in entries:
        if is_url(entry):
            found.append(entry)
            continue
        path = Path(resolved)
        if any(ch in entry for ch in "*?[") and not os.path.lexists(path):
            base, pattern = _split_pattern(resolved)
            matches = list(_walk(Path(base), follow, problems, workspace, pattern))
            if not matches:
                problems.append((entry, "no file matches this pattern"))
            found.extend(matches)
        elif path.is_dir():
            found.extend(_walk(path, follow, problems, workspace))
        elif path.is_file():
            found.append(resolved)
        else:
            problems.append((entry, "not found"))
    return list(dict.fromkeys(found))


def _split_pattern(pattern: str) -> tuple[str, list[str]]:
    """A glob pattern → its fixed leading folder and the rest, one part per path component."""
    parts = pattern.split(os.sep)
    fixed = 0
    while fixed < len(parts) - 1 and not glob.has_magic(parts[fixed]):
        fixed += 1
    return os.sep.join(parts[:fixed]) or os.sep, [p for p in parts[fixed:] if p]


def _match(pattern: list[str], names: list[str], prefix: bool = False) -> bool:
    """Whether path components ``names`` match the glob ``pattern`` (``prefix``: could still, deeper down).

    As :mod:`glob`: ``**`` is any number of folders, and a name starting with "." is matched only by a
    pattern component starting with "." too."""
    if not names:
        return prefix or not pattern or pattern == ["**"]
    if not pattern:
        return False
    head, name = pattern[0], names[0]
    if head == "**":
        return (not name.startswith(".") and _match(pattern, names[1:], prefix)) or _match(pattern[1:], names, prefix)
    if name.startswith(".") and not head.startswith("."):
        return False
    return fnmatch.fnmatchcase(name, head) and _match(pattern[1:], names[1:], prefix)


def _shown(path: str, workspace: str) -> str:
    """A path as the report shows it: relative to the workspace (its real path), a link's own name (not where it
    leads)."""
    absolute = os.path.abspath(path)
    return os.path.relpath(absolute, workspace) if os.path.commonpath([workspace, absolute]) == workspace else absolute


def _walk(root: Path, follow: bool, problems: list[tuple[str, str]], workspace: str,
          pattern: list[str] | None = None):
    """The files under ``root`` in ``os.walk`` order (each folder's files sorted, then its sub-folders), those
    matching ``pattern`` when given, else all but hidden ones and :data:`NOT_SOURCES`. A folder the pattern
    names (``days/2023-03-1[3-9]``) is read whole, as a folder named by itself is."""
    real_root = os.path.realpath(root)
    try:
        top = os.stat(root)
    except OSError:
        return
    visiting = {(top.st_dev, top.st_ino): real_root}
    stack: list[tuple[str, tuple[str, ...], bool]] = [(str(root), (), pattern is None)]
    while stack:
        folder, rel, whole = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            problems.append((display_path(folder, workspace), f"cannot be listed: {exc.strerror or exc}"))
            continue
        subfolders = []
        for e in entries:
            names = [*rel, e.name]
            if whole and e.name.startswith("."):
                continue
            if not whole and not _match(pattern, names, prefix=True):
                continue
            if e.is_symlink():
                shown = _shown(e.path, workspace)
                target = os.path.realpath(e.path)
                if not os.path.exists(target):
                    problems.append((shown, "a broken symbolic link"))
                    continue
                if not follow and os.path.commonpath([real_root, target]) != real_root:
                    problems.append((shown, "a symbolic link leading outside the source folder; not followed "
                                            "([briefing] follow_symlinks = true reads it)"))
                    continue
            try:
                is_dir = e.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                st = os.stat(e.path)
                key = (st.st_dev, st.st_ino)
                if key in visiting:
                    inside = os.path.realpath(folder)
                    if os.path.commonpath([visiting[key], inside]) == visiting[key]:
                        problems.append((_shown(e.path, workspace), "a symbolic link loop (a folder inside itself); "
                                                                    "not followed"))
                    continue  # a loop, or a folder already walked by another way
                visiting[key] = os.path.realpath(e.path)
                subfolders.append((e.path, tuple(names), whole or _names_folder(pattern, names)))
            elif not whole:
                if _match(pattern, names) and os.path.isfile(e.path):
                    yield e.path
            elif e.name.lower() not in NOT_SOURCES:
                yield e.path
        stack.extend(reversed(subfolders))


def _names_folder(pattern: list[str], names: list[str]) -> bool:
    """Whether a folder is one the pattern names itself (not one it only passes through: ``**`` at the end
    already takes the files at any depth, each by its own name)."""
    return pattern[-1] != "**" and _match(pattern, names)
