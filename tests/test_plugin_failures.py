"""A plugin that raises is named with its hook and traceback; the issue is built without it unless --strict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from briefing.errors import PluginError
from briefing.host.plugins import Plugins
from briefing.testing import build_workspace, make_workspace

from .conftest import ROOT

ARTICLE = ROOT / "seeds" / "002_3d2ce1288090b4de.txt"  # the Bakhmut story: Key Takeaways

BROKEN_SCORE = textwrap.dedent('''
    from briefing import hookimpl

    @hookimpl
    def briefing_score(section, story):
        return 1 / 0
''')

BROKEN_ITEMS = textwrap.dedent('''
    from briefing import Section, hookimpl

    def make_items(date, documents, config, report):
        raise RuntimeError("the price feed is down")

    @hookimpl
    def briefing_sections():
        return [Section(key="prices", title="Energy Prices", order=15, make_items=make_items)]
''')


def run(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "briefing", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def ws_with(tmp_path, name, text):
    ws = make_workspace(tmp_path, [ARTICLE])
    (ws / "plugins" / f"{name}.py").write_text(text)
    return ws


def test_a_raising_hook_is_reported_with_name_hook_and_traceback_and_the_issue_is_built(tmp_path):
    ws = ws_with(tmp_path, "broken_score", BROKEN_SCORE)
    r = run("build", "--date", "2023-03-20", "--format", "md", cwd=ws)
    assert r.returncode == 0, r.stderr
    # one line for the plugin and hook, however often it failed; the tracebacks go to report.json
    assert r.stderr.splitlines() == [
        "briefing: ERROR: plugin broken_score failed in briefing_score: ZeroDivisionError: division by zero; the "
        "issue is built without its contribution (every failure and its traceback in report.json)"]
    folder = ws / "out" / "2023-03-20"
    errors = json.loads((folder / "report.json").read_text())["plugin_errors"]
    assert len(errors) > 1  # it failed for each text it was asked to score
    assert {(e["plugin"], e["hook"]) for e in errors} == {("broken_score", "briefing_score")}
    assert all("ZeroDivisionError" in e["error"] and "broken_score.py" in e["traceback"] for e in errors)
    md = (folder / "conflict-update-day-390.md").read_text()
    assert "**Russia may be losing momentum in Bakhmut, says UK intelligence**" in md  # built without it
    verbose = run("build", "--date", "2023-03-20", "--format", "md", "-v", cwd=ws)  # -v after the subcommand too
    assert verbose.returncode == 0
    again = json.loads((folder / "report.json").read_text())["plugin_errors"]
    assert again and verbose.stderr.count("Traceback (most recent call last)") == len(again)
    assert "broken_score.py" in verbose.stderr


def test_strict_makes_a_raising_hook_fail_the_build_and_write_nothing(tmp_path):
    ws = ws_with(tmp_path, "broken_score", BROKEN_SCORE)
    r = run("build", "--date", "2023-03-20", "--format", "md", "--strict", cwd=ws)
    assert r.returncode == 1
    assert "plugin 'broken_score' failed in briefing_score: ZeroDivisionError" in r.stderr
    assert not [p for p in (ws / "out").rglob("*") if p.name != ".lock"]  # nothing but the build lock


def test_a_failing_make_items_leaves_its_section_empty_and_is_reported(tmp_path):
    assert build_workspace(tmp_path, [ARTICLE], formats="md").section("key_takeaways").items
    ws = ws_with(tmp_path / "b", "prices", BROKEN_ITEMS)
    r = run("build", "--date", "2023-03-20", "--format", "md", cwd=ws)
    assert r.returncode == 0, r.stderr
    assert "plugin prices failed in make_items: RuntimeError: the price feed is down" in r.stderr
    folder = ws / "out" / "2023-03-20"
    errors = json.loads((folder / "report.json").read_text())["plugin_errors"]
    assert [(e["plugin"], e["hook"]) for e in errors] == [("prices", "make_items")]
    assert "raise RuntimeError" in errors[0]["traceback"]
    md = (folder / "conflict-update-day-390.md").read_text()
    assert "## Energy Prices\n\nNothing to report today." in md
    assert "**Russia may be losing momentum in Bakhmut" in md


def test_a_failing_make_items_under_strict_exits_1_naming_plugin_and_section(tmp_path):
    ws = ws_with(tmp_path, "prices", BROKEN_ITEMS)
    r = run("build", "--date", "2023-03-20", "--format", "md", "--strict", cwd=ws)
    assert r.returncode == 1
    assert r.stderr.strip() == ("briefing: error: plugin 'prices' failed in make_items of section 'prices': "
                                "RuntimeError: the price feed is down")
    assert not [p for p in (ws / "out").rglob("*") if p.name != ".lock"]  # nothing but the build lock


@pytest.mark.parametrize("hook, body", [
    ("briefing_sections", "def briefing_sections():\n    raise KeyError('sections')\n"),
    ("briefing_prepare_issue", "def briefing_prepare_issue(issue):\n    issue.sections.clear()\n    raise ValueError('half done')\n"),
    ("briefing_jinja_environment", "def briefing_jinja_environment(env):\n    raise ImportError('no filter')\n"),
    ("briefing_summarize", "def briefing_summarize(story):\n    raise TypeError('bad item')\n"),
])
def test_every_hook_failure_is_contained(tmp_path, hook, body):
    ws = ws_with(tmp_path, "flaky", "from briefing import hookimpl\n\n@hookimpl\n" + body)
    from briefing.pipeline.build import build
    from briefing.config.settings import load_config

    result = build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md"))
    assert {(e["plugin"], e["hook"]) for e in result.report.plugin_errors} == {("flaky", hook)}
    assert result.paths["md"].read_text().startswith("# Conflict Update Day 390")


def test_a_hook_wrapper_is_refused_at_start_up(tmp_path):
    ws = make_workspace(tmp_path)
    (ws / "plugins" / "wrap.py").write_text(textwrap.dedent('''
        from briefing import hookimpl
        @hookimpl(wrapper=True)
        def briefing_sections():
            return (yield)
    '''))
    with pytest.raises(PluginError, match="'wrap'.*briefing_sections is a hook wrapper"):
        Plugins(ws)


def test_plugins_trace_shows_each_call_and_its_result(tmp_path):
    ws = ws_with(tmp_path, "broken_score", BROKEN_SCORE)
    r = run("plugins", "--trace", cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "trace: china.briefing_sections() -> [Section(key='china', title='China'" in r.stderr
    r = run("build", "--date", "2023-03-20", "--format", "md", cwd=ws, env={"BRIEFING_TRACE": "1"})
    assert r.returncode == 0, r.stderr
    assert "trace: key_takeaways.briefing_sections() -> [Section(key='key_takeaways'" in r.stderr
    assert "trace: broken_score.briefing_score raised ZeroDivisionError: division by zero" in r.stderr
    assert "trace: briefing.pipeline.summarize.briefing_summarize(story=Story(" in r.stderr
