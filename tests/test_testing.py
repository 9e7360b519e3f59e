"""briefing.testing: the fixture comes through the pytest11 entry point and makes a plugin test three lines."""

from __future__ import annotations

import importlib.metadata

import pytest

from .conftest import ROOT

GAS = (ROOT / "tests" / "data" / "gas_transit.txt").read_text()
ENERGY = ROOT / "examples" / "energy-plugin" / "briefing_energy.py"


def test_a_plugin_test_in_three_lines(briefing_workspace):
    result = briefing_workspace(texts={"gas.txt": GAS}, plugins=[ENERGY], formats="md")
    assert [i.headline for i in result.section("energy").items] == [GAS.splitlines()[0]]


def test_the_fixture_is_registered_for_pytest():
    eps = importlib.metadata.entry_points(group="pytest11")
    assert [ep.value for ep in eps if ep.name == "briefing"] == ["briefing.testing"]


def test_each_call_builds_its_own_workspace_and_results_have_shortcuts(briefing_workspace):
    first = briefing_workspace(texts={"gas.txt": GAS}, formats="md")
    second = briefing_workspace([ROOT / "seeds" / "002_3d2ce1288090b4de.txt"], formats="md")
    assert first.workspace != second.workspace
    assert sorted(p.name for p in (second.workspace / "seeds").iterdir()) == ["002_3d2ce1288090b4de.txt"]
    assert second.markdown == second.paths["md"].read_text()
    assert second.markdown.startswith("# Conflict Update Day 390")
    assert second.section("key_takeaways").items and second.report.plugin_errors == []
    with pytest.raises(KeyError, match="no section 'energy'.*key_takeaways"):
        second.section("energy")


def test_strict_builds_raise_on_plugin_failures(briefing_workspace, tmp_path):
    from briefing.errors import PluginError

    broken = tmp_path / "broken.py"
    broken.write_text("from briefing import hookimpl\n\n@hookimpl\ndef briefing_sections():\n    raise OSError('x')\n")
    with pytest.raises(PluginError, match="'broken' failed in briefing_sections"):
        briefing_workspace(texts={"gas.txt": GAS}, plugins=[broken], formats="md", strict=True)
    assert briefing_workspace(texts={"gas.txt": GAS}, plugins=[broken], formats="md").report.plugin_errors
