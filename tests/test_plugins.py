"""Plugins: a dropped-in file adds a section everywhere, entry points load, mistakes are errors."""

from __future__ import annotations

import sys
import textwrap

import pypdf
import pytest

from briefing.pipeline.build import build
from briefing.config.settings import load_config
from briefing.errors import PluginError
from briefing.host.plugins import Plugins

from .conftest import ROOT, make_workspace

ENERGY = textwrap.dedent('''
    """Energy: gas transit, oil, power grid strikes."""
    from briefing import Section, hookimpl

    @hookimpl
    def briefing_sections():
        return [Section(key="energy", title="Energy Watch", order=45,
                        profile={"terms": {"gas": 4, "pipeline": 4, "pipelines": 4, "gazprom": 4, "energy": 3}})]
''')


def _build(ws, **over):
    config = load_config(ws / "briefing.toml", date="2023-03-20", **over)
    return build(config)


def test_a_plugin_file_in_the_workspace_adds_a_section_to_all_outputs(tmp_path):
    ws = make_workspace(tmp_path, [ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt",
                                   ROOT / "tests" / "data" / "gas_transit.txt"])
    (ws / "plugins" / "energy.py").write_text(ENERGY)
    result = _build(ws)
    keys = [s.key for s in result.issue.sections]
    assert "energy" in keys
    energy = next(s for s in result.issue.sections if s.key == "energy")
    assert energy.items, "the gas-transit story should land in the new section"
    assert "## Energy Watch" in result.paths["md"].read_text()
    assert "<h2>Energy Watch</h2>" in result.paths["html"].read_text()
    pdf_text = "".join(p.extract_text() for p in pypdf.PdfReader(str(result.paths["pdf"])).pages)
    assert "Energy Watch" in pdf_text
    assert "Energy Watch" in [o.title for o in pypdf.PdfReader(str(result.paths["pdf"])).outline]


def test_a_plugin_from_an_entry_point_loads(tmp_path, monkeypatch):
    pkg = tmp_path / "site"
    (pkg / "outside_plugin").mkdir(parents=True)
    (pkg / "outside_plugin" / "__init__.py").write_text(ENERGY)
    dist = pkg / "outside_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: outside-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[briefing]\nenergy = outside_plugin\n")
    monkeypatch.syspath_prepend(str(pkg))
    plugins = Plugins(None)
    assert "energy" in plugins.names()
    assert plugins.sources["energy"].startswith("entry point")
    config = load_config(ROOT / "briefing.toml")
    from briefing.host.context import BuildContext

    assert "energy" in [s.key for s in BuildContext(config, plugins).sections]
    sys.modules.pop("outside_plugin", None)


def test_builtin_plugins_come_from_entry_points_and_register_once(tmp_path):
    plugins = Plugins(ROOT)  # the repository is both the package and a workspace
    names = plugins.names()
    assert len(names) == len(set(names))
    for name in ["losses", "key_takeaways", "comments", "containment", "sanctions", "putin_russia", "china"]:
        assert name in names
        assert plugins.sources[name].startswith("entry point")


def test_a_workspace_file_overrides_the_builtin_of_the_same_name(tmp_path):
    ws = make_workspace(tmp_path)
    (ws / "plugins" / "china.py").write_text(textwrap.dedent('''
        from briefing import Section, hookimpl
        @hookimpl
        def briefing_sections():
            return [Section(key="china", title="Beijing Watch", order=70, profile={"terms": {"china": 1}})]
    '''))
    plugins = Plugins(ws)
    assert plugins.sources["china"] == str(ws / "plugins" / "china.py")
    assert plugins.names().count("china") == 1


def test_a_misspelled_hook_is_an_error_naming_plugin_and_hook(tmp_path):
    ws = make_workspace(tmp_path)
    (ws / "plugins" / "typo.py").write_text(textwrap.dedent('''
        from briefing import hookimpl
        @hookimpl
        def briefing_section():
            return []
    '''))
    with pytest.raises(PluginError) as err:
        Plugins(ws)
    assert "typo" in str(err.value) and "briefing_section" in str(err.value)


def test_an_unmarked_misspelled_hook_is_an_error_too(tmp_path):
    ws = make_workspace(tmp_path)
    (ws / "plugins" / "typo2.py").write_text("def briefing_sumarize(story):\n    return None\n")
    with pytest.raises(PluginError, match="briefing_sumarize"):
        Plugins(ws)


def test_a_wrong_hook_signature_is_an_error(tmp_path):
    ws = make_workspace(tmp_path)
    (ws / "plugins" / "badsig.py").write_text(textwrap.dedent('''
        from briefing import hookimpl
        @hookimpl
        def briefing_sections(config, colour):
            return []
    '''))
    with pytest.raises(PluginError) as err:
        Plugins(ws)
    assert "badsig" in str(err.value) and "colour" in str(err.value)


def test_a_workspace_template_overrides_the_packaged_one(tmp_path):
    ws = make_workspace(tmp_path, [ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt"])
    (ws / "templates").mkdir()
    packaged = (ROOT / "templates" / "issue.md").read_text()
    (ws / "templates" / "issue.md").write_text("<!-- house copy -->\n" + packaged)
    result = _build(ws, formats="md")
    assert result.paths["md"].read_text().startswith("<!-- house copy -->\n# Conflict Update Day 390")
