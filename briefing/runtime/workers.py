"""Workers: one function over many independent jobs in forked processes, the results in the jobs' order.

In: a module-level function, its jobs and how many processes. Out: the function's result for each job, as
if it had run in the build's own process. The processes are forked from the build, so they hold its plugins,
configuration and models without pickling them; only each job and its result travel (by pickle). A job the
workers could not finish (one of them died: a loader crashing the interpreter) runs again in the build's own
process; when the build stops (its deadline, Ctrl-C, an error) the workers are killed. Where ``fork`` is not
available, or there is one worker, everything runs in the build's own process.

Used by the load stage (:mod:`briefing.pipeline.load`) to parse the day's source files on every core.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

log = logging.getLogger("briefing.workers")


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _child_start() -> None:
    """A worker leaves Ctrl-C to the build (which then kills it) and says nothing itself: its findings travel
    back in its results, and the build reports them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.disable(logging.CRITICAL)


def run_all(fn: Callable[[Any], Any], jobs: list, workers: int) -> list:
    """``[fn(job) for job in jobs]``, spread over ``workers`` forked processes when there are two or more."""
    workers = min(workers, len(jobs))
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(job) for job in jobs]
    results: list = [None] * len(jobs)
    done = [False] * len(jobs)
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_child_start)
    finished = False
    try:
        futures = [executor.submit(fn, job) for job in jobs]
        for i, future in enumerate(futures):
            try:
                results[i] = future.result()
            except BrokenProcessPool:
                log.warning("a worker process died; its jobs run in the build's own process")
                break
            done[i] = True
        finished = True
    finally:
        _stop(executor, kill=not finished)
    for i, job in enumerate(jobs):
        if not done[i]:
            results[i] = fn(job)
    return results


def _stop(executor: ProcessPoolExecutor, kill: bool) -> None:
    """Shut the workers down; ``kill``: at once, whatever they are doing (the build is stopping)."""
    if kill:
        processes = list(getattr(executor, "_processes", {}).values())  # the executor has no public handle
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.kill()
        for process in processes:
            process.join(timeout=5)
    else:
        executor.shutdown(wait=True)
