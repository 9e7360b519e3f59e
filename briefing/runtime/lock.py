"""Lock: one build (or send) at a time per output folder.

In: the configuration (its ``out`` folder and ``[briefing] lock_timeout`` in seconds).
Out: a context manager holding ``OUT/.lock``. A second build waits for the first; when the wait runs
out it fails with a message naming the lock file (exit code 1). The lock is an OS file lock, so a
build killed with SIGKILL releases it at once; the empty ``.lock`` file itself stays and is harmless.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import Iterator

from filelock import FileLock, Timeout

from ..config.settings import Config
from ..errors import BuildError

log = logging.getLogger("briefing.lock")

LOCK_NAME = ".lock"
def lock_timeout(config: Config) -> float:
    """``[briefing] lock_timeout``: seconds, zero or more (the schema checked it)."""
    return config.section("briefing").lock_timeout


@contextmanager
def out_lock(config: Config, what: str = "build") -> Iterator[None]:
    """Hold the output folder's lock for the duration of the block."""
    timeout = lock_timeout(config)
    config.out.mkdir(parents=True, exist_ok=True)
    path = config.out / LOCK_NAME
    lock = FileLock(str(path), timeout=timeout, thread_local=False)
    started = time.monotonic()
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log.warning("%s: another build or send holds %s; waiting up to %g s", what, path, timeout)
        try:
            lock.acquire()
        except Timeout:
            raise BuildError(f"{what}: another build or send still holds the lock {path} after waiting "
                             f"{timeout:g} s (lock_timeout in briefing.toml); nothing was changed") from None
        log.info("%s: got the lock after %.1f s", what, time.monotonic() - started)
    try:
        yield
    finally:
        lock.release()
