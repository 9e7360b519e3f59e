"""The desk's background writer: the latest draft of each day rendered and written while the editor goes on.

In: drafts to write (a day and its draft), from the desk's corrections. Out: each day's files written whole by
the function given (the build's own ``publish``: every format, the issue folder swapped in at once), one at a
time, in a thread of its own, once the editor has paused for :data:`WRITE_DELAY`. A draft that a newer one of
the same day replaced before its turn is never written: the files on disk are always a whole issue, and the
latest draft's as soon as the writer is idle. :meth:`Publisher.wait` is how a send or a download waits for them.

The PDF, seconds of work on a whole day, is made by :class:`PdfProcess` in a process of its own, so that the
desk's page is answered at once while it is made (a thread of the desk's own process would hold the
interpreter's lock for most of those seconds).
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import threading
import time
from typing import Any, Callable

from ..errors import BuildError
from ..output.render import render_pdf
from .pdfworker import read_frame, write_frame

log = logging.getLogger("briefing.desk")

WRITE_DELAY = 2.0  # seconds the editor pauses before the files are made: clicks in a row are answered alone
PDF_EXIT = 10  # seconds the PDF's process is given to end when the desk stops


class PdfProcess:
    """PDFs made by one process of their own (:mod:`briefing.desk.pdfworker`), started at the first PDF and
    kept; one that dies or says nothing sensible is ended and replaced at the next PDF. Where none can be
    started, the PDF is made in the desk's own process."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()  # one PDF at a time through the pipes

    def _started(self) -> subprocess.Popen | None:
        if self.process is None or self.process.poll() is not None:
            try:
                self.process = subprocess.Popen([sys.executable, "-m", "briefing.desk.pdfworker"],
                                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            except OSError as exc:
                log.warning("desk: the PDF's process cannot be started (%s); PDFs are made in the desk's", exc)
                self.process = None
        return self.process

    def warm(self) -> None:
        """Start the process before the first PDF is asked for (it imports the PDF engine meanwhile)."""
        with self.lock:
            self._started()

    def __call__(self, html: str) -> bytes:
        with self.lock:
            process = self._started()
            if process is None:
                return render_pdf(html)
            try:
                write_frame(process.stdin, b"H", html.encode("utf-8"))
                frame = read_frame(process.stdout)
            except (OSError, ValueError) as exc:
                frame, reason = None, str(exc)
            else:
                reason = "it ended"
            if frame is None or frame[0] not in (b"P", b"E"):
                self._end()
                raise BuildError(f"the PDF could not be made: the process making it failed ({reason})")
            if frame[0] == b"E":
                raise BuildError(f"the PDF could not be made: {frame[1].decode('utf-8', 'replace')}")
            return frame[1]

    def _end(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        """End the process (it ends by itself when its input closes)."""
        with self.lock:
            if self.process is not None:
                try:
                    self.process.stdin.close()
                    self.process.wait(PDF_EXIT)
                except (OSError, subprocess.TimeoutExpired):
                    pass
                self._end()


class Publisher:
    """One thread writing the latest draft of each day, newest wins."""

    def __init__(self, write: Callable[[dt.date, Any], None], delay: float = WRITE_DELAY):
        self.write = write
        self.delay = delay
        self.cond = threading.Condition()
        self.pending: dict[dt.date, Any] = {}
        self.since: dict[dt.date, float] = {}  # when each day's draft waiting was submitted
        self.busy: dt.date | None = None
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="desk-writer", daemon=True)
        self.thread.start()

    def submit(self, date: dt.date, draft: Any) -> None:
        """Write ``draft`` as soon as the writer is free (replacing a draft of the same day still waiting)."""
        with self.cond:
            self.pending[date] = draft
            self.since[date] = time.monotonic()
            self.cond.notify_all()

    def cancel(self, date: dt.date) -> None:
        """Forget the draft of ``date`` still waiting, if any (a whole build replaces it)."""
        with self.cond:
            self.pending.pop(date, None)
            self.cond.notify_all()

    def idle(self, date: dt.date) -> bool:
        with self.cond:
            return date not in self.pending and self.busy != date

    def wait(self, date: dt.date, timeout: float) -> bool:
        """Wait until nothing of ``date`` is waiting or being written; False when ``timeout`` ran out first."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while date in self.pending or self.busy == date:
                left = deadline - time.monotonic()
                if left <= 0 or not self.thread.is_alive():
                    return False
                self.cond.wait(left)
        return True

    def stop(self, timeout: float = 60.0) -> None:
        """Write what is waiting, then end the thread."""
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        self.thread.join(timeout)

    def _next(self) -> tuple[dt.date, Any] | None:
        """The next draft to write, once its day's editor has paused (at once when stopping); None to stop."""
        with self.cond:
            while True:
                if not self.pending:
                    if self.stopping:
                        return None
                    self.cond.wait()
                    continue
                date = min(self.pending, key=lambda d: self.since[d])
                left = self.since[date] + self.delay - time.monotonic()
                if left <= 0 or self.stopping:
                    self.busy = date
                    return date, self.pending.pop(date)
                self.cond.wait(left)

    def _run(self) -> None:
        while True:
            found = self._next()
            if found is None:
                return
            date, draft = found
            try:
                self.write(date, draft)
            except Exception:  # the writer reports its own failures; this keeps the thread for the next draft
                log.exception("desk: writing the issue of %s failed", date)
            finally:
                with self.cond:
                    self.busy = None
                    self.cond.notify_all()
