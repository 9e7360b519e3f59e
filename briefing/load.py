"""Load: source paths and URLs → Documents, through the loader plugins.

In: the configured source entries (files, folders, globs, URLs). Out: a list of :class:`Document`.
Each source is read by the loaders the plugins declare (``briefing_loaders``): by its suffix, else by its
first bytes. Files are read with a size cap; URLs are fetched by the build's fetcher (:mod:`briefing.fetch`), all
the URLs of one round in parallel and revalidated against the HTTP cache; lists of sources (OPML) add their feeds
to the next round, at most ``[fetch] list_feeds`` per list and within ``[fetch] list_seconds`` in all. Every
source that cannot be read is recorded in the report with its name and the reason; the others are loaded all
the same. Every document's metadata is tidied (links lose their tracking parameters) and reported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import glob
import logging
import os
import time

from .config import Config
from .errors import SourceError
from .files import display_path, read_bytes
from .models import Document, Loader
from .report import Report
from .sanitize import clean_link, one_line, path_suffix

log = logging.getLogger("briefing.load")


# Files that travel with sources but are not sources (a dataset's licence, a folder's readme).
NOT_SOURCES = {"license", "licence", "notice", "copying", "readme", "readme.md", "readme.txt", "license.txt"}
# A loader's document of this kind names further sources in ``data["feeds"]`` (e.g. the feeds of an OPML
# list) and ``data["refused"]`` (addresses it will not follow); it is not itself part of the issue.
SOURCE_LIST = "sources"
MAX_LIST_DEPTH = 2  # a list may name lists, which may name feeds; no deeper
MAX_TITLE = 300


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


def loaders(ctx) -> list[Loader]:
    """Every loader the plugins declare, highest priority first (kept for the build)."""
    found = ctx.scratch(__name__).get("loaders")
    if found is None:
        found = []
        for plugin_name, declared in ctx.call_named("briefing_loaders"):
            found.extend(dataclasses.replace(loader, plugin=plugin_name) for loader in declared)
        found.sort(key=lambda loader: -loader.priority)
        ctx.scratch(__name__)["loaders"] = found
    return found


def parse(entry: str, data: bytes, ctx) -> list[Document]:
    """The documents of one source's bytes, read by the loaders that claim its suffix (or recognise its
    first bytes when none claims it); raises :class:`SourceError` when none can read it."""
    suffix = path_suffix(entry)
    registry = loaders(ctx)
    candidates = [loader for loader in registry if loader.claims(suffix)]
    if not candidates:
        head = data[:4096]
        candidates = [loader for loader in registry if loader.sniff is not None and loader.sniff(head)]
    for loader in candidates:
        ok, docs = ctx.contained(loader.plugin, f"loader {loader.name}", lambda: loader.load(entry, data, ctx))
        if not ok:
            raise SourceError(f"the {loader.name} loader failed on it (see plugin errors)")
        if docs is None:
            continue
        if not isinstance(docs, list) or not all(isinstance(d, Document) for d in docs):
            ctx.plugin_failed(loader.plugin, f"loader {loader.name}",
                              f"returned {type(docs).__name__}, not a list of Document", "")
            raise SourceError(f"the {loader.name} loader failed on it (see plugin errors)")
        if not docs:
            raise SourceError("no text found")
        return docs
    raise SourceError("no loader understands this kind of file")


def load_one(entry: str, ctx, cache=None, data: bytes | None = None) -> list[Document]:
    """The documents of one source; raises :class:`SourceError` with the reason when it cannot be read.

    A URL's bytes are fetched here unless given as ``data``. With a :class:`~briefing.cache.SourceCache`, a source
    read before with the same bytes is not parsed again.
    """
    config = ctx.config
    if is_url(entry):
        if data is None:
            data = fetch_source(entry, ctx).body
        if not data.strip():
            raise SourceError("empty answer")
    else:
        data = read_bytes(entry, config.max_source_bytes)
        if not data.strip():
            raise SourceError("empty file")
    cached = cache.documents(entry, data) if cache is not None else None
    if cached is not None:
        return cached
    docs = parse(entry, data, ctx)
    if cache is not None:
        cache.remember(entry, data, list(docs))
    return list(docs)


def fetch_source(url: str, ctx, deadline: float | None = None):
    """A URL source's response, revalidated against the HTTP cache (a feed is never served stale unasked)."""
    timeout = float(ctx.config.table("fetch")["timeout"])
    late = f"timed out: the lists' feeds took [fetch] list_seconds ({ctx.config.table('fetch')['list_seconds']:g} s)"
    return ctx.fetcher.get(url, timeout=timeout, limit=ctx.config.max_source_bytes, deadline=deadline,
                           late=late)


def fetch_round(urls: list[str], ctx, deadline: float | None = None) -> dict:
    """The response (or the error) of each URL, fetched in parallel within the fetcher's limits."""
    if not urls:
        return {}
    late = f"not fetched: the lists' feeds took [fetch] list_seconds ({ctx.config.table('fetch')['list_seconds']:g} s)"
    found = dict(ctx.fetcher.map(urls, lambda url: fetch_source(url, ctx, deadline), deadline=deadline, late=late))
    return found


def tidy(doc: Document, entry: str, name: str, report: Report) -> None:
    """Metadata every later stage can trust: one-line, bounded title; http(s) URL without tracking parameters,
    or none; aware time."""
    if not doc.path or doc.path == entry:
        doc.path = name
    title = one_line(doc.title)
    if len(title) > MAX_TITLE:
        report.note("long title", f"{name}: a title of {len(title)} characters cut to {MAX_TITLE}",
                    path=name, doc=doc.id)
        log.warning("source %s: a title of %d characters cut to %d", name, len(title), MAX_TITLE)
        title = title[:MAX_TITLE - 1].rstrip() + "…"
    doc.title = title
    doc.outlet = one_line(doc.outlet)[:120]
    doc.author = one_line(doc.author)[:200]
    doc.url = clean_link(doc.url)  # the one place a document's link is tidied: every printed link is clean
    if doc.published is not None and doc.published.tzinfo is None:
        doc.published = doc.published.replace(tzinfo=dt.timezone.utc)


def load(ctx, cache=None) -> list[Document]:
    config, report = ctx.config, ctx.report
    documents: list[Document] = []
    fetch_table = config.table("fetch")
    per_list = int(fetch_table["list_feeds"])
    batch = [(entry, 0) for entry in expand(config.sources, config, report)]
    seen = {entry for entry, _ in batch}
    lists_deadline: float | None = None
    while batch:
        # one round: the URLs of the round fetched in parallel, then every entry read in order
        deadline = lists_deadline if batch[0][1] > 0 else None
        fetched = fetch_round([entry for entry, _ in batch if is_url(entry)], ctx, deadline)
        following: list[tuple[str, int]] = []
        for entry, depth in batch:
            name = entry if is_url(entry) else display_path(entry, config.workspace)
            try:
                answer = fetched.get(entry)
                if isinstance(answer, SourceError):
                    raise answer
                docs = load_one(entry, ctx, cache, answer.body if answer is not None else None)
            except SourceError as exc:
                report.bad_source(name, str(exc), partial=bool(exc.documents))
                if not exc.documents:
                    continue
                docs = exc.documents  # damaged, but part of it was read
            lists = [d for d in docs if d.kind == SOURCE_LIST]
            docs = [d for d in docs if d.kind != SOURCE_LIST]
            for listed in lists:
                for address in listed.data.get("refused", []):
                    report.bad_source(f"{address[:200]} (listed in {name})", "only http and https addresses are fetched")
                for n, address in enumerate(listed.data.get("feeds", [])):
                    if depth >= MAX_LIST_DEPTH:
                        report.bad_source(f"{address} (listed in {name})", "lists nested too deep")
                    elif n >= per_list:
                        report.bad_source(f"{address} (listed in {name})",
                                          f"not fetched: the list names more than [fetch] list_feeds ({per_list}) feeds")
                    elif address not in seen:
                        seen.add(address)
                        following.append((address, depth + 1))
            for doc in docs:
                tidy(doc, entry, name, report)
            entry_report = {"path": name, "documents": len(docs)}
            if lists:
                entry_report["lists"] = sum(len(d.data.get("feeds", [])) for d in lists)
            report.sources.append(entry_report)
            report.documents.extend(doc.to_report() for doc in docs)
            documents.extend(docs)
        if following and lists_deadline is None:
            lists_deadline = time.monotonic() + float(fetch_table["list_seconds"])
        batch = following
    ctx.fetcher.release()
    log.info("loaded %d documents from %d sources", len(documents), len(report.sources))
    return documents


def nothing_read(config: Config, report: Report, shown: int = 20) -> str:
    """Why a build read no document at all, for the error that stops it: each failed source with its reason."""
    entries = ", ".join(config.sources) or "(none)"
    bad = report.bad_sources
    if not bad and not report.sources:
        return f"no documents: the sources ({entries}) hold no files"
    lines = [f"no documents read from the sources ({entries}):"]
    lines += [f"  {b['path']}: {b['reason']}" for b in bad[:shown]]
    if len(bad) > shown:
        lines.append(f"  … and {len(bad) - shown} more")
    empty = [s["path"] for s in report.sources if not s.get("documents")]
    if empty:
        lines.append(f"  {', '.join(empty[:shown])}: read, but held no documents")
    return "\n".join(lines)
