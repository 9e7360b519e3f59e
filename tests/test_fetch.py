"""Fetching URLs against a real HTTP server on 127.0.0.1: success, 404, 500, slow, oversized, redirects, OPML."""

from __future__ import annotations

import http.server
import threading
import time
from pathlib import Path

import pytest

from briefing.build import build
from briefing.config import load_config
from briefing.errors import SourceError
from briefing.fetch import fetch

from .conftest import DATA

FEED = (DATA / "feeds" / "2023-03-19" / "aljazeera.xml").read_bytes()
BIG = 3 * 1024 * 1024


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output quiet
        pass

    def send_body(self, body: bytes, ctype: str = "application/rss+xml", length: bool = True):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (the timeout test)
            pass

    def do_GET(self):
        path = self.path
        if path == "/feed.xml":
            self.send_body(FEED)
        elif path == "/page":
            self.send_body((DATA / "formats" / "page.html").read_bytes(), "text/html")
        elif path == "/list.opml":
            port = self.server.server_address[1]
            self.send_body(f"""<?xml version="1.0"?><opml version="2.0"><head><title>Desk</title></head><body>
              <outline text="News"><outline text="AJ" xmlUrl="http://127.0.0.1:{port}/feed.xml"/>
              <outline text="Gone" xmlUrl="http://127.0.0.1:{port}/missing.xml"/>
              <outline text="Local" xmlUrl="file:///etc/passwd"/></outline></body></opml>""".encode(), "text/x-opml")
        elif path == "/missing.xml":
            self.send_error(404, "Not Found")
        elif path == "/broken":
            self.send_error(500, "Internal Server Error")
        elif path == "/slow":
            time.sleep(3)
            self.send_body(FEED)
        elif path == "/big":  # announced size over the cap
            self.send_body(b"x" * BIG, "text/plain")
        elif path == "/big-unannounced":  # no Content-Length: the cap must stop the reading
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(BIG // 65536):
                    self.wfile.write(b"y" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
        elif path == "/to-ftp":
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/feed.xml")
            self.end_headers()
        elif path == "/to-feed":
            self.send_response(301)
            self.send_header("Location", "/feed.xml")
            self.end_headers()
        else:
            self.send_error(404)


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetch_success_returns_the_body(server):
    assert fetch(f"{server}/feed.xml", timeout=5) == FEED


def test_http_errors_are_named_by_status(server):
    with pytest.raises(SourceError, match="HTTP 404"):
        fetch(f"{server}/missing.xml", timeout=5)
    with pytest.raises(SourceError, match="HTTP 500"):
        fetch(f"{server}/broken", timeout=5)


def test_slow_answer_times_out(server):
    # the server answers after 3 s: an answer at all would mean the timeout did not work
    with pytest.raises(SourceError, match=r"timed out after 0\.5 s"):
        fetch(f"{server}/slow", timeout=0.5)


def test_oversized_bodies_are_refused(server):
    with pytest.raises(SourceError, match="too large: 3 MB announced"):
        fetch(f"{server}/big", timeout=5, limit=1024 * 1024)
    with pytest.raises(SourceError, match="too large: over 1 MB"):
        fetch(f"{server}/big-unannounced", timeout=5, limit=1024 * 1024)


def test_only_http_and_https_are_fetched(server, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    for url in (secret.as_uri(), "ftp://127.0.0.1/x", "javascript:alert(1)"):
        with pytest.raises(SourceError, match="only http and https"):
            fetch(url)
    for target in ("to-file", "to-ftp"):
        with pytest.raises(SourceError, match="redirected to a refused address"):
            fetch(f"{server}/{target}", timeout=5)
    assert fetch(f"{server}/to-feed", timeout=5) == FEED


def test_connection_refused_is_a_clear_error():
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SourceError, match="cannot connect"):
        fetch(f"http://127.0.0.1:{port}/feed.xml", timeout=2)


def test_build_fetches_feeds_pages_and_opml_lists(server, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "briefing.toml").write_text('[subject]\npreset = "russia-ukraine-war"\n[briefing]\nout = "out"\n[fetch]\ntimeout = 1\n')
    sources = [f"{server}/list.opml", f"{server}/page", f"{server}/broken", f"{server}/slow"]
    result = build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md", sources=sources))
    bad = {b["path"]: b["reason"] for b in result.report.bad_sources}
    assert bad[f"{server}/broken"].startswith("HTTP 500")
    assert bad[f"{server}/slow"] == "timed out after 1 s"
    assert bad[f"{server}/missing.xml"].startswith("HTTP 404")
    assert bad[f"file:///etc/passwd (listed in {server}/list.opml)"] == "only http and https addresses are fetched"
    paths = {d["path"] for d in result.report.documents}
    assert paths == {f"{server}/feed.xml", f"{server}/page"}
    by_path = {s["path"]: s for s in result.report.sources}
    assert by_path[f"{server}/list.opml"] == {"path": f"{server}/list.opml", "documents": 0, "lists": 2}
    assert by_path[f"{server}/feed.xml"]["documents"] == 3
    md = Path(result.paths["md"]).read_text()
    assert "Aljazeera" in md
