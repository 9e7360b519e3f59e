"""Compiled templates are kept in the workspace's cache folder; an edited template is compiled afresh."""

from __future__ import annotations

import shutil
from pathlib import Path

from briefing.pipeline.build import build
from briefing.pipeline.cache import FOLDER
from briefing.config.settings import load_config
from briefing.host.plugins import Plugins
from briefing.testing import make_workspace

DATA = Path(__file__).parent / "data"
ARTICLE = DATA / "gas_transit.txt"
PACKAGED = Path(__file__).parent.parent / "templates" / "issue.md"


def _build(ws: Path) -> str:
    config = load_config(ws / "briefing.toml", date="2023-03-20", formats="md")
    return build(config, Plugins(config.workspace)).paths["md"].read_text()


def test_compiled_templates_are_kept_and_an_edited_template_is_compiled_again(tmp_path):
    ws = make_workspace(tmp_path, [ARTICLE])
    first = _build(ws)
    kept = sorted((ws / FOLDER / "templates").glob("*.jinja"))
    assert kept, "the first build keeps its compiled templates"
    assert _build(ws) == first
    (ws / "templates").mkdir()
    shutil.copy(PACKAGED, ws / "templates" / "issue.md")
    (ws / "templates" / "issue.md").write_text(PACKAGED.read_text() + "\nEdited footer line.\n")
    assert _build(ws) == first + "\nEdited footer line.\n"


def test_a_cache_folder_that_cannot_be_written_only_means_compiling_again(tmp_path):
    ws = make_workspace(tmp_path, [ARTICLE])
    (ws / FOLDER).mkdir()
    (ws / FOLDER / "templates").write_text("not a folder")
    text = _build(ws)
    assert "gas" in text.lower()
    assert (ws / FOLDER / "templates").read_text() == "not a folder"


def test_no_compiled_templates_when_the_cache_is_off(tmp_path):
    ws = make_workspace(tmp_path, [ARTICLE])
    toml = ws / "briefing.toml"
    toml.write_text(toml.read_text().replace("[briefing]\n", "[briefing]\ncache = false\n", 1))
    _build(ws)
    assert not (ws / FOLDER / "templates").exists()
