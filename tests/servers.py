"""Real HTTP servers on loopback addresses (127.0.0.2, 127.0.0.3, …: each address a host of its own) for the fetch
tests and the fetch benchmark. Each host records every request it is sent and how many it served at once. Also
here: feeds of the real teasers of 19 March 2023 that link to those servers."""

from __future__ import annotations

import gzip
import hashlib
import html
import http.server
import threading
import time
from pathlib import Path
from typing import Callable

import feedparser

DATA = Path(__file__).resolve().parent / "data"

Route = Callable[["Handler"], None]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    server: "_Server"

    def log_message(self, *args):
        pass

    def do_GET(self):
        site = self.server.site
        with site.lock:
            site.active += 1
            site.peak = max(site.peak, site.active)
            record = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                      "start": time.monotonic(), "end": None}
            site.requests.append(record)
        try:
            route = site.routes.get(self.path.split("?", 1)[0])
            if route is None:
                self.answer(404, b"not here", "text/plain")
            else:
                if site.delay:
                    time.sleep(site.delay)
                route(self)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up: what a time-out test wants
            pass
        finally:
            with site.lock:
                site.active -= 1
                record["end"] = time.monotonic()

    def answer(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
               headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    site: "Site"

    def handle_error(self, request, client_address):  # a client that hung up mid-request: nothing to report
        pass


class Site:
    """One host: ``routes`` maps a path to a :data:`Route` (see :func:`page` and the others below)."""

    def __init__(self, address: str, routes: dict[str, Route] | None = None, delay: float = 0.0, port: int = 0):
        self.address = address
        self.routes: dict[str, Route] = dict(routes or {})
        self.delay = delay
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.active = 0
        self.peak = 0
        self.release = threading.Event()  # set when the tests end: hanging answers give up
        self.httpd = _Server((address, port), Handler)
        self.httpd.site = self
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://{self.address}:{self.port}{path}"

    def paths(self) -> list[str]:
        with self.lock:
            return [r["path"] for r in self.requests]

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def sites(count: int, first: int = 2, **kwargs) -> list[Site]:
    """``count`` hosts on 127.0.0.<first>, 127.0.0.<first + 1>, …"""
    return [Site(f"127.0.0.{first + n}", **kwargs) for n in range(count)]


def overlap(hosts: list[Site]) -> int:
    """The most requests any of ``hosts`` were serving at one moment, all together."""
    events = []
    for site in hosts:
        with site.lock:
            for r in site.requests:
                events += [(r["start"], 1), (r["end"] if r["end"] is not None else float("inf"), -1)]
    most = current = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):
        current += step
        most = max(most, current)
    return most


class Blackhole:
    """An address that takes connections and never answers (a network that swallows packets)."""

    def __init__(self, address: str = "127.0.0.250"):
        import socket

        self.sock = socket.socket()
        self.sock.bind((address, 0))
        self.sock.listen(1024)  # the kernel completes the handshakes; nobody ever reads or answers
        self.address, self.port = self.sock.getsockname()

    def url(self, path: str) -> str:
        return f"http://{self.address}:{self.port}{path}"

    def close(self) -> None:
        self.sock.close()


# -- routes -----------------------------------------------------------------------------------------------
def page(body: bytes, ctype: str = "text/html; charset=utf-8", etag: bool = True, encoding: str = "") -> Route:
    """200 with ``body`` (gzip- or br-encoded if asked); with ``etag``, a conditional request is answered 304."""
    tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    if encoding == "gzip":
        sent = gzip.compress(body)
    elif encoding == "br":
        import brotli

        sent = brotli.compress(body)
    else:
        sent = body

    def route(h: Handler) -> None:
        if etag and h.headers.get("If-None-Match") == tag:
            h.send_response(304)
            h.send_header("ETag", tag)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        headers = {"ETag": tag} if etag else {}
        if encoding:
            headers["Content-Encoding"] = encoding
        h.answer(200, sent, ctype, headers)
    return route


def status(code: int, headers: dict | None = None) -> Route:
    return lambda h: h.answer(code, f"{code}".encode(), "text/plain", headers)


def hang(seconds: float, then: Route | None = None) -> Route:
    """Answer only after ``seconds`` (or when the tests end)."""
    def route(h: Handler) -> None:
        if not h.server.site.release.wait(seconds) and then is not None:
            then(h)
    return route


def trickle(body: bytes, every: float, headers_too: bool = False, framing: str = "length") -> Route:
    """Send the body one byte every ``every`` seconds (with ``headers_too``, the headers as well). ``framing``:
    "length" announces the length, "close" announces nothing and ends the body by closing the connection (what a
    peer that holds a download open does), "chunked" sends each byte as a chunk of its own."""
    def route(h: Handler) -> None:
        framed = {"length": f"Content-Length: {len(body)}\r\n", "close": "Connection: close\r\n",
                  "chunked": "Transfer-Encoding: chunked\r\n"}[framing]
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n{framed}\r\n".encode()
        pieces = [bytes([b]) for b in body]
        if framing == "chunked":
            pieces = [b"1\r\n" + p + b"\r\n" for p in pieces] + [b"0\r\n\r\n"]
        if headers_too:
            pieces = [bytes([b]) for b in head] + pieces
        else:
            h.wfile.write(head)
            h.wfile.flush()
        for piece in pieces:
            if h.server.site.release.wait(every):
                break
            h.wfile.write(piece)
            h.wfile.flush()
        h.close_connection = framing == "close" or h.server.site.release.is_set()
    return route


def endless(chunk: bytes = b"<p>" + b"x" * 65533, announce: bool = False, total: int = 0) -> Route:
    """A page that streams ``total`` bytes without announcing its length (or announcing it)."""
    def route(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        if announce:
            h.send_header("Content-Length", str(total))
        else:
            h.send_header("Connection", "close")
        h.end_headers()
        sent = 0
        while sent < total and not h.server.site.release.is_set():
            h.wfile.write(chunk)
            sent += len(chunk)
        h.close_connection = True
    return route


def redirect(location: str, code: int = 302) -> Route:
    return lambda h: h.answer(code, b"", "text/plain", {"Location": location})


def slow(route: Route, seconds: float) -> Route:
    """``route``, after ``seconds`` of the server's own time (a busy site)."""
    def delayed(h: Handler) -> None:
        time.sleep(seconds)
        route(h)
    return delayed


# -- feeds ------------------------------------------------------------------------------------------------------
def day_389_teasers() -> list:
    """The real feed items of 19 March 2023, in file order (titles, descriptions, publication times)."""
    entries = []
    for path in sorted((DATA / "feeds" / "2023-03-19").glob("*.xml")):
        entries.extend(feedparser.parse(path.read_bytes()).entries)
    return entries


def rss(items: list[tuple[str, str, str, str]]) -> str:
    """An RSS feed of ``(title, description, link, RFC 822 time)`` items."""
    rows = "".join(f"<item><title>{html.escape(t)}</title><link>{html.escape(link)}</link><pubDate>{when}</pubDate>"
                   f"<description>{html.escape(d)}</description></item>\n" for t, d, link, when in items)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Desk wire</title>'
            f'<link>https://example.invalid/wire</link>\n{rows}</channel></rss>\n')
