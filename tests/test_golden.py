"""Golden files: the seeds build's Markdown and a whole real day's (every feed item of 2023-03-19, built offline
as the next morning's issue), compared byte for byte (regenerate with --regen-golden)."""

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DATA, ROOT

GOLDEN = Path(__file__).parent / "golden" / "seeds-2023-03-20.md"
WHOLE_DAY = Path(__file__).parent / "golden" / "feeds-full-2023-03-19.md"


def compare(produced: str, golden: Path, regen: bool) -> None:
    if regen:
        golden.write_text(produced, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name} yet: run pytest --regen-golden once and review it"
    assert produced == golden.read_text(encoding="utf-8"), \
        f"{golden.name} changed: review the diff, then run pytest --regen-golden"


def test_seeds_markdown_matches_the_golden_file(seeds_build, regen_golden):
    compare(seeds_build.paths["md"].read_text(encoding="utf-8"), GOLDEN, regen_golden)


@pytest.fixture(scope="module")
def whole_day(tmp_path_factory):
    out = tmp_path_factory.mktemp("whole-day")
    r = subprocess.run([sys.executable, "-m", "briefing", "build", "--offline", "--sources",
                        str(DATA / "feeds-full" / "2023-03-19"), "--date", "2023-03-20", "--format", "md",
                        "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return (out / "2023-03-20" / "conflict-update-day-390.md").read_text(encoding="utf-8")


def test_a_whole_days_markdown_matches_its_golden_file(whole_day, regen_golden):
    compare(whole_day, WHOLE_DAY, regen_golden)
