"""Benchmark: build issues from corpora of growing size and print where the time and memory go.

    .venv/bin/python bench/run.py [--sizes 100,200,1000,10000] [--lexrank-seconds 120]

For each size a corpus is written to a temporary folder (see ``bench/corpus.py``) and built in a fresh
subprocess, so that its peak memory (``ru_maxrss``) is its own: a first build with an empty cache, then,
in another fresh process, a second build of the same unchanged sources. Printed per size: the time of every stage, the total,
peak memory, the growth from one size to the next, first against second build, and sumy's LexRank
against our summarizer on the same stories with the same budget.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from summarize import Recorder  # noqa: E402  (notes the stories a build summarizes)

STAGES = ["load", "segment", "select", "cluster", "cache", "summarize", "render", "pdf", "publish"]
DATE = "2023-03-20"


# ---------------------------------------------------------------------------------------------- child
def lexrank_vs_ours(stories, budget: dict, seconds: float) -> dict:
    """LexRank and our extractive summarizer on the same stories (as many as LexRank does in ``seconds``)."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    from briefing.pipeline.summarize import extractive_item
    from summarize import WordSplit

    tokenizer = WordSplit()
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    done, lex_time, sentences_in = 0, 0.0, 0
    started = time.perf_counter()
    for story in stories:
        if time.perf_counter() - started > seconds:
            break
        t = time.perf_counter()
        # LexRank gets each distinct sentence once (ours removes repeats itself): the fair, faster case for it
        texts = list(dict.fromkeys(s.text for s in story.sentences))
        model = ObjectDocumentModel([Paragraph([Sentence(x, tokenizer) for x in texts])])
        picked = summarizer(model, int(budget["sentences"]))
        words, kept = 0, []
        for s in picked:  # the same word budget as ours
            n = len(str(s).split())
            if kept and words + n > int(budget["words"]):
                break
            kept.append(s)
            words += n
        lex_time += time.perf_counter() - t
        sentences_in += len(texts)
        done += 1
    from briefing.editorial import text

    # as in a build: the sentences were tokenized by the clustering just before
    t = time.perf_counter()
    for story in stories[:done]:
        extractive_item(story, budget)
    warm = time.perf_counter() - t
    # cold: every token and sentence key made afresh, as LexRank has to
    text._tokens.cache_clear()
    text.norm_key.cache_clear()
    t = time.perf_counter()
    for story in stories[:done]:
        extractive_item(story, budget)
    cold = time.perf_counter() - t
    return {"stories": done, "of": len(stories), "distinct_sentences": sentences_in,
            "lexrank_s": round(lex_time, 3), "ours_s": round(cold, 4), "ours_warm_s": round(warm, 4)}


def child(folder: Path, phase: str, lexrank_seconds: float) -> dict:
    """One build in this fresh process; after the first, LexRank and ours on the stories it summarized."""
    import hashlib

    from briefing.pipeline.build import build
    from briefing.config.settings import load_config
    from briefing.host.plugins import Plugins

    recorder = Recorder() if phase == "first" else None
    config = load_config(folder / "briefing.toml", date=DATE)
    plugins = Plugins(config.workspace, extra=[("bench_recorder", recorder)] if recorder else None)
    t = time.perf_counter()
    result = build(config, plugins)
    total = time.perf_counter() - t
    out = {
        "timings": result.timings, "total": round(total, 3),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "stories": len(result.report.stories), "items": len(result.issue.all_items()),
        "md_sha": hashlib.sha256(result.paths["md"].read_bytes()).hexdigest(),
    }
    if recorder is not None:
        out["lexrank"] = lexrank_vs_ours(recorder.stories, config.item_budget(), lexrank_seconds)
    return out


# --------------------------------------------------------------------------------------------- parent
def fmt_s(x: float) -> str:
    return f"{x:8.2f}" if x < 100 else f"{x:8.1f}"


def excl_pdf(timings: dict, total: float) -> float:
    return total - timings.get("pdf", 0.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,200,1000,10000")
    ap.add_argument("--lexrank-seconds", type=float, default=120.0,
                    help="time allowed to LexRank per size (it then stops; ours is timed on the same stories)")
    ap.add_argument("--keep", help="write the corpora into this folder and keep them")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--phase", default="first", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(Path(args.child), args.phase, args.lexrank_seconds)))
        return 0

    from corpus import write_corpus

    sizes = [int(s) for s in args.sizes.split(",")]
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    print(f"briefing benchmark  {time.strftime('%Y-%m-%d %H:%M:%S')}  python {platform.python_version()}  "
          f"{os.cpu_count()} cores  load average at start {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    print(f"corpora in {base}")
    results = {}
    for n in sizes:
        folder = base / f"docs-{n}"
        info = write_corpus(folder, n)
        load_before = os.getloadavg()[0]
        runs = {}
        for phase in ("first", "second"):  # each build in a fresh process, as a morning build is
            proc = subprocess.run([sys.executable, __file__, "--child", str(folder), "--phase", phase,
                                   "--lexrank-seconds", str(args.lexrank_seconds)], capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"size {n}: the {phase} build failed\n{proc.stderr[-3000:]}")
                return 1
            runs[phase] = json.loads(proc.stdout.strip().splitlines()[-1])
        f, s2 = runs["first"], runs["second"]
        r = {"first": f["timings"], "first_total": f["total"], "second": s2["timings"], "second_total": s2["total"],
             "peak_mb": f["peak_mb"], "peak_mb_second": s2["peak_mb"], "stories": f["stories"], "items": f["items"],
             "same_issue": f["md_sha"] == s2["md_sha"], "lexrank": f["lexrank"]}
        r["corpus"], r["load_avg"] = info, (load_before, os.getloadavg()[0])
        results[n] = r
        print(f"  {n:>6} documents: {info['articles']} articles + {info['feed_items']} feed items in "
              f"{info['feed_files']} feeds, {info['bytes'] / 1e6:.1f} MB; {info['unique_paragraphs']} distinct "
              f"of {info['paragraphs']} article paragraphs; {r['stories']} stories, {r['items']} items; "
              f"load avg {load_before:.2f}")

    print("\nFirst build (empty cache), seconds per stage:")
    head = "".join(f"{s:>9}" for s in STAGES)
    print(f"{'docs':>7}{head}{'total':>9}{'no-pdf':>9}{'peak MB':>9}")
    for n, r in results.items():
        t = r["first"]
        row = "".join(fmt_s(t.get(s, 0.0)) + " " for s in STAGES)
        print(f"{n:>7}{row}{fmt_s(r['first_total'])} {fmt_s(excl_pdf(t, r['first_total']))} {r['peak_mb']:8.0f}")

    print("\nGrowth from one size to the next (first build):")
    prev = None
    for n, r in results.items():
        if prev is not None:
            pn, pr = prev
            print(f"  {pn:>6} → {n:<6} ({n / pn:.0f}× documents): total ×{r['first_total'] / pr['first_total']:.2f}, "
                  f"without PDF ×{excl_pdf(r['first'], r['first_total']) / excl_pdf(pr['first'], pr['first_total']):.2f}, "
                  f"peak memory ×{r['peak_mb'] / pr['peak_mb']:.2f}")
        prev = (n, r)

    print("\nSecond build of the same day, sources unchanged (cache warm), seconds:")
    print(f"{'docs':>7}{head}{'total':>9}{'no-pdf':>9}{'speedup':>9}")
    for n, r in results.items():
        t = r["second"]
        row = "".join(fmt_s(t.get(s, 0.0)) + " " for s in STAGES)
        a, b = excl_pdf(r["first"], r["first_total"]), excl_pdf(t, r["second_total"])
        same = "" if r["same_issue"] else "  (ISSUE DIFFERS!)"
        print(f"{n:>7}{row}{fmt_s(r['second_total'])} {fmt_s(b)}   ×{a / b:.1f} (no PDF){same}")

    print("\nSummarizing the same stories with the same budget (LexRank: sumy, syntok tokenizer):")
    for n, r in results.items():
        lx = r["lexrank"]
        ratio = lx["lexrank_s"] / lx["ours_s"] if lx["ours_s"] else float("inf")
        warm = lx["lexrank_s"] / lx["ours_warm_s"] if lx["ours_warm_s"] else float("inf")
        print(f"  {n:>6} docs: {lx['stories']} of {lx['of']} stories ({lx['distinct_sentences']} distinct sentences): "
              f"LexRank {lx['lexrank_s']:.2f} s; ours {lx['ours_s']:.3f} s tokenizing afresh (×{ratio:.0f}), "
              f"{lx['ours_warm_s']:.3f} s with the clustering's tokens as in a build (×{warm:.0f}); "
              f"build's summarize stage, placing and summarizing all: {r['first'].get('summarize', 0):.2f} s")

    print("\nGoals:")
    checks = []
    if 200 in results:
        r = results[200]
        checks.append(("200 docs, all but PDF < 1.5 s", excl_pdf(r["first"], r["first_total"]), 1.5))
        checks.append(("200 docs, whole build with PDF < 6 s", r["first_total"], 6.0))
    if 10000 in results:
        r = results[10000]
        checks.append(("10,000 docs < 60 s", r["first_total"], 60.0))
        checks.append(("10,000 docs peak memory < 2048 MB", r["peak_mb"], 2048.0))
    if 1000 in results and 10000 in results:
        checks.append(("1,000 → 10,000 docs growth ≤ 12×",
                       results[10000]["first_total"] / results[1000]["first_total"], 12.0))
    for n, r in results.items():
        lx = r["lexrank"]
        if lx["ours_s"]:
            checks.append((f"{n} docs: ours (tokenizing afresh) ≥ 20× faster than LexRank (×)",
                           lx["lexrank_s"] / lx["ours_s"], -20.0))
        a, b = excl_pdf(r["first"], r["first_total"]), excl_pdf(r["second"], r["second_total"])
        checks.append((f"{n} docs: second build ≥ 3× faster without PDF (×)", a / b, -3.0))
    for name, value, limit in checks:
        ok = value >= -limit if limit < 0 else value < limit
        print(f"  {'met ' if ok else 'MISS'}  {name}: {value:.2f}")
    print(f"\nload average at end {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (other work shares these cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
