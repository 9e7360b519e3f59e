"""Progress: one status line on a terminal while a build runs; nothing at all under cron or in a pipe.

In: stage names from :func:`briefing.build.build` as each stage ends. Out: a line on stderr, rewritten in
place ("briefing: render … (load 0.4 s, segment 0.1 s, …)"), erased when the build ends.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator, TextIO


@contextmanager
def terminal_progress(enabled: bool = True, stream: TextIO | None = None) -> Iterator[Callable | None]:
    """A progress callback when ``stream`` (stderr) is a terminal and ``enabled``; else None."""
    stream = stream or sys.stderr
    if not enabled or not stream.isatty():
        yield None
        return
    done: list[str] = []
    last = [time.monotonic()]

    def show(finished: str, following: str | None) -> None:
        now = time.monotonic()
        if finished:
            done.append(f"{finished} {now - last[0]:.1f} s")
        last[0] = now
        current = f"{following} …" if following else "done"
        stream.write(f"\r\033[Kbriefing: {current}" + (f" ({', '.join(done)})" if done else ""))
        stream.flush()

    try:
        yield show
    finally:
        stream.write("\r\033[K")
        stream.flush()
