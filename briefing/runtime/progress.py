"""Progress: one status line on a terminal while a build runs; nothing at all under cron or in a pipe.

In: stage names from :func:`briefing.pipeline.build.build` as each stage ends, and counts from a long stage while it
runs (:func:`tell`: ``articles 43/120, 3 failed``). Out: a line on stderr, rewritten in place
("briefing: articles 43/120, 3 failed … (load 0.4 s)"), never wider than the terminal (the oldest timings give
way first), erased when the build ends.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator, TextIO

DEFAULT_WIDTH = 80  # when the terminal does not say


def tell(progress: Callable | None, text: str) -> None:
    """Show ``text`` (counts within the running stage) when ``progress`` is a terminal line; else nothing."""
    detail = getattr(progress, "detail", None)
    if callable(detail):
        detail(text)


def _width(stream: TextIO) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    if columns <= 0:
        try:
            columns = int(os.environ.get("COLUMNS", ""))
        except ValueError:
            columns = 0
    return columns if columns > 0 else DEFAULT_WIDTH


class TerminalProgress:
    """The stage callback ``progress(finished, following)``, with ``detail(text)`` for counts in a stage."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.done: list[str] = []
        self.last = time.monotonic()
        self.current = ""
        self.shown = 0.0

    def __call__(self, finished: str, following: str | None) -> None:
        now = time.monotonic()
        if finished:
            self.done.append(f"{finished} {now - self.last:.1f} s")
        self.last = now
        self.current = f"{following} …" if following else "done"
        self._show()

    def detail(self, text: str) -> None:
        now = time.monotonic()
        if now - self.shown < 0.1:  # at most ten lines a second
            return
        self.shown = now
        self.current = f"{text} …"
        self._show()

    def line(self, width: int) -> str:
        """The status line cut to ``width - 1`` characters: the oldest stage timings are left out first."""
        done = list(self.done)
        cut = False
        while True:
            shown = (["…"] if cut else []) + done
            text = f"briefing: {self.current}" + (f" ({', '.join(shown)})" if shown else "")
            if len(text) < width or not done:
                break
            done.pop(0)
            cut = True
        return text if len(text) < width else text[:max(1, width - 2)] + "…"

    def _show(self) -> None:
        self.stream.write("\r\033[K" + self.line(_width(self.stream)))
        self.stream.flush()


@contextmanager
def terminal_progress(enabled: bool = True, stream: TextIO | None = None) -> Iterator[Callable | None]:
    """A progress callback when ``stream`` (stderr) is a terminal and ``enabled``; else None."""
    stream = stream or sys.stderr
    if not enabled or not stream.isatty():
        yield None
        return
    try:
        yield TerminalProgress(stream)
    finally:
        stream.write("\r\033[K")
        stream.flush()
