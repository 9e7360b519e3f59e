"""Typed configuration: each checked table a read-only object of the schema's types, defaults written once."""

from __future__ import annotations

import dataclasses
import pickle
import re
import subprocess
import sys

import pytest

from briefing.config.schema import Settings, mb_bytes
from briefing.config.settings import ENGINE_TABLES, Config, load_config
from briefing.host.context import BuildContext
from briefing.host.plugins import Plugins

from .conftest import ROOT, make_workspace


def test_a_table_reads_as_attributes_with_the_schema_types_and_defaults(tmp_path):
    ws = make_workspace(tmp_path, config_text="[fetch]\ntimeout = 7\n")
    config = load_config(ws / "briefing.toml")
    fetch = config.section("fetch")
    assert fetch.timeout == 7.0 and isinstance(fetch.timeout, float)  # a number is a float, as written or not
    assert isinstance(fetch.list_seconds, float) and isinstance(fetch.list_feeds, int)  # defaults too
    assert fetch.allow_private is False
    assert config.table("fetch") is fetch and fetch["timeout"] == fetch.get("timeout") == 7.0  # the mapping view
    assert dict(fetch) == {**fetch} and set(fetch) == set(ENGINE_TABLES["fetch"].options)
    assert config.max_source_bytes == mb_bytes(config.section("briefing").max_source_mb) == 20 * 1024 * 1024


def test_a_table_is_read_only_and_replaced_whole(tmp_path):
    config = load_config(make_workspace(tmp_path) / "briefing.toml")
    with pytest.raises(AttributeError):
        config.section("fetch").timeout = 1
    with pytest.raises(TypeError):
        config.section("fetch")["timeout"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError, match="no key 'timout'"):
        config.section("fetch").timout
    config.override("fetch", timeout=3.0)
    assert config.section("fetch").timeout == 3.0
    with pytest.raises(KeyError):
        config.override("fetch", timout=3.0)
    assert pickle.loads(pickle.dumps(config.section("fetch"))) == config.section("fetch")  # worker processes


def test_a_plugins_table_is_checked_once_when_its_first_context_is_made(tmp_path):
    config = load_config(make_workspace(tmp_path, config_text="[archive]\nheadlines = 2\n") / "briefing.toml")
    with pytest.raises(KeyError, match=r"\[archive\] is not a checked table"):
        config.table("archive")  # never the unchecked table
    BuildContext(config, Plugins(config.workspace))
    archive = config.section("archive")
    assert isinstance(archive, Settings) and archive.headlines == 2 and archive.feed_entries == 30
    assert config.table("archive")["feed_entries"] == 30


def test_a_wrong_plugin_value_is_a_one_line_error_with_exit_2(tmp_path):
    ws = make_workspace(tmp_path, config_text="[archive]\nheadlines = \"many\"\n")
    run = subprocess.run([sys.executable, "-m", "briefing", "build", "--date", "2023-03-20", "--format", "md"],
                         cwd=ws, capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "headlines" in run.stderr


def test_the_defaults_are_written_in_the_schema_only():
    """The Config data class holds no value of a table (its fields are what flags replace), and the engine's
    modules read no table with a default of their own (``.get("key", default)``)."""
    fields = {f.name for f in dataclasses.fields(Config)}
    assert not fields & set(ENGINE_TABLES["briefing"].options) - {"sources", "out", "formats"}
    pattern = re.compile(r"(?:table|section)\(\"\w+\"\)\.get\(\"\w+\",")
    found = [f"{p.relative_to(ROOT)}" for folder in ("briefing", "plugins") for p in (ROOT / folder).rglob("*.py")
             if pattern.search(p.read_text(encoding="utf-8"))]
    assert found == []
