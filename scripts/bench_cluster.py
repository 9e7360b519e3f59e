"""Time segment + select + cluster on every feed item of a summaries JSONL file (all days at once).

    .venv/bin/python scripts/bench_cluster.py ../shared/data/summaries/guardian_at_a_glance_days_371-389.jsonl
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from briefing import evaluate
from briefing.build import sections_of
from briefing.config import load_config
from briefing.plugins import Plugins
from briefing.report import Report

ROOT = Path(__file__).resolve().parent.parent


def main(path: str) -> None:
    config = load_config(ROOT / "briefing.toml", date="2023-03-20", out="/tmp/briefing-bench")
    plugins = Plugins(config.workspace)
    sections = sections_of(plugins, config)
    docs = []
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        if raw.strip():
            docs += evaluate.day_documents(json.loads(raw))
    started = time.perf_counter()
    stories = evaluate.product_stories(docs, sections, config, Report())
    print(f"{len(docs)} documents → {len(stories)} stories in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "tests/data/summaries_complete_days_375-389.jsonl"))
