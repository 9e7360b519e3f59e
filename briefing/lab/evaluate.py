"""Evaluate: the editorial judgment measured on hand-labelled whole days, beside the rules it replaced.

In: the labelled days in ``tests/data/labels/DAY.jsonl`` (every feed item of ``tests/data/feeds-full/DAY/``: on
or off the subject, and for on-subject items the section an analyst would choose and a story id; see
``docs/labelling.md``). Out (``make eval``): for the **test** days first, then the dev days, and for the
product and the baseline side by side:

- relevance precision and recall (a document is kept when it reaches a story);
- section accuracy over the on-subject documents the product kept, and its confusion matrix;
- merge precision, recall and F1, pairwise over the on-subject documents the product kept;
- off-subject items printed (an item whose documents are mostly labelled off the subject);
- the labelled stories told by three or more outlets, and how many of them printed.

Every figure is computed from what a build writes (``report.json`` and ``issue.json``), so the baseline is
simply an older commit of this repository built the same way (``--baseline REV``; by default the rules as they
stood before the editorial model). Weights are tuned on dev days only (``make tune``); test days are measured,
never read to fix a case.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import itertools
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = ROOT / "tests" / "data"
LABELS = DATA / "labels"
FEEDS = DATA / "feeds-full"
DEV_DAYS = ("2023-03-06", "2023-03-07", "2023-03-08", "2023-03-09", "2023-03-10", "2023-03-11", "2023-03-12",
            "2023-03-13", "2023-03-15", "2023-03-17", "2023-03-19")  # the only days anything is tuned on
TEST_DAYS = ("2023-03-14", "2023-03-16", "2023-03-18")  # measured, never read to fix a case
BASELINE = "3a686be"  # the hand-grown rules, before the editorial model
SECTIONS = ("key_takeaways", "comments", "containment", "sanctions", "putin_russia", "china")
BIG_STORY = 3  # a story told by this many outlets or more must print


def labels_of(day: str) -> list[dict]:
    return [json.loads(line) for line in (LABELS / f"{day}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _key(feed: str, title: str) -> tuple[str, str]:
    return feed, " ".join(title.split())[:300]


# ------------------------------------------------------------------------------------------- building a day

BUILD_SCRIPT = """
import json, sys
from pathlib import Path
from briefing.pipeline.build import build
from briefing.config.settings import load_config
from briefing.host.plugins import Plugins
root, day, out, date = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
config = load_config(root / "briefing.toml", date=date, sources=[day], out=out, formats="md")
kwargs = {"entry_points": False} if sys.argv[5] == "baseline" else {}
build(config, Plugins(root, **kwargs))
"""


@dataclass
class Built:
    report: dict
    issue: dict


def issue_date(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def build_day(day: str, out: Path, code: Path | None = None) -> Built:
    """Build the issue of the day after ``day`` from that day's whole subscription; ``code`` is a checkout of
    another commit (run in a subprocess, its own modules first on the path)."""
    date = issue_date(day)
    folder = FEEDS / day
    if code is None:
        from ..pipeline.build import build
        from ..config.settings import load_config

        config = load_config(ROOT / "briefing.toml", date=date, sources=[str(folder)], out=str(out), formats="md")
        config.tables["articles"] = {**config.table("articles"), "fetch": False}  # the labelled texts: the teasers
        build(config)
    else:
        env = {**os.environ, "PYTHONPATH": str(code)}
        r = subprocess.run([sys.executable, "-c", BUILD_SCRIPT, str(code), str(folder), str(out), date, "baseline"],
                           cwd=code, env=env, capture_output=True, text=True, timeout=900)
        if r.returncode:
            raise RuntimeError(f"the baseline build of {day} failed:\n{r.stderr[-2000:]}")
    where = out / date
    return Built(json.loads((where / "report.json").read_text(encoding="utf-8")),
                 json.loads((where / "issue.json").read_text(encoding="utf-8")))


def checkout(rev: str, into: Path) -> Path:
    """The tree of commit ``rev`` unpacked into ``into``, its packages importable by their installed names."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev], capture_output=True, check=True)
    with tarfile.open(fileobj=__import__("io").BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    for package, folder in (("briefing_plugins", "plugins"), ("briefing_templates", "templates")):
        if (into / folder).is_dir() and not (into / package).exists():
            (into / package).symlink_to(folder)
    return into


# --------------------------------------------------------------------------------------------- the figures

@dataclass
class DayScore:
    day: str
    relevance: collections.Counter = field(default_factory=collections.Counter)  # tp, fp, fn
    confusion: collections.Counter = field(default_factory=collections.Counter)  # (gold, product) → count
    pairs: collections.Counter = field(default_factory=collections.Counter)  # tp, fp, fn
    off_printed: list[str] = field(default_factory=list)
    big: list[tuple[str, int, bool]] = field(default_factory=list)  # (story, outlets, printed)
    printed_items: int = 0
    unmatched: int = 0


def score_day(day: str, built: Built, labels: list[dict] | None = None) -> DayScore:
    labels = labels if labels is not None else labels_of(day)
    by_key = {_key(label["feed"], label["title"]): label for label in labels}
    doc_label: dict[str, dict] = {}
    unmatched = 0
    for doc in built.report["documents"]:
        if doc.get("kind", "article") != "article":
            continue
        label = by_key.get(_key(Path(doc.get("path", "")).name, doc.get("title", "")))
        if label is None:
            unmatched += 1
            continue
        doc_label[doc["id"]] = label
    score = DayScore(day, unmatched=unmatched)
    story_of: dict[str, str] = {}
    section_of: dict[str, str] = {}
    for entry in built.report["stories"]:
        if not entry.get("section"):
            continue  # left out before it was placed (off the subject): not kept
        for doc in entry.get("documents", []):
            story_of.setdefault(doc, entry["story"])
            section_of.setdefault(doc, entry["section"])
    for doc, label in doc_label.items():
        kept = doc in story_of
        score.relevance["tp" if kept and label["on"] else "fp" if kept else "fn" if label["on"] else "tn"] += 1
        if kept and label["on"]:
            score.confusion[(label["section"], section_of[doc])] += 1
    on_kept = sorted(d for d in doc_label if doc_label[d]["on"] and d in story_of)
    for a, b in itertools.combinations(on_kept, 2):
        same_product = story_of[a] == story_of[b]
        same_gold = doc_label[a]["story"] == doc_label[b]["story"]
        if same_product or same_gold:
            score.pairs["tp" if same_product and same_gold else "fp" if same_product else "fn"] += 1
    printed_docs: set[str] = set()
    for section in built.issue.get("sections", []):
        for item in section.get("items", []):
            docs = [d for d in item.get("documents", []) if d in doc_label]
            if not docs:
                continue
            score.printed_items += 1
            printed_docs.update(docs)
            off = sum(not doc_label[d]["on"] for d in docs)
            if 2 * off >= len(docs):
                score.off_printed.append(item["headline"])
    outlets: dict[str, set[str]] = collections.defaultdict(set)
    members: dict[str, set[str]] = collections.defaultdict(set)
    for doc, label in doc_label.items():
        if label["on"]:
            outlets[label["story"]].add(label["feed"])
            members[label["story"]].add(doc)
    for story, feeds in sorted(outlets.items()):
        if len(feeds) >= BIG_STORY:
            score.big.append((story, len(feeds), bool(members[story] & printed_docs)))
    return score


def ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def summary(scores: list[DayScore]) -> dict:
    rel = sum((s.relevance for s in scores), collections.Counter())
    pairs = sum((s.pairs for s in scores), collections.Counter())
    confusion = sum((s.confusion for s in scores), collections.Counter())
    correct = sum(n for (gold, got), n in confusion.items() if gold == got)
    total = sum(confusion.values())
    big = [b for s in scores for b in s.big]
    p, r = ratio(pairs["tp"], pairs["tp"] + pairs["fp"]), ratio(pairs["tp"], pairs["tp"] + pairs["fn"])
    return {
        "relevance_precision": ratio(rel["tp"], rel["tp"] + rel["fp"]),
        "relevance_recall": ratio(rel["tp"], rel["tp"] + rel["fn"]),
        "section_accuracy": ratio(correct, total), "section_items": total, "confusion": confusion,
        "merge_precision": p, "merge_recall": r, "merge_f1": ratio(2 * p * r, p + r),
        "off_printed": [h for s in scores for h in s.off_printed],
        "printed_items": sum(s.printed_items for s in scores),
        "big_stories": len(big), "big_printed": sum(1 for b in big if b[2]),
        "big_missed": [b[0] for b in big if not b[2]],
        "unmatched": sum(s.unmatched for s in scores),
    }


def evaluate(days: tuple[str, ...], code: Path | None, work: Path) -> tuple[dict, list[DayScore]]:
    scores = []
    for day in days:
        out = work / ("base" if code else "product") / day
        scores.append(score_day(day, build_day(day, out, code)))
    return summary(scores), scores


# --------------------------------------------------------------------------------------------- printing

ROWS = (("relevance precision", "relevance_precision", "{:.3f}"), ("relevance recall", "relevance_recall", "{:.3f}"),
        ("section accuracy", "section_accuracy", "{:.1%}"), ("merge precision", "merge_precision", "{:.3f}"),
        ("merge recall", "merge_recall", "{:.3f}"), ("merge F1", "merge_f1", "{:.3f}"))


def table(name: str, days: tuple[str, ...], product: dict, baseline: dict | None) -> list[str]:
    lines = [f"{name} days ({', '.join(days)})", f"  {'':28s} {'product':>10s} {'baseline':>10s}"]
    for label, key, fmt in ROWS:
        base = fmt.format(baseline[key]) if baseline else "-"
        lines.append(f"  {label:28s} {fmt.format(product[key]):>10s} {base:>10s}")
    for label, value in (("off-subject items printed", lambda s: f"{len(s['off_printed'])}/{s['printed_items']}"),
                         (f"stories of {BIG_STORY}+ outlets printed",
                          lambda s: f"{s['big_printed']}/{s['big_stories']}")):
        lines.append(f"  {label:28s} {value(product):>10s} {value(baseline) if baseline else '-':>10s}")
    lines.append(f"  section accuracy over {product['section_items']} kept on-subject documents; confusion "
                 "(rows: label, columns: product):")
    cols = SECTIONS
    lines.append("    " + f"{'':14s}" + "".join(f"{c[:9]:>10s}" for c in cols))
    for gold in cols:
        lines.append("    " + f"{gold[:14]:14s}" + "".join(f"{product['confusion'].get((gold, c), 0):10d}" for c in cols))
    if product["unmatched"]:
        lines.append(f"  ({product['unmatched']} documents matched no label)")
    return lines


def tuned_figures() -> str:
    """The leave-one-day-out figures ``make tune`` wrote into the model file, in one line."""
    path = ROOT / "plugins" / "data" / "russia-ukraine-war.json"
    try:
        models = json.loads(path.read_text(encoding="utf-8"))["models"]
    except (OSError, ValueError, KeyError):
        return "no model file"
    sections = models["sections"]["info"].get("leave_one_day_out_accuracy")
    merge = models["merge"]["info"]
    return (f"leave one day out: section accuracy {sections:.1%}, merge precision "
            f"{merge.get('leave_one_day_out_precision', 0):.3f}, recall {merge.get('leave_one_day_out_recall', 0):.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m briefing.lab.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", choices=("test", "dev", "all"), default="all")
    parser.add_argument("--baseline", default=BASELINE, help="the commit to compare with ('' for none)")
    parser.add_argument("--details", action="store_true", help="list off-subject items printed and big stories missed")
    args = parser.parse_args(argv)
    splits = {"test": (("Test", TEST_DAYS),), "dev": (("Dev", DEV_DAYS),),
              "all": (("Test", TEST_DAYS), ("Dev", DEV_DAYS))}[args.days]
    with tempfile.TemporaryDirectory(prefix="briefing-eval-") as tmp:
        work = Path(tmp)
        code = checkout(args.baseline, work / "baseline-code") if args.baseline else None
        for name, days in splits:
            product = evaluate(days, None, work)[0]
            baseline = evaluate(days, code, work)[0] if code else None
            print("\n".join(table(name, days, product, baseline)))
            if name == "Dev":
                print("  (in-sample: the model was tuned on these days and holds their labelled texts as examples;"
                      " " + tuned_figures() + ")")
            if args.details:
                for headline in product["off_printed"]:
                    print(f"    off-subject printed: {headline}")
                for story in product["big_missed"]:
                    print(f"    {BIG_STORY}+ outlets, not printed: {story}")
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
