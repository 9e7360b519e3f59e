"""Days: the labelled days, split by day into dev and test, and each loaded as a build reads it.

In: ``tests/data/feeds-full/DAY/`` (a whole day of the subscription) and ``tests/data/labels/DAY.jsonl`` (every
item labelled by hand, see docs/labelling.md). Out: a :class:`Day`: its labels and its documents as the real
loaders read them (teasers only: the labels were made on them), in the window of the next morning's issue.
Weights, thresholds and examples are tuned on dev days only; test days are measured, never read to fix a case.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..config.settings import load_config
from ..host.context import BuildContext
from ..host.plugins import Plugins
from ..models import Document
from ..pipeline.load import load
from ..pipeline.window import in_window

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = ROOT / "tests" / "data"
LABELS = DATA / "labels"
FEEDS = DATA / "feeds-full"
DEV_DAYS = ("2023-03-06", "2023-03-07", "2023-03-08", "2023-03-09", "2023-03-10", "2023-03-11", "2023-03-12",
            "2023-03-13", "2023-03-15", "2023-03-17", "2023-03-19")  # the only days anything is tuned on
TEST_DAYS = ("2023-03-14", "2023-03-16", "2023-03-18")  # measured, never read to fix a case


def labels_of(day: str) -> list[dict]:
    return [json.loads(line) for line in (LABELS / f"{day}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def issue_date(day: str) -> dt.date:
    """The issue a day's feeds make: the next morning's."""
    return dt.date.fromisoformat(day) + dt.timedelta(days=1)


def lab_context(day: str, plugins: Plugins | None = None, model: Path | None = None, subject=None) -> BuildContext:
    """A build context for the day after ``day`` in the repository's workspace: teasers only, no cache;
    ``model``: a model file to use instead of the preset's own; ``subject``: a subject (and its models) to use
    instead of the workspace's."""
    config = load_config(ROOT / "briefing.toml", date=issue_date(day).isoformat(), sources=[str(FEEDS / day)],
                         formats="md")
    config.override("articles", fetch=False)
    config.override("briefing", cache=False)
    if model is not None:
        config.override("subject", model=str(model))
    return BuildContext(config, plugins or Plugins(config.workspace), subject=subject)


@dataclass
class Day:
    """A labelled day loaded once: its documents in the issue's window, and their sentences when asked."""

    name: str
    labels: list[dict]
    documents: list[Document]
    report: dict  # the load stage's part of the report: the documents, for matching labels
    sentences: dict = field(default_factory=dict)  # document id → paragraphs of sentences, made once


def load_day(day: str, plugins: Plugins | None = None) -> Day:
    ctx = lab_context(day, plugins)
    documents = in_window(load(ctx), ctx.date, ctx.config, ctx.report)
    return Day(day, labels_of(day), documents, {"documents": list(ctx.report.documents)})
