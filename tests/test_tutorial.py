"""docs/tutorial.md, followed literally in a fresh folder, prints and builds exactly what it shows."""

from __future__ import annotations

import shutil

import pytest

from .conftest import ROOT
from .tutorial_runner import follow, steps

TUTORIAL = ROOT / "docs" / "tutorial.md"


@pytest.mark.slow
def test_the_tutorial_gives_the_output_it_shows(tmp_path):
    # the tutorial runs in the project's checkout; give it the parts it reads
    (tmp_path / "seeds").mkdir()
    for path in (ROOT / "seeds").glob("*.txt"):
        shutil.copy(path, tmp_path / "seeds")
    shutil.copytree(ROOT / "examples" / "energy-plugin" / "samples", tmp_path / "examples" / "energy-plugin" / "samples")
    checks = follow(TUTORIAL.read_text(encoding="utf-8"), tmp_path)
    assert len(checks) >= 6
    for step, actual in checks:
        if step.kind == "output":
            assert actual == step.text, f"tutorial line {step.line}: the output differs"
        else:
            assert step.text.strip() in actual, f"tutorial line {step.line}: not found in {step.arg}"
    section = (tmp_path / "energy-desk" / "out" / "2023-03-20" / "conflict-update-day-390.md").read_text()
    assert section.count("\n## Energy\n") == 1


def test_the_tutorial_plugin_is_the_packaged_example():
    files = {s.arg: s.text for s in steps(TUTORIAL.read_text(encoding="utf-8")) if s.kind == "file"}
    example = ROOT / "examples" / "energy-plugin" / "briefing_energy.py"
    assert files["plugins/energy.py"] == example.read_text(encoding="utf-8")


def test_the_runner_notices_a_wrong_output(tmp_path):
    checks = follow("```sh\necho hello\n```\n\n```text output\nhullo\n```\n", tmp_path)
    assert [(s.text, actual) for s, actual in checks] == [("hullo\n", "hello\n")]
