"""Helpers for testing plugins: a throw-away workspace with given sources, built in one call.

    def test_energy_claims_the_gas_story(briefing_workspace):
        result = briefing_workspace(texts={"gas.txt": GAS_STORY}, plugins=["plugins/energy.py"])
        assert result.section("energy").items

``briefing_workspace`` is a pytest fixture, registered through the ``pytest11`` entry point, so any project
with briefing installed can use it; without pytest, call :func:`build_workspace` with a folder.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

# The engine is imported when a build is made, not here: pytest loads this module in every session.
BASE_CONFIG = ('[subject]\npreset = "russia-ukraine-war"\n\n[briefing]\ntitle = "Conflict Update"\n'
               'first_day = 2022-02-24\nsources = ["seeds"]\nout = "out"\n')
# A test workspace never reaches the network: feed items keep their descriptions unless the test says otherwise.
NO_ARTICLES = '\n[articles]\nfetch = false\n'


class WorkspaceBuild:
    """A build result (``issue``, ``report``, ``paths``, ``timings``) with its workspace and shortcuts."""

    def __init__(self, result: Any, workspace: Path):
        self.result = result
        self.workspace = workspace

    def __getattr__(self, name: str) -> Any:
        return getattr(self.result, name)

    @property
    def markdown(self) -> str:
        return self.paths["md"].read_text(encoding="utf-8")

    def section(self, key: str):
        """The issue's section with this key (KeyError naming the keys there are)."""
        for section in self.issue.sections:
            if section.key == key:
                return section
        raise KeyError(f"no section {key!r} in the issue; sections: {[s.key for s in self.issue.sections]}")


def make_workspace(tmp: Path, sources: list[Path | str] | None = None, config_text: str = "",
                   plugins: list[Path | str] | None = None, texts: dict[str, str] | None = None) -> Path:
    """A fresh workspace in ``tmp/ws``: briefing.toml, seeds/ with copies of ``sources`` and files made from
    ``texts`` (name → content; a ``.txt`` article's first line is its title), plugins/ with copies of ``plugins``.
    Its ``[articles] fetch`` is false unless ``config_text`` has an ``[articles]`` table of its own."""
    ws = Path(tmp) / "ws"
    (ws / "seeds").mkdir(parents=True)
    (ws / "plugins").mkdir()
    for src in map(Path, sources or []):
        if src.is_dir():
            shutil.copytree(src, ws / "seeds" / src.name)
        else:
            shutil.copy(src, ws / "seeds" / src.name)
    for name, text in (texts or {}).items():
        (ws / "seeds" / name).write_text(text, encoding="utf-8")
    for plugin in map(Path, plugins or []):
        shutil.copy(plugin, ws / "plugins" / plugin.name)
    no_articles = "" if re.search(r"^\s*\[articles\]", config_text, re.MULTILINE) else NO_ARTICLES
    (ws / "briefing.toml").write_text(BASE_CONFIG + config_text + no_articles, encoding="utf-8")
    return ws


def build_workspace(tmp: Path, sources: list[Path | str] | None = None, *, date: str = "2023-03-20",
                    formats: str = "md,html", config_text: str = "", plugins: list[Path | str] | None = None,
                    texts: dict[str, str] | None = None, strict: bool = False,
                    allow_empty: bool = False) -> WorkspaceBuild:
    """Make a workspace with ``sources``, ``texts`` and ``plugins`` and build it; returns the build result
    (``allow_empty``: a day where no section has an item is built, as ``build --allow-empty`` does)."""
    from .pipeline.build import build
    from .config.settings import load_config

    ws = make_workspace(tmp, sources, config_text, plugins, texts)
    result = build(load_config(ws / "briefing.toml", date=date, formats=formats, strict=strict,
                               allow_empty=allow_empty))
    return WorkspaceBuild(result, ws)


try:
    import pytest
except ImportError:  # pragma: no cover - pytest is only needed for the fixture
    pytest = None

if pytest is not None:
    @pytest.fixture
    def briefing_workspace(tmp_path):
        """A factory: ``briefing_workspace(sources=[...], texts={...}, plugins=[...])`` → WorkspaceBuild.

        Each call builds in a fresh folder under the test's ``tmp_path``."""
        count = 0

        def factory(sources=None, **kwargs):
            nonlocal count
            count += 1
            return build_workspace(tmp_path / f"build{count}", sources, **kwargs)
        return factory
