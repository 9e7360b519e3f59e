"""The Russia–Ukraine war as a briefing's subject: its terms, examples and the model learned from labelled days.

A workspace takes it with ``[subject] preset = "russia-ukraine-war"`` in ``briefing.toml`` (the repository's own
workspace, and the one ``briefing init`` makes, say so); the sections of the Conflict Update (Key Takeaways,
Containment, Sanctions, Putin & Russia, China, Comments) take part only then. The learned weights, thresholds
and labelled examples are in ``plugins/data/russia-ukraine-war.json``, written by ``make tune`` from the dev
days of ``tests/data/labels/`` (see docs/labelling.md); without that file the subject is judged by its terms.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from briefing import UsageError, hookimpl
from briefing.api import Background, Subject, load_models

PRESET = "russia-ukraine-war"
MODEL_FILE = "russia-ukraine-war.json"

TERMS = {
    "ukraine": 2, "ukrainian": 2, "ukrainians": 2, "kyiv": 2, "kiev": 1, "russia": 2, "russian": 2,
    "russians": 1, "moscow": 1.5, "kremlin": 2, "putin": 2, "zelensky": 2, "zelenskyy": 2,
    "zelenskiy": 2, "donbas": 2, "donetsk": 2, "luhansk": 2, "crimea": 2, "bakhmut": 3, "kherson": 2,
    "zaporizhzhia": 2, "mariupol": 2, "wagner": 1.5, "invasion": 1.5, "war": 1, "nato": 1,
    "sanctions": 1, "black sea": 1, "belarus": 1, "lukashenko": 1,
}
THRESHOLD = 3.0  # without the learned model: the term score a story needs (a title naming Ukraine and Russia)

EXAMPLES = [
    "Ukraine's military said it repelled almost 70 Russian assaults in Donetsk Oblast.",
    "Poland will send four MiG-29 fighter jets to Ukraine in the coming days.",
    "The EU agreed a tenth package of sanctions against Russia.",
    "The Kremlin said Moscow does not recognise the International Criminal Court.",
    "Xi Jinping arrived in Moscow for a state visit to Vladimir Putin.",
]


def active(config) -> bool:
    """Whether the workspace has taken this subject (its sections take part only then)."""
    return config.section("subject").preset == PRESET


def model_data(config=None) -> dict | None:
    """The learned model: the file ``[subject] model`` names (relative to the workspace), else the preset's own."""
    named = config.section("subject").model if config is not None else ""
    if named:
        path = Path(named) if Path(named).is_absolute() else config.workspace / named
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"[subject] model = {named!r}: cannot be read ({exc})") from None
    path = resources.files("briefing_plugins") / "data" / MODEL_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


@hookimpl
def briefing_subject(config):
    if not active(config):
        return None
    data = model_data(config)
    if data is None:
        return Subject(name=PRESET, terms=dict(TERMS), examples=list(EXAMPLES), threshold=THRESHOLD)
    models = load_models(data)
    return Subject(name=PRESET, terms=dict(TERMS), examples=list(EXAMPLES), model=models.get("subject"),
                   threshold=THRESHOLD, models=models, section_examples=data.get("examples", {}),
                   background=Background.from_json(data.get("background")))
