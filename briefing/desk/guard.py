"""The desk's guard: who may reach it and from where, checked before any route runs.

In: each request, and the desk it is for (its address, its token). Out: the request passed on, or refused (421 a
Host that is not the desk's own name on loopback, 401 no token or a wrong one, 403 a change from another site);
security headers on every answer; errors as JSON for the API and as a page for the rest
(:func:`error_response`).
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlencode

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

TOKEN_COOKIE = "briefing_desk"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
SECURITY_HEADERS = {
    # no inline script at all; styles inline are the issue's own (the losses chart's SVG)
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; object-src 'self'; frame-src 'self'; frame-ancestors 'self'; "
                               "base-uri 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # "no-referrer" would make the forms send "Origin: null"
    "cache-control": "no-store",
}


def is_loopback(host: str) -> bool:
    """True for the addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def hostname(header: str) -> str:
    """The host name of a Host header, without its port, lower case (``[::1]`` keeps its brackets)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def error_response(request: Request, status: int, message: str, **extra) -> Response:
    """An error as the API gives it (``{"error": …}``) or as a page."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, **extra}, status_code=status)
    page = request.app.state.desk.env.get_template("desk_error.html").render(status=status, message=message)
    return HTMLResponse(page, status_code=status)


def _token_refusal(request: Request, token: str) -> Response | None:
    given = request.headers.get("authorization", "")
    given = given[7:] if given.lower().startswith("bearer ") else ""
    given = given or request.cookies.get(TOKEN_COOKIE, "")
    query = request.query_params.get("token")
    if query is not None and hmac.compare_digest(query.encode(), token.encode()) and request.method == "GET":
        rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
        response = RedirectResponse(request.url.path + (f"?{rest}" if rest else ""), status_code=303)
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return response
    if not given or not hmac.compare_digest(given.encode(), token.encode()):
        return error_response(request, 401, "this desk needs its token: open the address `briefing serve` printed "
                              "(…?token=…), or send Authorization: Bearer <token>")
    return None


def _origin_refusal(request: Request) -> Response | None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin is not None and origin != own:
        return error_response(request, 403, f"a change may come only from this desk's own page ({own}), not from "
                                            f"{origin[:100]}")
    if origin is None and request.headers.get("sec-fetch-site") not in (None, "same-origin", "none"):
        return error_response(request, 403, "a change may come only from this desk's own page")
    return None


def refusal(request: Request) -> Response | None:
    """Why the request may not reach the desk, as the answer to give; None when it may."""
    desk = request.app.state.desk
    host = hostname(request.headers.get("host") or "")
    if is_loopback(desk.host) and host not in (*LOOPBACK_NAMES, desk.host.lower()):
        # a page of another site whose name points here (DNS rebinding) is not this desk's page
        return error_response(request, 421, f"this desk answers as http://{desk.host}:{desk.port} only")
    if desk.token:
        refused = _token_refusal(request, desk.token)
        if refused is not None:
            return refused
    return _origin_refusal(request)


class Guard(BaseHTTPMiddleware):
    """Host, token and origin checks before anything else; security headers on every answer."""

    async def dispatch(self, request: Request, call_next):
        response = refusal(request) or await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
