"""Shared fixtures: the repository as a workspace, throw-away workspaces, and golden-file regeneration."""

from __future__ import annotations

import html
import io
import json
import ipaddress
import re
import socket
import tempfile
from pathlib import Path

import pytest

from briefing.pipeline.build import build
from briefing.config.settings import load_config
from briefing.testing import make_workspace  # noqa: F401  (used by the tests)

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def _every_story_model() -> Path:
    """The preset's model with no print-time fold or repeat: every story prints on its own. The desk's and the
    notes' tests correct a draft of many small stories (the seeds' four Key Takeaways), and this keeps it so."""
    data = json.loads((ROOT / "plugins" / "data" / "russia-ukraine-war.json").read_text(encoding="utf-8"))
    for name in ("fold", "repeat", "repeat_outlets"):
        data["models"]["merge"]["thresholds"].pop(name, None)
    path = Path(tempfile.mkdtemp(prefix="briefing-model-")) / "every-story.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


EVERY_STORY_MODEL = _every_story_model()


def every_story_workspace(*args, **kwargs) -> Path:
    """:func:`make_workspace` whose ``[subject]`` names the model of :func:`_every_story_model`."""
    ws = make_workspace(*args, **kwargs)
    path = ws / "briefing.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "[subject]\n", f'[subject]\nmodel = "{EVERY_STORY_MODEL}"\n', 1), encoding="utf-8")
    return ws

LAYOUT_HYPHEN = re.compile("\u2010\\s*\n\\s*")  # a break the PDF engine made: U+2010, then the line's end


def pdf_text(source) -> str:
    """The text of a PDF (a path or its bytes), pages joined, words hyphenated at a line's end rejoined (the
    engine breaks with U+2010 HYPHEN; a hyphen of the text itself is U+002D), white space made single spaces."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(LAYOUT_HYPHEN.sub("", text).split())


def screen_text(page: str) -> str:
    """An HTML page's text as a reader sees it: entities decoded, soft hyphens (U+00AD) removed."""
    return html.unescape(page).replace("\u00ad", "")


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="Rewrite the golden files from the current output instead of comparing.")
    parser.addoption("--regen-screenshots", action="store_true", default=False,
                     help="Write the browser's screenshots of the issue page to docs/images/ (tests/test_screens.py).")


@pytest.fixture(autouse=True)
def no_names_outside(monkeypatch):
    """Tests never reach outside this machine: in this process, looking up any name but localhost fails at once
    (addresses need no look-up; the fetcher refuses non-loopback ones in tests by the builds' settings)."""
    real = socket.getaddrinfo

    def loopback_only(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in (None, "localhost"):
            try:
                ipaddress.ip_address(name.split("%", 1)[0])  # an address: nothing to look up
            except ValueError:
                raise socket.gaierror(socket.EAI_NONAME, f"tests resolve no name outside this machine: {name}") from None
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)


@pytest.fixture(scope="session")
def regen_golden(request) -> bool:
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(scope="session")
def seeds_build(tmp_path_factory):
    """The repository's own workspace built for 2023-03-20 into a temporary out/ (all three formats)."""
    out = tmp_path_factory.mktemp("out")
    config = load_config(ROOT / "briefing.toml", date="2023-03-20", out=str(out), offline=True)
    return build(config)
