"""Helpers for testing plugins: a throw-away workspace with given sources, built in one call.

    from briefing.testing import build_workspace

    def test_my_section(tmp_path):
        result = build_workspace(tmp_path, sources=["article.txt"], plugins=["my_section.py"])
        assert "My Section" in result.paths["md"].read_text()

The ``briefing_workspace`` pytest fixture (``pytest -p briefing.testing``) gives the same as a factory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .build import BuildResult, build
from .config import load_config


def make_workspace(tmp: Path, sources: list[Path | str] | None = None, config_text: str = "",
                   plugins: list[Path | str] | None = None) -> Path:
    """A fresh workspace in ``tmp/ws``: briefing.toml, seeds/ with copies of ``sources``, plugins/ with copies of ``plugins``."""
    ws = Path(tmp) / "ws"
    (ws / "seeds").mkdir(parents=True)
    (ws / "plugins").mkdir()
    for src in map(Path, sources or []):
        if src.is_dir():
            shutil.copytree(src, ws / "seeds" / src.name)
        else:
            shutil.copy(src, ws / "seeds" / src.name)
    for plugin in map(Path, plugins or []):
        shutil.copy(plugin, ws / "plugins" / plugin.name)
    (ws / "briefing.toml").write_text('[briefing]\nsources = ["seeds"]\nout = "out"\n' + config_text)
    return ws


def build_workspace(tmp: Path, sources: list[Path | str] | None = None, *, date: str = "2023-03-20",
                    formats: str = "md,html", config_text: str = "",
                    plugins: list[Path | str] | None = None) -> BuildResult:
    """Make a workspace with ``sources`` and ``plugins`` and build it; returns the build result."""
    ws = make_workspace(tmp, sources, config_text, plugins)
    return build(load_config(ws / "briefing.toml", date=date, formats=formats))


try:
    import pytest
except ImportError:  # pragma: no cover - pytest is only needed for the fixture
    pytest = None

if pytest is not None:
    @pytest.fixture
    def briefing_workspace(tmp_path):
        """A factory: ``briefing_workspace(sources=[...], plugins=[...])`` → BuildResult."""
        def factory(sources=None, **kwargs):
            return build_workspace(tmp_path, sources, **kwargs)
        return factory
