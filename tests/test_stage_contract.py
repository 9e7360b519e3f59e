"""The stage contract: every stage is a module's ``run(ctx, value)``; a build's context is whole when made; the
gate decides once; compose writes the report and never reads it back."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json

import pytest

from briefing.config.settings import load_config
from briefing.errors import UsageError
from briefing.host.context import BuildContext, HostContext
from briefing.models import Document
from briefing.output.issuefile import issue_to_dict
from briefing.pipeline import articles, compose, gate
from briefing.pipeline.build import build

from .conftest import ROOT, make_workspace

# The build's stages in the order the README draws them, each with the type it takes.
STAGES = ["load", "window", "gate", "articles", "segment", "select", "cluster", "stories", "compose"]


@pytest.mark.parametrize("name", STAGES)
def test_every_stage_is_run_of_the_context_and_one_value(name):
    module = importlib.import_module(f"briefing.pipeline.{name}")
    params = list(inspect.signature(module.run).parameters.values())
    assert [p.name for p in params][:1] == ["ctx"]
    assert len(params) == 2 and all(p.default is inspect.Parameter.empty for p in params), module.run
    assert module.__doc__.strip(), name


def test_the_build_runs_the_stages_in_the_drawn_order():
    source = inspect.getsource(importlib.import_module("briefing.pipeline.build"))
    at = [source.index(f"{name}.run") for name in STAGES]
    assert at == sorted(at)


def test_a_build_context_is_whole_when_made_and_a_host_context_has_no_editorial_part():
    config = load_config(ROOT / "briefing.toml", date="2023-03-20")
    ctx = BuildContext(config)
    assert ctx.subject.name == "russia-ukraine-war"
    assert [s.key for s in ctx.sections][:2] == ["losses", "key_takeaways"]  # Conflict Assessment, then Key Takeaways
    assert ctx.judge.sections and ctx.judge.subject is ctx.subject
    assert ctx.date.isoformat() == "2023-03-20" and ctx.guard is not None and ctx.cache is None
    again = ctx.again(ctx.report.copy())
    assert again.judge is ctx.judge and again.report is not ctx.report
    host = HostContext(config)
    assert not hasattr(host, "judge") and not hasattr(host, "sections")


def test_a_build_context_refuses_a_day_before_day_one():
    config = load_config(ROOT / "briefing.toml")  # today, in the briefing's zone, may be any day: the date is given
    with pytest.raises(UsageError, match="the issue's date, 2022-02-23 is before \\[briefing\\] first_day"):
        BuildContext(config, date=dt.date(2022, 2, 23))


def test_the_gate_decides_once_and_the_articles_stage_reads_only_what_it_passed():
    config = load_config(ROOT / "briefing.toml", date="2023-03-20")
    config.override("articles", fetch=True)
    ctx = BuildContext(config)
    on = Document(id="on", title="Russian missiles strike Kyiv as Ukraine's air defence fights back",
                  text="Ukraine's military said Russian forces fired missiles at Kyiv overnight.", origin="feed",
                  url="")  # no link: nothing is requested
    off = Document(id="off", title="Arsenal beat Fulham to stay top of the Premier League",
                   text="Arsenal won 3-0 at Craven Cottage on Sunday.", origin="feed", url="http://127.0.0.1:9/x")
    gated = gate.run(ctx, [on, off])
    assert [d.id for d in gated.articles] == ["on"] and gated.in_window == 2
    assert [d["doc"] for d in ctx.report.dropped] == ["off"]
    after = articles.run(ctx, gated)
    assert after.relevance == gated.relevance  # decided once, on the teaser
    note = next(n for n in ctx.report.notes if n["kind"] == "articles")
    assert note["off_subject"] == 1 and note["no_link"] == 1 and note["read"] == 0  # the off-subject link untouched


def test_compose_writes_the_report_once_and_never_reads_it_back(tmp_path):
    seeds = [*sorted((ROOT / "seeds").glob("*.txt")), ROOT / "seeds" / "losses"]
    ws = make_workspace(tmp_path, seeds, config_text='formats = ["md"]\n')
    first = build(load_config(ws / "briefing.toml", date="2023-03-20"), keep=True)
    ctx, clustered = first.kept.fresh()
    clean = issue_to_dict(compose.run(ctx, clustered))
    entries = ctx.report.stories
    assert entries and {e["story"] for e in entries} == {s.id for s in clustered.stories}
    ctx, clustered = first.kept.fresh()
    junk = [{"story": s.id, "printed": True, "why": "junk", "section": "nowhere"} for s in clustered.stories]
    ctx.report.stories[:] = [dict(e) for e in junk]
    assert issue_to_dict(compose.run(ctx, clustered)) == clean  # what was in the report changed nothing
    assert ctx.report.stories[:len(junk)] == junk  # nor was it changed
    assert json.dumps(ctx.report.stories[len(junk):], sort_keys=True, default=str) == \
        json.dumps(entries, sort_keys=True, default=str)
