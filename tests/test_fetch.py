"""The one fetcher, against real HTTP servers on loopback addresses: bodies, errors, wall-clock time-outs (headers
included), size caps, redirects, refused addresses at every hop, DNS pinning, gzip/br, retries, robots.txt, the HTTP
cache, offline, and OPML lists fetched in parallel with caps."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from pathlib import Path

import pytest

from briefing.pipeline.build import build
from briefing.config.settings import load_config
from briefing.errors import BuildError, SourceError
from briefing.sources.fetch import FetchError, Fetcher, FetchSettings, fetch, refusal
from briefing.sources.httpcache import HttpCache

from . import servers
from .conftest import DATA

FEED = (DATA / "feeds" / "2023-03-19" / "aljazeera.xml").read_bytes()
PAGE = (DATA / "formats" / "page.html").read_bytes()
BIG = 3 * 1024 * 1024


@pytest.fixture(scope="module")
def site():
    host = servers.Site("127.0.0.2", {
        "/feed.xml": servers.page(FEED, "application/rss+xml"),
        "/page": servers.page(PAGE),
        "/missing.xml": servers.status(404),
        "/broken": servers.status(500),
        "/slow": servers.hang(20, servers.page(FEED)),
        "/trickle": servers.trickle(b"<p>" + b"x" * 400 + b"</p>", 0.05),
        "/trickle-headers": servers.trickle(b"<p>hello</p>", 0.05, headers_too=True),
        "/big": servers.page(b"x" * BIG, "text/plain"),
        "/big-unannounced": servers.endless(total=BIG),
        "/to-file": servers.redirect("file:///etc/passwd"),
        "/to-ftp": servers.redirect("ftp://127.0.0.2/feed.xml"),
        "/to-feed": servers.redirect("/feed.xml", 301),
        "/to-metadata": servers.redirect("http://169.254.169.254/latest/meta-data/"),
        "/gzip": servers.page(PAGE, encoding="gzip"),
        "/br": servers.page(PAGE, encoding="br"),
    })
    yield host
    host.close()


def test_fetch_success_returns_the_body(site):
    assert fetch(site.url("/feed.xml"), timeout=5, allow_private=True) == FEED
    headers = site.requests[-1]["headers"]
    assert headers["user-agent"].startswith("briefing/0.1.0 (")


def test_http_errors_are_named_by_status(site):
    with pytest.raises(SourceError, match="HTTP 404"):
        fetch(site.url("/missing.xml"), timeout=5, allow_private=True)
    with pytest.raises(SourceError, match="HTTP 500"):
        fetch(site.url("/broken"), timeout=5, allow_private=True)


def test_a_server_that_never_answers_times_out(site):
    # it would answer after 20 s: an answer at all would mean the time-out did not work
    with pytest.raises(SourceError, match=r"^timed out after 0\.5 s$"):
        fetch(site.url("/slow"), timeout=0.5, allow_private=True)


@pytest.mark.slow  # waits on purpose (a trickle, a Retry-After)
def test_the_timeout_bounds_the_whole_download_even_a_trickle(site):
    # a byte every 0.05 s: no single read waits long, yet the whole body would take 20 s
    with pytest.raises(SourceError, match=r"^timed out after 1 s$"):
        fetch(site.url("/trickle"), timeout=1, allow_private=True)
    # the same with the status line and headers trickled: the headers are timed too
    with pytest.raises(SourceError, match=r"^timed out after 0\.5 s$"):
        fetch(site.url("/trickle-headers"), timeout=0.5, allow_private=True)


def test_oversized_bodies_are_refused(site):
    with pytest.raises(SourceError, match="too large: 3 MB announced"):
        fetch(site.url("/big"), timeout=5, limit=1024 * 1024, allow_private=True)
    with pytest.raises(SourceError, match="too large: over 1 MB"):
        fetch(site.url("/big-unannounced"), timeout=5, limit=1024 * 1024, allow_private=True)


def test_only_http_and_https_are_fetched(site, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    for url in (secret.as_uri(), "ftp://127.0.0.2/x", "javascript:alert(1)"):
        with pytest.raises(SourceError, match="only http and https"):
            fetch(url, allow_private=True)
    for target in ("to-file", "to-ftp"):
        with pytest.raises(SourceError, match="redirected to a refused address"):
            fetch(site.url(f"/{target}"), timeout=5, allow_private=True)
    assert fetch(site.url("/to-feed"), timeout=5, allow_private=True) == FEED


def test_gzip_and_brotli_bodies_are_decoded(site):
    assert fetch(site.url("/gzip"), timeout=5, allow_private=True) == PAGE
    assert fetch(site.url("/br"), timeout=5, allow_private=True) == PAGE
    accepted = site.requests[-1]["headers"]["accept-encoding"]
    assert "gzip" in accepted and "br" in accepted


def test_connection_refused_is_a_clear_error():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.2", 0))
        port = s.getsockname()[1]
    with pytest.raises(SourceError, match="cannot connect"):
        fetch(f"http://127.0.0.2:{port}/feed.xml", timeout=2, allow_private=True)


# -- addresses ------------------------------------------------------------------------------------------------
def test_private_loopback_and_metadata_addresses_are_refused_by_default(site):
    before = len(site.requests)
    with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.2 is a loopback address \(\[fetch\] allow_private"):
        fetch(site.url("/feed.xml"), timeout=5)
    with pytest.raises(FetchError, match=r"refused: localhost \(127\.0\.0\.1\) is a loopback address"):
        fetch(f"http://localhost:{site.port}/feed.xml", timeout=5)
    assert len(site.requests) == before  # nothing was asked
    # a redirect is checked at its own hop: a metadata address is refused even where private ones are allowed
    with pytest.raises(FetchError, match=r"refused: 169\.254\.169\.254 is a cloud metadata address$"):
        fetch(site.url("/to-metadata"), timeout=5, allow_private=True)
    verdicts = {a: refusal(__import__("ipaddress").ip_address(a)) for a in (
        "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.1.1", "fd12::1", "fe80::1", "::1", "224.0.0.1",
        "::ffff:127.0.0.1", "0.0.0.0", "100.100.100.200", "93.184.216.34", "2606:2800:220:1::1")}
    assert verdicts == {
        "10.1.2.3": "a private address", "172.16.0.1": "a private address", "192.168.1.1": "a private address",
        "169.254.1.1": "a link-local address", "fd12::1": "a unique-local address", "fe80::1": "a link-local address",
        "::1": "a loopback address", "224.0.0.1": "a multicast address", "::ffff:127.0.0.1": "a loopback address",
        "0.0.0.0": "an unspecified address", "100.100.100.200": "a cloud metadata address",
        "93.184.216.34": None, "2606:2800:220:1::1": None}


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch):
    # two hosts on one port; the name resolves to the first, then (were it asked again) to the second
    first = servers.Site("127.0.0.3", {"/": servers.page(b"<p>first</p>")})
    second = servers.Site("127.0.0.4", {"/": servers.page(b"<p>second</p>")}, port=first.port)
    real = socket.getaddrinfo
    calls = []

    def switching(host, port, *args, **kwargs):
        if host == "news.test":
            calls.append(host)
            address = "127.0.0.3" if len(calls) == 1 else "127.0.0.4"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", switching)
    try:
        body = fetch(f"http://news.test:{first.port}/", timeout=5, allow_private=True)
        assert body == b"<p>first</p>" and len(calls) == 1
        assert first.requests[0]["headers"]["host"] == f"news.test:{first.port}"
        with pytest.raises(FetchError, match=r"refused: news\.test \(127\.0\.0\.4\) is a loopback address"):
            fetch(f"http://news.test:{first.port}/", timeout=5)  # the desk's network, named: refused
    finally:
        first.close()
        second.close()
    assert second.requests == []


# -- politeness --------------------------------------------------------------------------------------------------
@pytest.mark.slow  # waits on purpose (a trickle, a Retry-After)
def test_429_and_503_are_tried_again_after_retry_after_within_the_deadline():
    answers = iter([servers.status(503, {"Retry-After": "1"}), servers.page(b"<p>back</p>")])
    host = servers.Site("127.0.0.5", {"/busy": lambda h: next(answers)(h),
                                      "/later": servers.status(429, {"Retry-After": "3600"})})
    try:
        fetcher = Fetcher(FetchSettings(allow_private=True))
        assert fetcher.get(host.url("/busy"), timeout=5).body == b"<p>back</p>"
        assert host.paths() == ["/busy", "/busy"]
        with pytest.raises(FetchError, match=r"HTTP 429 Too Many Requests; asked to come back in 3600 s, past"):
            fetcher.get(host.url("/later"), timeout=5, deadline=time.monotonic() + 30)
        assert host.paths().count("/later") == 1
    finally:
        host.close()


def test_robots_txt_is_honoured_and_read_once_per_host():
    host = servers.Site("127.0.0.6", {
        "/robots.txt": servers.page(b"User-agent: *\nDisallow: /private/\n", "text/plain"),
        "/private/report": servers.page(b"<p>secret</p>"), "/news/a": servers.page(b"<p>a</p>"),
        "/news/b": servers.page(b"<p>b</p>")})
    try:
        fetcher = Fetcher(FetchSettings(allow_private=True))
        assert fetcher.get(host.url("/news/a"), robots=True).body == b"<p>a</p>"
        assert fetcher.get(host.url("/news/b"), robots=True).body == b"<p>b</p>"
        with pytest.raises(FetchError, match="robots.txt disallows it"):
            fetcher.get(host.url("/private/report"), robots=True)
        assert host.paths() == ["/robots.txt", "/news/a", "/news/b"]
    finally:
        host.close()


# -- the HTTP cache ---------------------------------------------------------------------------------------------
def test_the_cache_serves_fresh_entries_revalidates_old_ones_and_refetches_corrupt_ones(tmp_path):
    host = servers.Site("127.0.0.7", {"/a": servers.page(b"<p>article</p>")})
    try:
        cache = HttpCache(tmp_path / "http", days=14)
        fetcher = Fetcher(FetchSettings(allow_private=True, cache=cache))
        url = host.url("/a")
        first = fetcher.get(url, max_age=86400)
        assert (first.body, first.from_cache) == (b"<p>article</p>", False)
        again = fetcher.get(url, max_age=86400)  # fresh: not asked at all
        assert (again.body, again.from_cache, again.revalidated) == (b"<p>article</p>", True, False)
        assert len(host.requests) == 1
        checked = fetcher.get(url, max_age=0)  # a feed's way: a conditional request, answered 304
        assert (checked.body, checked.from_cache, checked.revalidated) == (b"<p>article</p>", True, True)
        assert len(host.requests) == 2 and host.requests[1]["headers"]["if-none-match"].startswith('"')
        file = cache.file(url)
        file.write_bytes(file.read_bytes()[:-3])  # a torn or damaged entry
        refetched = fetcher.get(url, max_age=86400)
        assert (refetched.body, refetched.from_cache) == (b"<p>article</p>", False)
        assert len(host.requests) == 3 and "if-none-match" not in host.requests[2]["headers"]
        old = time.time() - 15 * 86400  # older than cache_days: expired, fetched whole
        os.utime(file, (old, old))
        assert fetcher.get(url, max_age=30 * 86400).from_cache is False
        assert len(host.requests) == 4 and "if-none-match" not in host.requests[3]["headers"]
        assert not list((tmp_path / "http").glob("*/.*.tmp"))  # written whole, renamed into place

        offline = Fetcher(FetchSettings(allow_private=True, cache=cache, offline=True))
        assert offline.get(url).body == b"<p>article</p>"
        with pytest.raises(FetchError, match="^offline and not cached$"):
            offline.get(host.url("/never"))
        assert len(host.requests) == 4
    finally:
        host.close()


# -- builds --------------------------------------------------------------------------------------------------
def opml(feeds: list[str]) -> bytes:
    outlines = "".join(f'<outline text="f{n}" xmlUrl="{url}"/>' for n, url in enumerate(feeds))
    return (f'<?xml version="1.0"?><opml version="2.0"><head><title>Desk</title></head><body>'
            f'<outline text="News">{outlines}<outline text="Local" xmlUrl="file:///etc/passwd"/></outline>'
            f'</body></opml>').encode()


def workspace(tmp_path: Path, text: str = "") -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "briefing.toml").write_text('[subject]\npreset = "russia-ukraine-war"\n[briefing]\nout = "out"\n[fetch]\ntimeout = 1\nallow_private = true\n' + text +
                                      '[articles]\nfetch = false\n')
    return ws


def test_build_fetches_feeds_pages_and_opml_lists(site, tmp_path):
    site.routes["/list.opml"] = servers.page(opml([site.url("/feed.xml"), site.url("/missing.xml")]), "text/x-opml")
    ws = workspace(tmp_path)
    sources = [site.url("/list.opml"), site.url("/page"), site.url("/broken"), site.url("/slow")]
    result = build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md", sources=sources))
    bad = {b["path"]: b["reason"] for b in result.report.bad_sources}
    assert bad[site.url("/broken")].startswith("HTTP 500")
    assert bad[site.url("/slow")] == "timed out after 1 s"
    assert bad[site.url("/missing.xml")].startswith("HTTP 404")
    assert bad[f"file:///etc/passwd (listed in {site.url('/list.opml')})"] == "only http and https addresses are fetched"
    paths = {d["path"] for d in result.report.documents}
    assert paths == {site.url("/feed.xml"), site.url("/page")}
    by_path = {s["path"]: s for s in result.report.sources}
    assert by_path[site.url("/list.opml")] == {"path": site.url("/list.opml"), "documents": 0, "lists": 2}
    assert by_path[site.url("/feed.xml")]["documents"] == 3
    md = Path(result.paths["md"]).read_text()
    assert "Aljazeera" in md


@pytest.mark.slow
def test_an_opml_list_of_dead_feeds_is_fetched_in_parallel_within_its_caps(tmp_path):
    # 34 feeds on five hosts that would each answer after 20 s: one after another that is 11 minutes
    hosts = servers.sites(5, first=20, routes={f"/feed{n}.xml": servers.hang(20) for n in range(40)})
    lister = servers.Site("127.0.0.30")
    try:
        feeds = [hosts[n % 5].url(f"/feed{n}.xml") for n in range(34)]
        lister.routes["/list.opml"] = servers.page(opml(feeds), "text/x-opml")
        ws = workspace(tmp_path, "list_feeds = 30\nlist_seconds = 2\n")
        (ws / "briefing.toml").write_text((ws / "briefing.toml").read_text().replace("timeout = 1", "timeout = 20"))
        local = ws / "local.txt"  # one source that reads, so that the build goes on to its report
        local.write_text("Kyiv grid holds\n\nUkraine's power grid held through the night, officials in Kyiv said.\n")
        result = build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md",
                                   sources=[lister.url("/list.opml"), str(local)]))
    finally:
        for host in hosts + [lister]:
            host.close()
    bad = {b["path"].split(" (listed")[0]: b["reason"] for b in result.report.bad_sources}
    assert {bad[url] for url in feeds[30:]} == {"not fetched: the list names more than [fetch] list_feeds (30) feeds"}
    late = {bad[url] for url in feeds[:30]}
    assert late <= {"timed out: the lists' feeds took [fetch] list_seconds (2 s)",
                    "not fetched: the lists' feeds took [fetch] list_seconds (2 s)"}
    assert "timed out: the lists' feeds took [fetch] list_seconds (2 s)" in late
    assert all(host.peak <= 2 for host in hosts)  # [articles] per_host
    assert servers.overlap(hosts) > 2  # several hosts at once
    assert not any(p.startswith(f"/feed{n}.") for host in hosts for p in host.paths() for n in range(30, 34))


def test_a_build_refuses_sources_lists_and_the_losses_source_on_private_addresses(site, tmp_path):
    ws = tmp_path / "ws"
    (ws / "seeds").mkdir(parents=True)
    (ws / "seeds" / "desk.opml").write_bytes(opml([site.url("/feed.xml")]))
    (ws / "briefing.toml").write_text(f'[subject]\npreset = "russia-ukraine-war"\n[briefing]\nsources = ["seeds", "{site.url("/page")}"]\nout = "out"\n'
                                      f'[losses]\nsource = "{site.url("/losses.json")}"\n')
    before = len(site.requests)
    with pytest.raises(BuildError) as failed:  # nothing read and nothing to say: the build fails, naming each
        build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md"))
    refused = "refused: 127.0.0.2 is a loopback address ([fetch] allow_private = true allows it)"
    lines = str(failed.value).splitlines()
    assert f"  {site.url('/page')}: {refused}" in lines  # a URL source
    assert f"  {site.url('/feed.xml')}: {refused}" in lines  # a feed an OPML list names
    assert f"  {site.url('/losses.json')}: [losses] source: {refused}" in lines
    assert len(site.requests) == before  # the desk's own network was never asked
    assert not (ws / "out" / "2023-03-20").exists()


def test_a_deeply_nested_http_cache_entry_is_removed_and_the_source_fetched_again(site, tmp_path, caplog):
    # was: a RecursionError that skipped the URL source on every build, online or offline
    ws = workspace(tmp_path)
    url = site.url("/feed.xml")

    def built(**kwargs):
        return build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md", sources=[url], **kwargs))

    first = built()
    assert not first.report.bad_sources
    cache = HttpCache(ws / ".briefing-cache" / "http", 14)
    file = cache.file(url)
    file.write_bytes(b"[" * 10_000 + b"\n" + FEED)
    again = built()
    assert not again.report.bad_sources and {d["path"] for d in again.report.documents} == {url}
    assert cache.get(url).body == FEED  # fetched and kept again
    assert any("is corrupt (nested deeper than 1 levels): removed" in r.getMessage() for r in caplog.records)

    empty = hashlib.sha256(b"").hexdigest()
    file.write_text(json.dumps({"format": 1, "url": url, "final_url": url, "status": "200", "length": 0,
                                "sha256": empty}) + "\n")  # a field of the wrong type
    with pytest.raises(BuildError, match=r"feed\.xml: offline and not cached$"):
        built(offline=True)
    assert not file.exists()
    assert any("is corrupt (a field of the wrong type): removed" in r.getMessage() for r in caplog.records)


def test_an_http_cache_entry_over_its_limits_is_corrupt(tmp_path, monkeypatch):
    from briefing.sources import httpcache

    cache = HttpCache(tmp_path / "http", days=14)
    cache.put("https://example.org/a", "https://example.org/a", 200, b"x" * 2000)
    monkeypatch.setattr(httpcache, "MAX_ENTRY", 1000)
    assert cache.get("https://example.org/a") is None
    assert cache.stats["corrupt"] == 1 and not cache.file("https://example.org/a").exists()
    monkeypatch.setattr(httpcache, "MAX_BODY", 1000)
    cache.put("https://example.org/a", "https://example.org/a", 200, b"x" * 2000)  # too large to keep
    assert not cache.file("https://example.org/a").exists()
