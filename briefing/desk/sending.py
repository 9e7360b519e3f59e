"""The desk's send: who the issue goes to, the picture of its PDF, and the send itself (``briefing send``'s).

In: a day of the desk (:class:`~briefing.desk.service.Desk`, which these methods are part of). Out: the send
panel's facts (the recipients not reached yet, the PDF and its size, or why the issue cannot be sent), the PDF's
first page as a PNG (pdftoppm, from poppler-utils), and the outcome of a send or of a test copy to one address.
A send waits until the latest draft's files are written and is refused after a failed rebuild.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from ..errors import BriefingError, UsageError
from .corrections import DeskError
from .view import sent_summary

PREVIEW_DPI = 60  # the send dialog's picture of the PDF's first page: legible headings, a small PNG
PREVIEW_SECONDS = 20  # pdftoppm is given this long


class Sending:
    """The send's part of the desk."""

    def send_view(self, date: dt.date, view: dict[str, Any] | None = None) -> dict[str, Any]:
        """Who the issue goes to and its PDF, or why it cannot be sent."""
        from ..mail.send import address, mail_settings

        view = view or self.view(date)
        out: dict[str, Any] = {"recipients": [], "error": "", "pdf": view["files"].get("pdf", ""), "pdf_size": ""}
        try:
            out["recipients"] = mail_settings(self.config(date)).recipients
        except BriefingError as exc:
            out["error"] = str(exc)
        sent = view["sent"] or {}
        reached = set(sent.get("recipients", [])) | set(sent.get("unknown", []))
        out["remaining"] = [r for r in out["recipients"] if address(r) not in reached]  # what a send would reach
        pdf = self.folder(date) / f"{view['slug']}.pdf"
        if out["pdf"]:
            out["pdf_size"] = f"{pdf.stat().st_size / 1024:.0f} KB" if pdf.is_file() else "being made"
            out["pdf_name"] = pdf.name
        elif not out["error"]:
            out["error"] = "this issue has no PDF; add pdf to [briefing] formats and rebuild"
        state = view["build"]
        if state and not state["ok"] and not out["error"]:
            out["error"] = f"the last rebuild failed ({state['error']}); the issue on disk lacks the latest corrections"
        return out

    def preview(self, date: dt.date) -> bytes | None:
        """The PDF's first page as a PNG (pdftoppm, from poppler-utils), made once per PDF; None without one."""
        path = self.file(date, "pdf")
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

    def send(self, date: dt.date, test_address: str | None = None) -> dict[str, Any]:
        """Send as ``briefing send`` does (once), or a test copy to one address."""
        from ..mail.send import MailError, send_issue

        with self.lock:
            self.written(date)
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
            summary = sent_summary(self.folder(date)) or {}
            return {"sent": result.sent, "test": test_address is not None, "message": result.message,
                    "at": summary.get("at", ""), "count": summary.get("count", 0),
                    "recipients": summary.get("recipients", [])}
