"""`briefing init` makes a workspace that builds at once; `briefing new-plugin` adds a tested section to it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

BIN = Path(sys.executable).parent


def run(*args, cwd):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("BRIEFING_TRACE", None)
    return subprocess.run([sys.executable, "-m", "briefing", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)


def test_init_makes_a_workspace_that_builds_a_real_issue_at_once(tmp_path):
    r = run("init", "desk", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    ws = tmp_path / "desk"
    assert (ws / "briefing.toml").is_file()
    assert (ws / "plugins" / "humanitarian.py").is_file()
    assert (ws / "templates" / "README.md").is_file()
    samples = sorted(p.name for p in (ws / "seeds").iterdir())
    assert samples == ["000_f0b3ea1751f13ff4.txt", "001_546d6f66f1e1dd59.txt", "002_3d2ce1288090b4de.txt",
                       "004_9ee6dfef29a64673.txt", "README.md"]
    assert "seeds/ holds sample articles" in r.stdout
    r = run("build", "--format", "md,html", cwd=ws)  # today's issue: the samples carry no date, so they count
    assert r.returncode == 0, r.stderr
    (folder,) = [p for p in (ws / "out").iterdir() if p.is_dir()]
    (md_file,) = folder.glob("*.md")
    md = md_file.read_text()
    titles = [line for line in md.splitlines() if line.startswith("## ")]
    assert len(titles) == 8 and "## Humanitarian" in md  # the built-in sections and the example one
    headlines = re.findall(r"^\*\*(.+?)\*\*", md, re.MULTILINE)
    assert len(headlines) >= 4 and md.count("Nothing to report today.") < 7
    report = json.loads((folder / "report.json").read_text())
    repeats = {d["what"] for d in report["dropped"] if d["reason"] == "passed over as a repeat"}
    for title in ("Russia may be losing momentum in Bakhmut, says UK intelligence",
                  "Putin seeks closer ties with China after battlefield setbacks"):  # printed, or told already
        assert title in headlines or title in repeats, title
    assert report["plugin_errors"] == [] and len(report["documents"]) == 4  # the README is not a source


def test_a_workspace_whose_sources_hold_nothing_fails_loudly(tmp_path):
    assert run("init", "desk", cwd=tmp_path).returncode == 0
    ws = tmp_path / "desk"
    for sample in (ws / "seeds").iterdir():
        sample.unlink()
    r = run("build", "--date", "2023-03-20", "--format", "md", cwd=ws)
    assert r.returncode == 1
    assert r.stderr == "briefing: error: no documents: the sources (seeds) hold no files\n"
    assert not (ws / "out" / "2023-03-20").exists()


def test_the_example_section_claims_a_humanitarian_story(tmp_path):
    from briefing.testing import build_workspace

    story = ("Civilians evacuated from Bakhmut as aid convoys wait\n\nHumanitarian workers evacuated hundreds "
             "of civilians from the Ukrainian city of Bakhmut on Sunday, as refugees fleeing the Russian "
             "shelling waited for aid at a Red Cross shelter.\n")
    result = build_workspace(tmp_path, texts={"evacuation.txt": story},
                             plugins=[ROOT / "briefing" / "skeleton" / "humanitarian.py"], formats="md")
    assert [i.headline for i in result.section("humanitarian").items] == [
        "Civilians evacuated from Bakhmut as aid convoys wait"]


def test_init_refuses_an_existing_workspace_but_can_add_templates(tmp_path):
    assert run("init", "desk", cwd=tmp_path).returncode == 0
    config = tmp_path / "desk" / "briefing.toml"
    config.write_text(config.read_text() + "\n# mine\n")
    r = run("init", "desk", cwd=tmp_path)
    assert r.returncode == 1 and "already exists" in r.stderr
    assert config.read_text().endswith("# mine\n")
    r = run("init", "--copy-templates", "desk", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "desk" / "templates" / "issue.md").read_text() == (ROOT / "templates" / "issue.md").read_text()
    assert config.read_text().endswith("# mine\n")


def test_copied_templates_are_the_ones_used(tmp_path):
    assert run("init", "--copy-templates", "desk", cwd=tmp_path).returncode == 0
    ws = tmp_path / "desk"
    md_template = ws / "templates" / "issue.md"
    md_template.write_text("<!-- ours -->\n" + md_template.read_text())
    assert run("build", "--date", "2023-03-20", "--format", "md", cwd=ws).returncode == 0
    assert (ws / "out" / "2023-03-20" / "conflict-update-day-390.md").read_text().startswith("<!-- ours -->\n")


@pytest.mark.slow
def test_new_plugin_writes_a_section_and_a_test_that_passes(tmp_path):
    assert run("init", "desk", cwd=tmp_path).returncode == 0
    ws = tmp_path / "desk"
    r = run("new-plugin", "grain_exports", cwd=ws)
    assert r.returncode == 0, r.stderr
    plugin, test = ws / "plugins" / "grain_exports.py", ws / "tests" / "test_grain_exports.py"
    assert 'key="grain_exports", title="Grain Exports"' in plugin.read_text()
    listing = run("plugins", cwd=ws)
    assert "Grain Exports [grain_exports]" in listing.stdout, listing.stderr
    # the written test runs as it is, with the fixture found through the pytest11 entry point
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)], cwd=ws,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed" in r.stdout


def test_new_plugin_refuses_to_overwrite(tmp_path):
    assert run("init", "desk", cwd=tmp_path).returncode == 0
    ws = tmp_path / "desk"
    (ws / "plugins" / "energy.py").write_text("# mine\n")
    r = run("new-plugin", "energy", cwd=ws)
    assert r.returncode == 1 and "energy.py" in r.stderr and "not overwriting" in r.stderr
    assert (ws / "plugins" / "energy.py").read_text() == "# mine\n"
    assert not (ws / "tests" / "test_energy.py").exists()


def test_invalid_plugin_names_are_usage_errors(tmp_path):
    assert run("init", "desk", cwd=tmp_path).returncode == 0
    for name in ["Energy", "oil-gas", "1st", "class", "test_energy", "_hidden", "x" * 41, "../evil"]:
        r = run("new-plugin", name, cwd=tmp_path / "desk")
        assert r.returncode == 2, (name, r.stderr)
        assert "invalid plugin name" in r.stderr and r.stderr.strip().count("\n") == 0
    assert sorted(p.name for p in (tmp_path / "desk" / "plugins").iterdir()) == ["humanitarian.py"]


def test_new_plugin_outside_a_workspace_is_a_usage_error(tmp_path):
    r = run("new-plugin", "energy", cwd=tmp_path)
    assert r.returncode == 2 and "briefing init" in r.stderr
    assert list(tmp_path.iterdir()) == []
