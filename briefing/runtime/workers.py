"""Workers: one function over many independent jobs in forked processes, the results in the jobs' order.

In: a module-level function, its jobs and how many processes. Out: the function's result for each job, as if
it had run in the build's own process, or a :class:`Died` in the place of a job whose process died while running
it (a parser crashing the interpreter, killed by a signal): that job is never run again, least of all in the
build's own process, and the jobs after it go on in a new worker. The processes are forked from the build, so
they hold its plugins, configuration and models without pickling them; only each job and its result travel (by
pickle, over a pipe of its own, one job at a time, so that the build always knows which job a process was running).

The workers leave Ctrl-C and SIGTERM to the build, which kills them on its way out (its deadline, Ctrl-C,
SIGTERM, an error); should the build itself be killed outright, the kernel kills them with it (Linux's
parent-death signal). Where ``fork`` is not available, or there is one worker, everything runs in the build's
own process.

Used by the load stage (:mod:`briefing.pipeline.load`) to parse the day's source files on every core.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import faulthandler
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import traceback
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

log = logging.getLogger("briefing.workers")

PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when the thread that forked it ends
STOP_SECONDS = 5.0  # how long a worker told to stop may take before it is killed


@dataclass
class Died:
    """In the place of a job's result: the process running it died; ``reason`` says how."""

    reason: str


class WorkerError(RuntimeError):
    """A job raised in a worker an exception that cannot travel back as it is (its text is kept)."""


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _child_start() -> None:
    """A worker leaves Ctrl-C and SIGTERM to the build (which then kills it), dies with the build, and says
    nothing itself: its findings travel back in its results, and the build reports them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    faulthandler.disable()  # a crash is reported by the build, in one line naming the source
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the build's own way out still kills the workers
        pass
    logging.disable(logging.CRITICAL)


def _serve(fn: Callable[[Any], Any], conn) -> None:
    """In a worker: run the jobs sent over ``conn`` one at a time and send back each outcome."""
    _child_start()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            outcome = (True, fn(job))
        except BaseException as exc:  # the build decides: it raises this as it would have in its own process
            outcome = (False, exc)
        try:
            conn.send(outcome)
        except Exception:  # the result or the exception does not pickle: its text travels instead
            ok, value = outcome
            text = "a result that cannot be sent back" if ok else "".join(traceback.format_exception(value))
            conn.send((False, WorkerError(text)))


def how_it_died(exitcode: int | None) -> str:
    """A worker's end in words: ``killed by SIGSEGV``, ``exited with status 3``."""
    if exitcode is None:
        return "vanished"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


class _Worker:
    def __init__(self, context, fn):
        self.conn, child = multiprocessing.Pipe()
        self.process = context.Process(target=_serve, args=(fn, child), daemon=True, name="briefing-parse")
        self.process.start()
        child.close()
        self.job: int | None = None

    def give(self, index: int, job) -> None:
        self.job = index
        self.conn.send(job)


def run_all(fn: Callable[[Any], Any], jobs: list, workers: int) -> list:
    """``[fn(job) for job in jobs]``, spread over ``workers`` forked processes when there are two or more; a
    job whose process died has a :class:`Died` in its place."""
    workers = min(workers, len(jobs))
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(job) for job in jobs]
    context = multiprocessing.get_context("fork")
    results: list = [None] * len(jobs)
    waiting = deque(range(len(jobs)))
    pool: list[_Worker] = []
    try:
        while waiting or any(w.job is not None for w in pool):
            while waiting and sum(w.job is not None for w in pool) < workers:
                _give(pool, context, fn, waiting.popleft(), jobs)
            _collect(pool, results)
    finally:
        _stop(pool)
    return results


def _give(pool: list[_Worker], context, fn, index: int, jobs: list) -> None:
    """Job ``index`` to an idle worker, or a new one; a worker found dead while idle is replaced (once)."""
    for attempt in (1, 2):
        worker = next((w for w in pool if w.job is None), None)
        if worker is None or attempt == 2:
            worker = _Worker(context, fn)
            pool.append(worker)
        try:
            worker.give(index, jobs[index])
            return
        except (OSError, ValueError):  # it died idle (killed from outside): its pipe is broken
            worker.job = None
            worker.process.kill()
            worker.process.join(STOP_SECONDS)
            worker.conn.close()
            pool.remove(worker)
            if attempt == 2:
                raise


def _collect(pool: list[_Worker], results: list) -> None:
    """Wait for at least one busy worker to answer or die; record what came back."""
    busy = [w for w in pool if w.job is not None]
    ready = set(multiprocessing.connection.wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
    for worker in busy:
        if worker.conn in ready:
            try:
                ok, value = worker.conn.recv()
            except (EOFError, OSError):  # it died while answering
                ready.add(worker.process.sentinel)
            else:
                if not ok:
                    raise value
                results[worker.job] = value
                worker.job = None
                continue
        if worker.process.sentinel in ready:
            worker.process.join(STOP_SECONDS)
            reason = how_it_died(worker.process.exitcode)
            log.warning("a worker process %s while parsing a source; the source is skipped, the rest goes on", reason)
            results[worker.job] = Died(f"the parser's process {reason} while reading it")
            worker.conn.close()
            pool.remove(worker)


def _stop(pool: list[_Worker]) -> None:
    """End every worker: idle ones are told to stop, busy ones (the build is stopping) are killed."""
    for worker in pool:
        try:
            if worker.job is None:
                worker.conn.send(None)
            else:
                worker.process.kill()
        except (OSError, ValueError):
            worker.process.kill()
    for worker in pool:
        worker.process.join(STOP_SECONDS)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.conn.close()
