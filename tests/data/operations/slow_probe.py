"""Test plugin: records when each build is inside briefing_prepare_issue, and stays there a while."""

import os
import time

from briefing import hookimpl


@hookimpl
def briefing_prepare_issue(issue):
    log = os.environ["PROBE_LOG"]
    with open(log, "a") as fh:
        fh.write(f"start {os.getpid()} {time.monotonic()}\n")
    time.sleep(1.5)
    with open(log, "a") as fh:
        fh.write(f"end {os.getpid()} {time.monotonic()}\n")
