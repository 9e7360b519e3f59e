"""Fetch: an http(s) URL → its bytes, with a timeout, a size cap and an error that says what went wrong.

In: a URL, a timeout in seconds and a byte limit. Out: the body as bytes, or :class:`SourceError` with the
reason (HTTP status, timed out, too large, refused scheme, cannot connect). Only ``http`` and ``https`` are
fetched, redirects included; the body is read in chunks and abandoned as soon as it passes the limit, and the
whole download must finish within the timeout, so a server that trickles bytes is cut off too.
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

from . import __version__
from .errors import SourceError

SCHEMES = ("http", "https")
CHUNK = 64 * 1024
USER_AGENT = f"briefing/{__version__} (+daily newsletter builder)"


def is_fetchable(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme.lower() in SCHEMES


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) only (never to ftp: or file:)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not is_fetchable(urllib.parse.urljoin(req.full_url, newurl)):
            raise SourceError(f"redirected to a refused address: {newurl[:200]}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_SafeRedirects)


def _mb(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n % 1048576 else f"{n // 1048576} MB"


def fetch(url: str, timeout: float = 20.0, limit: int = 20 * 1024 * 1024) -> bytes:
    """The body of ``url``; raises :class:`SourceError` with a clear reason on any failure."""
    if not is_fetchable(url):
        raise SourceError("only http and https addresses are fetched")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    deadline = time.monotonic() + timeout
    try:
        with _opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.strip().isdigit() and int(length) > limit:
                raise SourceError(f"too large: {_mb(int(length))} announced (limit {_mb(limit)})")
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() > deadline:
                    raise SourceError(f"timed out after {timeout:g} s")
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise SourceError(f"too large: over {_mb(limit)}")
                chunks.append(chunk)
            return b"".join(chunks)
    except SourceError:
        raise
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:  # urllib itself refuses redirects to file: and the like
            raise SourceError(f"redirected to a refused address (HTTP {exc.code})") from None
        raise SourceError(f"HTTP {exc.code} {exc.reason}".strip()) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise SourceError(f"timed out after {timeout:g} s") from None
        raise SourceError(f"cannot connect: {reason}") from None
    except (socket.timeout, TimeoutError):
        raise SourceError(f"timed out after {timeout:g} s") from None
    except http.client.HTTPException as exc:
        raise SourceError(f"broken answer: {type(exc).__name__}") from None
    except (ConnectionError, OSError) as exc:
        raise SourceError(f"connection failed: {exc}") from None
    except ValueError as exc:  # malformed URL
        raise SourceError(f"not a valid address: {exc}") from None
