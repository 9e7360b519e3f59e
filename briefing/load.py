"""Load: source paths and URLs → Documents, through the loader plugins.

In: the configured source entries (files, folders, globs, URLs). Out: a list of :class:`Document`.
Every source that cannot be read is recorded in the report with its name and the reason; the
others are loaded all the same.
"""

from __future__ import annotations

import glob
import logging
import os
from pathlib import Path

from .config import Config
from .errors import SourceError
from .models import Document
from .plugins import Plugins
from .report import Report

log = logging.getLogger("briefing.load")


# Files that travel with sources but are not sources (a dataset's licence, a folder's readme).
NOT_SOURCES = {"license", "licence", "notice", "copying", "readme", "readme.md", "readme.txt", "license.txt"}


def is_url(entry: str) -> bool:
    return entry.lower().startswith(("http://", "https://"))


def expand(entries: list[str], config: Config, report: Report) -> list[str]:
    """Files (sorted, hidden ones skipped) and URLs named by the source entries."""
    found: list[str] = []
    for entry in entries:
        if is_url(entry):
            found.append(entry)
            continue
        path = config.resolve(entry)
        if any(ch in entry for ch in "*?["):
            matches = sorted(glob.glob(str(path), recursive=True))
            if not matches:
                report.bad_source(entry, "no file matches this pattern")
            found.extend(m for m in matches if os.path.isfile(m))
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, f) for f in sorted(files)
                             if not f.startswith(".") and f.lower() not in NOT_SOURCES)
        elif path.is_file():
            found.append(str(path))
        else:
            report.bad_source(entry, "not found")
    return list(dict.fromkeys(found))


def read_bytes(path: str, limit: int) -> bytes:
    """A file's bytes, refusing files over ``limit`` without reading them whole."""
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limit:
                raise SourceError(f"too large: {size / 1048576:.1f} MB (limit {limit / 1048576:.0f} MB)")
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise SourceError("vanished before it could be read") from None
    except IsADirectoryError:
        raise SourceError("is a directory") from None
    except PermissionError:
        raise SourceError("permission denied") from None
    except OSError as exc:
        raise SourceError(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise SourceError(f"too large: over {limit / 1048576:.0f} MB")
    return data


def load_one(entry: str, config: Config, plugins: Plugins, cache=None) -> list[Document]:
    """The documents of one source; raises :class:`SourceError` with the reason when it cannot be read.

    With a :class:`~briefing.cache.SourceCache`, a file read before with the same bytes is not parsed again.
    """
    data = b"" if is_url(entry) else read_bytes(entry, config.max_source_bytes)
    if not is_url(entry) and not data.strip():
        raise SourceError("empty file")
    use_cache = cache is not None and not is_url(entry)
    cached = cache.documents(entry, data) if use_cache else None
    if cached is not None:
        return cached
    docs = plugins.first("briefing_load_source", path=entry, data=data, config=config)
    if docs is None:
        raise SourceError("no loader understands this kind of file")
    if not docs:
        raise SourceError("no text found")
    if use_cache:
        cache.remember(entry, data, list(docs))
    return list(docs)


def load(config: Config, plugins: Plugins, report: Report, cache=None) -> list[Document]:
    documents: list[Document] = []
    for entry in expand(config.sources, config, report):
        name = entry if is_url(entry) else _display(entry, config.workspace)
        try:
            docs = load_one(entry, config, plugins, cache)
        except SourceError as exc:
            report.bad_source(name, str(exc))
            continue
        for doc in docs:
            doc.path = doc.path or name
        report.sources.append({"path": name, "documents": len(docs)})
        documents.extend(docs)
    log.info("loaded %d documents from %d sources", len(documents), len(report.sources))
    return documents


def _display(path: str, workspace: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(workspace))
    except ValueError:
        return path
