"""The desk's service: one workspace's days, each with its draft, its corrections and its send.

In: the configuration, the day, and the corrections and sends the web application passes on. Out: the views the
page and the API show (:mod:`briefing.desk.view`), the notes file written (:mod:`briefing.desk.editing`), the
issue rebuilt and written, the send's outcome (:mod:`briefing.desk.sending`).

A day is built whole once (``briefing build``'s own function, its stories kept in memory); a correction is then
written to ``notes/DATE.toml`` and the issue recomposed from the kept stories (no source read again, a fraction
of a second on a whole day), shown at once, and written in the background with every format (the PDF takes
seconds; :class:`~briefing.desk.publisher.Publisher`). The files of a send, a download or the send dialog are
waited for. The stories are read again from the sources when the configuration changed, when another build
wrote the day (a cron job), or when the editor asks (**Read the sources again**).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.settings import Config, load_config
from ..errors import BriefingError
from ..host.context import BuildContext
from ..host.plugins import Plugins
from ..output.issuefile import NAME as ISSUE_FILE, issue_from_dict, issue_to_dict, read_issue, to_json
from ..output.publish import SUFFIXES
from ..pipeline.build import Draft, Kept, build, publish, recompose
from ..runtime.files import atomic_write, display_path
from ..runtime.guarded import Unreadable, read_json
from ..runtime.lock import out_lock
from .corrections import VERSION, DeskError, check
from .editing import edit_notes
from .notes import NOTES_LIMIT, NotesError, notes_path, parse_notes, story_reports
from .publisher import PdfProcess, Publisher
from .sending import Sending
from .view import issue_view, sent_summary, version_of

log = logging.getLogger("briefing.desk")

WRITE_WAIT = 300.0  # seconds a send or a download waits for the files of the latest draft (a PDF takes a few)
REPORT_LIMIT = 64 * 1024 * 1024  # bytes of a report.json read back (a whole day's is about 2 MB)


@dataclass
class BuildState:
    """The outcome of the desk's last build of one day: ``how`` it was made ("whole": from the sources;
    "recomposed": from the kept stories), and whether its files are written yet."""

    ok: bool
    seconds: float
    at: str
    error: str = ""
    how: str = "whole"
    writing: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "seconds": self.seconds, "at": self.at, "error": self.error, "how": self.how,
                "writing": self.writing}


@dataclass
class Day:
    """What the desk holds of one day."""

    kept: Kept | None = None  # the stories the last whole build computed
    draft: Draft | None = None  # the issue as it stands (composed; perhaps not written yet)
    state: BuildState | None = None
    config: str = ""  # the digest of the configuration file at the last whole build
    ours: set[str] = field(default_factory=set)  # digests of the issue.json files the desk wrote or is writing


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> str:
    try:
        return _digest(path.read_bytes())
    except OSError:
        return ""


class Desk(Sending):
    """The desk of one workspace: its configuration, plugins, its days, and the corrections.

    Corrections are serialised: one at a time in this process (a lock held over the notes write and the
    recomposition), and with every other build or send by the output lock around the notes write.
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
        self.subject = first.section("subject").name
        self.plugins = Plugins(first.workspace)
        ctx = BuildContext(first, self.plugins)
        self.env = ctx.env
        self.section_info = {s.key: {"key": s.key, "title": s.title, "stories": s.make_items is None}
                             for s in ctx.sections}
        self.lock = threading.RLock()
        self.days: dict[dt.date, Day] = {}
        self.views: dict[dt.date, tuple[Any, str, dict[str, Any]]] = {}  # the issue's view, and what it was made of
        self.previews: dict[tuple, bytes] = {}
        self.publisher = Publisher(self._write)
        self.pdf = PdfProcess()
        if "pdf" in first.formats:
            self.pdf.warm()

    @property
    def states(self) -> dict[dt.date, BuildState]:
        return {date: day.state for date, day in self.days.items() if day.state is not None}

    def day(self, date: dt.date) -> Day:
        return self.days.setdefault(date, Day())

    # -- configuration and builds ------------------------------------------------------------------------
    def config(self, date: dt.date) -> Config:
        return load_config(self.config_path, date=date.isoformat(), **self.overrides)

    def folder(self, date: dt.date) -> Path:
        return self.config(date).out / date.isoformat()

    def _config_digest(self) -> str:
        return _file_digest(Path(self.config_path)) if self.config_path else ""

    def rebuild(self, date: dt.date) -> BuildState:
        """Build the day's issue from its sources as ``briefing build`` does, keeping its stories; a failure is
        kept and shown, the last issue stays."""
        with self.lock:
            day = self.day(date)
            self.publisher.cancel(date)  # an older draft must not be written over this build
            self.publisher.wait(date, WRITE_WAIT)
            started = time.perf_counter()
            day.config = self._config_digest()
            try:
                result = build(self.config(date), self.plugins, keep=True)
                day.kept, day.draft = result.kept, None
                day.ours = {_file_digest(result.paths["issue"])}
                day.state = BuildState(True, round(time.perf_counter() - started, 3), _now())
            except BriefingError as exc:
                day.kept = day.draft = None
                day.state = BuildState(False, round(time.perf_counter() - started, 3), _now(), str(exc))
                log.error("desk: the build of %s failed: %s", date, exc)
            return day.state

    def _current(self, date: dt.date, day: Day) -> bool:
        """The kept stories still make this day's issue: same configuration, and no other build wrote it since."""
        return day.kept is not None and day.config == self._config_digest() and self._ours(date, day)

    def _ours(self, date: dt.date, day: Day) -> bool:
        return _file_digest(self.folder(date) / ISSUE_FILE) in day.ours

    def redraw(self, date: dt.date) -> BuildState:
        """The issue made again after a correction: recomposed from the kept stories and written in the
        background, or built whole when they are not current."""
        day = self.day(date)
        if not self._current(date, day):
            return self.rebuild(date)
        started = time.perf_counter()
        try:
            draft = recompose(day.kept)
        except BriefingError as exc:
            day.state = BuildState(False, round(time.perf_counter() - started, 3), _now(), str(exc), "recomposed")
            log.error("desk: the issue of %s could not be recomposed: %s", date, exc)
            return day.state
        day.draft = draft
        day.state = BuildState(True, round(time.perf_counter() - started, 3), _now(), how="recomposed", writing=True)
        self.publisher.submit(date, draft)
        return day.state

    def _write(self, date: dt.date, draft: Draft) -> None:
        """Write one draft's files (the publisher's thread): unless another build wrote the day since."""
        day = self.day(date)
        expected = _digest(to_json(draft.issue).encode("utf-8"))

        def still() -> bool:
            if not self._ours(date, day):
                return False
            day.ours.add(expected)
            return True
        try:
            result = publish(draft, still=still, pdf=self.pdf)
        except BriefingError as exc:
            log.error("desk: the files of %s could not be written: %s", date, exc)
            if day.draft is draft and day.state:
                day.state = BuildState(False, day.state.seconds, _now(), f"the files could not be written: {exc}",
                                       day.state.how)
            return
        if result is None:
            log.warning("desk: another build wrote %s since the desk read its sources; they are read again at "
                        "the next correction", date)
            day.kept = None
            if day.draft is draft:
                day.draft = None
            return
        day.ours = {expected}
        if day.draft is draft and day.state:
            day.state.writing = False

    def written(self, date: dt.date) -> None:
        """Wait until the latest draft's files are written (a send, a download); DeskError if that takes too long."""
        if not self.publisher.wait(date, WRITE_WAIT):
            raise DeskError(503, f"the files of {date.isoformat()} are still being written; try again in a moment")

    # -- what the page and the API show ------------------------------------------------------------------
    def _notes(self, config: Config, date: dt.date) -> tuple[dict[str, list], str, bytes, str]:
        """The day's notes, what is wrong with the file (""), its bytes and its version."""
        path = notes_path(config, date)
        empty: dict[str, list] = {"note": [], "add": []}
        data = b""
        try:
            data = path.read_bytes()[:NOTES_LIMIT + 1] if path.is_file() else b""
            return (parse_notes(data, display_path(path, self.workspace)) if data else empty), "", data, \
                version_of(data)
        except OSError as exc:
            return empty, f"{display_path(path, self.workspace)} cannot be read ({exc.strerror})", data, "unreadable"
        except NotesError as exc:
            return empty, str(exc), data, version_of(data)

    def _built(self, date: dt.date, config: Config) -> tuple[Any, dict[str, Any]]:
        """The issue and report of the day: the draft as it stands, else as written in its folder."""
        day = self.days.get(date)
        if day is not None and day.draft is not None:
            return issue_from_dict(issue_to_dict(day.draft.issue)), day.draft.report.to_dict()
        folder = config.out / date.isoformat()
        try:
            issue = read_issue(folder)
        except FileNotFoundError:
            failed = day.state.error if day and day.state and not day.state.ok else ""
            raise DeskError(404, f"no issue built for {date.isoformat()} in {display_path(config.out, self.workspace)}"
                            + (f": {failed}" if failed else "")) from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DeskError(500, f"the issue of {date.isoformat()} cannot be read ({exc})") from None
        try:
            report = read_json(folder / "report.json", limit=REPORT_LIMIT, expect=dict)
        except (OSError, Unreadable):
            report = {}
        return issue, report

    def _issue_view(self, date: dt.date, config: Config, notes, version: str) -> dict[str, Any]:
        """The issue's part of the view, made once per draft (or file on disk) and notes version."""
        day = self.days.get(date)
        if day is not None and day.draft is not None:
            source: Any = day.draft
        else:
            try:
                stat = (config.out / date.isoformat() / ISSUE_FILE).stat()
                source = (stat.st_mtime_ns, stat.st_size)
            except OSError:
                source = None
        cached = self.views.get(date)
        if cached is not None and cached[1] == version and (cached[0] is source or (
                source is not None and not isinstance(source, Draft) and cached[0] == source)):
            return dict(cached[2])
        issue, report = self._built(date, config)
        view = issue_view(issue, report, notes, section_info=self.section_info, subject=self.subject)
        self.views[date] = (source, version, view)
        return dict(view)

    def view(self, date: dt.date) -> dict[str, Any]:
        """The issue of ``date`` as the API gives it: sections with items, the stories that did not print, the
        notes that match nothing, the files, the send, the last build and the notes file's version."""
        config = self.config(date)
        notes, notes_error, _, version = self._notes(config, date)
        view = self._issue_view(date, config, notes, version)
        issue_slug = view["slug"]
        folder = config.out / date.isoformat()
        state = self.days[date].state if date in self.days else None
        view.update({
            "files": {fmt: f"/issues/{date.isoformat()}/files/{fmt}" for fmt in SUFFIXES
                      if fmt in config.formats or (folder / f"{issue_slug}{SUFFIXES[fmt]}").is_file()},
            "notes_file": display_path(notes_path(config, date), self.workspace), "notes_error": notes_error,
            "version": version, "sent": sent_summary(folder),
            "build": state.to_dict() if state else None,
        })
        return view

    def file(self, date: dt.date, fmt: str) -> Path:
        """One of the day's files, once the latest draft is written."""
        self.written(date)
        return self.folder(date) / f"{self.view(date)['slug']}{SUFFIXES[fmt]}"

    # -- corrections -------------------------------------------------------------------------------------
    def correct(self, date: dt.date, raw: Any) -> tuple[dict[str, Any], BuildState]:
        """Check one correction, write it to the day's notes file and redraw the issue; returns the checked
        correction and how the redraw went."""
        with self.lock:
            try:
                view = self.view(date)
            except DeskError as exc:  # an issue on disk that cannot be read is not the correction's fault
                if exc.status < 500:
                    raise
                raise DeskError(409, f"{exc}; nothing was changed: read the sources again") from None
            if isinstance(raw, dict) and VERSION in raw and raw[VERSION] != view["version"]:
                raise DeskError(409, "the draft changed since your page showed it (a correction from another tab "
                                     "or browser, or the notes file edited by hand); yours was not saved. This is "
                                     "the draft as it stands now: make your correction again if it is still "
                                     "needed", view=view)
            correction = check(raw, view, lambda key: self.section_info.get(key, {}).get("stories", False))
            try:
                self._save(date, view, correction)
            except DeskError:
                raise
            except BriefingError as exc:  # the output lock held too long by another build
                raise DeskError(503, f"{exc}; the correction was not saved: try again") from None
            log.info("desk: %s: %s", view["notes_file"], json.dumps(correction, ensure_ascii=False))
            return correction, self.redraw(date)

    def _save(self, date: dt.date, view: dict[str, Any], correction: dict[str, Any]) -> None:
        """The correction written into the notes file, under the output lock; nothing is written when the file
        is broken by hand or the new text would not read back."""
        config = self.config(date)
        path = notes_path(config, date)
        where = display_path(path, self.workspace)
        with out_lock(config, "desk"):
            try:
                text = path.read_bytes().decode("utf-8") if path.is_file() else ""
                parse_notes(text, where)
            except (OSError, UnicodeDecodeError) as exc:
                raise DeskError(409, f"{where} cannot be read ({exc}); fix it by hand") from None
            except NotesError as exc:
                raise DeskError(409, f"{exc}; the desk changes nothing until it is fixed by hand") from None
            try:
                new_text = edit_notes(text, correction, **self._target(date, view, correction, text))
                parse_notes(new_text, where)  # what is written can be read back
            except (NotesError, ValueError, TypeError) as exc:
                raise DeskError(422, f"the correction cannot be written to {where} ({exc}); nothing was "
                                     "changed") from None
            if new_text != text:
                atomic_write(path, new_text)

    def _target(self, date: dt.date, view: dict[str, Any], correction: dict[str, Any], text: str) -> dict[str, Any]:
        """What :func:`~briefing.desk.editing.edit_notes` is told of the item: where the draft has it, its
        headline and reports, the note applied to it; and the reports of old notes that lack them."""
        report = self._report(date)
        applied = {e["note"]: e["item"] for e in report.get("notes", [])
                   if e.get("kind") == "editor" and isinstance(e.get("note"), int) and e.get("item")}
        attach = {n: story_reports(report, item) for n, item in applied.items()}
        if "item" not in correction:
            return {"attach": attach}
        item_id = correction["item"]
        item = next((i for s in view["sections"] for i in s["items"] if i["id"] == item_id), None)
        dropped = next((d for d in view["dropped"] if d["id"] == item_id), None)
        own = next((n for n, i in applied.items() if i == item_id), None)
        return {"from_section": item["section"] if item else "",
                "headline": (item or dropped or {}).get("headline", ""),
                "note_number": dropped.get("note") if dropped and dropped["by_editor"] else None,
                "reports": story_reports(report, item_id), "own": own, "attach": attach}

    def _report(self, date: dt.date) -> dict[str, Any]:
        day = self.days.get(date)
        if day is not None and day.draft is not None:
            return day.draft.report.to_dict()
        try:
            return read_json(self.folder(date) / "report.json", limit=REPORT_LIMIT, expect=dict)
        except (OSError, Unreadable):
            return {}

    def close(self) -> None:
        """Write what is pending, then stop the background writer and the PDF's process."""
        self.publisher.stop()
        self.pdf.stop()
