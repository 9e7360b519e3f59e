"""Every screen: the issue page and the archive laid out by a real browser (headless Chromium) at a phone's
width and a desktop's, measured from inside the page: nothing wider than the screen, body text at a reading
size, the chart's smallest label legible. ``--regen-screenshots`` also writes docs/images/issue-390px.png and
issue-1200px.png from the same runs (``make screenshots``)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]
SHOTS = {390: 2200, 1200: 1500}  # width → height of the screenshot (the top of the page)

# Run in the page once it is laid out; the figures go to the frame around it (see measure()).
MEASURE = """<script>
(() => {
  const shown = el => el && getComputedStyle(el).display !== "none" && el.getBoundingClientRect().width > 0;
  const m = {viewport: innerWidth, scrollWidth: document.documentElement.scrollWidth};
  const p = document.querySelector(".item p") || document.querySelector(".archive li");
  m.textPx = parseFloat(getComputedStyle(p).fontSize);
  m.textAlign = getComputedStyle(p).textAlign;
  m.smallestTextPx = Math.min(...[...document.querySelectorAll("main p, main li, header p")]
      .filter(shown).map(e => parseFloat(getComputedStyle(e).fontSize)));
  const figures = [...document.querySelectorAll("figure.chart")].filter(shown);
  m.charts = figures.map(f => {
    const svg = f.querySelector("svg");
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const sizes = [...svg.querySelectorAll("text")].map(t => parseFloat(t.getAttribute("font-size")) * scale);
    return {viewBoxWidth: svg.viewBox.baseVal.width, shownWidth: svg.getBoundingClientRect().width,
            smallestLabelPx: Math.min(...sizes)};
  });
  parent.postMessage(JSON.stringify(m), "*");
})();
</script>"""
# The page in a frame of the width measured (a headless window is at least 500 px wide; a frame is as wide as it
# is told); the frame's figures land in an attribute that --dump-dom prints.
FRAME = """<!DOCTYPE html><html><body style="margin:0">
<script>addEventListener("message", e => document.body.setAttribute("data-metrics", e.data));</script>
<iframe src="{src}" width="{width}" height="900" style="border:0;display:block"></iframe></body></html>"""

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium (make test installs it on Debian)")]


def chromium(tmp_path: Path, url: str, width: int, height: int, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{width}-{len(list(tmp_path.iterdir()))}"  # a fresh profile for every run
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                           *extra, url], capture_output=True, text=True, timeout=120)


def measure(tmp_path: Path, page: Path, width: int) -> dict:
    """The page's figures as the browser lays it out ``width`` CSS pixels wide."""
    probe = page.with_name(f"measured-{width}-{page.name}")
    probe.write_text(page.read_text().replace("</body>", MEASURE + "\n</body>"))
    frame = page.with_name(f"frame-{width}-{page.name}")
    frame.write_text(FRAME.format(src=probe.name, width=width))
    r = chromium(tmp_path, frame.as_uri(), width + 100, 1000, "--dump-dom", "--virtual-time-budget=5000")
    found = re.search(r'data-metrics="([^"]+)"', r.stdout)
    assert found, f"no measurement from the browser:\n{r.stderr[-2000:]}"
    return json.loads(found.group(1).replace("&quot;", '"'))


@pytest.fixture(scope="module")
def pages(seeds_build, tmp_path_factory):
    """The Day 390 issue page and the archive page, copied beside each other (the archive links to the issue)."""
    out = tmp_path_factory.mktemp("screens") / "out"
    shutil.copytree(seeds_build.paths["html"].parent.parent, out)
    return out / "2023-03-20" / "conflict-update-day-390.html", out / "index.html"


def test_the_issue_reads_on_a_phone(pages, tmp_path):
    m = measure(tmp_path, pages[0], 390)
    assert m["viewport"] == 390
    assert m["scrollWidth"] <= 390, "the page is wider than the phone: it would be shrunk or scroll sideways"
    assert m["textPx"] >= 16 and m["smallestTextPx"] >= 12
    assert m["textAlign"] == "left"  # ragged right: justified lines this short open wide gaps between words
    (chart,) = m["charts"]  # one chart shown: the phone's layout
    assert chart["viewBoxWidth"] == 360 and chart["shownWidth"] <= 390
    assert chart["smallestLabelPx"] >= 10, chart


def test_the_issue_on_a_desktop_shows_the_wide_chart(pages, tmp_path):
    m = measure(tmp_path, pages[0], 1200)
    assert m["scrollWidth"] <= 1200 and m["textPx"] >= 16 and m["textAlign"] == "justify"  # the house style
    (chart,) = m["charts"]
    assert chart["viewBoxWidth"] == 680 and chart["smallestLabelPx"] >= 9.5, chart


def test_the_archive_reads_on_a_phone(pages, tmp_path):
    m = measure(tmp_path, pages[1], 390)
    assert m["scrollWidth"] <= 390 and m["textPx"] >= 16 and m["smallestTextPx"] >= 12


def test_screenshots_at_390_and_1200_px(pages, tmp_path, request):
    regen = request.config.getoption("--regen-screenshots")
    for width, height in SHOTS.items():
        shot = tmp_path / f"issue-{width}px.png"
        r = chromium(tmp_path, pages[0].as_uri(), width, height, f"--screenshot={shot}")
        assert shot.is_file(), r.stderr[-2000:]
        png = shot.read_bytes()
        assert png.startswith(b"\x89PNG") and int.from_bytes(png[16:20], "big") == width
        if regen:
            shutil.copy(shot, ROOT / "docs" / "images" / shot.name)
