"""Reading the sources on every core: the same issue and the same report as one process reads them, a worker
that dies costs nothing, and a build that stops leaves no worker behind."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from briefing.pipeline import load as load_module
from briefing.pipeline.build import build
from briefing.config.settings import load_config
from briefing.errors import BuildError

from .conftest import DATA, make_workspace

DAY = DATA / "feeds-full" / "2023-03-19"  # 19 whole feeds, 0.8 MB: enough for the workers
HOSTILE = DATA / "hostile"
PIDS = "worker-pids.txt"


def _recording_job(job):
    """The load stage's job, noting which process ran it (in the workspace's folder)."""
    with open(Path(job[0]).parent.parent / PIDS, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    return _REAL_JOB(job)


_REAL_JOB = load_module._parse_job


def built(ws: Path, workers: int) -> tuple[str, str, dict]:
    config = load_config(ws / "briefing.toml", date="2023-03-20", formats="md,html")
    config.override("briefing", workers=workers, cache=False)
    result = build(config)
    report = json.loads((result.paths["md"].parent / "report.json").read_text())
    return result.paths["md"].read_text(), result.paths["html"].read_text(), report


def workspace(tmp: Path, sources: list[Path], plugins: list[Path] | None = None) -> Path:
    ws = make_workspace(tmp, [], plugins=plugins)
    for src in sources:
        for f in sorted(src.iterdir()):
            (ws / "seeds" / f.name).write_bytes(f.read_bytes())
    return ws


@pytest.mark.parametrize("sources", [[DAY], [DAY, HOSTILE]], ids=["whole day", "whole day and hostile sources"])
def test_two_workers_build_what_one_process_builds(tmp_path, monkeypatch, sources):
    monkeypatch.setattr(load_module, "_parse_job", _recording_job)
    one = built(workspace(tmp_path / "one", sources), 1)
    ws = workspace(tmp_path / "two", sources)
    two = built(ws, 2)
    pids = set((ws / PIDS).read_text().split())
    assert len(pids) == 2 and str(os.getpid()) not in pids  # the files were parsed by two other processes
    assert not (tmp_path / "one" / "ws" / PIDS).exists()  # and with one worker, by none
    assert one[0] == two[0] and one[1] == two[1]
    assert one[2] == two[2]  # the report too: every source, document, drop, note and plugin failure, in order
    if HOSTILE in sources:
        assert {b["path"] for b in two[2]["bad_sources"]} >= {"seeds/binary.txt", "seeds/entity-bomb.xml"}


def test_a_source_whose_parser_crashes_its_worker_is_bad_and_the_rest_is_built(tmp_path):
    # was: "a worker process died; its jobs run in the build's own process", then the build itself segfaulted
    plugin = tmp_path / "crasher.py"
    plugin.write_text(
        "import os, signal\nfrom briefing import Loader, hookimpl\n"
        "def load(path, data, build):\n"
        "    if path.endswith('bbc.xml'):\n"
        "        os.kill(os.getpid(), signal.SIGSEGV)  # as a crashing C parser does, in whatever process\n"
        "    return None\n"
        "@hookimpl\ndef briefing_loaders():\n"
        "    return [Loader('crasher', load, frozenset({'.xml'}), priority=100)]\n")
    ws = workspace(tmp_path / "two", [DAY], plugins=[plugin])
    survived = built(ws, 2)
    bad = survived[2]["bad_sources"]
    assert [(b["path"], b["reason"]) for b in bad] == [
        ("seeds/bbc.xml", "the parser's process killed by SIGSEGV while reading it")]
    assert len(survived[2]["sources"]) == 18  # every other feed was read
    without = workspace(tmp_path / "one", [DAY])
    (without / "seeds" / "bbc.xml").unlink()
    assert survived[0] == built(without, 2)[0]
    assert multiprocessing.active_children() == []


def test_a_build_stopped_by_its_deadline_leaves_no_worker_behind(tmp_path):
    plugin = tmp_path / "sleeper.py"
    plugin.write_text(
        "import os, time\nfrom briefing import Loader, hookimpl\n"
        f"PARENT = {os.getpid()}\n"
        "def load(path, data, build):\n"
        "    while os.getpid() != PARENT:\n"
        "        time.sleep(0.1)\n"
        "    return None\n"
        "@hookimpl\ndef briefing_loaders():\n"
        "    return [Loader('sleeper', load, frozenset({'.xml'}), priority=100)]\n")
    ws = workspace(tmp_path, [DAY], plugins=[plugin])
    (ws / "briefing.toml").write_text((ws / "briefing.toml").read_text().replace(
        'out = "out"\n', 'out = "out"\nmax_seconds = 3\n'))
    with pytest.raises(BuildError, match=r"build stopped after 3 s .* in the load stage"):
        built(ws, 2)
    assert multiprocessing.active_children() == []
    assert not (ws / "out" / "2023-03-20").exists()


def test_a_worker_killed_while_idle_is_replaced_and_no_job_is_lost():
    # a worker killed from outside between two jobs: the next job goes to a new worker, not into a broken pipe
    from briefing.runtime import workers

    pool: list = []
    context = multiprocessing.get_context("fork")
    first = workers._Worker(context, abs)
    pool.append(first)
    first.process.kill()
    first.process.join()
    jobs = [-3]
    workers._give(pool, context, abs, 0, jobs)
    results = [None]
    workers._collect(pool, results)
    workers._stop(pool)
    assert results == [3] and first not in pool and multiprocessing.active_children() == []
