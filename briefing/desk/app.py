"""The desk's web application: Starlette routes over a :class:`~briefing.desk.service.Desk`.

In: a desk (``app.state.desk``). Out: the page, its parts redrawn (the draft, the send panel), the files, the
static assets, the forms (a POST and a redirect: the page works without script) and the JSON API, each behind
the guard (:mod:`briefing.desk.guard`: host, token and origin checks, security headers). Every endpoint is a
module-level function that reads its desk from the request; bad input is a :class:`DeskError` with its 4xx.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..errors import BriefingError
from ..output.publish import SUFFIXES
from .corrections import DeskError, form_correction
from .guard import Guard, error_response

MAX_BODY = 64 * 1024  # a correction is a few hundred bytes: a larger body is refused before it is read
MAX_FIELDS = 20  # fields of a form of the page (the add form has ten)
STATIC = {"desk.js": "text/javascript; charset=utf-8", "desk.css": "text/css; charset=utf-8",
          "style.css": "text/css; charset=utf-8"}
FILE_TYPES = {"md": "text/plain; charset=utf-8", "html": "text/html; charset=utf-8", "pdf": "application/pdf",
              "epub": "application/epub+zip"}


# -- reading requests ---------------------------------------------------------------------------------------


async def body_of(request: Request) -> bytes:
    length = request.headers.get("content-length")
    too_large = DeskError(413, f"the request body is over {MAX_BODY // 1024} KB; a correction is far smaller")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def json_body(request: Request) -> Any:
    if _content_type(request) != "application/json":
        raise DeskError(415, "send the correction as JSON (Content-Type: application/json)")
    body = await body_of(request)
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise DeskError(400, f"the body is not JSON: {str(exc)[:200]}") from None


async def form_body(request: Request) -> dict[str, str]:
    if _content_type(request) != "application/x-www-form-urlencoded":
        raise DeskError(415, "send the form as application/x-www-form-urlencoded")
    body = await body_of(request)
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body),
                              max_num_fields=MAX_FIELDS))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DeskError(400, f"the form cannot be read: {exc}") from None


def day(request: Request) -> dt.date:
    text = request.path_params["date"]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DeskError(404, f"{text[:40]!r} is not a date (YYYY-MM-DD)") from None


def render_page(request: Request, template: str, date: dt.date, **extra) -> str:
    desk = request.app.state.desk
    view = desk.view(date)
    return desk.env.get_template(template).render(view=view, send=desk.send_view(date, view), **extra)


def _page(date: dt.date, message: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/issues/{date.isoformat()}?{urlencode({'m': message})}{anchor}", status_code=303)


def _said(state) -> str:
    return f"Rebuilt in {state.seconds:.2f} s" if state.ok else f"Saved; the rebuild failed: {state.error}"


# -- the page -----------------------------------------------------------------------------------------------


async def favicon(request: Request):
    return Response(status_code=204)


async def home(request: Request):
    return RedirectResponse(f"/issues/{request.app.state.desk.date.isoformat()}", status_code=303)


async def page(request: Request):
    html = await run_in_threadpool(render_page, request, "desk.html", day(request),
                                   message=request.query_params.get("m", ""))
    return HTMLResponse(html)


def shown(template: str):
    """An endpoint showing ``template`` for the day (the send panel redrawn, the send page)."""
    async def endpoint(request: Request):
        return HTMLResponse(await run_in_threadpool(render_page, request, template, day(request)))
    return endpoint


async def redrawn(request: Request):
    """The draft and the send panel, redrawn after a correction; ``?documents=0``: without the documents left
    out before the stories were made (a correction never changes them: the page keeps the ones it has)."""
    documents = request.query_params.get("documents") != "0"
    return HTMLResponse(await run_in_threadpool(render_page, request, "desk_redraw.html", day(request),
                                                documents=documents))


async def form_notes(request: Request):
    date = day(request)
    correction = form_correction(await form_body(request))
    try:
        _, state = await run_in_threadpool(request.app.state.desk.correct, date, correction)
    except DeskError as exc:
        if exc.view is None:
            raise
        return _page(date, f"Not saved: {exc}")  # an out-of-date page: the draft as it stands, and why
    return _page(date, _said(state), f"#item-{correction['item']}" if "item" in correction else "")


async def form_rebuild(request: Request):
    date = day(request)
    await form_body(request)
    state = await run_in_threadpool(request.app.state.desk.rebuild, date)
    return _page(date, _said(state).replace("Saved; the", "The"))


async def form_send(request: Request):
    date = day(request)
    fields = await form_body(request)
    if fields.get("action") not in ("send", "test"):
        raise DeskError(422, "unknown send action")
    test = fields.get("address", "") if fields.get("action") == "test" else None
    result = await run_in_threadpool(request.app.state.desk.send, date, test)
    return HTMLResponse(await run_in_threadpool(render_page, request, "desk_send_page.html", date, result=result))


async def files(request: Request):
    date = day(request)
    fmt = request.path_params["fmt"]
    if fmt not in SUFFIXES:
        raise DeskError(404, f"no format {fmt[:20]!r}; formats: {', '.join(SUFFIXES)}")
    path = await run_in_threadpool(request.app.state.desk.file, date, fmt)
    if not path.is_file():
        raise DeskError(404, f"no {fmt} file for {date.isoformat()}")
    return FileResponse(path, media_type=FILE_TYPES[fmt], content_disposition_type="inline", filename=path.name)


async def preview(request: Request):
    png = await run_in_threadpool(request.app.state.desk.preview, day(request))
    if png is None:
        raise DeskError(404, "no picture of the PDF (it is missing, or pdftoppm is not installed)")
    return Response(png, media_type="image/png")


async def static(request: Request):
    name = request.path_params["name"]
    if name not in STATIC:
        raise DeskError(404, f"no file {name[:40]!r}")
    env = request.app.state.desk.env
    source, _, _ = env.loader.get_source(env, name)
    return Response(source, media_type=STATIC[name])


# -- the JSON API -------------------------------------------------------------------------------------------


async def api_issue(request: Request):
    return JSONResponse(await run_in_threadpool(request.app.state.desk.view, day(request)))


async def api_notes(request: Request):
    """One correction; the answer is the issue as it now stands (JSON), or, asked for ``text/html`` (the page),
    the redrawn draft and send panel at once (``?documents=0`` as for ``/issues/<date>/draft``)."""
    date = day(request)
    raw = await json_body(request)
    desk = request.app.state.desk
    correction, state = await run_in_threadpool(desk.correct, date, raw)
    if request.headers.get("accept", "").split(",")[0].strip().lower() == "text/html":
        return await redrawn(request)
    answer = await run_in_threadpool(desk.view, date)
    answer.update(correction=correction, rebuilt=state.to_dict())  # saved either way: a failed rebuild is said
    return JSONResponse(answer)


async def api_rebuild(request: Request):
    date = day(request)
    await body_of(request)
    desk = request.app.state.desk
    state = await run_in_threadpool(desk.rebuild, date)
    answer = await run_in_threadpool(desk.view, date)
    answer["rebuilt"] = state.to_dict()
    return JSONResponse(answer)


async def api_send(request: Request):
    date = day(request)
    raw = await json_body(request)
    if not isinstance(raw, dict) or set(raw) - {"confirm", "test_address"} or \
            ("test_address" in raw) == bool(raw.get("confirm") is True):
        raise DeskError(422, "send with {\"confirm\": true}, or a test copy with {\"test_address\": \"…\"}")
    test = raw.get("test_address")
    if test is not None and not isinstance(test, str):
        raise DeskError(422, "test_address must be a string")
    result = await run_in_threadpool(request.app.state.desk.send, date, test)
    return JSONResponse(result, status_code=200 if result["sent"] else 409)


async def on_desk_error(request: Request, exc: DeskError):
    extra = {"stale": True, "issue": exc.view} if exc.view is not None else {}
    return error_response(request, exc.status, str(exc), **extra)


async def on_briefing_error(request: Request, exc: BriefingError):
    return error_response(request, 500, str(exc))


async def on_failure(request: Request, exc: Exception):
    """Never a bare 500: what failed, in one line (the traceback goes to the desk's log)."""
    return error_response(request, 500, f"the desk failed: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}; "
                                        "nothing more was changed")


ROUTES = [
    Route("/", home),
    Route("/favicon.ico", favicon),
    Route("/issues/{date}", page),
    Route("/issues/{date}/draft", redrawn),
    Route("/issues/{date}/notes", form_notes, methods=["POST"]),
    Route("/issues/{date}/rebuild", form_rebuild, methods=["POST"]),
    Route("/issues/{date}/send", shown("desk_send_page.html"), methods=["GET"]),
    Route("/issues/{date}/send", form_send, methods=["POST"]),
    Route("/issues/{date}/send/panel", shown("desk_send.html")),
    Route("/issues/{date}/files/page1.png", preview),
    Route("/issues/{date}/files/{fmt}", files),
    Route("/static/{name}", static),
    Route("/api/issues/{date}", api_issue),
    Route("/api/issues/{date}/notes", api_notes, methods=["POST"]),
    Route("/api/issues/{date}/rebuild", api_rebuild, methods=["POST"]),
    Route("/api/issues/{date}/send", api_send, methods=["POST"]),
]


def make_app(desk) -> Starlette:
    """The Starlette application of ``desk``."""
    app = Starlette(routes=ROUTES, middleware=[Middleware(Guard)],
                    exception_handlers={DeskError: on_desk_error, BriefingError: on_briefing_error,
                                        Exception: on_failure})
    app.state.desk = desk
    return app
