"""The desk: ``briefing serve``, a local web page to review, correct and send the day's draft.

In: the configuration, the day, the address to listen on (and, beyond loopback, a token). Out: a Starlette
application served by uvicorn. It shows the draft as it will print, each item with its sources, beside the
stories that did not print, each with its reason. Each correction (leave out, pin, move, headline, comment,
bring back, a hand-written item) is one click: it is written to ``notes/DATE.toml`` (the file a person edits
by hand; tomlkit keeps what is there, comments included; written atomically under the output lock) and the
issue is rebuilt at once from the warm cache, as ``briefing build`` would. The send is ``briefing send``'s.

Every form works without JavaScript (a POST and a redirect); with it (``desk.js``, no framework, no build step)
the page posts to its own JSON API and swaps the redrawn draft in place. The API and the rules that keep the
desk safe (loopback by default, a token beyond it, same-origin writes, escaped text, 4xx for bad input) are
described in docs/desk.md.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hmac
import ipaddress
import json
import logging
import os
import secrets
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..config.settings import Config, load_config
from ..errors import BriefingError, UsageError
from ..host.context import BuildContext
from ..host.plugins import Plugins
from ..host.sections import sections_of
from ..output.issuefile import read_issue
from ..output.publish import SUFFIXES
from ..output.render import SOURCE_LINKS, plain_date
from ..pipeline.build import build
from ..runtime.files import atomic_write, display_path
from ..runtime.lock import out_lock
from .editing import edit_notes
from .notes import NotesError, notes_path, parse_notes

log = logging.getLogger("briefing.desk")

MAX_BODY = 64 * 1024  # a correction is a few hundred bytes: a larger body is refused before it is read
MAX_HEADLINE = 300  # characters of an editor's headline (the loaders cut titles there too)
MAX_COMMENT = 2000  # characters of an editor's comment
MAX_TEXT = 5000  # characters of a hand-written item's text
MAX_SOURCES = 10  # sources of a hand-written item
TOKEN_COOKIE = "briefing_desk"
PREVIEW_DPI = 60  # the send dialog's picture of the PDF's first page: legible headings, a small PNG
PREVIEW_SECONDS = 20  # pdftoppm is given this long
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
ACTIONS = ("kill", "pin", "section", "headline", "comment", "restore")
ADD_FIELDS = ("section", "headline", "text", "comment", "pin", "sources")
SECURITY_HEADERS = {
    # no inline script at all; styles inline are the issue's own (the losses chart's SVG)
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; object-src 'self'; frame-src 'self'; frame-ancestors 'self'; "
                               "base-uri 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # "no-referrer" would make the forms send "Origin: null"
    "cache-control": "no-store",
}


class DeskError(BriefingError):
    """A request the desk refuses, with its HTTP status and a message saying why (nothing was changed)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


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


@dataclass
class BuildState:
    """The outcome of the desk's last build of one day."""

    ok: bool
    seconds: float
    at: str
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "seconds": self.seconds, "at": self.at, "error": self.error}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


class Desk:
    """The desk of one workspace: its configuration, plugins, the last build of each day, and the corrections.

    Corrections are serialised: one at a time in this process (a lock held over the notes write and the
    rebuild), and with every other build or send by the output lock around the notes write.
    """

    def __init__(self, config_path: Path | None, date: dt.date, *, out: str | None = None,
                 sources: list[str] | None = None, token: str = "", host: str = "127.0.0.1", port: int = 8077):
        self.config_path = config_path
        self.overrides = {"out": out, "sources": sources or None}
        self.date = date
        self.token = token
        self.host = host
        self.port = port
        first = self.config(date)
        self.workspace = first.workspace
        self.plugins = Plugins(first.workspace)
        sections = sections_of(BuildContext(first, self.plugins))
        self.section_info = {s.key: {"key": s.key, "title": s.title, "stories": s.make_items is None}
                             for s in sections}
        self.lock = threading.Lock()
        self.states: dict[dt.date, BuildState] = {}
        self.previews: dict[tuple, bytes] = {}

    # -- configuration and builds ------------------------------------------------------------------------
    def config(self, date: dt.date) -> Config:
        return load_config(self.config_path, date=date.isoformat(), **self.overrides)

    def rebuild(self, date: dt.date) -> BuildState:
        """Build the day's issue as ``briefing build`` does; a failure is kept and shown, the last issue stays."""
        started = time.perf_counter()
        try:
            build(self.config(date), self.plugins)
            state = BuildState(True, round(time.perf_counter() - started, 3), _now())
        except BriefingError as exc:
            state = BuildState(False, round(time.perf_counter() - started, 3), _now(), str(exc))
            log.error("desk: the build of %s failed: %s", date, exc)
        self.states[date] = state
        return state

    def folder(self, date: dt.date) -> Path:
        return self.config(date).out / date.isoformat()

    # -- what the page and the API show ------------------------------------------------------------------
    def view(self, date: dt.date) -> dict[str, Any]:
        """The issue of ``date`` as the API gives it: sections with items, the stories that did not print, the
        files, the send, the last build."""
        config = self.config(date)
        folder = config.out / date.isoformat()
        try:
            issue = read_issue(folder)
        except FileNotFoundError:
            raise DeskError(404, f"no issue built for {date.isoformat()} in {display_path(config.out, self.workspace)}"
                            + (f": {self.states[date].error}" if date in self.states and not self.states[date].ok
                               else "")) from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DeskError(500, f"the issue of {date.isoformat()} cannot be read ({exc})") from None
        try:
            report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = {}
        notes, notes_error = self._notes(config, date)
        desk_note = {}
        for note in notes["note"]:
            desk_note.setdefault(note.get("item"), note)
        stories = {e.get("story") for e in report.get("stories", [])}
        added = {n.get("item") for n in report.get("notes", []) if n.get("kind") == "editor" and "add" in n}
        sections = []
        for section in issue.sections:
            items = []
            for item in section.items:
                shown, more = item.source_line(SOURCE_LINKS)
                kind = "story" if item.id in stories else "hand-written" if item.id in added else "computed"
                items.append({
                    "id": item.id, "headline": item.headline, "section": section.key,
                    "sources": [{"outlet": s.outlet, "url": s.url} for s in item.sources],
                    "outlets": [[outlet, [{"url": r.url} for r in reports]] for outlet, reports in item.outlets],
                    "shown": [[outlet, [{"url": r.url} for r in reports]] for outlet, reports in shown],
                    "more": more,
                    "comment": desk_note.get(item.id, {}).get("comment", ""),
                    "comments": list(item.comments), "paragraphs": item.paragraphs, "note": item.note,
                    "figure_svg": item.figure_svg, "figure_svg_small": item.figure_svg_small,
                    "pinned": item.pinned, "kind": kind,
                })
            sections.append({"key": section.key, "title": section.title, "message": section.message,
                             "stories": self.section_info.get(section.key, {}).get("stories", False),
                             "items": items})
        dropped, documents = [], []
        for entry in report.get("dropped", []):
            if entry.get("story"):
                dropped.append({"id": entry["story"], "headline": entry.get("what", ""), "reason": entry["reason"],
                                "section": entry.get("section", "") or entry.get("from", ""),
                                "by_editor": bool(entry.get("editor")), "note": entry.get("note")})
            else:
                documents.append({"id": entry.get("doc", ""), "headline": entry.get("what", ""),
                                  "reason": entry["reason"]})
        files = {fmt: f"/issues/{date.isoformat()}/files/{fmt}" for fmt in SUFFIXES
                 if (folder / f"{issue.slug}{SUFFIXES[fmt]}").is_file()}
        state = self.states.get(date)
        return {
            "date": date.isoformat(), "name": issue.name, "title": issue.title, "day": issue.day,
            "dateline": plain_date(date),
            "back_issues_text": issue.back_issues_text, "slug": issue.slug,
            "sections": sections, "dropped": dropped, "documents_left_out": documents,
            "movable": [s for s in self.section_info.values() if s["stories"] and
                        any(x["key"] == s["key"] for x in sections)],
            "notes_file": display_path(notes_path(config, date), self.workspace), "notes_error": notes_error,
            "editor": [n for n in report.get("notes", []) if str(n.get("kind", "")).startswith("editor")],
            "files": files, "sent": self.sent(folder),
            "build": state.to_dict() if state else None,
        }

    def _notes(self, config: Config, date: dt.date) -> tuple[dict[str, list], str]:
        path = notes_path(config, date)
        if not path.is_file():
            return {"note": [], "add": []}, ""
        try:
            return parse_notes(path.read_text(encoding="utf-8"), display_path(path, self.workspace)), ""
        except (NotesError, OSError, UnicodeDecodeError) as exc:
            return {"note": [], "add": []}, str(exc)

    @staticmethod
    def sent(folder: Path) -> dict[str, Any] | None:
        """What ``sent.json`` says: when the issue last reached someone, who has it, and whose copy is uncertain."""
        from ..mail.send import DELIVERED, SENDING, MailError, latest_states, sent_records

        try:
            records = sent_records(folder)
        except MailError as exc:
            return {"error": str(exc)}
        if not records:
            return None
        states = latest_states(records)
        delivered = [to for to, d in states.items() if d["state"] == DELIVERED]
        return {"at": max((states[to].get("at", "") for to in delivered), default=records[-1].get("started", "")),
                "count": len(delivered), "recipients": delivered, "sends": len(records),
                "unknown": [to for to, d in states.items() if d["state"] == SENDING],
                "missed": [f"{to} ({d.get('reason') or d['state']})" for to, d in states.items()
                           if d["state"] not in (DELIVERED, SENDING)]}

    def send_view(self, date: dt.date) -> dict[str, Any]:
        """Who the issue goes to and its PDF, or why it cannot be sent."""
        from ..mail.send import address, mail_settings

        view = self.view(date)
        out: dict[str, Any] = {"recipients": [], "error": "", "pdf": view["files"].get("pdf", ""), "pdf_size": ""}
        try:
            out["recipients"] = mail_settings(self.config(date)).recipients
        except BriefingError as exc:
            out["error"] = str(exc)
        sent = self.sent(self.folder(date)) or {}
        reached = set(sent.get("recipients", [])) | set(sent.get("unknown", []))
        out["remaining"] = [r for r in out["recipients"] if address(r) not in reached]  # what a send would reach
        if out["pdf"]:
            size = (self.folder(date) / f"{view['slug']}.pdf").stat().st_size
            out["pdf_size"] = f"{size / 1024:.0f} KB"
            out["pdf_name"] = f"{view['slug']}.pdf"
        elif not out["error"]:
            out["error"] = "this issue has no PDF; add pdf to [briefing] formats and rebuild"
        state = self.states.get(date)
        if state and not state.ok and not out["error"]:
            out["error"] = f"the last rebuild failed ({state.error}); the issue on disk lacks the latest corrections"
        return out

    def preview(self, date: dt.date) -> bytes | None:
        """The PDF's first page as a PNG (pdftoppm, from poppler-utils), made once per PDF; None without one."""
        path = self.folder(date) / f"{self.view(date)['slug']}.pdf"
        try:
            key = (date, path.stat().st_mtime_ns)
        except OSError:
            return None
        if key not in self.previews:
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    subprocess.run(["pdftoppm", "-png", "-r", str(PREVIEW_DPI), "-f", "1", "-l", "1", "-singlefile",
                                    str(path), str(Path(tmp) / "page")], check=True, capture_output=True,
                                   timeout=PREVIEW_SECONDS)
                    png = (Path(tmp) / "page.png").read_bytes()
                except (OSError, subprocess.SubprocessError):
                    return None
            self.previews = {key: png}  # the latest PDF's picture only
        return self.previews[key]

    # -- corrections -------------------------------------------------------------------------------------
    def check(self, raw: Any, view: dict[str, Any]) -> dict[str, Any]:
        """One correction checked against the issue as it stands; DeskError (4xx) with the reason."""
        if not isinstance(raw, dict):
            raise DeskError(400, f"expected one correction as a JSON object, got {type(raw).__name__}")
        section_keys = [s["key"] for s in view["sections"]]
        if "add" in raw:
            if set(raw) != {"add"}:
                raise DeskError(422, "an added item comes alone: {\"add\": {\"section\": …, \"headline\": …, "
                                     "\"text\": …}}")
            return {"add": self._check_add(raw["add"], section_keys)}
        unknown = [k for k in raw if k not in ("item", *ACTIONS)]
        if unknown:
            close = difflib.get_close_matches(unknown[0], ["item", "add", *ACTIONS], n=1)
            raise DeskError(422, f"unknown key {unknown[0]!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
                            + f"; a correction is {{\"item\": id, one of {', '.join(ACTIONS)}}} or {{\"add\": …}}")
        item = raw.get("item")
        if not isinstance(item, str) or not item.strip():
            raise DeskError(422, "item must be the id of an item (a string), e.g. {\"item\": \"8c45dd02fcb9\", "
                                 "\"kill\": true}")
        actions = [k for k in ACTIONS if k in raw]
        if len(actions) != 1:
            raise DeskError(422, f"one correction at a time: give exactly one of {', '.join(ACTIONS)} "
                                 f"(got {', '.join(actions) or 'none'})")
        action = actions[0]
        value = raw[action]
        if action in ("kill", "pin", "restore"):
            if not isinstance(value, bool):
                raise DeskError(422, f"{action} must be true or false, not {json.dumps(value)[:80]}")
        elif not isinstance(value, str):
            raise DeskError(422, f"{action} must be a string, not {json.dumps(value)[:80]}")
        limit = {"headline": MAX_HEADLINE, "comment": MAX_COMMENT}.get(action)
        if limit and len(value) > limit:
            raise DeskError(422, f"{action} is {len(value)} characters long; at most {limit}")
        items = {i["id"]: i for s in view["sections"] for i in s["items"]}
        dropped = {d["id"]: d for d in view["dropped"]}
        if item not in items and item not in dropped:
            item = item[:40]  # an id is 12 characters: a longer one is shown cut
        if (action == "restore" and value) or (action == "kill" and not value):
            if item not in dropped:
                where = "is in the issue already" if item in items else "is not among the stories left out"
                raise DeskError(422, f"item {item!r} {where}; only a story that did not print can be brought back")
            return {"item": item, "restore": True}
        if item not in items:
            raise DeskError(422, f"no item {item!r} in the issue of {view['date']}"
                            + (" (it did not print: bring it back first)" if item in dropped else ""))
        if action == "restore":
            raise DeskError(422, f"item {item!r} is printed; restore is for stories that did not print")
        if action == "section":
            if value not in section_keys:
                raise DeskError(422, f"no section {value[:40]!r} in the issue; sections: {', '.join(section_keys)}")
            if items[item]["kind"] == "story" and not self.section_info.get(value, {}).get("stories", False):
                raise DeskError(422, f"section {value!r} makes its own items; a story cannot be moved there")
            if items[item]["section"] == value:
                raise DeskError(422, f"item {item!r} is in section {value!r} already")
        return {"item": item, action: value}

    def _check_add(self, add: Any, section_keys: list[str]) -> dict[str, Any]:
        if not isinstance(add, dict):
            raise DeskError(422, "add must be an object: {\"section\": …, \"headline\": …, \"text\": …}")
        unknown = [k for k in add if k not in ADD_FIELDS]
        if unknown:
            raise DeskError(422, f"add: unknown key {unknown[0]!r}; known: {', '.join(ADD_FIELDS)}")
        out: dict[str, Any] = {}
        for key, limit in (("section", 100), ("headline", MAX_HEADLINE), ("text", MAX_TEXT),
                           ("comment", MAX_COMMENT)):
            value = add.get(key, "")
            if not isinstance(value, str):
                raise DeskError(422, f"add: {key} must be a string, not {json.dumps(value)}")
            if len(value) > limit:
                raise DeskError(422, f"add: {key} is {len(value)} characters long; at most {limit}")
            out[key] = _one_line(value)
        if not out["headline"]:
            raise DeskError(422, "add: a hand-written item needs a headline")
        if out["section"] not in section_keys:
            raise DeskError(422, f"add: no section {out['section']!r} in the issue; sections: "
                                 f"{', '.join(section_keys)}")
        pin = add.get("pin", False)
        if not isinstance(pin, bool):
            raise DeskError(422, f"add: pin must be true or false, not {json.dumps(pin)}")
        out["pin"] = pin
        sources = add.get("sources", [])
        if not isinstance(sources, list) or len(sources) > MAX_SOURCES:
            raise DeskError(422, f"add: sources must be a list of at most {MAX_SOURCES} "
                                 "{\"outlet\": …, \"url\": …} objects")
        out["sources"] = []
        for source in sources:
            if not isinstance(source, dict) or set(source) - {"outlet", "url"} or \
                    not all(isinstance(v, str) for v in source.values()):
                raise DeskError(422, "add: each source is {\"outlet\": \"…\", \"url\": \"http(s)://…\"}")
            outlet, url = _one_line(source.get("outlet", "")), source.get("url", "").strip()
            if url and urlsplit(url).scheme.lower() not in ("http", "https"):
                raise DeskError(422, f"add: a source's url must be http(s), not {url[:80]!r}")
            if outlet:
                out["sources"].append({"outlet": outlet[:MAX_HEADLINE], "url": url[:2000]})
            elif url:
                raise DeskError(422, "add: a source with a url needs an outlet")
        return out

    def correct(self, date: dt.date, raw: Any) -> tuple[dict[str, Any], BuildState]:
        """Check one correction, write it to the day's notes file and rebuild; returns the rebuilt issue (as
        :meth:`view` gives it, with the checked correction) and how the rebuild went."""
        with self.lock:
            view = self.view(date)
            correction = self.check(raw, view)
            config = self.config(date)
            path = notes_path(config, date)
            where = display_path(path, self.workspace)
            with out_lock(config, "desk"):
                try:
                    text = path.read_text(encoding="utf-8") if path.is_file() else ""
                except (OSError, UnicodeDecodeError) as exc:
                    raise DeskError(409, f"{where} cannot be read ({exc}); fix it by hand") from None
                try:
                    parse_notes(text, where)
                except NotesError as exc:
                    raise DeskError(409, f"{exc}; the desk changes nothing until it is fixed by hand") from None
                item = next((i for s in view["sections"] for i in s["items"] if i["id"] == correction.get("item")),
                            None)
                dropped = next((d for d in view["dropped"] if d["id"] == correction.get("item")), None)
                new_text = edit_notes(text, correction, from_section=item["section"] if item else "",
                                      headline=(item or dropped or {}).get("headline", ""),
                                      note_number=dropped.get("note") if dropped and dropped["by_editor"] else None)
                parse_notes(new_text, where)  # what is written can be read back
                if new_text != text:
                    atomic_write(path, new_text)
            log.info("desk: %s: %s", where, json.dumps(correction, ensure_ascii=False))
            state = self.rebuild(date)
            answer = self.view(date)
            answer["correction"] = correction
            return answer, state

    def send(self, date: dt.date, test_address: str | None = None) -> dict[str, Any]:
        """Send as ``briefing send`` does (once), or a test copy to one address."""
        from ..mail.send import MailError, send_issue

        with self.lock:
            state = self.states.get(date)
            if state and not state.ok:
                raise DeskError(409, f"the last rebuild failed ({state.error}); fix it before sending")
            config = self.config(date)
            if test_address is not None:
                address = parseaddr(test_address)[1]
                if "@" not in address or address != test_address.strip():
                    raise DeskError(422, f"{test_address[:200]!r} is not one email address")
            try:
                result = send_issue(config, date, plugins=self.plugins,
                                    **({"test_to": [address]} if test_address is not None else {}))
            except UsageError as exc:
                raise DeskError(409, str(exc)) from None
            except MailError as exc:
                raise DeskError(502, str(exc)) from None
            summary = self.sent(self.folder(date)) or {}
            return {"sent": result.sent, "test": test_address is not None, "message": result.message,
                    "at": summary.get("at", ""), "count": summary.get("count", 0),
                    "recipients": summary.get("recipients", [])}


# -- the web application ----------------------------------------------------------------------------------


def form_correction(fields: dict[str, str]) -> dict[str, Any]:
    """A correction from a form of the page (the same forms the script turns into JSON)."""
    action = fields.get("action", "")
    item = fields.get("item", "")
    value = fields.get("value", "")
    if action == "add":
        source = {"outlet": fields.get("outlet", ""), "url": fields.get("url", "")}
        return {"add": {"section": fields.get("section", ""), "headline": fields.get("headline", ""),
                        "text": fields.get("text", ""), "comment": fields.get("comment", ""),
                        "pin": fields.get("pin") == "on",
                        "sources": [source] if source["outlet"] or source["url"] else []}}
    simple = {"kill": ("kill", True), "pin": ("pin", True), "unpin": ("pin", False), "restore": ("restore", True)}
    if action in simple:
        key, flag = simple[action]
        return {"item": item, key: flag}
    if action in ("section", "headline", "comment"):
        return {"item": item, action: value}
    raise DeskError(422, f"unknown action {action[:40]!r}")


def make_app(desk: Desk):
    """The Starlette application of ``desk``."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.middleware.base import BaseHTTPMiddleware
    from starlette.requests import Request
    from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
    from starlette.routing import Route

    env = BuildContext(desk.config(desk.date), desk.plugins).env

    def api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    def error_response(request: Request, status: int, message: str) -> Response:
        if api(request):
            return JSONResponse({"error": message}, status_code=status)
        page = env.get_template("desk_error.html").render(status=status, message=message)
        return HTMLResponse(page, status_code=status)

    class Guard(BaseHTTPMiddleware):
        """Host, token and origin checks before anything else; security headers on every answer."""

        async def dispatch(self, request: Request, call_next):
            refusal = self.refuse(request)
            if isinstance(refusal, Response):
                response = refusal
            else:
                response = await call_next(request)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        @staticmethod
        def refuse(request: Request) -> Response | None:
            host = hostname(request.headers.get("host") or "")
            if is_loopback(desk.host) and host not in (*LOOPBACK_NAMES, desk.host.lower()):
                # a page of another site whose name points here (DNS rebinding) is not this desk's page
                return error_response(request, 421, f"this desk answers as http://{desk.host}:{desk.port} only")
            if desk.token:
                given = request.headers.get("authorization", "")
                given = given[7:] if given.lower().startswith("bearer ") else ""
                given = given or request.cookies.get(TOKEN_COOKIE, "")
                query = request.query_params.get("token")
                if query is not None and hmac.compare_digest(query.encode(), desk.token.encode()) and \
                        request.method == "GET":
                    rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
                    response = RedirectResponse(request.url.path + (f"?{rest}" if rest else ""), status_code=303)
                    response.set_cookie(TOKEN_COOKIE, desk.token, httponly=True, samesite="strict")
                    return response
                if not given or not hmac.compare_digest(given.encode(), desk.token.encode()):
                    return error_response(request, 401, "this desk needs its token: open the address "
                                          "`briefing serve` printed (…?token=…), or send Authorization: Bearer "
                                          "<token>")
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                origin = request.headers.get("origin")
                own = f"{request.url.scheme}://{request.headers.get('host', '')}"
                if origin is not None and origin != own:
                    return error_response(request, 403, f"a change may come only from this desk's own page "
                                          f"({own}), not from {origin[:100]}")
                site = request.headers.get("sec-fetch-site")
                if origin is None and site not in (None, "same-origin", "none"):
                    return error_response(request, 403, "a change may come only from this desk's own page")
            return None

    async def body_of(request: Request) -> bytes:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            raise DeskError(413, f"the request body is over {MAX_BODY // 1024} KB; a correction is far smaller")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise DeskError(413, f"the request body is over {MAX_BODY // 1024} KB; a correction is far smaller")
            chunks.append(chunk)
        return b"".join(chunks)

    async def json_body(request: Request) -> Any:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise DeskError(415, "send the correction as JSON (Content-Type: application/json)")
        body = await body_of(request)
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise DeskError(400, f"the body is not JSON: {exc}") from None

    async def form_body(request: Request) -> dict[str, str]:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            raise DeskError(415, "send the form as application/x-www-form-urlencoded")
        body = await body_of(request)
        try:
            return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body),
                                  max_num_fields=20))
        except (UnicodeDecodeError, ValueError) as exc:
            raise DeskError(400, f"the form cannot be read: {exc}") from None

    def day(request: Request) -> dt.date:
        text = request.path_params["date"]
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise DeskError(404, f"{text[:40]!r} is not a date (YYYY-MM-DD)") from None

    def render_page(template: str, date: dt.date, **extra) -> str:
        view = desk.view(date)
        return env.get_template(template).render(view=view, send=desk.send_view(date), **extra)

    async def favicon(request: Request):
        return Response(status_code=204)

    async def home(request: Request):
        return RedirectResponse(f"/issues/{desk.date.isoformat()}", status_code=303)

    async def page(request: Request):
        date = day(request)
        html = await run_in_threadpool(render_page, "desk.html", date, message=request.query_params.get("m", ""))
        return HTMLResponse(html)

    def shown(template: str):
        """An endpoint showing ``template`` for the day (the draft and the send panel redrawn, the send page)."""
        async def endpoint(request: Request):
            return HTMLResponse(await run_in_threadpool(render_page, template, day(request)))
        return endpoint

    async def form_notes(request: Request):
        date = day(request)
        correction = form_correction(await form_body(request))
        answer, state = await run_in_threadpool(desk.correct, date, correction)
        anchor = f"#item-{correction['item']}" if "item" in correction else ""
        message = f"Rebuilt in {state.seconds:.2f} s" if state.ok else f"Saved; the rebuild failed: {state.error}"
        return RedirectResponse(f"/issues/{date.isoformat()}?{urlencode({'m': message})}{anchor}", status_code=303)

    async def form_send(request: Request):
        date = day(request)
        fields = await form_body(request)
        test = fields.get("address") if fields.get("action") == "test" else None
        if fields.get("action") not in ("send", "test"):
            raise DeskError(422, "unknown send action")
        result = await run_in_threadpool(desk.send, date, test)
        return HTMLResponse(await run_in_threadpool(render_page, "desk_send_page.html", date, result=result))

    async def files(request: Request):
        date = day(request)
        fmt = request.path_params["fmt"]
        if fmt not in SUFFIXES:
            raise DeskError(404, f"no format {fmt[:20]!r}; formats: {', '.join(SUFFIXES)}")
        view = await run_in_threadpool(desk.view, date)
        path = desk.folder(date) / f"{view['slug']}{SUFFIXES[fmt]}"
        if not path.is_file():
            raise DeskError(404, f"no {fmt} file for {date.isoformat()}")
        kinds = {"md": "text/plain; charset=utf-8", "html": "text/html; charset=utf-8", "pdf": "application/pdf"}
        return FileResponse(path, media_type=kinds[fmt], content_disposition_type="inline", filename=path.name)

    async def preview(request: Request):
        date = day(request)
        png = await run_in_threadpool(desk.preview, date)
        if png is None:
            raise DeskError(404, "no picture of the PDF (it is missing, or pdftoppm is not installed)")
        return Response(png, media_type="image/png")

    async def static(request: Request):
        name = request.path_params["name"]
        kinds = {"desk.js": "text/javascript; charset=utf-8", "desk.css": "text/css; charset=utf-8",
                 "style.css": "text/css; charset=utf-8"}
        if name not in kinds:
            raise DeskError(404, f"no file {name[:40]!r}")
        source, _, _ = env.loader.get_source(env, name)
        return Response(source, media_type=kinds[name])

    async def api_issue(request: Request):
        return JSONResponse(await run_in_threadpool(desk.view, day(request)))

    async def api_notes(request: Request):
        date = day(request)
        raw = await json_body(request)
        answer, state = await run_in_threadpool(desk.correct, date, raw)
        answer["rebuilt"] = state.to_dict()
        return JSONResponse(answer, status_code=200 if state.ok else 500)

    async def api_send(request: Request):
        date = day(request)
        raw = await json_body(request)
        if not isinstance(raw, dict) or set(raw) - {"confirm", "test_address"} or \
                ("test_address" in raw) == bool(raw.get("confirm") is True):
            raise DeskError(422, "send with {\"confirm\": true}, or a test copy with {\"test_address\": \"…\"}")
        test = raw.get("test_address")
        if test is not None and not isinstance(test, str):
            raise DeskError(422, "test_address must be a string")
        result = await run_in_threadpool(desk.send, date, test)
        return JSONResponse(result, status_code=200 if result["sent"] else 409)

    async def on_desk_error(request: Request, exc: DeskError):
        return error_response(request, exc.status, str(exc))

    async def on_briefing_error(request: Request, exc: BriefingError):
        return error_response(request, 500, str(exc))

    routes = [
        Route("/", home),
        Route("/favicon.ico", favicon),
        Route("/issues/{date}", page),
        Route("/issues/{date}/draft", shown("desk_draft.html")),
        Route("/issues/{date}/notes", form_notes, methods=["POST"]),
        Route("/issues/{date}/send", shown("desk_send_page.html"), methods=["GET"]),
        Route("/issues/{date}/send", form_send, methods=["POST"]),
        Route("/issues/{date}/send/panel", shown("desk_send.html")),
        Route("/issues/{date}/files/page1.png", preview),
        Route("/issues/{date}/files/{fmt}", files),
        Route("/static/{name}", static),
        Route("/api/issues/{date}", api_issue),
        Route("/api/issues/{date}/notes", api_notes, methods=["POST"]),
        Route("/api/issues/{date}/send", api_send, methods=["POST"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(Guard)],
                     exception_handlers={DeskError: on_desk_error, BriefingError: on_briefing_error})


# -- serving ----------------------------------------------------------------------------------------------


def token_for(host: str, given: str | None, env_name: str) -> str:
    """The token the desk requires: the one given, else the environment's; beyond loopback one is required."""
    token = given if given is not None else os.environ.get(env_name, "")
    if not token and not is_loopback(host):
        raise UsageError(f"--host {host} is reachable from other machines: give a token with --token or the "
                         f"environment variable {env_name} (e.g. {env_name}={secrets.token_urlsafe(18)})")
    if token and len(token) < 16:
        raise UsageError("the desk's token must be at least 16 characters long")
    return token


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: any free port); a usage error naming the address otherwise."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port or --host") \
            from None
    return sock


def server_for(desk: Desk, sock: socket.socket):
    import uvicorn

    return uvicorn.Server(uvicorn.Config(make_app(desk), log_level="warning", access_log=False, lifespan="off",
                                         timeout_graceful_shutdown=2))


def address(desk: Desk, port: int) -> str:
    host = desk.host if desk.host not in ("0.0.0.0", "::") else socket.gethostname()
    host = f"[{host}]" if ":" in host else host
    url = f"http://{host}:{port}/issues/{desk.date.isoformat()}"
    return url + (f"?token={desk.token}" if desk.token else "")


class Background:
    """A desk served from a thread of this process until :meth:`stop` (the tests and the bench use it)."""

    def __init__(self, desk: Desk, host: str = "127.0.0.1", port: int = 0):
        sock = listen(host, port)
        desk.port = sock.getsockname()[1]
        self.desk = desk
        self.port = desk.port
        self.server = server_for(desk, sock)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the desk did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
