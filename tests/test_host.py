"""The host: one context per build, a checked configuration, the one Jinja environment, a declared plugin API."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from briefing import Loader, hookimpl
from briefing.pipeline.build import build
from briefing.config.settings import all_tables, load_config
from briefing.errors import UsageError
from briefing.config.schema import markdown
from briefing.host.plugins import Plugins

from .conftest import DATA, ROOT, make_workspace

SEED_A = ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt"
SEED_B = ROOT / "seeds" / "001_546d6f66f1e1dd59.txt"
FOLLOWUP = DATA / "operations" / "followup_steam.txt"
LOSSES = ROOT / "seeds" / "losses"


def build_day(ws: Path, date: str, sources: list[Path], plugins: Plugins | None = None):
    config = load_config(ws / "briefing.toml", date=date, formats="md", sources=[str(s) for s in sources])
    return build(config, plugins)


def story_items(result) -> list:
    return [i for i in result.issue.all_items() if i.sentences]


# -- follow-ups through the stories hook ------------------------------------------------------------------

def test_follow_ups_never_take_a_place_in_a_short_issue(tmp_path):
    """Day 390 repeats Day 389's article; with room for two items, two fresh stories print, not fewer."""
    ws = make_workspace(tmp_path / "a", [LOSSES])
    build_day(ws, "2023-03-19", [SEED_A])
    roomy = build_day(ws, "2023-03-20", [SEED_A, SEED_B, FOLLOWUP])
    assert len(story_items(roomy)) > 2  # more fresh stories than the short issue has room for

    short = make_workspace(tmp_path / "b", [LOSSES], "[budget]\nissue_items = 2\n")
    build_day(short, "2023-03-19", [SEED_A])
    result = build_day(short, "2023-03-20", [SEED_A, SEED_B, FOLLOWUP])
    printed = story_items(result)
    assert len(printed) == 2
    report = json.loads(result.paths["report"].read_text())
    repeats = [d for d in report["dropped"] if d.get("followup") == "dropped"]
    assert repeats, "the repeated story is left out as already published"
    placed = {entry["story"] for entry in report["stories"]}
    assert not placed & {d["story"] for d in repeats}  # a repeat is never placed, so never takes a slot
    with_items = {entry["story"] for entry in report["stories"] if "item" in entry}
    assert with_items == {i.id for i in printed}  # the report says what the issue says
    over = [d for d in report["dropped"] if d["reason"].startswith("over the length budget")
            or "repeat_of" in d]  # over the budget, or the same story as one placed before it
    assert {d["story"] for d in over} == placed - with_items


def test_two_builds_in_one_process_do_not_share_state(tmp_path):
    """Two workspaces built alternately give the bytes each gives when built alone."""
    alone = {}
    for name in ("a", "b"):
        ws = make_workspace(tmp_path / f"alone-{name}", [LOSSES])
        build_day(ws, "2023-03-19", [SEED_A] if name == "a" else [SEED_B])
        alone[name] = build_day(ws, "2023-03-20", [SEED_A, SEED_B, FOLLOWUP]).paths["md"].read_text()
    wa, wb = make_workspace(tmp_path / "wa", [LOSSES]), make_workspace(tmp_path / "wb", [LOSSES])
    shared = Plugins(wa)  # one plugin manager for both: nothing of one build may stay on it
    build_day(wa, "2023-03-19", [SEED_A], shared)
    build_day(wb, "2023-03-19", [SEED_B], shared)
    a = build_day(wa, "2023-03-20", [SEED_A, SEED_B, FOLLOWUP], shared)
    b = build_day(wb, "2023-03-20", [SEED_A, SEED_B, FOLLOWUP], shared)
    assert a.paths["md"].read_text() == alone["a"]
    assert b.paths["md"].read_text() == alone["b"]
    assert alone["a"] != alone["b"]  # each workspace's own back issue decides its follow-ups


def test_no_plugin_keeps_state_in_module_globals():
    """Every built-in plugin module's top-level names are constants, functions or classes: no dict or list
    that a hook could fill during one build and read during the next."""
    import importlib.metadata
    import types

    for ep in importlib.metadata.entry_points(group="briefing"):
        module = ep.load()
        for name, value in vars(module).items():
            if name.startswith("__") or isinstance(value, (types.ModuleType, types.FunctionType, type)):
                continue
            if isinstance(value, (dict, list, set)) and not name.isupper():
                pytest.fail(f"{ep.name}.{name} is mutable module state ({type(value).__name__})")


# -- configuration ---------------------------------------------------------------------------------------

TYPOS = """[briefing]
formts = ["md"]
lock_timout = 10
[budget]
item_sentence = 3
[sections.chna]
titel = "Beijing"
[subject]
preset = "russia-ukraine-war"
treshold = 2.5
"""


def test_each_typo_is_reported_with_the_closest_valid_name(tmp_path):
    ws = make_workspace(tmp_path, [SEED_A])
    (ws / "briefing.toml").write_text('[briefing]\nsources = ["seeds"]\nout = "out"\n' + TYPOS.split("\n", 1)[1])
    r = subprocess.run([sys.executable, "-m", "briefing", "build", "--date", "2023-03-20", "--format", "md"],
                       cwd=ws, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    for wrong, right in [("formts", "formats"), ("lock_timout", "lock_timeout"), ("item_sentence", "item_sentences"),
                         ("chna", "china"), ("treshold", "threshold")]:
        assert re.search(rf"unknown .*{wrong}.*did you mean '{right}'\?", r.stderr), (wrong, r.stderr)
    report = json.loads((ws / "out" / "2023-03-20" / "report.json").read_text())
    assert len([n for n in report["notes"] if n["kind"] == "configuration"]) == 5
    strict = subprocess.run([sys.executable, "-m", "briefing", "build", "--date", "2023-03-20", "--strict"],
                            cwd=ws, capture_output=True, text=True, timeout=120)
    assert strict.returncode == 2
    assert strict.stderr.count("\n") == 1 and "did you mean 'formats'?" in strict.stderr


def test_a_typo_inside_a_known_section_table_is_named_too(tmp_path):
    ws = make_workspace(tmp_path, [SEED_A], '[sections.china]\ntitel = "Beijing"\n')
    config = load_config(ws / "briefing.toml", date="2023-03-20", formats="md")
    result = build(config)
    [note] = [n for n in result.report.notes if n["kind"] == "configuration"]
    assert "'titel' in [sections.china]; did you mean 'title'?" in note["message"]


@pytest.mark.parametrize("text, message", [
    ('sources = "seeds"', "[briefing] sources: expected a list of strings in [brackets], got 'seeds'"),
    ('[budget]\nitem_words = "lots"', "[budget] item_words: expected a whole number of at least 1, got 'lots'"),
    ('[briefing]\nformats = ["md", "docx"]', "[briefing] formats[1]: expected one of 'md', 'html', 'pdf', 'epub', got 'docx'"),
    ('[window]\nhours = 0', "[window] hours: expected a number above 0, got 0"),
    ('[losses]\nchart = "yes"', "[losses] chart: expected true or false, got 'yes'"),
])
def test_a_wrong_type_is_one_line_and_exit_code_2(tmp_path, text, message):
    ws = tmp_path / "ws"
    ws.mkdir()
    body = text if text.startswith("[") else f"[briefing]\n{text}"
    (ws / "briefing.toml").write_text(body + "\n")
    r = subprocess.run([sys.executable, "-m", "briefing", "build", "--date", "2023-03-20", "--format", "md"],
                       cwd=ws, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr == f"briefing: usage error: briefing.toml: {message}\n"


def test_configuration_reference_is_generated_from_the_schema_and_covers_every_key():
    page = (ROOT / "docs" / "configuration.md").read_text()
    tables = all_tables()
    assert page == markdown(tables), "docs/configuration.md is stale: python -m briefing.config.schema > docs/configuration.md"
    for name, table in tables.items():
        assert f"[{name}" in page
        for key in (table.each or table).options:
            assert f"| `{key}` |" in page, f"[{name}] {key} is not documented"
    # and the repository's own briefing.toml holds only documented keys
    config = load_config(ROOT / "briefing.toml")
    config.check_plugins(Plugins(config.workspace), ["losses", "key_takeaways", "comments", "containment",
                                                      "sanctions", "putin_russia", "china"])
    assert config.unknown == []


class CountingLoader:
    """Counts the sources the loaders are asked to parse, and leaves the parsing to them."""

    def __init__(self):
        self.parsed: list[str] = []

    def count(self, path, data, build):
        self.parsed.append(Path(path).name)

    @hookimpl
    def briefing_loaders(self):
        return [Loader("counter", self.count, frozenset({".txt", ".json"}), priority=100)]


def test_only_settings_that_shape_loading_invalidate_the_source_cache(tmp_path):
    ws = make_workspace(tmp_path, [SEED_A, SEED_B])

    def parsed() -> list[str]:
        counter = CountingLoader()
        build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md"),
              Plugins(ws, extra=[("counter", counter)]))
        return sorted(counter.parsed)

    assert parsed() == sorted([SEED_A.name, SEED_B.name])
    with (ws / "briefing.toml").open("a") as fh:
        fh.write('[mail]\nhost = "smtp.example.org"\nsender = "desk@example.org"\nrecipients = ["a@example.org"]\n'
                 '[budget]\nitem_words = 90\n')
    assert parsed() == []  # mail and length settings do not change what a source becomes
    text = (ws / "briefing.toml").read_text().replace('out = "out"', 'out = "out"\nmax_source_mb = 5')
    (ws / "briefing.toml").write_text(text)
    assert parsed() == sorted([SEED_A.name, SEED_B.name])  # the size cap does


# -- one Jinja environment ---------------------------------------------------------------------------------

class ShoutFilter:
    """A plugin adding a filter, counting how often the environment hook is called."""

    def __init__(self):
        self.calls = 0

    @hookimpl
    def briefing_jinja_environment(self, env):
        self.calls += 1
        env.filters["shout"] = lambda text: str(text).upper() + "!"


def test_the_environment_hook_runs_once_and_its_filter_works_in_the_archive(tmp_path):
    ws = make_workspace(tmp_path, [SEED_A])
    (ws / "templates").mkdir()
    packaged = (ROOT / "templates" / "archive.html").read_text()
    (ws / "templates" / "archive.html").write_text(packaged.replace("<title>{{ title }}", "<title>{{ title|shout }}"))
    shout = ShoutFilter()
    config = load_config(ws / "briefing.toml", date="2023-03-20", formats="md,html")
    build(config, Plugins(ws, extra=[("shout", shout)]))
    assert shout.calls == 1
    assert "<title>CONFLICT UPDATE! – back issues</title>" in (ws / "out" / "index.html").read_text()


def declared_distributions() -> set[str]:
    """The distributions the project depends on (pyproject.toml's ``dependencies``), by normalized name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {re.split(r"[<>=!~;\[ ]", dep, maxsplit=1)[0].lower().replace("_", "-") for dep in project["dependencies"]}


def import_problem(node: ast.Import | ast.ImportFrom, allowed: set[str]) -> str | None:
    """Why a built-in plugin may not import this (None when it may): the engine only through ``briefing`` and
    ``briefing.api``, besides the standard library, the declared dependencies and the plugins' own package."""
    import briefing

    if isinstance(node, ast.ImportFrom) and node.level:
        return None  # the plugins' own package
    names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    for name in names:
        top = name.split(".")[0]
        if name == "briefing" and isinstance(node, ast.ImportFrom):
            unknown = {a.name for a in node.names} - set(briefing.__all__) - {"api"}
            if unknown:
                return f"takes {sorted(unknown)} from briefing, which does not export them"
        elif name == "briefing.api" or top == "briefing_plugins" or top in sys.stdlib_module_names:
            continue
        elif top == "briefing":
            return f"imports {name}, an engine module: use briefing or briefing.api"
        elif top not in allowed:
            return f"imports {name}, which is neither the standard library nor a declared dependency"
    return None


def test_built_in_plugins_import_the_engine_only_through_briefing_and_briefing_api():
    declared = declared_distributions()
    allowed = {top for top, dists in importlib.metadata.packages_distributions().items()
               if any(d.lower().replace("_", "-") in declared for d in dists)}
    assert {"feedparser", "markdown_it", "rapidfuzz", "defusedxml"} <= allowed
    seen = 0
    for path in sorted((ROOT / "plugins").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):  # inside functions too
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                seen += 1
                problem = import_problem(node, allowed)
                assert problem is None, f"plugins/{path.name}:{node.lineno}: {problem}"
    assert seen > 50
    for text, says in (("from briefing.editorial.judge import Judge", "an engine module"),
                       ("from briefing import notes", "does not export"), ("import briefing.host.context", "engine"),
                       ("import requests", "neither the standard library")):
        assert says in import_problem(ast.parse(text).body[0], allowed), text


def test_usage_error_for_a_plugin_table_names_the_file(tmp_path):
    ws = make_workspace(tmp_path, [SEED_A], "[followups]\ndays = -3\n")
    with pytest.raises(UsageError, match=r"briefing.toml: \[followups\] days: expected a whole number of at least 0"):
        build(load_config(ws / "briefing.toml", date="2023-03-20", formats="md"))


def test_an_issue_without_a_day_number_is_a_dated_briefing_and_no_plugin_fails(tmp_path):
    # the engine's own defaults: no first day, so no "Day N"; every built-in plugin still takes part
    ws = tmp_path / "ws"
    (ws / "seeds").mkdir(parents=True)
    (ws / "briefing.toml").write_text('[subject]\npreset = "russia-ukraine-war"\n[briefing]\nsources = ["seeds"]\n'
                                      'out = "out"\n[articles]\nfetch = false\n', encoding="utf-8")
    for path in (SEED_A, SEED_B):
        (ws / "seeds" / path.name).write_bytes(path.read_bytes())
    result = build_day(ws, "2023-03-20", [ws / "seeds"])
    assert result.report.plugin_errors == []
    assert result.issue.day is None
    md = result.paths["md"].read_text()
    assert md.startswith("# Briefing of March 20, 2023\n")
    assert result.paths["md"].name == "briefing-2023-03-20.md"
