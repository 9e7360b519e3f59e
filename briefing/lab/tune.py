"""Tune: learn the editorial model from the labelled dev days, and choose its thresholds for what the reader
corrects (``make tune``).

In: the dev days of ``tests/data/labels/`` (see docs/labelling.md) and their feeds, read by the real loaders;
the subject's and sections' declared terms and examples. Out: ``plugins/data/russia-ukraine-war.json``: the
subject model (is a text about the war?), the section model (which section?), the merge model (one story or
two?), their thresholds, the labelled texts the section model compares with, and the figures of the procedure.
Test days are never read.

Everything is chosen leave one day out: for each dev day, models are trained on the other dev days and that day
is built with them (:mod:`briefing.lab.replay`), so every choice is made on texts the models have not seen, as
they will meet them. The relevance thresholds are chosen on those predictions (precision first); the merge
thresholds (``merge``, ``centroid``, ``fold``, ``repeat``) for the fewest corrections a reader makes to what
prints (:mod:`briefing.lab.corrections`). The per-day corrections at the chosen thresholds are written into the
file (``info``) and printed: they are the dev figures of ``make eval``.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..editorial.features import Background, Linear, Sample, train
from ..editorial.judge import PAIR_FEATURES, Judge, Unit, pair_table
from ..editorial.subject import Subject
from .corrections import corrections, document_labels, totals
from .days import DEV_DAYS, LABELS, ROOT, Day, lab_context, load_day
from .replay import finish, prepare

OUT = ROOT / "plugins" / "data" / "russia-ukraine-war.json"
EXAMPLE_CHARS = 300  # a labelled example is its title and this much of its text
KEEP_BETA = 0.5  # the print threshold maximises F-beta: precision counts four times as much as recall
JOIN_RECALL = 0.97  # the gate lets through this share of the on-subject texts (they may still join a story)
GRID = {  # the merge thresholds tried, leave one day out (every combination)
    "merge": (0.95, 0.9, 0.85),
    "centroid": (0.5, 0.4),
    "fold": (0.995, 0.99, 0.97),
    # not lower: under .12 a story passed over is often another event, and the corrections do not see it go (a
    # story of one or two outlets missing is not counted): at .05 they fell by a tenth with a tenth fewer items
    "repeat": (0.5, 0.3, 0.2, 0.12),
    "repeat_outlets": (2, 3),
}


@dataclass
class Labelled:
    unit: Unit
    day: str
    label: dict


def labelled_units(days: dict[str, Day]) -> list[Labelled]:
    """Every labelled document of the days, as the judge sees it."""
    out = []
    for name, day in days.items():
        of = document_labels(day.labels, day.report)
        for doc in day.documents:
            if doc.id in of and doc.kind == "article":
                out.append(Labelled(Unit.of(doc.id, doc.id, doc.title, doc.text), name, of[doc.id]))
    return out


def example_text(unit: Unit) -> str:
    return f"{unit.title}. {unit.text[:EXAMPLE_CHARS]}".strip()


def f_beta(tp: int, fp: int, fn: int, beta: float) -> float:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return (1 + beta * beta) * p * r / (beta * beta * p + r) if p + r else 0.0


def declared(subject: Subject) -> Subject:
    """The subject as its plugin declares it, with nothing learned."""
    return Subject(name=subject.name, terms=subject.terms, examples=subject.examples, threshold=subject.threshold)


# ------------------------------------------------------------------------------------------- the models

def subject_model(items: list[Labelled], judge: Judge) -> Linear:
    samples = [Sample(i.unit.features, int(i.label["on"]), [[judge.subject_terms(i.unit), 0.0]]) for i in items]
    return train(samples, ["on"], binary=True)


def examples_of(items: list[Labelled]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for i in items:
        if i.label["on"]:
            out.setdefault(i.label["section"], []).append(example_text(i.unit))
    return out


def section_model(items: list[Labelled], subject: Subject, sections) -> Linear:
    """Softmax over what the declared terms and the labelled examples say, through coefficients every section
    shares (a plugin's too). Each day's texts are compared with the other days' examples only: a text is never
    its own example."""
    on = [i for i in items if i.label["on"]]
    keys = [s.key for s in Judge(subject, sections).claiming]
    samples: list[Sample] = []
    for day in sorted({i.day for i in on}):
        others = Subject(**{**subject.__dict__, "section_examples": examples_of([i for i in on if i.day != day]),
                            "models": {}})
        judge = Judge(others, sections)
        samples += [Sample({}, keys.index(i.label["section"]),
                           [[t, e] for t, e in zip(judge.term_scores(i.unit), judge.example_scores(i.unit))])
                    for i in on if i.day == day]
    model = train(samples, keys)
    model.default_bias = float(np.mean(model.bias))
    return model


def background_of(items: list[Labelled]) -> Background:
    """The subject's usual vocabulary: the on-subject texts."""
    return Background.of([i.unit.tokens for i in items if i.label["on"]])


def pair_samples(items: list[Labelled], judge: Judge) -> tuple[list[list[float]], list[bool]]:
    """The judge's candidate pairs among each day's on-subject texts, their features and whether the labels
    call them one story."""
    xs: list[list[float]] = []
    ys: list[bool] = []
    for day in sorted({i.day for i in items}):
        on = [i for i in items if i.day == day and i.label["on"]]
        units = [i.unit for i in on]
        pairs, x = pair_table(units, [judge.probabilities(u) for u in units], judge.background)
        xs += [list(map(float, row)) for row in x]
        ys += [on[a].label["story"] == on[b].label["story"] for a, b in pairs]
    return xs, ys


def merge_model(xs: list[list[float]], ys: list[bool]) -> Linear:
    samples = [Sample({name: v for name, v in zip(PAIR_FEATURES, x)}, int(y)) for x, y in zip(xs, ys)]
    model = train(samples, ["same"], binary=True, l2=0.1, min_count=1, iterations=2000)
    weights = {name: model.weights.get(name, [0.0]) for name in PAIR_FEATURES}
    return Linear(classes=["same"], bias=model.bias, weights=weights, prior=0.0)


def learn(items: list[Labelled], base: Subject, sections, relevance: dict[str, float],
          relevant: Linear | None = None) -> Subject:
    """The subject with every model learned from ``items`` (the relevance model too, unless given), with the
    relevance thresholds given."""
    relevant = relevant or subject_model(items, Judge(base, sections))
    relevant.thresholds = dict(relevance)
    background = background_of(items)
    sections_model = section_model(items, base, sections)
    with_sections = Subject(**{**base.__dict__, "models": {"sections": sections_model},
                               "section_examples": examples_of(items), "background": background})
    merge = merge_model(*pair_samples(items, Judge(with_sections, sections)))
    return Subject(**{**with_sections.__dict__, "model": relevant,
                      "models": {"subject": relevant, "sections": sections_model, "merge": merge}})


# ------------------------------------------------------------------------------------------- the thresholds

def relevance_thresholds(logits: list[float], gold: list[bool], log) -> dict[str, float]:
    """``keep`` (a story prints) for the best F-beta, precision first; ``join`` (a text is read further) for a
    recall of ``JOIN_RECALL``, chosen on leave-one-day-out logits."""
    z, y = np.array(logits), np.array(gold)
    best = max(np.unique(np.round(z, 2)), key=lambda t: f_beta(int(((z >= t) & y).sum()), int(((z >= t) & ~y).sum()),
                                                              int(((z < t) & y).sum()), KEEP_BETA))
    ranked = np.sort(z[y])
    keep, join = float(best), float(ranked[int((1 - JOIN_RECALL) * len(ranked))])
    for name, t in (("keep", keep), ("join", join)):
        p = ((z >= t) & y).sum() / max((z >= t).sum(), 1)
        log(f"  relevance {name} at {t:.2f}: leave-one-day-out precision {p:.3f}, recall {((z >= t) & y).sum() / y.sum():.3f}")
    return {"keep": round(keep, 3), "join": round(min(join, keep), 3)}


def combinations() -> list[dict[str, float]]:
    keys = list(GRID)
    return [dict(zip(keys, values)) for values in itertools.product(*(GRID[k] for k in keys))]


def choose_thresholds(days: dict[str, Day], folds: dict[str, Subject], plugins, log) -> tuple[dict, dict]:
    """The merge thresholds with the fewest corrections, each day built with the models of the other days;
    the chosen thresholds and each day's corrections at them."""
    grid = combinations()
    found: dict[int, list] = {k: [] for k in range(len(grid))}
    for name, day in days.items():
        prepared = prepare(day, folds[name], plugins)
        for k, thresholds in enumerate(grid):
            issue, report = finish(prepared, thresholds)
            found[k].append(corrections(name, day.labels, report, issue))
    ranked = sorted(range(len(grid)), key=lambda k: (totals(found[k])["total"], k))
    for k in ranked[:8]:  # the landscape near the best: how much the choice matters
        log(f"    {grid[k]}: {totals(found[k])['total']} corrections, {totals(found[k])['printed']} items printed")
    best = ranked[0]
    figures = totals(found[best])
    log(f"  merge thresholds {grid[best]}: leave-one-day-out corrections {figures['total']} over {len(days)} "
        f"days ({figures['duplicate']} duplicates, {figures['fusion']} fusions, {figures['big story missing']} "
        f"big stories missing, {figures['misplaced']} misplaced, {figures['off subject']} off the subject)")
    return grid[best], {c.day: c.counts() | {"total": c.total, "printed": c.printed} for c in found[best]}


# ------------------------------------------------------------------------------------------- the command

def dump(data: dict) -> str:
    """The model file as JSON, one feature or example to a line (so that a change reads as a short diff)."""
    text = json.dumps(data, indent=1, ensure_ascii=False)
    return re.sub(r"\[\s*(-?[\d.e-]+(?:,\s*-?[\d.e-]+)*)\s*\]",
                  lambda m: "[" + ",".join(x.strip() for x in m.group(1).split(",")) + "]", text) + "\n"


def labels_digest(days: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for day in days:
        h.update((LABELS / f"{day}.jsonl").read_bytes())
    return h.hexdigest()[:16]


def tune(log, dev_days: tuple[str, ...] = DEV_DAYS) -> dict:
    """The model file's data, learned from ``dev_days`` (see the module docstring)."""
    started = time.perf_counter()
    first = lab_context(dev_days[-1])
    ctx = lab_context(dev_days[-1], first.plugins, subject=declared(first.subject))
    base, sections = ctx.subject, ctx.sections
    days = {name: load_day(name, ctx.plugins) for name in dev_days}
    items = labelled_units(days)
    counts = Counter(i.day for i in items)
    log(f"dev days: {', '.join(f'{d} ({counts[d]} items)' for d in dev_days)}")
    # the relevance model, leave one day out, for its thresholds
    judge = Judge(base, sections)
    logits, gold, relevant = [], [], {}
    for held in dev_days:
        relevant[held] = model = subject_model([i for i in items if i.day != held], judge)
        logits += [model.scores(i.unit.features, ["on"], [judge.subject_terms(i.unit)])[0]
                   for i in items if i.day == held]
        gold += [bool(i.label["on"]) for i in items if i.day == held]
    relevance = relevance_thresholds(logits, gold, log)
    folds = {held: learn([i for i in items if i.day != held], base, sections, relevance, relevant[held])
             for held in dev_days}
    log(f"  models learned for {len(folds)} folds ({time.perf_counter() - started:.0f} s)")
    chosen, per_day = choose_thresholds(days, folds, ctx.plugins, log)
    final = learn(items, base, sections, relevance)
    final.models["merge"].thresholds = dict(chosen)
    final.models["merge"].info = {"leave_one_day_out_corrections": per_day}
    log(f"tuned in {time.perf_counter() - started:.0f} s")
    return {
        "about": "Learned by `make tune` (python -m briefing.lab.tune) from the dev days' labels; do not edit by hand.",
        "dev_days": list(dev_days), "labels_sha256": labels_digest(dev_days),
        "models": {name: model.to_json() for name, model in final.models.items()},
        "examples": final.section_examples,
        "background": final.background.to_json(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m briefing.lab.tune", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    data = tune(log)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dump(data), encoding="utf-8")
    log(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
