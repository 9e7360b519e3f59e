"""HTTP cache: what the fetcher downloaded, kept on disk between builds in ``.briefing-cache/http/``.

In: a URL and the answer to it (the body, its ETag, Last-Modified, content type and the address it finally came
from). Out, on a later build: the entry, its age and the validators for a conditional request, so that the
fetcher can serve a fresh entry without asking, revalidate an older one (answered 304) or, offline, serve what
it has. One file per URL, named by the SHA-256 of the URL: a JSON header line (with the body's length and
SHA-256), then the body. Files are written to a temporary file and renamed into place, so a concurrent build sees
a whole entry or none. Entries are read by the guarded reader (:mod:`briefing.runtime.guarded`): an entry over
``MAX_ENTRY`` bytes, a header over ``MAX_HEAD`` bytes, nested, or not of the expected types, or a body that does
not match its header, is corrupt: it is removed, and the URL is fetched again (offline: it is not cached). An entry's age counts from when the server last gave or confirmed it (the file's modification
time); entries older than ``days`` are never served and are removed, by one build a day.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..runtime.files import atomic_write
from ..runtime.guarded import Unreadable, parse_json, read_bytes

log = logging.getLogger("briefing.httpcache")

FORMAT = 1
PRUNE_EVERY = 86400  # seconds between two prunings of the folder
STALE_TEMP = 3600  # a temporary file older than this was left by a killed build
MAX_BODY = 64 * 1024 * 1024  # bytes: a larger body is not kept (the largest download a build asks for is 20 MB)
MAX_HEAD = 64 * 1024  # bytes: the header line (two URLs of at most a few KB, validators, a digest)
MAX_ENTRY = MAX_BODY + MAX_HEAD + 1
TEXT_FIELDS = ("final_url", "content_type", "etag", "last_modified")


@dataclass
class Entry:
    """One cached answer."""

    url: str
    final_url: str
    status: int
    content_type: str
    etag: str
    last_modified: str
    body: bytes
    age: float  # seconds since the server gave or last confirmed it


class HttpCache:
    """The HTTP cache of a workspace: entries younger than ``days`` days."""

    def __init__(self, folder: Path, days: float):
        self.folder = Path(folder)
        self.days = float(days)
        self.stats = {"hits": 0, "misses": 0, "corrupt": 0, "written": 0}
        self._lock = threading.Lock()  # the stats are counted from several download threads

    def _count(self, what: str) -> None:
        with self._lock:
            self.stats[what] += 1

    def file(self, url: str) -> Path:
        key = hashlib.sha256(url.encode("utf-8", "surrogateescape")).hexdigest()
        return self.folder / key[:2] / f"{key}.http"

    def get(self, url: str) -> Entry | None:
        """The entry for ``url``, or None (not cached, expired, or corrupt: then it is removed)."""
        file = self.file(url)
        try:
            stat = file.stat()
            age = max(0.0, time.time() - stat.st_mtime)
            if age >= self.days * 86400:
                file.unlink(missing_ok=True)
                self._count("misses")
                return None
            entry = _entry(url, read_bytes(file, MAX_ENTRY), age)
        except FileNotFoundError:
            self._count("misses")
            return None
        except OSError as exc:
            log.warning("HTTP cache entry %s cannot be read (%s): fetching again", file, exc)
            self._count("misses")
            return None
        except Unreadable as exc:
            log.warning("HTTP cache entry %s is corrupt (%s): removed, fetching again", file, exc)
            self._count("corrupt")
            self._count("misses")
            try:
                file.unlink(missing_ok=True)
            except OSError:
                pass
            return None
        self._count("hits")
        return entry

    def put(self, url: str, final_url: str, status: int, body: bytes, content_type: str = "", etag: str = "",
            last_modified: str = "") -> None:
        if len(body) > MAX_BODY:
            return
        meta = {"format": FORMAT, "url": url, "final_url": final_url, "status": status, "content_type": content_type,
                "etag": etag, "last_modified": last_modified, "length": len(body),
                "sha256": hashlib.sha256(body).hexdigest()}
        head = json.dumps(meta, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        try:
            atomic_write(self.file(url), head + b"\n" + body)
        except OSError as exc:
            log.warning("cannot write HTTP cache entry for %s: %s", url, exc)
            return
        self._count("written")

    def refresh(self, url: str) -> None:
        """The server confirmed the entry (304 Not Modified): its age starts again."""
        try:
            os.utime(self.file(url))
        except OSError:
            pass

    def prune(self, now: float | None = None) -> int:
        """Remove expired entries and stray temporary files; at most once a day. Returns how many went."""
        now = time.time() if now is None else now
        stamp = self.folder / "pruned"
        try:
            if stamp.exists() and now - stamp.stat().st_mtime < PRUNE_EVERY:
                return 0
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp.touch()
            os.utime(stamp, (now, now))
        except OSError as exc:
            log.warning("cannot prune the HTTP cache in %s: %s", self.folder, exc)
            return 0
        removed = 0
        for file in self.folder.glob("*/*"):
            try:
                age = now - file.stat().st_mtime
                temporary = file.name.startswith(".") and file.name.endswith(".tmp")
                if (temporary and age > STALE_TEMP) or (not temporary and age >= self.days * 86400):
                    file.unlink()
                    removed += 1
            except FileNotFoundError:  # another build pruned it first
                pass
            except OSError as exc:
                log.warning("cannot remove %s: %s", file, exc)
        return removed


def _entry(url: str, raw: bytes, age: float) -> Entry:
    """The entry a cache file holds for ``url``; :class:`Unreadable` with the reason when it does not check out."""
    head, newline, body = raw.partition(b"\n")
    if not newline:
        raise Unreadable("no header line")
    meta = parse_json(head, limit=MAX_HEAD, depth=1, expect=dict)
    if meta.get("format") != FORMAT or meta.get("url") != url:
        raise Unreadable("not an entry of this cache for this address")
    if meta.get("length") != len(body) or meta.get("sha256") != hashlib.sha256(body).hexdigest():
        raise Unreadable("the body does not match its header")
    if (type(meta.get("status")) is not int or not isinstance(meta.get("final_url"), str)
            or not all(isinstance(meta.get(k, ""), str) for k in TEXT_FIELDS)):
        raise Unreadable("a field of the wrong type")
    return Entry(url=url, final_url=meta["final_url"], status=meta["status"], content_type=meta.get("content_type", ""),
                 etag=meta.get("etag", ""), last_modified=meta.get("last_modified", ""), body=body, age=age)
