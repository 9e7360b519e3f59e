"""Wire: one HTTP download (its redirects followed) on connections to checked addresses, under one wall clock.

In: a URL, request headers, a size limit, the ``time.monotonic()`` moment the download must end by and the reason
to give when it does not. Out: an :class:`Answer` (status, headers, the body of a 200, the address it came from) or
:class:`FetchError` naming the reason. Used by :class:`briefing.sources.fetch.Fetcher`, which decides what to ask
for, when, and how often.

- **Checked addresses.** A host is resolved here and every address checked (:func:`refusal`); the connection goes
  to the very address that was checked (urllib3 never resolves the name again), at every redirect.
- **One wall clock.** Each download has a :class:`Cutoff`: when its moment passes, a timer shuts the connection's
  socket down, whatever the download is blocked in (connecting, the TLS handshake, the headers, a body trickled a
  byte at a time with or without a Content-Length, chunked or read to the close). The cutoff watches a descriptor
  of its own for the socket, taken when it connects: http.client hands the socket to the response, and may close
  its own, but the one the cutoff holds stays the same connection until the download ends.
- **Stopped together.** The downloads that :meth:`Fetcher.map` runs on its threads belong to a :class:`Batch`;
  stopping the batch (a stage's deadline, Ctrl-C, SIGTERM) cuts every one of them at once and starts no other.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass

import urllib3
import urllib3.connection
import urllib3.exceptions

from ..errors import SourceError

CHUNK = 64 * 1024  # bytes read at a time while streaming a body
MAX_REDIRECTS = 5  # hops one download may take
REDIRECTS = (301, 302, 303, 307, 308)
IDLE_PER_HOST = 2  # kept-alive connections kept per host between downloads
RESOLVE_POLL = 0.1  # seconds between two looks at whether a batch stopped while a name is resolved
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


STOPPED = "stopped: the downloads were called off"


def mb(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n % 1048576 else f"{n // 1048576} MB"


def is_fetchable(url: str) -> bool:
    try:
        return urllib.parse.urlsplit(url).scheme.lower() in ("http", "https")
    except ValueError:
        return False


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


# -- one wall clock, and downloads stopped together ---------------------------------------------------------


class Cutoff:
    """Ends one download at its moment, whatever it is blocked in, by shutting its socket down."""

    def __init__(self, seconds: float):
        self.expired = False
        self._lock = threading.Lock()
        self._held: socket.socket | None = None
        self._over = False
        self._timer = threading.Timer(max(0.0, seconds), self.cut)
        self._timer.daemon = True
        self._timer.start()

    def hold(self, sock: socket.socket) -> None:
        """Watch ``sock``, the download's connection, through a descriptor of the cutoff's own."""
        try:
            mine = socket.socket(fileno=os.dup(sock.fileno()))
        except OSError:
            return
        with self._lock:
            if self._over:
                mine.close()
                return
            if self._held is not None:
                self._held.close()
            self._held = mine
            if self.expired:
                _shut(mine)

    def cut(self) -> None:
        """The moment passed (or the batch stopped): the connection is shut down, the download ends."""
        with self._lock:
            if self._over:
                return
            self.expired = True
            if self._held is not None:
                _shut(self._held)

    def stop(self) -> None:
        """The download ended: nothing more to watch."""
        self._timer.cancel()
        with self._lock:
            self._over = True
            if self._held is not None:
                self._held.close()
                self._held = None


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class Batch:
    """The downloads one :meth:`~briefing.sources.fetch.Fetcher.map` runs; :meth:`stop` cuts them all."""

    _current = threading.local()

    def __init__(self):
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._cutoffs: set[Cutoff] = set()

    @classmethod
    def current(cls) -> "Batch | None":
        """The batch of the download running on this thread (None outside :meth:`Fetcher.map`)."""
        return getattr(cls._current, "batch", None)

    def run(self, work, *args):
        """``work(*args)`` with its downloads in this batch (on one of the map's threads)."""
        Batch._current.batch = self
        try:
            return work(*args)
        finally:
            Batch._current.batch = None

    def enter(self, cutoff: Cutoff) -> None:
        with self._lock:
            if self.stopped.is_set():
                cutoff.stop()
                raise FetchError(STOPPED, "stopped")
            self._cutoffs.add(cutoff)

    def leave(self, cutoff: Cutoff) -> None:
        with self._lock:
            self._cutoffs.discard(cutoff)

    def stop(self) -> None:
        with self._lock:
            self.stopped.set()
            running = list(self._cutoffs)
        for cutoff in running:
            cutoff.cut()


def pause(seconds: float) -> None:
    """Sleep ``seconds`` (a retry's back-off), or less if this thread's batch is stopped meanwhile."""
    batch = Batch.current()
    if batch is None:
        time.sleep(seconds)
    elif batch.stopped.wait(seconds):
        raise FetchError(STOPPED, "stopped")


# -- connections to checked addresses ---------------------------------------------------------------------------


class _Pinned:
    """A urllib3 connection to addresses checked beforehand: it never resolves the host name itself, and shows
    its socket to the download's :class:`Cutoff` as soon as it is connected."""

    cutoff: Cutoff | None = None

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
                if self.cutoff is not None:
                    self.cutoff.hold(sock)  # before TLS: the handshake is on the clock too
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
class Answer:
    status: int
    reason: str
    headers: dict
    body: bytes | None
    final_url: str


class Connections:
    """Kept-alive connections (a few per host) and the downloads made on them."""

    def __init__(self, allow_private: bool):
        self.allow_private = allow_private
        self._lock = threading.Lock()
        self._idle: dict[tuple, list] = {}

    def download(self, url: str, headers: dict, limit: int, until: float, why: str) -> Answer:
        """One download, following redirects, each hop's addresses checked; it ends by ``until``."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            parts = urllib.parse.urlsplit(current)
            scheme = parts.scheme.lower()
            try:
                port = parts.port or (443 if scheme == "https" else 80)
            except ValueError:
                raise FetchError(f"not a valid address: bad port in {current[:200]}", "refused") from None
            host = parts.hostname or ""
            addresses = self.addresses(host, port, until, why)
            answer, location = self._one(scheme, host, port, addresses, parts, headers, limit, until, why)
            if location is None:
                answer.final_url = current
                return answer
            following = urllib.parse.urljoin(current, location)
            if not is_fetchable(following) or not urllib.parse.urlsplit(following).hostname:
                raise FetchError(f"redirected to a refused address: {following[:200]}", "refused")
            current = following
        raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})", "broken")

    def addresses(self, host: str, port: int, until: float, why: str) -> list[tuple[int, tuple]]:
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
        batch = Batch.current()
        while not done.wait(min(RESOLVE_POLL, max(0.0, until - time.monotonic()))):
            if batch is not None and batch.stopped.is_set():
                raise FetchError(STOPPED, "stopped")
            if time.monotonic() >= until:
                raise FetchError(why, "timeout")
        if failure:
            raise FetchError(f"cannot connect: cannot resolve {host[:100]} ({failure[0]})", "connect")
        addresses = []
        for family, _, _, _, sockaddr in found:
            ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
            reason = refusal(ip)
            if reason == "a cloud metadata address" or (reason and not self.allow_private):
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
        """Close the kept-alive connections (they are made again when needed)."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    def _one(self, scheme, host, port, addresses, parts, headers, limit, until, why) -> tuple[Answer, str | None]:
        """One request on one connection: the answer, and where a redirect points (or None)."""
        key = (scheme, host, port, tuple(addresses))
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        batch = Batch.current()
        for attempt in (1, 2):
            conn, reused = self._connection(key, scheme, host, port, addresses)
            remaining = until - time.monotonic()
            if remaining <= 0:
                conn.close()
                raise FetchError(why, "timeout")
            conn.timeout = remaining  # each socket operation; the cutoff bounds them all together
            cutoff = conn.cutoff = Cutoff(remaining)
            if reused:
                cutoff.hold(conn.sock)
            keep = False
            response = None
            try:
                if batch is not None:
                    batch.enter(cutoff)
                try:
                    conn.request("GET", target, headers=headers, preload_content=False, decode_content=True)
                    response = conn.getresponse()
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    if reused and attempt == 1 and not cutoff.expired:
                        continue  # the server closed the kept-alive connection meanwhile: once more, afresh
                    raise
                answer, location, keep = _read(response, limit, cutoff, why)
                return answer, location
            except FetchError:
                raise
            except Exception as exc:  # every way a connection can fail, named
                if cutoff.expired:
                    raise FetchError(STOPPED if batch is not None and batch.stopped.is_set() else why,
                                     "timeout") from None
                raise _failure(exc, why) from None
            finally:
                cutoff.stop()
                conn.cutoff = None
                if batch is not None:
                    batch.leave(cutoff)
                if keep and not cutoff.expired:
                    self._keep(key, conn)
                else:
                    if response is not None:
                        response.close()  # http.client may have handed the connection to it
                    conn.close()
        raise FetchError("connection failed twice", "connect")  # not reached: the second try returns or raises


def _read(response, limit: int, cutoff: Cutoff, why: str) -> tuple[Answer, str | None, bool]:
    """The answer's status, headers and (for a 200) body; where a redirect points; whether the connection may be
    kept. A body cut off by the clock is a time-out, never a short body."""
    status, reason = response.status, response.reason or ""
    headers = {k.lower(): v for k, v in response.headers.items()}
    if status in REDIRECTS and headers.get("location"):
        return Answer(status, reason, headers, None, ""), headers["location"], False
    if status != 200:
        return Answer(status, reason, headers, None, ""), None, False
    announced = headers.get("content-length", "").strip()
    if announced.isdigit() and int(announced) > limit:
        raise FetchError(f"too large: {mb(int(announced))} announced (limit {mb(limit)})", "too large")
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = response.read(CHUNK)
        if cutoff.expired:  # the socket was shut: what came is not the whole body
            raise FetchError(why, "timeout")
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise FetchError(f"too large: over {mb(limit)}", "too large")
        chunks.append(chunk)
    keep = (response.closed and response.version == 11 and "close" not in headers.get("connection", "").lower()
            and ("content-length" in headers or "chunked" in headers.get("transfer-encoding", "").lower()))
    return Answer(status, reason, headers, b"".join(chunks), ""), None, keep


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
