"""`briefing init` makes a workspace that builds at once; `briefing new-plugin` adds a tested section to it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .conftest import ROOT

BIN = Path(sys.executable).parent


def run(*args, cwd):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("BRIEFING_TRACE", None)
    return subprocess.run([sys.executable, "-m", "briefing", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)


DATASET = "https://raw.githubusercontent.com/PetroIvaniuk/2022-Ukraine-Russia-War-Dataset/main/data/"
LOSSES_FILES = ["russia_losses_personnel.json", "russia_losses_equipment.json",
                "russia_losses_equipment_correction.json"]


def local_losses(ws: Path) -> None:
    """The README's offline note, followed: the dataset's three files in losses/, and `source = "losses"`."""
    (ws / "losses").mkdir()
    for name in LOSSES_FILES:
        (ws / "losses" / name).write_bytes((ROOT / "seeds" / "losses" / name).read_bytes())
    config = ws / "briefing.toml"
    text = config.read_text()
    start = text.index("source = [", text.index("[losses]"))
    config.write_text(text[:start] + 'source = "losses"\n' + text[text.index("]\n", start) + 2:])


def test_init_makes_a_workspace_that_builds_a_real_issue_at_once(tmp_path):
    r = run("init", "desk", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    ws = tmp_path / "desk"
    local_losses(ws)  # tests reach nothing beyond this machine
    assert (ws / "briefing.toml").is_file()
    assert not (ws / "plugins" / "humanitarian.py").exists()  # the example is there to read, not in use
    assert (ws / "plugins" / "examples" / "humanitarian.py").is_file()
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
    assert titles == ["## Conflict Assessment", "## Key Takeaways", "## Comments, Updates, Developments and Reports",
                      "## Containment", "## Sanctions", "## Putin & Russia", "## China"]  # the house's, no other
    headlines = re.findall(r"^\*\*(.+?)\*\*", md, re.MULTILINE)
    assert len(headlines) >= 4 and md.count("Nothing to report today.") < 7
    losses = md[md.index("## Conflict Assessment"):md.index("## Key Takeaways")]
    assert "no losses data among the sources" not in losses  # the dataset was read (today's figures, or the latest)
    report = json.loads((folder / "report.json").read_text())
    repeats = {d["what"] for d in report["dropped"] if d["reason"] == "passed over as a repeat"}
    for title in ("Russia may be losing momentum in Bakhmut, says UK intelligence",
                  "Putin seeks closer ties with China after battlefield setbacks"):  # printed, or told already
        assert title in headlines or title in repeats, title
    assert report["plugin_errors"] == [] and len(report["documents"]) == 4  # the README is not a source
    listing = run("plugins", cwd=ws)
    assert listing.returncode == 0 and "humanitarian" not in listing.stdout.lower()


def test_a_workspace_whose_sources_hold_nothing_fails_loudly(tmp_path):
    assert run("init", "desk", cwd=tmp_path).returncode == 0
    ws = tmp_path / "desk"
    for sample in (ws / "seeds").iterdir():
        sample.unlink()
    config = ws / "briefing.toml"  # nor any losses figures: nothing at all to read
    config.write_text(re.sub(r"(?ms)^source = \[.*?^\]\n", "source = []\n", config.read_text()))
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
    assert run("build", "--date", "2023-03-20", "--format", "md", "--offline", cwd=ws).returncode == 0
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


def test_the_plugin_stub_says_a_or_an_as_the_title_sounds(tmp_path):
    assert run("init", "desk", cwd=tmp_path).returncode == 0
    ws = tmp_path / "desk"
    for name in ("energy", "humanitarian", "unity"):
        assert run("new-plugin", name, cwd=ws).returncode == 0
    assert "Russia's war in Ukraine: an Energy story" in (ws / "tests" / "test_energy.py").read_text()
    assert "like an Energy story" in (ws / "plugins" / "energy.py").read_text()
    assert "Russia's war in Ukraine: a Humanitarian story" in (ws / "tests" / "test_humanitarian.py").read_text()
    assert "Russia's war in Ukraine: a Unity story" in (ws / "tests" / "test_unity.py").read_text()


@pytest.mark.parametrize("word, article", [
    ("Energy", "an"), ("Oil", "an"), ("Arms", "an"), ("Humanitarian", "a"), ("Hour", "an"), ("Honest", "an"),
    ("Heir", "an"), ("University", "a"), ("Unit", "a"), ("Union", "a"), ("Usage", "a"), ("Uranium", "a"),
    ("European", "a"), ("Eulogy", "a"), ("Ewe", "a"), ("One", "a"), ("Once", "a"), ("Uncle", "an"),
    ("Ukraine", "a"), ("Utility", "a"), ("Umbrella", "an"), ("X", "an"), ("X Ray", "an"), ("Y", "a"),
    ("Sanctions", "a"), ("Yacht", "a"), ("MP", "an"), ("NATO", "a"), ("UN", "a"), ("FBI", "an"), ("SUV", "an"),
])
def test_a_or_an_by_the_sound_of_the_word(word, article):
    from briefing.cli.workspace import indefinite_article

    assert indefinite_article(word) == article


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
    assert sorted(p.name for p in (tmp_path / "desk" / "plugins").iterdir()) == ["examples"]


def test_new_plugin_outside_a_workspace_is_a_usage_error(tmp_path):
    r = run("new-plugin", "energy", cwd=tmp_path)
    assert r.returncode == 2 and "briefing init" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_new_workspace_reads_the_losses_dataset_by_url_through_the_cache(tmp_path):
    """`briefing init` names the public dataset's three files by URL; the build fetches them through the one
    fetcher and its HTTP cache: a rebuild asks whether they changed (answered 304), `--offline` uses the copy."""
    from . import servers

    assert run("init", "desk", cwd=tmp_path).returncode == 0
    ws = tmp_path / "desk"
    config = ws / "briefing.toml"
    assert tomllib.loads(config.read_text())["losses"]["source"] == [DATASET + name for name in LOSSES_FILES]
    path = "/PetroIvaniuk/2022-Ukraine-Russia-War-Dataset/main/data/"
    host = servers.Site("127.0.0.62", {path + name: servers.page((ROOT / "seeds" / "losses" / name).read_bytes(),
                                                                 "application/json") for name in LOSSES_FILES})
    try:  # the same paths on a server of this machine, which the workspace may reach once it allows it
        config.write_text(config.read_text().replace("https://raw.githubusercontent.com", host.url("").rstrip("/"))
                          + "\n[fetch]\nallow_private = true\n")
        first = run("build", "--date", "2023-03-20", "--format", "md", cwd=ws)
        assert first.returncode == 0 and first.stderr == "", first.stderr
        again = run("build", "--date", "2023-03-20", "--format", "md", cwd=ws)
        assert again.returncode == 0, again.stderr
        statuses = [r["headers"].get("if-none-match") is not None for r in host.requests]
    finally:
        host.close()
    assert statuses == [False, False, False, True, True, True]  # three downloads, then three questions
    md = (ws / "out" / "2023-03-20" / "conflict-update-day-390.md").read_text()
    assert "**Russian losses** – 165,610 (+700) soldiers killed, 3,537 (+5) enemy tanks" in md
    offline = run("build", "--date", "2023-03-20", "--format", "md", "--offline", cwd=ws)  # the server is gone
    assert offline.returncode == 0 and offline.stderr == "", offline.stderr
    assert "165,610 (+700) soldiers killed" in (ws / "out" / "2023-03-20" / "conflict-update-day-390.md").read_text()


def test_init_ignores_what_builds_leave_behind(tmp_path):
    """The workspace's .gitignore keeps built issues and every cache out of version control."""
    assert run("init", "desk", cwd=tmp_path).returncode == 0
    ws = tmp_path / "desk"
    local_losses(ws)
    assert run("new-plugin", "energy", cwd=ws).returncode == 0
    r = run("build", "--date", "2023-03-20", "--format", "md", cwd=ws)
    assert r.returncode == 0, r.stderr
    subprocess.run([sys.executable, "-m", "pytest", "-q", "tests"], cwd=ws, capture_output=True, timeout=300)
    assert (ws / ".briefing-cache").is_dir() and (ws / "out").is_dir() and (ws / ".pytest_cache").is_dir()
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True)
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ws, capture_output=True,
                            text=True, check=True).stdout
    tracked = sorted(line[3:] for line in status.splitlines())
    assert tracked == [".gitignore", "briefing.toml", *(f"losses/{n}" for n in sorted(LOSSES_FILES)),
                       "plugins/energy.py", "plugins/examples/humanitarian.py",
                       *(f"seeds/{n}" for n in sorted(p.name for p in (ws / "seeds").iterdir())),
                       "templates/README.md", "tests/test_energy.py"]


def test_what_init_writes_points_at_documents_that_exist(tmp_path):
    """Every document the workspace's files and the commands' help name is there, wherever the tool is
    installed: `briefing docs NAME` prints it (no file points at a docs/ folder a workspace does not have)."""
    assert run("init", "desk", cwd=tmp_path).returncode == 0
    ws = tmp_path / "desk"
    assert run("new-plugin", "energy", cwd=ws).returncode == 0
    texts = [p.read_text() for p in ws.rglob("*") if p.is_file() and p.suffix in (".py", ".toml", ".md", "")]
    texts += [run(*command, "--help", cwd=ws).stdout for command in (["serve"], ["build"], ["init"], ["docs"])]
    named = set()
    for text in texts:
        assert not re.search(r"(?<![\w`])docs/[\w-]+\.md", text), "a workspace has no docs/ folder"
        named.update(re.findall(r"`briefing docs ([\w-]+)`", text))
    assert named >= {"plugins", "tutorial", "articles", "desk"}
    for name in sorted(named):
        r = run("docs", name, cwd=ws)
        assert r.returncode == 0 and r.stdout == (ROOT / "docs" / f"{name}.md").read_text(), name
    listing = run("docs", cwd=ws).stdout
    assert "plugins          Writing plugins\n" in listing and "tutorial         Tutorial:" in listing
    r = run("docs", "nonesuch", cwd=ws)
    assert r.returncode == 2 and r.stderr.startswith("briefing: usage error: no document 'nonesuch'; the documents "
                                                     "are: articles, configuration, desk,")


def test_a_build_outside_a_workspace_reads_the_command_lines_sources_alone(tmp_path):
    """Outside a workspace the build takes init's configuration for its subject and title, but none of its
    sources: not the losses dataset's addresses either."""
    story = tmp_path / "story.txt"
    story.write_text((ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt").read_text())
    r = run("build", "--date", "2023-03-20", "--format", "md", "--offline", "--sources", str(story), "--out",
            str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    report = json.loads((tmp_path / "out" / "2023-03-20" / "report.json").read_text())
    assert [s["path"] for s in report["sources"]] == ["story.txt"]  # shown relative to where it was built
