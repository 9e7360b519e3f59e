"""Evaluate: the editorial judgment measured on hand-labelled whole days, as a reader corrects what prints.

In: the labelled days (``tests/data/labels/DAY.jsonl``, every feed item of ``tests/data/feeds-full/DAY/``; see
``docs/labelling.md``). Out (``make eval``): for the **test** days, each built as the command builds it (after
the day before it, so that follow-ups have a back issue), by this checkout and by a baseline commit side by
side, per day and in total:

- what a reader corrects in what prints (:mod:`briefing.lab.corrections`): items whose story already printed,
  items that mix stories, big stories missing, misplaced and off-subject items, and the total;
- beside them, the pairwise figures: relevance precision and recall, section accuracy over the kept on-subject
  documents, merge precision, recall and F1.

Then the **dev** days' leave-one-day-out corrections, as ``make tune`` measured them (each day built with models
trained on the other dev days) and wrote them into the model file. Every figure is computed from what a build
writes (``report.json`` and ``issue.json``), so the baseline is simply an older commit of this repository built
the same way (``--baseline REV``). Test days are measured, never read to fix a case.
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

from .corrections import BIG_STORY, KINDS, Corrections, corrections, label_key, totals
from .days import DEV_DAYS, FEEDS, LABELS, ROOT, TEST_DAYS, labels_of  # noqa: F401  (part of this module's interface)

BASELINE = "e739548"  # the editorial model as it stood before corrections were measured (13 to 19 March labelled)
SECTIONS = ("key_takeaways", "comments", "containment", "sanctions", "putin_russia", "china")
_key = label_key


# ------------------------------------------------------------------------------------------- building a day

BUILD_SCRIPT = """
import sys
from pathlib import Path
try:
    from briefing.pipeline.build import build
    from briefing.config.settings import load_config
    from briefing.host.plugins import Plugins
except ImportError:  # a commit from before the packages
    from briefing.build import build
    from briefing.config import load_config
    from briefing.plugins import Plugins
root, out = Path(sys.argv[1]), sys.argv[2]
for folder, date in zip(sys.argv[3::2], sys.argv[4::2]):
    config = load_config(root / "briefing.toml", date=date, sources=[folder], out=out, formats="md")
    if hasattr(config, "override"):
        config.override("articles", fetch=False)
    else:  # a commit from before typed tables
        config.tables["articles"] = {**config.table("articles"), "fetch": False}
    build(config, Plugins(root, entry_points=False))
"""


@dataclass
class Built:
    report: dict
    issue: dict


def issue_date(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def build_day(day: str, out: Path, code: Path | None = None, after: str = "") -> Built:
    """Build the issue of the day after ``day`` from that day's whole subscription, as the command does (the
    teasers: the labelled texts); first the issue of ``after`` into the same folder, so that the day's build
    finds the day before in its back issues. ``code``: a checkout of another commit, run in a subprocess with
    its own modules first on the path."""
    days = [d for d in (after, day) if d]
    if code is None:
        from ..config.settings import load_config
        from ..pipeline.build import build

        for d in days:
            config = load_config(ROOT / "briefing.toml", date=issue_date(d), sources=[str(FEEDS / d)],
                                 out=str(out), formats="md")
            config.override("articles", fetch=False)
            build(config)
    else:
        env = {**os.environ, "PYTHONPATH": str(code)}
        args = [a for d in days for a in (str(FEEDS / d), issue_date(d))]
        r = subprocess.run([sys.executable, "-c", BUILD_SCRIPT, str(code), str(out), *args], cwd=code, env=env,
                           capture_output=True, text=True, timeout=1800)
        if r.returncode:
            raise RuntimeError(f"the baseline build of {day} failed:\n{r.stderr[-2000:]}")
    where = out / issue_date(day)
    return Built(json.loads((where / "report.json").read_text(encoding="utf-8")),
                 json.loads((where / "issue.json").read_text(encoding="utf-8")))


def day_before(day: str) -> str:
    """The labelled day before ``day``, if there is one (its issue is the back issue a build reads)."""
    before = (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()
    return before if (LABELS / f"{before}.jsonl").is_file() else ""


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


def _labelled_documents(documents: list[dict], labels: list[dict]) -> tuple[dict[str, dict], int]:
    """Each built article's label (found by feed file and title), and how many articles no label matched."""
    by_key = {_key(label["feed"], label["title"]): label for label in labels}
    doc_label: dict[str, dict] = {}
    unmatched = 0
    for doc in documents:
        if doc.get("kind", "article") != "article":
            continue
        label = by_key.get(_key(Path(doc.get("path", "")).name, doc.get("title", "")))
        if label is None:
            unmatched += 1
            continue
        doc_label[doc["id"]] = label
    return doc_label, unmatched


def _placed_documents(stories: list[dict]) -> tuple[dict[str, str], dict[str, str]]:
    """Each kept document's story and section (a story left out before it was placed, off the subject, is not
    kept)."""
    story_of: dict[str, str] = {}
    section_of: dict[str, str] = {}
    for entry in stories:
        if not entry.get("section"):
            continue
        for doc in entry.get("documents", []):
            story_of.setdefault(doc, entry["story"])
            section_of.setdefault(doc, entry["section"])
    return story_of, section_of


def _score_relevance(score: DayScore, doc_label: dict[str, dict], story_of: dict[str, str],
                     section_of: dict[str, str]) -> None:
    """Kept against labelled on-subject documents, and the sections of those both say are on the subject."""
    for doc, label in doc_label.items():
        kept = doc in story_of
        score.relevance["tp" if kept and label["on"] else "fp" if kept else "fn" if label["on"] else "tn"] += 1
        if kept and label["on"]:
            score.confusion[(label["section"], section_of[doc])] += 1


def _score_pairs(score: DayScore, doc_label: dict[str, dict], story_of: dict[str, str]) -> None:
    """Pairs of kept on-subject documents put in one story, against the labels' stories."""
    on_kept = sorted(d for d in doc_label if doc_label[d]["on"] and d in story_of)
    for a, b in itertools.combinations(on_kept, 2):
        same_product = story_of[a] == story_of[b]
        same_gold = doc_label[a]["story"] == doc_label[b]["story"]
        if same_product or same_gold:
            score.pairs["tp" if same_product and same_gold else "fp" if same_product else "fn"] += 1


def _score_printed(score: DayScore, issue: dict, doc_label: dict[str, dict]) -> set[str]:
    """The printed items of labelled documents, those mostly off the subject; returns the printed documents."""
    printed_docs: set[str] = set()
    for section in issue.get("sections", []):
        for item in section.get("items", []):
            docs = [d for d in item.get("documents", []) if d in doc_label]
            if not docs:
                continue
            score.printed_items += 1
            printed_docs.update(docs)
            off = sum(not doc_label[d]["on"] for d in docs)
            if 2 * off >= len(docs):
                score.off_printed.append(item["headline"])
    return printed_docs


def _score_big(score: DayScore, doc_label: dict[str, dict], printed_docs: set[str]) -> None:
    """The labelled stories told by at least ``BIG_STORY`` outlets, and whether each was printed."""
    outlets: dict[str, set[str]] = collections.defaultdict(set)
    members: dict[str, set[str]] = collections.defaultdict(set)
    for doc, label in doc_label.items():
        if label["on"]:
            outlets[label["story"]].add(label["feed"])
            members[label["story"]].add(doc)
    for story, feeds in sorted(outlets.items()):
        if len(feeds) >= BIG_STORY:
            score.big.append((story, len(feeds), bool(members[story] & printed_docs)))


def score_day(day: str, built: Built, labels: list[dict] | None = None) -> DayScore:
    labels = labels if labels is not None else labels_of(day)
    doc_label, unmatched = _labelled_documents(built.report["documents"], labels)
    score = DayScore(day, unmatched=unmatched)
    story_of, section_of = _placed_documents(built.report["stories"])
    _score_relevance(score, doc_label, story_of, section_of)
    _score_pairs(score, doc_label, story_of)
    printed_docs = _score_printed(score, built.issue, doc_label)
    _score_big(score, doc_label, printed_docs)
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


def evaluate(days: tuple[str, ...], code: Path | None, work: Path) -> tuple[dict, list[DayScore], list[Corrections]]:
    scores, fixes = [], []
    for day in days:
        out = work / ("base" if code else "product") / day
        built = build_day(day, out, code, after=day_before(day))
        scores.append(score_day(day, built))
        fixes.append(corrections(day, labels_of(day), built.report, built.issue))
    return summary(scores), scores, fixes


# --------------------------------------------------------------------------------------------- printing

ROWS = (("relevance precision", "relevance_precision", "{:.3f}"), ("relevance recall", "relevance_recall", "{:.3f}"),
        ("section accuracy", "section_accuracy", "{:.1%}"), ("merge precision", "merge_precision", "{:.3f}"),
        ("merge recall", "merge_recall", "{:.3f}"), ("merge F1", "merge_f1", "{:.3f}"))


def corrections_table(name: str, product: list[Corrections], baseline: list[Corrections] | None) -> list[str]:
    """Per day and in total, each kind of correction: this checkout, then the baseline in brackets."""
    heads = ("items", *KINDS, "total")
    lines = [f"{name} days: what a reader corrects in what prints (product [baseline])",
             f"  {'':12s}" + "".join(f"{h[:12]:>15s}" for h in heads)]

    def row(label: str, ours: dict, theirs: dict | None) -> str:
        cells = []
        for h in heads:
            value = f"{ours[h]}" + (f" [{theirs[h]}]" if theirs else "")
            cells.append(f"{value:>15s}")
        return f"  {label:12s}" + "".join(cells)

    def figures(c: Corrections) -> dict:
        return {"items": c.printed, **c.counts(), "total": c.total}

    for k, c in enumerate(product):
        lines.append(row(c.day, figures(c), figures(baseline[k]) if baseline else None))
    t, b = totals(product), totals(baseline) if baseline else None
    sum_row = {"items": t["printed"], **{k: t[k] for k in KINDS}, "total": t["total"]}
    base_row = {"items": b["printed"], **{k: b[k] for k in KINDS}, "total": b["total"]} if b else None
    lines.append(row("total", sum_row, base_row))
    lines.append(f"  fusions join {t['fused reports']} reports" + (f" [{b['fused reports']}]" if b else "")
                 + f"; items placed right {t['items placed right']:.1%}"
                 + (f" [{b['items placed right']:.1%}]" if b else ""))
    return lines


def table(name: str, days: tuple[str, ...], product: dict, baseline: dict | None) -> list[str]:
    lines = [f"{name} days, pairwise ({', '.join(days)})", f"  {'':28s} {'product':>10s} {'baseline':>10s}"]
    for label, key, fmt in ROWS:
        base = fmt.format(baseline[key]) if baseline else "-"
        lines.append(f"  {label:28s} {fmt.format(product[key]):>10s} {base:>10s}")
    lines.append(f"  section accuracy over {product['section_items']} kept on-subject documents; confusion "
                 "(rows: label, columns: product):")
    lines.append("    " + f"{'':14s}" + "".join(f"{c[:9]:>10s}" for c in SECTIONS))
    for gold in SECTIONS:
        lines.append("    " + f"{gold[:14]:14s}" + "".join(f"{product['confusion'].get((gold, c), 0):10d}"
                                                            for c in SECTIONS))
    if product["unmatched"]:
        lines.append(f"  ({product['unmatched']} documents matched no label)")
    return lines


def tuned_figures(path: Path = ROOT / "plugins" / "data" / "russia-ukraine-war.json") -> list[str]:
    """The dev days' leave-one-day-out corrections that ``make tune`` wrote into the model file."""
    try:
        merge = json.loads(path.read_text(encoding="utf-8"))["models"]["merge"]
        per_day = merge["info"]["leave_one_day_out_corrections"]
    except (OSError, ValueError, KeyError):
        return ["  (no leave-one-day-out figures in the model file: run make tune)"]
    heads = ("printed", *KINDS, "total")
    lines = ["Dev days, leave one day out (each built with models trained on the other dev days; make tune)",
             f"  thresholds {merge.get('thresholds')}",
             f"  {'':12s}" + "".join(f"{h[:12]:>13s}" for h in heads)]
    for day, row in per_day.items():
        lines.append(f"  {day:12s}" + "".join(f"{row.get(h, 0):>13}" for h in heads))
    lines.append(f"  {'total':12s}" + "".join(f"{sum(r.get(h, 0) for r in per_day.values()):>13}" for h in heads))
    return lines


def details(fixes: list[Corrections]) -> list[str]:
    lines = []
    for c in fixes:
        for kind, entries in (("duplicate", c.duplicate), ("fusion", c.fusion), ("big story missing", c.missing),
                              ("misplaced", c.misplaced), ("off subject", c.off)):
            for e in entries:
                lines.append(f"    {c.day} {kind}: {json.dumps(e, ensure_ascii=False)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m briefing.lab.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", choices=("test", "dev", "all"), default="all")
    parser.add_argument("--baseline", default=BASELINE, help="the commit to compare with ('' for none)")
    parser.add_argument("--details", action="store_true", help="list every correction (dev days only: the test "
                        "days are measured, never read to fix a case)")
    args = parser.parse_args(argv)
    if args.days in ("test", "all"):
        with tempfile.TemporaryDirectory(prefix="briefing-eval-") as tmp:
            work = Path(tmp)
            code = checkout(args.baseline, work / "baseline-code") if args.baseline else None
            product, _, fixes = evaluate(TEST_DAYS, None, work)
            baseline, _, base_fixes = evaluate(TEST_DAYS, code, work) if code else (None, None, None)
            print("\n".join(corrections_table("Test", fixes, base_fixes)))
            print()
            print("\n".join(table("Test", TEST_DAYS, product, baseline)))
            print()
    if args.days in ("dev", "all"):
        print("\n".join(tuned_figures()))
        if args.details:
            with tempfile.TemporaryDirectory(prefix="briefing-eval-") as tmp:
                print("\n".join(details(evaluate(DEV_DAYS, None, Path(tmp))[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
