"""Cache: what each source became (documents and their sentences) and the section scores, kept between builds.

In: a source's path and bytes. Out, on a later build of the same bytes: its text Documents and their
sentences, without parsing or segmenting again; and the term scores of the texts the last build scored
(``scores/``, keyed by a digest of the profiles and the text).

An entry is a JSON file under ``<workspace>/.briefing-cache/sources/``, named by the SHA-256 of the
source's bytes, its path and a fingerprint of everything that shapes the result: the code of the loader
plugins, the page extractor and the articles stage, the segmenter, the tokenizer, the term scorer and this
module, the syntok version and the settings that shape loading (options declared with ``cache=True``, and the
loaders' own tables). Change any of them and the old entries are simply not found again. Entries are written to a temporary file and renamed
into place, so a concurrent build sees a whole entry or none; an entry that cannot be read or does not
check out is removed and rebuilt: every entry is read by the guarded reader (:mod:`briefing.runtime.guarded`,
at most ``ENTRY_DEPTH`` levels deep and ``ENTRY_RATIO`` times its source's size, so that a swollen entry is never
parsed), and its sentences must be spans of their document in order, none overlapping the one before (so an
entry can never hold more sentences, or more text, than its document). Entries unused for ``KEEP_DAYS`` days are removed, by one build at a
time (under a file lock), at most once a day. ``[briefing] cache = false`` turns the cache off.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import importlib.metadata
import inspect
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from filelock import FileLock, Timeout

from ..editorial import termscore
from ..runtime.guarded import Unreadable, read_json
from ..editorial import text as text_module
from ..models import Document, Sentence
from . import segment as segment_module

log = logging.getLogger("briefing.cache")

FOLDER = ".briefing-cache"
FORMAT = 3
KEEP_DAYS = 30
ENTRY_LIMIT = 64 * 1024 * 1024  # bytes: the text of a 20 MB source (the largest read), escaped, and its spans
# An entry is at most this many times its source's bytes (plus ENTRY_SLACK): its text is no longer than the source,
# and a sentence's span in JSON is about as long as a short sentence (a whole real day's entries: 0.75-1.1).
ENTRY_RATIO = 8
ENTRY_SLACK = 64 * 1024
ENTRY_DEPTH = 8  # levels: an entry nests 6 (entry, sentences, paragraphs, paragraph, spans, span)
DOC_FIELDS = ("id", "title", "text", "path", "outlet", "url", "author", "kind", "origin")


def _code_of(obj: object) -> bytes:
    """The source code of the file that defines ``obj`` (a module, class or instance)."""
    try:
        target = obj if inspect.ismodule(obj) or inspect.isclass(obj) else type(obj)
        return Path(inspect.getfile(target)).read_bytes()
    except (TypeError, OSError):
        return repr(obj).encode()


def fingerprint(config, plugins) -> str:
    """A digest of the code and settings that turn a source's bytes into documents and sentences."""
    h = hashlib.sha256(f"format {FORMAT}\n".encode())
    for module in (segment_module, text_module, termscore, sys.modules[__name__]):
        h.update(_code_of(module))
    for name in ("briefing.sources.extract", "briefing.pipeline.articles"):  # what pages and the articles behind feed items become
        h.update(_code_of(importlib.import_module(name)))
    try:
        h.update(importlib.metadata.version("syntok").encode())
    except importlib.metadata.PackageNotFoundError:
        pass
    for plugin_name, plugin in plugins.implementers(plugins.hook.briefing_loaders):
        h.update(plugin_name.encode() + b"\0" + _code_of(plugin))
        # a loader's own settings shape what it reads
        for table in plugins.tables_of(plugin_name):
            h.update(json.dumps([table, dict(config.section(table))], sort_keys=True, default=str).encode())
    h.update(json.dumps(config.fingerprint_settings(), sort_keys=True, default=str).encode())
    return h.hexdigest()


def _doc_to_json(doc: Document) -> dict:
    out = {name: getattr(doc, name) for name in DOC_FIELDS}
    out["published"] = doc.published.isoformat() if doc.published else None
    return out


def _doc_from_json(raw: dict) -> Document:
    values = {name: raw[name] for name in DOC_FIELDS}
    if not all(isinstance(v, str) for v in values.values()):
        raise ValueError("a document field is not text")
    published = dt.datetime.fromisoformat(raw["published"]) if raw["published"] else None
    return Document(**values, published=published)


def _sentences_from_json(doc: Document, raw: list) -> list[list[Sentence]]:
    """The paragraphs of sentences an entry keeps for ``doc``: each span inside the text and after the one
    before it, paragraphs in order (ValueError otherwise)."""
    paragraphs = []
    n = len(doc.text)
    last_end = last_index = 0
    for para in raw:
        index, spans = para
        if not (type(index) is int and last_index <= index) or not spans:
            raise ValueError("paragraphs out of order")
        out = []
        for start, end in spans:
            if not (type(start) is int and type(end) is int and last_end <= start < end <= n):
                raise ValueError("a sentence span outside its document or overlapping the one before")
            out.append(Sentence(doc.text[start:end], doc.id, start, end, index))
            last_end = end
        last_index = index
        paragraphs.append(out)
    return paragraphs


class SourceCache:
    """The cache of one build: entries found, entries to write, and the word tokens of sentences."""

    def __init__(self, folder: Path, fingerprint: str):
        self.folder = Path(folder)
        self.fingerprint = fingerprint
        self.entries: dict[str, dict] = {}  # key → entry, for the sources of this build
        self.dirty: set[str] = set()
        self.owner: dict[int, tuple[str, int]] = {}  # id(document) → (key, index in its entry)
        self.stats = {"hits": 0, "misses": 0, "unreadable": 0, "written": 0}
        self._scores: ScoreMemo | None = None

    @property
    def scores(self) -> "ScoreMemo":
        """Section scores of texts (see :func:`briefing.editorial.termscore.memo`), kept from the last build."""
        if self._scores is None:
            self._scores = ScoreMemo()
            file = self._scores_file()
            try:
                raw = read_json(file, limit=ENTRY_LIMIT, depth=2, expect=dict)
                if not all(isinstance(v, list) and all(type(x) is float for x in v) for v in raw.values()):
                    raise Unreadable("not a table of scores")
                self._scores.update(raw)
                os.utime(file)
            except FileNotFoundError:
                pass
            except (OSError, ValueError) as exc:
                log.warning("cache file %s is unreadable (%s): removed, scoring again", file, exc)
                _remove(file)
                self._scores.clear()
            self._scores.known = len(self._scores)
        return self._scores

    def _scores_file(self) -> Path:
        return self.folder / "scores" / f"{self.fingerprint[:32]}.json"

    @classmethod
    def for_build(cls, config, plugins) -> "SourceCache | None":
        if not config.section("briefing").cache:
            return None
        return cls(Path(config.workspace) / FOLDER, fingerprint(config, plugins))

    def key(self, path: str, data: bytes) -> str:
        h = hashlib.sha256(self.fingerprint.encode() + b"\0" + path.encode("utf-8", "surrogateescape") + b"\0")
        h.update(data)
        return h.hexdigest()

    def _file(self, key: str) -> Path:
        return self.folder / "sources" / key[:2] / f"{key}.json"

    # -- documents -------------------------------------------------------------------------------
    def holds(self, path: str, data: bytes) -> bool:
        """Whether an entry for this source is on disk (it may still not check out when read)."""
        return self._file(self.key(path, data)).is_file()

    def documents(self, path: str, data: bytes) -> list[Document] | None:
        """The cached documents of this source, or None (not cached, or an entry that does not check out)."""
        key = self.key(path, data)
        file = self._file(key)
        try:
            limit = min(ENTRY_LIMIT, ENTRY_RATIO * len(data) + ENTRY_SLACK)  # a swollen entry is never parsed
            raw = read_json(file, limit=limit, depth=ENTRY_DEPTH, expect=dict)
            if raw.get("format") != FORMAT or raw.get("key") != key:
                raise ValueError("not an entry of this cache")
            docs = [_doc_from_json(d) for d in raw["documents"]]
            if not docs or not isinstance(raw.get("sentences"), dict):
                raise ValueError("incomplete entry")
        except FileNotFoundError:
            self.stats["misses"] += 1
            return None
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("cache entry %s is unreadable (%s): removed, rebuilding it", file, exc)
            _remove(file)
            self.stats["unreadable"] += 1
            self.stats["misses"] += 1
            return None
        try:
            os.utime(file)  # recently used: not pruned
        except OSError:
            pass
        self.stats["hits"] += 1
        self.entries[key] = raw
        for i, doc in enumerate(docs):
            self.owner[id(doc)] = (key, i)
        return docs

    def remember(self, path: str, data: bytes, docs: list[Document]) -> None:
        """Keep a freshly loaded source's text documents (data documents gain nothing from a cache)."""
        if any(d.data is not None or d.kind != "article" for d in docs):
            return
        encoded = [_doc_to_json(d) for d in docs]
        key = self.key(path, data)
        self.entries[key] = {"format": FORMAT, "key": key, "path": path, "documents": encoded,
                             "sentences": {}}
        self.dirty.add(key)
        for i, doc in enumerate(docs):
            self.owner[id(doc)] = (key, i)

    # -- sentences -------------------------------------------------------------------------------
    def sentences(self, doc: Document,
                  split: Callable[[Document], list[list[Sentence]]] = segment_module.sentences
                  ) -> list[list[Sentence]]:
        """The document's paragraphs of sentences: from its entry, or split now and kept."""
        key, index = self.owner.get(id(doc), (None, None))
        entry = self.entries.get(key) if key else None
        if entry is not None:
            raw = entry["sentences"].get(str(index))
            if raw is not None:
                try:
                    return _sentences_from_json(doc, raw)
                except (TypeError, ValueError) as exc:  # the entry is rewritten below, with the sentences split now
                    log.warning("cache entry %s: bad sentences (%s): splitting again", key, exc)
        paragraphs = split(doc)
        if entry is not None:
            entry["sentences"][str(index)] = [
                [p[0].paragraph, [[s.start, s.end] for s in p]] for p in paragraphs if p]
            self.dirty.add(key)
        return paragraphs

    # -- writing ---------------------------------------------------------------------------------
    def save(self) -> int:
        """Write the entries that are new or gained sentences; returns how many were written."""
        written = 0
        for key in sorted(self.dirty):
            if self._write(self._file(key), self.entries[key]):
                written += 1
        if self._scores is not None and len(self._scores) > self._scores.known:
            # the scores this build used: yesterday's texts are left behind
            used = {k: self._scores[k] for k in self._scores.used if k in self._scores}
            if self._write(self._scores_file(), used):
                written += 1
            self._scores.known = len(self._scores)
        self.dirty.clear()
        self.stats["written"] += written
        self.prune()
        return written

    def _write(self, file: Path, entry: dict) -> bool:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=file.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    # dumps, not dump: the C encoder makes the whole text at once
                    fh.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
                os.replace(tmp, file)  # atomic: readers see the old entry or the new one, never half
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("cannot write cache entry %s: %s", file, exc)
            return False
        return True

    def prune(self, now: float | None = None) -> int:
        """Remove entries unused for KEEP_DAYS days (and stray temporary files); at most once a day."""
        now = time.time() if now is None else now
        stamp = self.folder / "pruned"
        try:
            if stamp.exists() and now - stamp.stat().st_mtime < 86400:
                return 0
            self.folder.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self.folder / ".prune.lock"), timeout=0):
                removed = 0
                files = [*(self.folder / "sources").glob("*/*.json"), *(self.folder / "scores").glob("*.json")]
                for file in files:
                    try:
                        age = now - file.stat().st_mtime
                        if age > KEEP_DAYS * 86400 or (file.name.startswith(".tmp-") and age > 3600):
                            file.unlink()
                            removed += 1
                    except FileNotFoundError:
                        pass
                stamp.touch()
                os.utime(stamp, (now, now))
                return removed
        except Timeout:
            return 0  # another build is pruning
        except OSError as exc:
            log.warning("cannot prune the cache in %s: %s", self.folder, exc)
            return 0


def _remove(file: Path) -> None:
    """Remove a cache file that failed its checks (it is written again by this build if it is still needed)."""
    try:
        file.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("cannot remove %s: %s", file, exc)


class ScoreMemo(dict):
    """A dict that remembers which keys were asked for or added (the ones worth keeping)."""

    def __init__(self):
        super().__init__()
        self.used: set[str] = set()
        self.known = 0

    def get(self, key, default=None):
        self.used.add(key)
        return super().get(key, default)

    def __setitem__(self, key, value):
        self.used.add(key)
        super().__setitem__(key, value)


def describe(cache: SourceCache | None) -> dict[str, Any]:
    return dict(cache.stats) if cache is not None else {"disabled": True}
