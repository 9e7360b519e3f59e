"""A plugin that raises is named with its hook and traceback; the issue is built without it unless --strict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from briefing.errors import PluginError
from briefing.host.plugins import Plugins, hook_names
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


# one plugin failing in each hook, and the reason the build gives for it
FAILING = {
    "briefing_options": ("def briefing_options():\n    raise KeyError('options')\n", "KeyError: 'options'"),
    "briefing_subject": ("def briefing_subject(config):\n    raise LookupError('no such subject')\n",
                         "LookupError: no such subject"),
    "briefing_sections": ("def briefing_sections():\n    raise KeyError('sections')\n", "KeyError: 'sections'"),
    "briefing_loaders": ("def briefing_loaders():\n    raise OSError('no loaders today')\n",
                         "OSError: no loaders today"),
    "briefing_examples": ("def briefing_examples(build):\n    raise KeyError('no history')\n",
                          "KeyError: 'no history'"),
    "briefing_build_start": ("def briefing_build_start(build):\n    raise RuntimeError('not ready')\n",
                             "RuntimeError: not ready"),
    "briefing_score": ("def briefing_score(section, story):\n    return 1 / 0\n",
                       "ZeroDivisionError: division by zero"),
    "briefing_stories": ("def briefing_stories(stories):\n    stories.clear()\n    raise ValueError('half done')\n",
                         "ValueError: half done"),
    "briefing_summarize": ("def briefing_summarize(story):\n    raise TypeError('bad item')\n", "TypeError: bad item"),
    "briefing_prepare_issue": ("def briefing_prepare_issue(issue):\n    issue.sections.clear()\n"
                               "    raise ValueError('half done')\n",
                               "ValueError: half done"),
    "briefing_jinja_environment": ("def briefing_jinja_environment(env):\n    raise ImportError('no filter')\n",
                                   "ImportError: no filter"),
    "briefing_publish": ("def briefing_publish(paths):\n    raise PermissionError('archive is read-only')\n",
                         "PermissionError: archive is read-only"),
    "briefing_archive_changed": ("def briefing_archive_changed(config):\n    raise OSError('disk full')\n",
                                 "OSError: disk full"),
}

# hooks whose failure stops the build at start-up, before anything is read, each with why
STOPS = {"briefing_options": "without its declared tables the plugin's settings cannot be checked"}
NOT_IN_A_BUILD = {"briefing_archive_changed"}  # called by `briefing archive remove`, tested there


def test_every_hook_has_a_failure_case():
    assert sorted(FAILING) == hook_names()


def build_with_flaky(tmp_path, hook):
    ws = ws_with(tmp_path, "flaky", "from briefing import hookimpl\n\n@hookimpl\n" + FAILING[hook][0])
    from briefing.config.settings import load_config
    from briefing.pipeline.build import build

    return ws, lambda: build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md"))


@pytest.mark.parametrize("hook", sorted(STOPS))
def test_a_hook_failing_at_start_up_names_plugin_hook_and_reason_and_writes_nothing(tmp_path, hook):
    ws, run_build = build_with_flaky(tmp_path, hook)
    with pytest.raises(PluginError, match=f"plugin 'flaky' failed in {hook}: {FAILING[hook][1]}"):
        run_build()
    assert not (ws / "out" / "2023-03-20").exists()


@pytest.mark.parametrize("hook", sorted(set(FAILING) - set(STOPS) - NOT_IN_A_BUILD))
def test_every_hook_failure_is_contained(tmp_path, hook):
    _, run_build = build_with_flaky(tmp_path, hook)
    result = run_build()
    errors = result.report.plugin_errors
    assert {(e["plugin"], e["hook"], e["error"]) for e in errors} == {("flaky", hook, FAILING[hook][1])}
    md = result.paths["md"].read_text()
    assert md.startswith("# Conflict Update Day 390")
    assert "**Russia may be losing momentum in Bakhmut, says UK intelligence**" in md  # the story is still told


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


def test_a_plugin_failing_when_an_issue_leaves_the_archive_is_named_and_the_command_exits_1(tmp_path):
    ws = ws_with(tmp_path, "flaky", "from briefing import hookimpl\n\n@hookimpl\n"
                 + FAILING["briefing_archive_changed"][0])
    assert run("build", "--date", "2023-03-20", "--format", "md", cwd=ws).returncode == 0
    r = run("archive", "remove", "2023-03-20", cwd=ws)
    assert r.returncode == 1
    assert "plugin 'flaky' failed in briefing_archive_changed: OSError: disk full" in r.stderr
    assert not (ws / "out" / "2023-03-20").exists() and (ws / "out" / ".removed" / "2023-03-20").is_dir()
