"""Fetch: every download of a build (feeds, OPML lists, URL sources, the losses source, the articles behind feed
items) goes through one :class:`Fetcher`.

In: an http(s) URL and its limits. Out: a :class:`Response` (the body, where it finally came from, whether the
cache gave it) or :class:`FetchError` with the reason (HTTP status, timed out, too large, refused address,
robots.txt, offline and not cached). urllib3 speaks HTTP (keep-alive, TLS with certificate and host name checks,
chunked bodies, gzip/deflate/br decoding); this module decides where it may connect, for how long, and how often.

- **Safe by default.** The host is resolved and every address it resolves to is checked: loopback, private,
  link-local, unique-local, multicast, reserved and unspecified addresses are refused unless
  ``[fetch] allow_private = true``, and cloud metadata addresses always. The connection goes to the very address
  that was checked (urllib3 never resolves the name again), so DNS cannot switch it between check and connect.
  Redirects are followed, each hop checked the same way; only http and https (:mod:`briefing.sources.wire`).
- **Deadlines.** ``timeout`` bounds a whole download by the clock: name resolution, connecting, the headers and the
  body, whatever its framing: when it passes the connection's socket is shut down, so a server that trickles
  bytes is cut off (:class:`briefing.sources.wire.Cutoff`). A stage may give a deadline of its own, which bounds
  every download and every wait it starts; :meth:`Fetcher.map` ends at it with what was read, and when it is left
  early (Ctrl-C, SIGTERM, an error) every download it started is cut at once.
- **Polite.** A descriptive User-Agent; robots.txt honoured for the pages a build chooses to follow (read once per
  host and kept a day); a retry with back-off on 429 and 503 that honours Retry-After, within the deadline; at most
  ``per_host`` downloads at a time per host and ``concurrency`` in all (:meth:`Fetcher.map`).
- **Cached** (:mod:`briefing.sources.httpcache`): an entry younger than the caller's ``max_age`` is served without a
  request, an older one is revalidated (If-None-Match / If-Modified-Since, answered 304); offline, only the cache.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import urllib.parse
import urllib.robotparser
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import urllib3

from ..config.settings import USER_AGENT
from .httpcache import Entry, HttpCache
from .sanitize import parse_datetime
from .wire import Batch, Connections, FetchError, is_fetchable, pause, refusal  # noqa: F401 (refusal: the API)

log = logging.getLogger("briefing.fetch")

RETRIES = 2  # further tries after a 429 or 503
BACKOFF = 1.0  # seconds before the first retry when the server names no Retry-After (doubled each time)
MAX_WAIT = 60.0  # the longest Retry-After honoured when no deadline bounds it
GRACE = 1.0  # seconds past a map's deadline its running downloads (each bounded by it) have to end, then cut
ROBOTS_LIMIT = 512 * 1024  # robots.txt bytes read (RFC 9309: at least 500 KiB)
ROBOTS_DAYS = 1.0  # robots.txt is asked for again after this long (RFC 9309: at most 24 hours)
ERRORS_KEPT = 6 * 3600  # seconds a remembered 4xx answer (a 404 page, a missing robots.txt) is believed
ACCEPT_PAGE = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
ACCEPT_ENCODING = urllib3.util.make_headers(accept_encoding=True)["accept-encoding"]  # gzip, deflate, br if brotli
CUT_OFF = "timed out: still downloading when the deadline passed"


@dataclass
class Response:
    url: str  # the address asked for
    final_url: str  # the address the body came from, after redirects
    status: int  # 200, or the status of the cached answer
    body: bytes
    content_type: str = ""
    from_cache: bool = False  # the body came from the disk cache (with no request, or after a 304)
    revalidated: bool = False  # a conditional request was answered 304 Not Modified
    seconds: float = 0.0


@dataclass
class FetchSettings:
    """What every download of a build shares."""

    user_agent: str = USER_AGENT
    allow_private: bool = False
    offline: bool = False
    cache: HttpCache | None = None
    concurrency: int = 8
    per_host: int = 2


def retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); ``default`` when it says nothing."""
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    when = parse_datetime(value) if value else None
    if when is None:
        return default
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


def _check_address(url: str) -> None:
    """Raise :class:`FetchError` ("refused") unless ``url`` is an http(s) address with a host."""
    if not is_fetchable(url):
        raise FetchError("only http and https addresses are fetched", "refused")
    try:
        host = urllib.parse.urlsplit(url).hostname
    except ValueError as exc:
        raise FetchError(f"not a valid address: {exc}", "refused") from None
    if not host:
        raise FetchError("not a valid address: no host", "refused")


def _fresh(entry: Entry, max_age: float) -> bool:
    """Whether a cached entry is served without asking: younger than ``max_age`` (an error, than ERRORS_KEPT too)."""
    return entry.age < (max_age if entry.status == 200 else min(max_age, ERRORS_KEPT))


def _revalidation(entry: Entry | None) -> dict[str, str]:
    """The headers that ask whether a cached page changed (none for no page, or a cached error)."""
    headers = {}
    if entry is not None and entry.status == 200:
        if entry.etag:
            headers["If-None-Match"] = entry.etag
        if entry.last_modified:
            headers["If-Modified-Since"] = entry.last_modified
    return headers


def _kept(url: str, answer, cache, started: float) -> Response:
    """A page downloaded whole: stored in the HTTP cache unless it says no-store, and returned."""
    ctype = answer.headers.get("content-type", "")
    if cache is not None and "no-store" not in answer.headers.get("cache-control", "").lower():
        cache.put(url, answer.final_url, 200, answer.body, ctype, answer.headers.get("etag", ""),
                  answer.headers.get("last-modified", ""))
    return Response(url, answer.final_url, 200, answer.body, ctype, seconds=round(time.monotonic() - started, 3))


def _retry_wait(answer, attempt: int, deadline: float | None, shown: str) -> float:
    """The seconds to wait before asking again after a 429 or 503 (the server's Retry-After, or a growing back-off);
    :class:`FetchError` when that wait would pass the deadline."""
    wait_for = retry_after(answer.headers.get("retry-after"), BACKOFF * 2 ** attempt)
    bound = deadline if deadline is not None else time.monotonic() + MAX_WAIT
    if time.monotonic() + wait_for >= bound:
        raise FetchError(f"{shown}; asked to come back in {wait_for:g} s, past the deadline", "http", answer.status)
    return wait_for


class Fetcher:
    """The downloads of one build: its settings, kept-alive connections, robots.txt verdicts and HTTP cache."""

    def __init__(self, settings: FetchSettings | None = None):
        self.settings = settings or FetchSettings()
        self.agent = self.settings.user_agent.split("/")[0].split()[0] if self.settings.user_agent.strip() else "*"
        self._lock = threading.Lock()
        self.connections = Connections(self.settings.allow_private)
        self._robots: dict[str, object] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    @classmethod
    def for_config(cls, config) -> "Fetcher":
        """The fetcher a build with this configuration uses (``[fetch]``, ``[articles]``, ``--offline``)."""
        from ..pipeline.cache import FOLDER

        articles = config.section("articles")
        days = articles.cache_days
        cache = HttpCache(Path(config.workspace) / FOLDER / "http", days) if days > 0 else None
        return cls(FetchSettings(
            user_agent=articles.user_agent,
            allow_private=config.section("fetch").allow_private,
            offline=bool(getattr(config, "offline", False)),
            cache=cache,
            concurrency=articles.concurrency,
            per_host=articles.per_host,
        ))

    # -- one download --------------------------------------------------------------------------------
    def get(self, url: str, *, timeout: float = 20.0, limit: int = 20 * 1024 * 1024, max_age: float = 0.0,
            robots: bool = False, deadline: float | None = None, late: str = "timed out: the deadline passed",
            accept: str = "*/*", keep_errors: bool = False) -> Response:
        """The body of ``url``, or :class:`FetchError` naming the reason.

        ``max_age``: seconds a cached entry is served without asking (0: always revalidate). ``robots``: ask the
        host's robots.txt first. ``deadline``: a ``time.monotonic()`` moment no download or wait may pass (a
        download cut off by it fails with ``late``). ``keep_errors``: remember a 4xx answer (for ERRORS_KEPT).
        """
        started = time.monotonic()
        _check_address(url)
        cache = self.settings.cache
        entry = cache.get(url) if cache is not None else None
        if entry is not None and (self.settings.offline or _fresh(entry, max_age)):
            return self._cached(url, entry, started)
        if self.settings.offline:
            raise FetchError("offline and not cached", "offline")
        if robots:
            self._check_robots(url, timeout, deadline, late)
        headers = {"User-Agent": self.settings.user_agent, "Accept": accept, "Accept-Encoding": ACCEPT_ENCODING,
                   **_revalidation(entry)}
        attempt = 0
        while True:
            until, why = time.monotonic() + timeout, f"timed out after {timeout:g} s"
            if deadline is not None and deadline < until:
                until, why = deadline, late
            answer = self.connections.download(url, headers, limit, until, why)
            if answer.status == 304 and entry is not None:
                cache.refresh(url)
                response = self._cached(url, entry, started)
                response.revalidated = True
                return response
            if answer.status == 200:
                return _kept(url, answer, cache, started)
            shown = f"HTTP {answer.status} {answer.reason}".strip()
            if answer.status in (429, 503) and attempt < RETRIES:
                wait_for = _retry_wait(answer, attempt, deadline, shown)
                log.info("%s: %s, trying again in %g s", url, shown, wait_for)
                pause(wait_for)
                attempt += 1
                continue
            if keep_errors and cache is not None and 400 <= answer.status < 500 and answer.status != 429:
                cache.put(url, answer.final_url, answer.status, b"")
            raise FetchError(shown, "http", answer.status)

    def _cached(self, url: str, entry: Entry, started: float) -> Response:
        if entry.status != 200:
            raise FetchError(f"HTTP {entry.status} (cached)", "http", entry.status)
        return Response(url, entry.final_url, 200, entry.body, entry.content_type, from_cache=True,
                        seconds=round(time.monotonic() - started, 3))

    def release(self) -> None:
        """Close the kept-alive connections (the fetcher stays usable)."""
        self.connections.release()

    # -- robots.txt --------------------------------------------------------------------------------------
    def _check_robots(self, url: str, timeout: float, deadline: float | None, late: str) -> None:
        parts = urllib.parse.urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:  # one request for robots.txt per host, however many downloads wait for it
            if origin not in self._robots:
                self._robots[origin] = self._read_robots(origin, timeout, deadline, late)
            verdict = self._robots[origin]
        if isinstance(verdict, FetchError):
            raise verdict
        if verdict is not None and not verdict.can_fetch(self.agent, url):
            raise FetchError("robots.txt disallows it", "robots")

    def _read_robots(self, origin: str, timeout: float, deadline: float | None, late: str):
        """The host's rules (None: no rules, everything allowed), or the error that disallows everything."""
        try:
            response = self.get(origin + "/robots.txt", timeout=timeout, limit=ROBOTS_LIMIT,
                                max_age=ROBOTS_DAYS * 86400, deadline=deadline, late=late, keep_errors=True)
        except FetchError as exc:
            if exc.kind == "http" and exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                return None  # RFC 9309: no robots.txt (4xx) allows everything
            if exc.kind == "too large":
                return None
            if exc.kind == "stopped":  # called off: no verdict on the host
                raise
            if exc.kind != "http":  # the host refused, unreachable or too slow: the page would fare the same
                return FetchError(exc.reason, exc.kind, exc.status)
            return FetchError(f"robots.txt cannot be read ({exc.reason}), so nothing is fetched from the host",
                              "robots", exc.status)
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(response.body.decode("utf-8", "replace").splitlines())
        return parser

    # -- many downloads ------------------------------------------------------------------------------
    def map(self, urls: Iterable[str], work: Callable[[str], Response], *, deadline: float | None = None,
            late: str = "not fetched: the deadline passed") -> Iterator[tuple[str, Response | FetchError]]:
        """``work(url)`` for each distinct URL on worker threads, at most ``concurrency`` at a time and
        ``per_host`` per host; yields ``(url, Response or FetchError)`` as each ends.

        Once ``deadline`` (a ``time.monotonic()`` moment) passes, the URLs not yet started yield
        ``FetchError(late)``, the downloads still running get :data:`GRACE` seconds to end (their own clocks
        end them at the deadline), and then are cut and yield :data:`CUT_OFF`: the map ends with what was read.
        Left early (the caller stops reading, Ctrl-C, SIGTERM), it cuts every download it started and returns
        without waiting for its threads."""
        concurrency, per_host = max(1, self.settings.concurrency), max(1, self.settings.per_host)
        queues: dict[str, deque] = {}
        for url in dict.fromkeys(urls):
            queues.setdefault(_host_key(url), deque()).append(url)
        active: Counter = Counter()
        running: dict = {}
        batch = Batch()
        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="briefing-fetch")
        whole = False
        try:
            while queues or running:
                if deadline is not None and time.monotonic() >= deadline:
                    yield from self._at_deadline(queues, running, batch, deadline, late)
                    break
                for host in list(queues):
                    queue = queues[host]
                    while queue and len(running) < concurrency and active[host] < per_host:
                        url = queue.popleft()
                        active[host] += 1
                        running[pool.submit(batch.run, work, url)] = (url, host)
                    if not queue:
                        del queues[host]
                    if len(running) >= concurrency:
                        break
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                done, _ = wait(list(running), timeout=left, return_when=FIRST_COMPLETED)
                for future in done:
                    url, host = running.pop(future)
                    active[host] -= 1
                    yield url, _outcome(url, future)
            whole = not batch.stopped.is_set()
        finally:
            if not whole:
                batch.stop()  # every download still running is cut; none starts
            pool.shutdown(wait=whole, cancel_futures=True)

    @staticmethod
    def _at_deadline(queues: dict, running: dict, batch: Batch, deadline: float, late: str):
        """The end of a map at its deadline: what was not started is late, what still runs a moment later is cut."""
        for queue in queues.values():
            for url in queue:
                yield url, FetchError(late, "deadline")
        queues.clear()
        if running:
            done, _ = wait(list(running), timeout=max(0.0, deadline + GRACE - time.monotonic()))
            for future in done:
                url, _ = running.pop(future)
                yield url, _outcome(url, future)
        batch.stop()
        for url, _ in list(running.values()):
            yield url, FetchError(CUT_OFF, "deadline")
        running.clear()


def _outcome(url: str, future) -> Response | FetchError:
    """What one download came to (a bug in it costs that download, not the build)."""
    try:
        return future.result()
    except FetchError as exc:
        return exc
    except Exception as exc:
        log.exception("fetching %s failed", url)
        return FetchError(f"fetch failed: {type(exc).__name__}: {exc}", "broken")


def _host_key(url: str) -> str:
    try:
        return (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def fetch(url: str, timeout: float = 20.0, limit: int = 20 * 1024 * 1024, *, build=None, config=None,
          allow_private: bool = False) -> bytes:
    """The body of ``url``; raises :class:`~briefing.errors.SourceError` (a FetchError) with a clear reason on any
    failure.

    A plugin passes ``build`` (the build's context) or ``config``, so that the download goes through the build's
    fetcher: its address checks (``[fetch] allow_private``), User-Agent, HTTP cache and ``--offline``. Without
    either, private addresses are refused unless ``allow_private`` and nothing is cached.
    """
    if build is not None:
        fetcher = build.fetcher
    elif config is not None:
        fetcher = Fetcher.for_config(config)
    else:
        fetcher = Fetcher(FetchSettings(allow_private=allow_private))
    try:
        return fetcher.get(url, timeout=timeout, limit=limit).body
    finally:
        if build is None:
            fetcher.release()
