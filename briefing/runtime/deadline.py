"""Deadline: a whole build stops after ``[briefing] max_seconds`` (default 1800), and Ctrl-C is told apart.

In: the configuration, and from the build and the plugin calls where they are (the stage, the plugin and
hook running). Out: a :class:`BuildGuard` for one build. When the time is up, :class:`~briefing.errors.OutOfTime`
is raised in the build's thread (by ``SIGALRM`` in the main thread, which also cuts a blocking call short;
elsewhere by an asynchronous exception), and again every few seconds should a plugin swallow it; the build
turns it into a :class:`~briefing.errors.BuildError` that names the stage and the plugin (exit code 1). The
output folder's lock is released on the way out, and nothing was published, so the previous issue is as it
was. Run from the command line (``hard=True``), a build that still has not stopped ``GRACE`` seconds later
(a plugin looping in C code, or catching everything) ends the process, with the same message: the lock is
an OS lock and goes with it, and the next build removes what it left half-written.

In the main thread the guard also notes a real Ctrl-C (``SIGINT``) or ``SIGTERM`` (the way a service manager or
``kill`` stops a job): either raises ``KeyboardInterrupt`` in the build, which stops it like Ctrl-C (the stage's
downloads cut, the parse workers killed, the lock released, nothing published) and :func:`stopped` names it; a
plugin raising ``KeyboardInterrupt`` by itself is reported as that plugin's failure instead of stopping the build.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

from ..errors import OutOfTime

DEFAULT_SECONDS = 1800.0
AGAIN = 5.0  # seconds between two reminders to a build that swallowed the first
GRACE = 30.0  # seconds past the deadline (at most max_seconds again) after which the command line ends the process


class BuildGuard:
    """One build's deadline, where the build is, and whether the user pressed Ctrl-C."""

    def __init__(self, seconds: float = DEFAULT_SECONDS, hard: bool = False):
        self.seconds = float(seconds)
        self.hard = hard
        self.stage = ""
        self.running: tuple[str, str] | None = None  # (plugin, hook) being called
        self.expired = False
        self.fired_at = ""
        self.interrupted = False
        self.signal = 0  # the signal that stopped the build (SIGINT or SIGTERM), 0 if none
        self.tells_interrupts = False  # true while a SIGINT handler of ours is installed
        self.published = False  # the new issue is in place (only the publish plugins were left)
        self._held = 0
        self._pending = False
        self._thread: threading.Thread | None = None
        self._timers: list[threading.Timer] = []
        self._old: dict[int, object] = {}
        self._active = False

    # -- where the build is ----------------------------------------------------------------------------
    def enter(self, plugin: str, hook: str) -> tuple[str, str] | None:
        before, self.running = self.running, (plugin, hook)
        return before

    def leave(self, before: tuple[str, str] | None) -> None:
        self.running = before

    def where(self) -> str:
        stage = f"in the {self.stage} stage" if self.stage else "before the first stage"
        plugin = (f", in plugin {self.running[0]!r} ({self.running[1]})" if self.running
                  else " (in the engine, no plugin was running)")
        return stage + plugin

    def message(self) -> str:
        kept = ("the new issue is in place, but not every publish plugin finished" if self.published
                else "nothing was published: the previous issue is as it was")
        return f"build stopped after {self.seconds:g} s ([briefing] max_seconds) {self.fired_at or self.where()}; {kept}"

    # -- holding the deadline off while the issue is swapped in -----------------------------------------
    @contextmanager
    def held(self) -> Iterator[None]:
        """No :class:`OutOfTime` inside this block (publishing); one that came due is raised after it."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
        if self._held == 0 and self._pending:
            self._pending = False
            raise OutOfTime(self.message())

    # -- arming ------------------------------------------------------------------------------------------
    def __enter__(self) -> "BuildGuard":
        self._active = True
        self._thread = threading.current_thread()
        if self._thread is threading.main_thread():
            self._old[signal.SIGALRM] = signal.signal(signal.SIGALRM, self._on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds, AGAIN)
            try:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    self._old[signum] = signal.signal(signum, self._on_interrupt)
                self.tells_interrupts = True
            except (ValueError, OSError):
                pass
        else:
            self._schedule(self.seconds)
        if self.hard:
            timer = threading.Timer(self.seconds + min(GRACE, self.seconds), self._end_process)
            timer.daemon = True
            timer.start()
            self._timers.append(timer)
        return self

    def __exit__(self, *exc) -> None:
        self._active = False
        for timer in self._timers:
            timer.cancel()
        if signal.SIGALRM in self._old:
            signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in self._old.items():
            signal.signal(signum, handler)
        self._old.clear()
        self.tells_interrupts = False

    def _due(self) -> bool:
        """True when OutOfTime is to be raised now (False while held: it is raised when the hold ends)."""
        if not self.expired:
            self.fired_at = self.where()  # where the build was when its time ran out
        self.expired = True
        if self._held:
            self._pending = True
            return False
        return self._active

    def _on_alarm(self, signum, frame) -> None:
        if self._due():
            raise OutOfTime(self.message())

    def _on_interrupt(self, signum, frame) -> None:
        self.interrupted = True
        self.signal = self.signal or signum
        raise KeyboardInterrupt

    def stopped(self) -> str:
        """What a build stopped by a signal tells the user."""
        how = "Ctrl-C (SIGINT)" if self.signal == signal.SIGINT else signal.Signals(self.signal).name
        kept = ("the new issue is in place, but not every publish plugin finished" if self.published
                else "nothing was published: the previous issue is as it was")
        return f"stopped by {how} {self.where()}; {kept}"

    def _schedule(self, delay: float) -> None:
        timer = threading.Timer(delay, self._interrupt_thread)
        timer.daemon = True
        timer.start()
        self._timers.append(timer)

    def _interrupt_thread(self) -> None:
        """Raise OutOfTime in the build's (not main) thread, as soon as it runs Python code again."""
        if not self._active or self._thread is None:
            return
        if self._due():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread.ident), ctypes.py_object(OutOfTime))
        self._schedule(AGAIN)

    def _end_process(self) -> None:
        if not self._active:
            return
        try:
            sys.stderr.write(f"briefing: error: {self.message()} (it would not stop: the process was ended)\n")
            sys.stderr.flush()
        finally:
            os._exit(1)


def build_guard(config, hard: bool = False) -> BuildGuard:
    """The guard for a build with ``config``'s ``[briefing] max_seconds``."""
    return BuildGuard(config.section("briefing").max_seconds, hard=hard)

