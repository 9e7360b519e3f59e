"""Load: source paths and URLs → Documents, through the loader plugins.

In: the configured source entries (files, folders, globs, URLs: ``[briefing] sources`` and the ``[[source]]``
tables, whose settings are applied to what each gives, see :mod:`briefing.pipeline.sourcesettings`). Out: a list
of :class:`Document`. Each source is read by the loaders the plugins declare (``briefing_loaders``): by its
suffix, else by its first bytes. Files are read with a size cap; URLs are fetched by the build's fetcher
(:mod:`briefing.sources.fetch`), all the URLs of one round in parallel and revalidated against the HTTP cache;
lists of sources (OPML) add their feeds to the next round, at most ``[fetch] list_feeds`` per list and within
``[fetch] list_seconds`` in all. Every source that cannot be read is recorded in the report with its name and the
reason; the others are loaded all the same. Every document's metadata is tidied (links lose their tracking
parameters) and reported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import time
import urllib.parse
import zlib

from ..config.settings import Config
from ..config.sources import SourceTable
from ..errors import SourceError
from ..models import Document, Loader
from ..runtime.files import display_path, read_bytes
from ..runtime.report import Report
from ..runtime.workers import Died, cores, run_all
from ..sources.sanitize import clean_link, one_line, path_suffix
from .expand import expand, is_url  # noqa: F401  (expand: where the entries' files are found; re-exported)
from .sourcesettings import applied, planned

log = logging.getLogger("briefing.load")


# A loader's document of this kind names further sources in ``data["feeds"]`` (e.g. the feeds of an OPML
# list) and ``data["refused"]`` (addresses it will not follow); it is not itself part of the issue.
SOURCE_LIST = "sources"
MAX_LIST_DEPTH = 2  # a list may name lists, which may name feeds; no deeper
MAX_TITLE = 300


def loaders(ctx) -> list[Loader]:
    """Every loader the plugins declare, highest priority first (kept for the build)."""
    found = ctx.scratch(__name__).get("loaders")
    if found is None:
        found = []
        for plugin_name, declared in ctx.call_named(ctx.hook.briefing_loaders):
            found.extend(dataclasses.replace(loader, plugin=plugin_name) for loader in declared)
        found.sort(key=lambda loader: -loader.priority)
        ctx.scratch(__name__)["loaders"] = found
    return found


def parse(entry: str, data: bytes, ctx) -> list[Document]:
    """The documents of one source's bytes, read by the loaders that claim its suffix (or recognise its
    first bytes when none claims it); raises :class:`SourceError` when none can read it."""
    suffix = path_suffix(entry)
    if suffix == ".gz":  # "feed.xml.gz" (already decompressed): the loaders are chosen by the suffix under it
        suffix = path_suffix(entry[:-3] if not is_url(entry) else urllib.parse.urlsplit(entry).path[:-3])
    registry = loaders(ctx)
    candidates = [loader for loader in registry if loader.claims(suffix)]
    if not candidates:
        head = data[:4096]
        candidates = [loader for loader in registry if loader.sniff is not None and _sniffs(loader, head, ctx)]
    failed = ""
    for loader in candidates:  # a loader that fails passes the source on to the next one, like one that declines
        ok, docs = ctx.contained(loader.plugin, f"loader {loader.name}", lambda: loader.load(entry, data, ctx))
        if ok and docs is not None and (problem := check_documents(docs)):
            ctx.plugin_failed(loader.plugin, f"loader {loader.name}", problem, "")
            ok = False
        if not ok:
            failed = failed or f"the {loader.name} loader failed on it (see plugin errors)"
            continue
        if docs is None:
            continue
        if not docs:
            raise SourceError("no text found")
        return docs
    raise SourceError(failed or "no loader understands this kind of file")


GZIP_MAGIC = b"\x1f\x8b"


def gunzip(data: bytes, limit: int) -> bytes:
    """The bytes of a gzip stream (several members one after another too), refused past ``limit`` bytes
    once decompressed, without ever holding more than that (a small file may unpack to gigabytes)."""
    out: list[bytes] = []
    size = 0
    while data.startswith(GZIP_MAGIC):
        unpack = zlib.decompressobj(wbits=31)
        try:
            chunk = unpack.decompress(data, limit + 1 - size)
        except zlib.error as exc:
            raise SourceError(f"damaged gzip data: {exc}") from None
        size += len(chunk)
        if size > limit or unpack.unconsumed_tail:
            raise SourceError(f"too large once decompressed: over {limit / 1048576:.0f} MB")
        if not unpack.eof:
            raise SourceError("damaged gzip data: it ends early")
        out.append(chunk)
        data = unpack.unused_data
    return b"".join(out)


def _sniffs(loader: Loader, head: bytes, ctx) -> bool:
    ok, answer = ctx.contained(loader.plugin, f"loader {loader.name} (sniff)", lambda: loader.sniff(head))
    return ok and bool(answer)


TEXT_FIELDS = ("id", "title", "text", "path", "outlet", "url", "author", "kind", "origin")


def check_documents(docs) -> str:
    """What is wrong with a loader's result ("" when it is a list of well-formed Documents)."""
    if not isinstance(docs, list) or not all(isinstance(d, Document) for d in docs):
        return f"returned {type(docs).__name__}, not a list of Document"
    for doc in docs:
        wrong = [name for name in TEXT_FIELDS if not isinstance(getattr(doc, name), str)]
        if wrong:
            return f"returned a Document whose {wrong[0]} is {type(getattr(doc, wrong[0])).__name__}, not str"
        if doc.published is not None and not isinstance(doc.published, dt.datetime):
            return f"returned a Document whose published is {type(doc.published).__name__}, not a datetime"
    return ""


def source_bytes(entry: str, ctx, data: bytes | None = None) -> bytes:
    """A source's bytes, decompressed: a file read with the size cap, a URL fetched unless its answer is
    given as ``data``; raises :class:`SourceError` when there is nothing to read."""
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
    if data.startswith(GZIP_MAGIC):  # a compressed file, or an answer sent gzip-encoded
        data = gunzip(data, config.max_source_bytes)
    return data


def load_one(entry: str, ctx, cache=None, data: bytes | None = None, read: bytes | None = None) -> list[Document]:
    """The documents of one source; raises :class:`SourceError` with the reason when it cannot be read.

    A URL's bytes are fetched here unless given as ``data``; ``read``: the source's bytes as
    :func:`source_bytes` already gave them. With a :class:`~briefing.pipeline.cache.SourceCache`, a source read before
    with the same bytes is not parsed again.
    """
    data = read if read is not None else source_bytes(entry, ctx, data)
    cached = cache.documents(entry, data) if cache is not None else None
    if cached is not None:
        return cached
    docs = parse(entry, data, ctx)
    if cache is not None:
        cache.remember(entry, data, list(docs))
    return list(docs)


# -- parsing on every core -------------------------------------------------------------------------------

PARALLEL_BYTES = 512 << 10  # below 512 KB of files to parse, forking workers costs about what it saves (a day of
# 19 feeds, 0.8 MB, builds a quarter of a second sooner on two cores; the seeds, 1 MB of mostly one CSV, as fast)
_shared: dict = {}  # the build's context, as the forked workers find it


@dataclasses.dataclass
class Parsed:
    """A source file parsed and tidied by a worker: its documents or the error, what the loaders and the
    tidying reported meanwhile, and each document's relevance (the gate's question, asked while the worker
    holds the document)."""

    data: bytes
    docs: list[Document] | None
    error: str = ""
    partial: list[Document] | None = None
    plugin_errors: list[dict] = dataclasses.field(default_factory=list)
    notes: list[dict] = dataclasses.field(default_factory=list)
    relevance: dict[str, float] = dataclasses.field(default_factory=dict)

    def replay(self, ctx, cache, entry: str) -> list[Document]:
        """In the build's process, at the source's turn: its reports, its cache entry, its documents."""
        for e in self.plugin_errors:
            ctx.report.plugin_error(e["plugin"], e["hook"], e["error"], e["traceback"])
        for n in self.notes:
            ctx.report.note(**n)
        ctx.judge.known_relevance(self.relevance)
        if self.docs is None:
            raise SourceError(self.error, documents=self.partial)
        if cache is not None:
            cache.remember(entry, self.data, list(self.docs))
        return list(self.docs)


def _parse_job(job: tuple[str, str, bytes]) -> Parsed:
    """In a worker: one source's bytes parsed and its documents tidied, with a report of its own."""
    from .gate import relevance, unit_of

    entry, name, data = job
    # a context of the job's own (the build's model, a report of its own, replayed at the source's turn), also
    # when the job runs in the build's own process (a worker died)
    ctx = _shared["ctx"].again(Report())
    report = ctx.report
    try:
        docs, error, partial = parse(entry, data, ctx), "", None
    except SourceError as exc:
        docs, error, partial = None, str(exc), exc.documents
    for doc in docs or partial or []:
        tidy(doc, entry, name, report)
    scores = {unit_of(d).memo: relevance(ctx.judge, d) for d in docs or partial or [] if d.kind == "article"}
    return Parsed(b"", docs, error, partial, report.plugin_errors, report.notes, scores)


def parse_in_parallel(entries: list[str], ctx, cache) -> dict[str, Parsed | bytes]:
    """The local source files of one round that are not cached, parsed by worker processes when they are
    worth it (``[briefing] workers``, :data:`PARALLEL_BYTES`); the rest is left to :func:`load_one`, with the
    bytes of each file read here (a cached one, on a rebuild) so that it is not read twice. A file whose worker
    died while parsing it (a crashing parser) is a bad source with the reason, and the others are read."""
    workers = ctx.config.section("briefing").workers or cores()
    local = [e for e in entries if not is_url(e)]
    if workers < 2 or len(local) < 2:
        return {}
    try:
        if sum(os.stat(e).st_size for e in local) < PARALLEL_BYTES:
            return {}
    except OSError:
        return {}  # a file gone or unreadable: read one by one, each error in its place
    jobs = []
    read: dict[str, Parsed | bytes] = {}
    for entry in local:
        try:
            read[entry] = data = source_bytes(entry, ctx)
        except SourceError:
            continue  # reported at its turn, by load_one
        if cache is None or not cache.holds(entry, data):
            jobs.append((entry, display_path(entry, ctx.config.workspace), data))
    if len(jobs) < 2:
        return read
    _shared["ctx"] = ctx
    try:
        results = run_all(_parse_job, jobs, workers)
    finally:
        _shared.clear()
    for (entry, _, data), parsed in zip(jobs, results):
        # a source whose parser took its process down is bad, with the reason; it is never parsed here again
        read[entry] = Parsed(data, None, parsed.reason) if isinstance(parsed, Died) else \
            dataclasses.replace(parsed, data=data)
    return read


def fetch_source(url: str, ctx, deadline: float | None = None):
    """A URL source's response, revalidated against the HTTP cache (a feed is never served stale unasked)."""
    settings = ctx.config.section("fetch")
    late = f"timed out: the lists' feeds took [fetch] list_seconds ({settings.list_seconds:g} s)"
    return ctx.fetcher.get(url, timeout=settings.timeout, limit=ctx.config.max_source_bytes, deadline=deadline,
                           late=late)


def fetch_round(urls: list[str], ctx, deadline: float | None = None) -> dict:
    """The response (or the error) of each URL, fetched in parallel within the fetcher's limits."""
    if not urls:
        return {}
    late = f"not fetched: the lists' feeds took [fetch] list_seconds ({ctx.config.section('fetch').list_seconds:g} s)"
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


def _read_entry(entry: str, answer, found, ctx, cache) -> list[Document]:
    """One entry's documents: replayed from its parse worker's result, or loaded from its file or fetched body
    (the fetch's failure raised as the entry's)."""
    if isinstance(answer, SourceError):
        raise answer
    if isinstance(found, Parsed):
        return found.replay(ctx, cache, entry)
    return load_one(entry, ctx, cache, answer.body if answer is not None else None, read=found)


def _listed_feeds(lists: list[Document], name: str, depth: int, per_list: int, seen: set[str],
                  report: Report) -> list[str]:
    """The feeds that source lists name and the next round reads (each added to ``seen``); every address left out
    (refused, nested too deep, over ``[fetch] list_feeds``) is reported as a bad source."""
    new = []
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
                new.append(address)
    return new


def load(ctx) -> list[Document]:
    """Every source of the configuration read (see :func:`run`)."""
    return run(ctx, planned(ctx.config, ctx.report))


def run(ctx, plan: list[tuple[str, SourceTable | None]]) -> list[Document]:
    """The stage: the documents of each file and URL of ``plan`` (each with its ``[[source]]`` table, or None,
    as :func:`~briefing.pipeline.sourcesettings.planned` gives them), and of the feeds their lists name."""
    config, report, cache = ctx.config, ctx.report, ctx.cache
    documents: list[Document] = []
    fetch_table = config.section("fetch")
    per_list = fetch_table.list_feeds
    tables = dict(plan)  # each file and URL to read → its [[source]] table, or None
    batch = [(entry, 0) for entry in tables]
    seen = {entry for entry, _ in batch}
    lists_deadline: float | None = None
    while batch:
        # one round: the URLs of the round fetched in parallel, then every entry read in order
        deadline = lists_deadline if batch[0][1] > 0 else None
        fetched = fetch_round([entry for entry, _ in batch if is_url(entry)], ctx, deadline)
        parsed = parse_in_parallel([entry for entry, _ in batch], ctx, cache)
        following: list[tuple[str, int]] = []
        for entry, depth in batch:
            name = entry if is_url(entry) else display_path(entry, config.workspace)
            found = parsed.pop(entry, None)
            tidied = isinstance(found, Parsed)
            try:
                docs = _read_entry(entry, fetched.get(entry), found, ctx, cache)
            except SourceError as exc:
                report.bad_source(name, str(exc), partial=bool(exc.documents))
                if not exc.documents:
                    continue
                docs = exc.documents  # damaged, but part of it was read
            lists = [d for d in docs if d.kind == SOURCE_LIST]
            docs = [d for d in docs if d.kind != SOURCE_LIST]
            for address in _listed_feeds(lists, name, depth, per_list, seen, report):
                following.append((address, depth + 1))
                tables[address] = tables.get(entry)  # a list's feeds take the list's settings
            for doc in docs if not tidied else ():
                tidy(doc, entry, name, report)
            docs = applied(tables.get(entry), docs, name, ctx)
            entry_report = {"path": name, "documents": len(docs)}
            if lists:
                entry_report["lists"] = sum(len(d.data.get("feeds", [])) for d in lists)
            report.sources.append(entry_report)
            report.documents.extend(doc.to_report() for doc in docs)
            documents.extend(docs)
        if following and lists_deadline is None:
            lists_deadline = time.monotonic() + fetch_table.list_seconds
        batch = following
    ctx.fetcher.release()
    log.info("loaded %d documents from %d sources", len(documents), len(report.sources))
    return documents


def nothing_read(config: Config, report: Report, shown: int = 20) -> str:
    """Why a build read no document at all, for the error that stops it: each failed source with its reason."""
    entries = ", ".join([*config.sources, *(t.entry for t in config.source_tables if t.enabled)]) or "(none)"
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
