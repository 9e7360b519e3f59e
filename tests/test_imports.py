"""A command imports what it runs: the plugin listing none of the pipeline's libraries, a build without a PDF
never the PDF engine, a day of feeds never the page extractor (each in a fresh process)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import DATA, make_workspace

HEAVY = ("numpy", "weasyprint", "trafilatura", "feedparser", "jinja2", "markdown_it", "lxml", "urllib3", "nh3",
         "syntok", "rapidfuzz", "py3langid", "pypdf")

BUILD = """
import json, sys
from briefing.pipeline.build import build
from briefing.config.settings import load_config
build(load_config("briefing.toml", date="2023-03-20", formats=sys.argv[1]))
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""

LISTING = """
import json, sys
from briefing.cli.main import main
try:
    main(["plugins"])
except SystemExit:
    pass
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""


def imported(ws, script: str, *args: str) -> set[str]:
    r = subprocess.run([sys.executable, "-c", script, *args], cwd=ws, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return set(json.loads(r.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def feeds_workspace(tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("imports"), sorted((DATA / "feeds" / "2023-03-19").glob("*.xml")))


def test_the_plugin_listing_imports_none_of_the_pipeline(feeds_workspace):
    found = imported(feeds_workspace, LISTING)
    assert "briefing_plugins" in found  # it did load the plugins
    assert found.isdisjoint(HEAVY), sorted(found & set(HEAVY))


def test_a_build_without_pdf_never_imports_the_pdf_engine_nor_a_day_of_feeds_the_page_extractor(feeds_workspace):
    found = imported(feeds_workspace, BUILD, "md,html")
    assert {"feedparser", "jinja2", "numpy"} <= found  # it read the feeds and rendered the issue
    assert "weasyprint" not in found and "pypdf" not in found
    assert "trafilatura" not in found  # no page among the sources, no article fetched
    assert "weasyprint" in imported(feeds_workspace, BUILD, "md,pdf")  # (and a PDF build does import it)
