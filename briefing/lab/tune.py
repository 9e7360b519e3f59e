"""Tune: learn the editorial model's weights and thresholds from the labelled dev days (``make tune``).

In: the dev days of ``tests/data/labels/`` (see docs/labelling.md) and their feeds, read by the real loaders;
the subject's and sections' declared terms and examples. Out: ``plugins/data/russia-ukraine-war.json``: the
subject model (is a text about the war?), the section model (which section?), the merge model (one story or
two?), their thresholds, and the labelled texts the section model compares with. Test days are never read.

Each threshold is chosen on leave-one-day-out predictions (a model trained on three dev days, scored on the
fourth), so it is set on texts the model has not seen, as it will meet them; the figures of that procedure are
written into the file (``info``) and printed.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..editorial.features import Background, Linear, Sample, train
from ..editorial.judge import PAIR_FEATURES, Judge, Subject, Unit, pair_table
from .evaluate import DEV_DAYS, FEEDS, LABELS, ROOT, _key, labels_of

OUT = ROOT / "plugins" / "data" / "russia-ukraine-war.json"
EXAMPLE_CHARS = 300  # a labelled example is its title and this much of its text
KEEP_BETA = 0.5  # the print threshold maximises F-beta: precision counts four times as much as recall
JOIN_RECALL = 0.97  # the gate lets through this share of the on-subject texts (they may still join a story)
MERGE_PRECISION = 0.97  # the merge thresholds are those of best recall whose leave-one-day-out precision reaches this


@dataclass
class Labelled:
    unit: Unit
    day: str
    label: dict


def dev_units(ctx, days: tuple[str, ...]) -> list[Labelled]:
    """Every labelled feed item of the days, read by the build's loaders, as the judge sees it."""
    from ..host.context import BuildContext
    from ..pipeline.load import load

    out = []
    for day in days:
        config = ctx.config
        sub = BuildContext(config, ctx.plugins, ctx.date)
        config.sources = [str(FEEDS / day)]
        by_key = {_key(label["feed"], label["title"]): label for label in labels_of(day)}
        for doc in load(sub):
            label = by_key.get(_key(Path(doc.path).name, doc.title))
            if label is not None and doc.kind == "article":
                out.append(Labelled(Unit.of(doc.id, doc.id, doc.title, doc.text), day, label))
    return out


def example_text(unit: Unit) -> str:
    return f"{unit.title}. {unit.text[:EXAMPLE_CHARS]}".strip()


def f_beta(tp: int, fp: int, fn: int, beta: float) -> float:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return (1 + beta * beta) * p * r / (beta * beta * p + r) if p + r else 0.0


# ------------------------------------------------------------------------------------------- subject

def subject_samples(items: list[Labelled], judge: Judge) -> list[Sample]:
    return [Sample(i.unit.features, int(i.label["on"]), [[judge.subject_terms(i.unit), 0.0]]) for i in items]


def tune_subject(items: list[Labelled], judge: Judge, log) -> Linear:
    logits, gold = [], []
    for held in DEV_DAYS:
        train_ = [i for i in items if i.day != held]
        test = [i for i in items if i.day == held]
        model = train(subject_samples(train_, judge), ["on"], binary=True)
        logits += [model.scores(i.unit.features, ["on"], [judge.subject_terms(i.unit)])[0] for i in test]
        gold += [bool(i.label["on"]) for i in test]
    z, y = np.array(logits), np.array(gold)
    best = max(np.unique(np.round(z, 2)), key=lambda t: f_beta(int(((z >= t) & y).sum()), int(((z >= t) & ~y).sum()),
                                                              int(((z < t) & y).sum()), KEEP_BETA))
    ranked = np.sort(z[y])
    join = float(ranked[int((1 - JOIN_RECALL) * len(ranked))])
    keep = float(best)
    for name, t in (("keep", keep), ("join", join)):
        p = ((z >= t) & y).sum() / max((z >= t).sum(), 1)
        r = ((z >= t) & y).sum() / y.sum()
        log(f"  subject {name} at {t:.2f}: leave-one-day-out precision {p:.3f}, recall {r:.3f}")
    model = train(subject_samples(items, judge), ["on"], binary=True)
    model.thresholds = {"keep": round(keep, 3), "join": round(min(join, keep), 3)}
    return model


# ------------------------------------------------------------------------------------------- sections

def section_samples(items: list[Labelled], judge: Judge, keys: list[str]) -> list[Sample]:
    return [Sample(i.unit.features, keys.index(i.label["section"]),
                   [[t, e] for t, e in zip(judge.term_scores(i.unit), judge.example_scores(i.unit))])
            for i in items]


def judge_with_examples(subject: Subject, sections, examples: dict[str, list[str]]) -> Judge:
    subject = Subject(**{**subject.__dict__, "section_examples": examples, "models": {}})
    return Judge(subject, sections)


def examples_of(items: list[Labelled]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for i in items:
        out.setdefault(i.label["section"], []).append(example_text(i.unit))
    return out


def tune_sections(items: list[Labelled], subject: Subject, sections, log) -> tuple[Linear, dict[str, list[str]]]:
    on = [i for i in items if i.label["on"]]
    keys = [s.key for s in Judge(subject, sections).claiming]
    # each day's texts are compared with the other days' examples only: a text is never its own example
    samples: list[Sample] = []
    for day in DEV_DAYS:
        judge = judge_with_examples(subject, sections, examples_of([i for i in on if i.day != day]))
        samples += section_samples([i for i in on if i.day == day], judge, keys)
    by_day = [i.day for day in DEV_DAYS for i in on if i.day == day]
    declared_only = [Sample({}, s.label, s.extra) for s in samples]

    def fit(rows: list[int]) -> Linear:
        # what the declared terms and examples say, through coefficients every section shares (a plugin's
        # too); word weights on top of them were measured and added nothing (leave-one-day-out), so there are none
        base = train([declared_only[r] for r in rows], keys)
        base.default_bias = float(np.mean(base.bias))
        return base, base

    scores = {"full": [0, 0]}
    for held in DEV_DAYS:
        full, base = fit([r for r, d in enumerate(by_day) if d != held])
        for r, d in enumerate(by_day):
            if d == held:
                s = samples[r]
                for name, model in (("full", full),):
                    z = model.scores(s.features, keys, [e[0] for e in s.extra], [e[1] for e in s.extra])
                    scores[name][0] += int(np.argmax(z)) == s.label
                    scores[name][1] += 1
    log(f"  sections: leave-one-day-out accuracy {scores['full'][0] / scores['full'][1]:.3f} over "
        f"{scores['full'][1]} on-subject texts")
    model, base = fit(list(range(len(samples))))
    model.info = {"leave_one_day_out_accuracy": round(scores["full"][0] / scores["full"][1], 4)}
    return model, examples_of(on)


# ------------------------------------------------------------------------------------------- merging

def pair_samples(units: list[Unit], judge: Judge, stories: list[str]) -> tuple[list[list[float]], list[bool],
                                                                                list[tuple[int, int]]]:
    """The judge's candidate pairs of one day, their features and whether the labels call them one story."""
    pairs, x = pair_table(units, [judge.probabilities(u) for u in units], judge.background)
    pairs = [(int(i), int(j)) for i, j in pairs]
    return [list(map(float, row)) for row in x], [stories[i] == stories[j] for i, j in pairs], pairs


def background_of(items: list[Labelled], days: tuple[str, ...]) -> Background:
    """The subject's usual vocabulary: the on-subject texts of ``days``."""
    return Background.of([i.unit.tokens for i in items if i.day in days and i.label["on"]])


def merge_model(xs: list[list[float]], ys: list[bool]) -> Linear:
    samples = [Sample({name: v for name, v in zip(PAIR_FEATURES, x)}, int(y)) for x, y in zip(xs, ys)]
    model = train(samples, ["same"], binary=True, l2=0.1, min_count=1, iterations=2000)
    weights = {name: model.weights.get(name, [0.0]) for name in PAIR_FEATURES}
    return Linear(classes=["same"], bias=model.bias, weights=weights, prior=0.0)


def pairwise(labels: list[int], stories: list[str]) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for a, b in itertools.combinations(range(len(labels)), 2):
        same, gold = labels[a] == labels[b], stories[a] == stories[b]
        tp += same and gold
        fp += same and not gold
        fn += gold and not same
    return tp, fp, fn


def tune_merge(items: list[Labelled], subject: Subject, sections, sections_model: Linear,
               examples: dict[str, list[str]], log) -> Linear:
    from ..pipeline.cluster import average_linkage, merge_centroids

    days = {}
    for day in DEV_DAYS:  # each day's words weighed against the other days' (as a build's against the dev days')
        background = background_of(items, tuple(d for d in DEV_DAYS if d != day))
        judge = Judge(Subject(**{**subject.__dict__, "models": {"sections": sections_model},
                                 "section_examples": examples, "background": background}), sections)
        on = [i for i in items if i.day == day and i.label["on"]]
        units = [i.unit for i in on]
        stories = [i.label["story"] for i in on]
        days[day] = (units, stories, *pair_samples(units, judge, stories), judge.vectors([u.tokens for u in units]))
    grid = [(round(a, 2), round(b, 2)) for a in np.arange(0.4, 0.96, 0.05) for b in np.arange(0.3, 0.71, 0.05)]
    totals = {t: [0, 0, 0] for t in grid}
    for held in DEV_DAYS:
        model = merge_model([x for d in DEV_DAYS if d != held for x in days[d][2]],
                            [y for d in DEV_DAYS if d != held for y in days[d][3]])
        probe = Judge(Subject(**{**subject.__dict__, "models": {"merge": model}}), sections)
        units, stories, xs, _, pairs, vectors = days[held]
        sims = {pair: probe.same_story(x) for pair, x in zip(pairs, xs)}
        docs = [u.doc for u in units]
        rows = vectors.rows
        for first in sorted({a for a, _ in grid}):
            linked = average_linkage(len(units), sims, first, docs)
            for t in (t for t in grid if t[0] == first):
                groups = merge_centroids(linked, rows, docs, t[1])
                label = {i: g for g, members in enumerate(groups) for i in members}
                for k, v in zip(range(3), pairwise([label[i] for i in range(len(units))], stories)):
                    totals[t][k] += v
    # the best recall among the thresholds precise enough (or, if none is, the most precise)
    precise = [t for t in grid if totals[t][0] + totals[t][1] and
               totals[t][0] / (totals[t][0] + totals[t][1]) >= MERGE_PRECISION]
    chosen = max(precise, key=lambda t: (totals[t][0], t)) if precise else \
        max(grid, key=lambda t: totals[t][0] / max(totals[t][0] + totals[t][1], 1))
    tp, fp, fn = totals[chosen]
    log(f"  merge at {chosen[0]:.2f}, centroids at {chosen[1]:.2f}: leave-one-day-out pairwise precision "
        f"{tp / max(tp + fp, 1):.3f}, recall {tp / max(tp + fn, 1):.3f}")
    model = merge_model([x for d in DEV_DAYS for x in days[d][2]], [y for d in DEV_DAYS for y in days[d][3]])
    model.thresholds = {"merge": chosen[0], "centroid": chosen[1]}
    model.info = {"leave_one_day_out_precision": round(tp / max(tp + fp, 1), 4),
                  "leave_one_day_out_recall": round(tp / max(tp + fn, 1), 4)}
    return model


# ------------------------------------------------------------------------------------------- the command

def dump(data: dict) -> str:
    """The model file as JSON, one feature or example to a line (so that a change reads as a short diff)."""
    text = json.dumps(data, indent=1, ensure_ascii=False)
    return re.sub(r"\[\s*(-?[\d.e-]+(?:,\s*-?[\d.e-]+)*)\s*\]",
                  lambda m: "[" + ",".join(x.strip() for x in m.group(1).split(",")) + "]", text) + "\n"


def labels_digest() -> str:
    h = hashlib.sha256()
    for day in DEV_DAYS:
        h.update((LABELS / f"{day}.jsonl").read_bytes())
    return h.hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m briefing.lab.tune", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    from ..host.sections import sections_of
    from ..config.settings import load_config
    from ..host.context import BuildContext
    from ..editorial.judge import subject_of
    from ..host.plugins import Plugins

    def log(text: str) -> None:
        print(text, file=sys.stderr)

    config = load_config(ROOT / "briefing.toml", date="2023-03-20", formats="md")
    config.tables["briefing"]["cache"] = False
    plugins = Plugins(config.workspace)
    ctx = BuildContext(config, plugins)
    subject = subject_of(ctx)
    subject = Subject(name=subject.name, terms=subject.terms, examples=subject.examples,
                      threshold=subject.threshold)  # the declared subject alone: nothing learned yet
    ctx.subject = subject
    sections = sections_of(ctx)
    items = dev_units(ctx, DEV_DAYS)
    counts = Counter(i.day for i in items)
    log(f"dev days: {', '.join(f'{d} ({counts[d]} items)' for d in DEV_DAYS)}")
    judge = Judge(subject, sections)
    subject_model = tune_subject(items, judge, log)
    sections_model, examples = tune_sections(items, subject, sections, log)
    merge = tune_merge(items, subject, sections, sections_model, examples, log)
    background = background_of(items, DEV_DAYS)
    data = {
        "about": "Learned by `make tune` (python -m briefing.lab.tune) from the dev days' labels; do not edit by hand.",
        "dev_days": list(DEV_DAYS), "labels_sha256": labels_digest(),
        "models": {"subject": subject_model.to_json(), "sections": sections_model.to_json(),
                   "merge": merge.to_json()},
        "examples": examples,
        "background": background.to_json(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dump(data), encoding="utf-8")
    log(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
