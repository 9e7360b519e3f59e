"""Fetch: every download of a build (feeds, OPML lists, URL sources, the losses source, the articles behind feed
items) goes through one :class:`Fetcher`.

In: an http(s) URL and its limits. Out: a :class:`Response` (the body, where it finally came from, whether the
cache gave it) or :class:`FetchError` with the reason (HTTP status, timed out, too large, refused address,
robots.txt, offline and not cached). urllib3 speaks HTTP (keep-alive, TLS with certificate and host name checks,
chunked bodies, gzip/deflate/br decoding); this module decides where it may connect, for how long, and how often.

- **Safe by default.** The host is resolved here and every address it resolves to is checked: loopback, private,
  link-local, unique-local, multicast, reserved and unspecified addresses are refused unless
  ``[fetch] allow_private = true``, and cloud metadata addresses always. The connection goes to the very address
  that was checked (urllib3 never resolves the name again), so DNS cannot switch it between check and connect.
  Redirects are followed here, each hop checked the same way; only http and https.
- **Deadlines.** ``timeout`` bounds a whole download by the clock: name resolution, connecting, the headers and the
  body. A watchdog shuts the socket when it passes, so a server that trickles bytes is cut off. A stage may give
  a deadline of its own, which bounds every download and every wait it starts.
- **Polite.** A descriptive User-Agent; robots.txt honoured for the pages a build chooses to follow (read once per
  host and kept a day); a retry with back-off on 429 and 503 that honours Retry-After, within the deadline; at most
  ``per_host`` downloads at a time per host and ``concurrency`` in all (:meth:`Fetcher.map`).
- **Cached** (:mod:`briefing.sources.httpcache`): an entry younger than the caller's ``max_age`` is served without a
  request, an older one is revalidated (If-None-Match / If-Modified-Since, answered 304); offline, only the cache.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import logging
import socket
import ssl
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
import urllib3.connection
import urllib3.exceptions

from ..config.settings import USER_AGENT
from ..errors import SourceError
from .httpcache import Entry, HttpCache
from .sanitize import parse_datetime

log = logging.getLogger("briefing.fetch")

SCHEMES = ("http", "https")
CHUNK = 64 * 1024  # bytes read at a time while streaming a body
MAX_REDIRECTS = 5  # hops one download may take
REDIRECTS = (301, 302, 303, 307, 308)
RETRIES = 2  # further tries after a 429 or 503
BACKOFF = 1.0  # seconds before the first retry when the server names no Retry-After (doubled each time)
MAX_WAIT = 60.0  # the longest Retry-After honoured when no deadline bounds it
ROBOTS_LIMIT = 512 * 1024  # robots.txt bytes read (RFC 9309: at least 500 KiB)
ROBOTS_DAYS = 1.0  # robots.txt is asked for again after this long (RFC 9309: at most 24 hours)
IDLE_PER_HOST = 2  # kept-alive connections kept per host between downloads
ERRORS_KEPT = 6 * 3600  # seconds a remembered 4xx answer (a 404 page, a missing robots.txt) is believed
ACCEPT_PAGE = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
ACCEPT_ENCODING = urllib3.util.make_headers(accept_encoding=True)["accept-encoding"]  # gzip, deflate, br if brotli
# Cloud metadata services: refused even when [fetch] allow_private lets a desk reach its own network.
METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "192.0.0.192", "fd00:ec2::254"))


class FetchError(SourceError):
    """A download that gave no body; ``kind`` says what went wrong, ``status`` the HTTP status if one came."""

    def __init__(self, reason: str, kind: str = "error", status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.status = status


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


def is_fetchable(url: str) -> bool:
    try:
        return urllib.parse.urlsplit(url).scheme.lower() in SCHEMES
    except ValueError:
        return False


def _mb(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n % 1048576 else f"{n // 1048576} MB"


def refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why a build must not connect to ``ip`` by default (None: a public address)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return refusal(embedded)
    if ip in METADATA:
        return "a cloud metadata address"
    if ip.is_unspecified:
        return "an unspecified address"  # 0.0.0.0 and :: reach this very machine
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.ip_network("fc00::/7"):
        return "a unique-local address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "not a public address"
    return None


def retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); ``default`` when it says nothing."""
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    when = parse_datetime(value) if value else None
    if when is None:
        return default
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


class _Pinned:
    """A urllib3 connection to addresses checked beforehand: it never resolves the host name itself."""

    def __init__(self, *args, addresses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.addresses = list(addresses)

    def _new_conn(self) -> socket.socket:
        error: OSError | None = None
        for family, sockaddr in self.addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.timeout)
                sock.connect(sockaddr)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise error or OSError("no address to connect to")


class _PinnedHTTP(_Pinned, urllib3.connection.HTTPConnection):
    pass


class _PinnedHTTPS(_Pinned, urllib3.connection.HTTPSConnection):
    pass


@dataclass
class _Answer:
    status: int
    reason: str
    headers: dict
    body: bytes | None
    final_url: str


class Fetcher:
    """The downloads of one build: its settings, kept-alive connections, robots.txt verdicts and HTTP cache."""

    def __init__(self, settings: FetchSettings | None = None):
        self.settings = settings or FetchSettings()
        self.agent = self.settings.user_agent.split("/")[0].split()[0] if self.settings.user_agent.strip() else "*"
        self._lock = threading.Lock()
        self._idle: dict[tuple, list] = {}
        self._robots: dict[str, object] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    @classmethod
    def for_config(cls, config) -> "Fetcher":
        """The fetcher a build with this configuration uses (``[fetch]``, ``[articles]``, ``--offline``)."""
        from ..pipeline.cache import FOLDER

        articles = config.table("articles")
        days = float(articles.get("cache_days", 14))
        cache = HttpCache(Path(config.workspace) / FOLDER / "http", days) if days > 0 else None
        return cls(FetchSettings(
            user_agent=str(articles.get("user_agent") or USER_AGENT),
            allow_private=bool(config.table("fetch").get("allow_private", False)),
            offline=bool(getattr(config, "offline", False)),
            cache=cache,
            concurrency=int(articles.get("concurrency", 8)),
            per_host=int(articles.get("per_host", 2)),
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
        if not is_fetchable(url):
            raise FetchError("only http and https addresses are fetched", "refused")
        try:
            host = urllib.parse.urlsplit(url).hostname
        except ValueError as exc:
            raise FetchError(f"not a valid address: {exc}", "refused") from None
        if not host:
            raise FetchError("not a valid address: no host", "refused")
        cache = self.settings.cache
        entry = cache.get(url) if cache is not None else None
        if entry is not None and (self.settings.offline or entry.age < (
                max_age if entry.status == 200 else min(max_age, ERRORS_KEPT))):
            return self._cached(url, entry, started)
        if self.settings.offline:
            raise FetchError("offline and not cached", "offline")
        if robots:
            self._check_robots(url, timeout, deadline, late)
        headers = {"User-Agent": self.settings.user_agent, "Accept": accept, "Accept-Encoding": ACCEPT_ENCODING}
        if entry is not None and entry.status == 200:
            if entry.etag:
                headers["If-None-Match"] = entry.etag
            if entry.last_modified:
                headers["If-Modified-Since"] = entry.last_modified
        attempt = 0
        while True:
            until, why = time.monotonic() + timeout, f"timed out after {timeout:g} s"
            if deadline is not None and deadline < until:
                until, why = deadline, late
            answer = self._exchange(url, headers, limit, until, why)
            if answer.status == 304 and entry is not None:
                cache.refresh(url)
                response = self._cached(url, entry, started)
                response.revalidated = True
                return response
            if answer.status == 200:
                ctype = answer.headers.get("content-type", "")
                if cache is not None and "no-store" not in answer.headers.get("cache-control", "").lower():
                    cache.put(url, answer.final_url, 200, answer.body, ctype, answer.headers.get("etag", ""),
                              answer.headers.get("last-modified", ""))
                return Response(url, answer.final_url, 200, answer.body, ctype,
                                seconds=round(time.monotonic() - started, 3))
            shown = f"HTTP {answer.status} {answer.reason}".strip()
            if answer.status in (429, 503) and attempt < RETRIES:
                pause = retry_after(answer.headers.get("retry-after"), BACKOFF * 2 ** attempt)
                bound = deadline if deadline is not None else time.monotonic() + MAX_WAIT
                if time.monotonic() + pause >= bound:
                    raise FetchError(f"{shown}; asked to come back in {pause:g} s, past the deadline", "http",
                                     answer.status)
                log.info("%s: %s, trying again in %g s", url, shown, pause)
                time.sleep(pause)
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

    def _exchange(self, url: str, headers: dict, limit: int, until: float, why: str) -> _Answer:
        """One download, following redirects, each hop's addresses checked."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            parts = urllib.parse.urlsplit(current)
            scheme = parts.scheme.lower()
            try:
                port = parts.port or (443 if scheme == "https" else 80)
            except ValueError:
                raise FetchError(f"not a valid address: bad port in {current[:200]}", "refused") from None
            host = parts.hostname or ""
            addresses = self._addresses(host, port, until, why)
            answer, location = self._one(scheme, host, port, addresses, parts, headers, limit, until, why)
            if location is None:
                answer.final_url = current
                return answer
            following = urllib.parse.urljoin(current, location)
            if not is_fetchable(following) or not urllib.parse.urlsplit(following).hostname:
                raise FetchError(f"redirected to a refused address: {following[:200]}", "refused")
            current = following
        raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})", "broken")

    def _addresses(self, host: str, port: int, until: float, why: str) -> list[tuple[int, tuple]]:
        """The checked addresses of ``host``; refused, or timed out, with the reason."""
        found: list = []
        failure: list = []
        done = threading.Event()

        def resolve():  # getaddrinfo cannot be interrupted: it runs on a thread of its own and is abandoned
            try:
                found.extend(socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM))
            except (OSError, UnicodeError) as exc:
                failure.append(exc)
            done.set()

        threading.Thread(target=resolve, name="briefing-dns", daemon=True).start()
        if not done.wait(max(0.0, until - time.monotonic())):
            raise FetchError(why, "timeout")
        if failure:
            raise FetchError(f"cannot connect: cannot resolve {host[:100]} ({failure[0]})", "connect")
        addresses = []
        for family, _, _, _, sockaddr in found:
            ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
            reason = refusal(ip)
            if reason == "a cloud metadata address" or (reason and not self.settings.allow_private):
                extra = "" if reason == "a cloud metadata address" else " ([fetch] allow_private = true allows it)"
                shown = host if host == str(ip) else f"{host} ({ip})"
                raise FetchError(f"refused: {shown} is {reason}{extra}", "private")
            if (family, sockaddr) not in addresses:
                addresses.append((family, sockaddr))
        if not addresses:
            raise FetchError(f"cannot connect: {host[:100]} has no address", "connect")
        return addresses

    def _connection(self, key: tuple, scheme: str, host: str, port: int, addresses: list) -> tuple[object, bool]:
        with self._lock:
            idle = self._idle.get(key, [])
            while idle:
                conn = idle.pop()
                if conn.is_connected:
                    return conn, True
                conn.close()
        cls = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
        return cls(host, port, addresses=addresses), False

    def _keep(self, key: tuple, conn) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < IDLE_PER_HOST:
                idle.append(conn)
                return
        conn.close()

    def release(self) -> None:
        """Close the kept-alive connections (the fetcher stays usable)."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    def _one(self, scheme, host, port, addresses, parts, headers, limit, until, why) -> tuple[_Answer, str | None]:
        """One request on one connection: the answer, and where a redirect points (or None)."""
        key = (scheme, host, port, tuple(addresses))
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        for attempt in (1, 2):
            conn, reused = self._connection(key, scheme, host, port, addresses)
            remaining = until - time.monotonic()
            if remaining <= 0:
                conn.close()
                raise FetchError(why, "timeout")
            conn.timeout = remaining  # each socket operation; the watchdog bounds them all together
            expired = threading.Event()

            def cut(conn=conn, expired=expired):
                expired.set()
                sock = conn.sock
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

            watchdog = threading.Timer(remaining, cut)
            watchdog.daemon = True
            watchdog.start()
            keep = False
            try:
                try:
                    conn.request("GET", target, headers=headers, preload_content=False, decode_content=True)
                    response = conn.getresponse()
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    if reused and attempt == 1 and not expired.is_set():
                        conn.close()  # the server closed the kept-alive connection meanwhile: once more, afresh
                        continue
                    raise
                status, reason = response.status, response.reason or ""
                answer_headers = {k.lower(): v for k, v in response.headers.items()}
                if status in REDIRECTS and answer_headers.get("location"):
                    response.close()
                    return _Answer(status, reason, answer_headers, None, ""), answer_headers["location"]
                if status != 200:
                    response.close()
                    return _Answer(status, reason, answer_headers, None, ""), None
                announced = answer_headers.get("content-length", "").strip()
                if announced.isdigit() and int(announced) > limit:
                    response.close()
                    raise FetchError(f"too large: {_mb(int(announced))} announced (limit {_mb(limit)})", "too large")
                chunks: list[bytes] = []
                size = 0
                while True:
                    chunk = response.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > limit:
                        response.close()
                        raise FetchError(f"too large: over {_mb(limit)}", "too large")
                    chunks.append(chunk)
                    if time.monotonic() > until:
                        raise FetchError(why, "timeout")
                keep = (response.closed and response.version == 11
                        and "close" not in answer_headers.get("connection", "").lower()
                        and ("content-length" in answer_headers
                             or "chunked" in answer_headers.get("transfer-encoding", "").lower()))
                return _Answer(status, reason, answer_headers, b"".join(chunks), ""), None
            except FetchError:
                raise
            except Exception as exc:  # every way a connection can fail, named
                if expired.is_set():
                    raise FetchError(why, "timeout") from None
                raise _failure(exc, why) from None
            finally:
                watchdog.cancel()
                if keep and not expired.is_set():
                    self._keep(key, conn)
                else:
                    conn.close()
        raise FetchError("connection failed twice", "connect")  # not reached: the second try returns or raises

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
        ``per_host`` per host; yields ``(url, Response or FetchError)`` as each ends. Once ``deadline`` (a
        ``time.monotonic()`` moment) passes, the URLs not yet started yield ``FetchError(late)``."""
        concurrency = max(1, self.settings.concurrency)
        per_host = max(1, self.settings.per_host)
        queues: dict[str, deque] = {}
        for url in dict.fromkeys(urls):
            queues.setdefault(_host_key(url), deque()).append(url)
        active: Counter = Counter()
        running: dict = {}
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="briefing-fetch") as pool:
            while queues or running:
                if deadline is not None and time.monotonic() >= deadline:
                    for queue in queues.values():
                        for url in queue:
                            yield url, FetchError(late, "deadline")
                    queues.clear()
                for host in list(queues):
                    queue = queues[host]
                    while queue and len(running) < concurrency and active[host] < per_host:
                        url = queue.popleft()
                        active[host] += 1
                        running[pool.submit(work, url)] = (url, host)
                    if not queue:
                        del queues[host]
                    if len(running) >= concurrency:
                        break
                if not running:
                    continue
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                done, _ = wait(list(running), timeout=left, return_when=FIRST_COMPLETED)
                for future in done:
                    url, host = running.pop(future)
                    active[host] -= 1
                    try:
                        result = future.result()
                    except FetchError as exc:
                        result = exc
                    except Exception as exc:  # a bug must cost one download, not the build
                        log.exception("fetching %s failed", url)
                        result = FetchError(f"fetch failed: {type(exc).__name__}: {exc}", "broken")
                    yield url, result


def _host_key(url: str) -> str:
    try:
        return (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _failure(exc: BaseException, why: str) -> FetchError:
    """A urllib3, socket or TLS failure as a FetchError with a reason a reader understands."""
    if isinstance(exc, (socket.timeout, TimeoutError, urllib3.exceptions.TimeoutError)):
        return FetchError(why, "timeout")
    if isinstance(exc, ssl.SSLError):
        return FetchError(f"cannot connect: TLS failed ({exc.reason or exc})", "connect")
    if isinstance(exc, urllib3.exceptions.DecodeError):
        return FetchError("broken answer: the body cannot be decoded", "broken")
    if isinstance(exc, ConnectionRefusedError):
        return FetchError("cannot connect: connection refused", "connect")
    if isinstance(exc, (urllib3.exceptions.ProtocolError, http.client.HTTPException)):
        return FetchError(f"broken answer: {type(exc).__name__}", "broken")
    if isinstance(exc, OSError):
        return FetchError(f"cannot connect: {exc.strerror or exc}", "connect")
    return FetchError(f"fetch failed: {type(exc).__name__}: {exc}", "broken")


def fetch(url: str, timeout: float = 20.0, limit: int = 20 * 1024 * 1024, *, build=None, config=None,
          allow_private: bool = False) -> bytes:
    """The body of ``url``; raises :class:`SourceError` with a clear reason on any failure.

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
