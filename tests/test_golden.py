"""Golden file: the seeds build's Markdown, compared byte for byte (regenerate with --regen-golden)."""

from pathlib import Path

GOLDEN = Path(__file__).parent / "golden" / "seeds-2023-03-20.md"


def test_seeds_markdown_matches_the_golden_file(seeds_build, regen_golden):
    produced = seeds_build.paths["md"].read_text(encoding="utf-8")
    if regen_golden:
        GOLDEN.write_text(produced, encoding="utf-8")
    assert GOLDEN.exists(), "no golden file yet: run pytest --regen-golden once and review it"
    expected = GOLDEN.read_text(encoding="utf-8")
    assert produced == expected, "the seeds issue changed: review the diff, then run pytest --regen-golden"
