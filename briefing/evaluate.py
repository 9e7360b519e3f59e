"""Evaluate: measure the editorial stages on real data, side by side with simple baselines (``make eval``).

In: the sample Day 390 issue, the day-389 feed items with hand-assigned story labels, and the human-written
daily summaries with the feed items of the day before each. Out: a plain-text table of

- section accuracy on the sample issue's own bold-headed items (the editors' section is the label),
  for the product's section scoring, a one-keyword-per-section baseline and a majority baseline;
- pairwise precision, recall and F1 of story merging on the labelled feed items, for the product's
  clustering and a title-only fuzzy-match baseline;
- ROUGE-1 and ROUGE-2 recall of the issue built from each day's documents against that day's reference
  summary, for the product, a lead baseline and LexRank (sumy, given a syntok tokenizer), all cut to the
  product's word count.

ROUGE-N recall here is the classic definition: the clipped count of reference n-grams that also occur in
the candidate, divided by the number of reference n-grams; tokens are lower-cased alphanumeric runs, with no
stemming and no stop-word removal. It is computed per day and averaged over the days (macro average).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import syntok.segmenter as syntok

from . import segment
from .cluster import cluster
from .compose import compose, decide, story_scores
from .config import Config, load_config
from .context import BuildContext
from .load import load
from .models import Document, Section, Story, stable_id
from .plugins import Plugins
from .report import Report
from .select import select, split_passages

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


# ---------------------------------------------------------------- the sample issue's items, with their sections

@dataclass
class SampleItem:
    section: str  # the section's title in the sample
    headline: str
    text: str


BOLD_HEAD = re.compile(r"^\*\*(?P<head>.+?)\*\*\s*(?:[-–—:]\s*)?(?P<rest>.*)$", re.S)
MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$])")
COMMENT = re.compile(r"\(?\*\*Comment\*\*.*", re.S)


def _unmarkdown(text: str) -> str:
    text = COMMENT.sub("", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return MD_ESCAPE.sub(r"\1", text).replace("**", "").strip()


def sample_items(path: Path, skip_sections: tuple[str, ...] = ("Conflict Assessment",)) -> list[SampleItem]:
    """Each bold-headed item of a Markdown issue, with the title of the section it stands in."""
    items: list[SampleItem] = []
    section = ""
    for para in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        para = para.strip()
        if para.startswith("## "):
            section = para[3:].strip()
            continue
        if not section or section in skip_sections or not para:
            continue
        m = BOLD_HEAD.match(para)
        if m and not m.group("head").strip().lower().startswith("comment"):
            items.append(SampleItem(section, _unmarkdown(m.group("head")).rstrip(" .-–"), _unmarkdown(m.group("rest"))))
        elif items and items[-1].section == section and not para.startswith("**Comment"):
            body = _unmarkdown(para.lstrip("#").strip())
            if body:
                items[-1].text = (items[-1].text + "\n\n" + body).strip()
    return items


def classify(item: SampleItem, sections: list[Section], plugins: Plugins, config: Config) -> str:
    """The section key the product would give this item as a one-document story (fallback when unclaimed)."""
    doc = Document(id=stable_id(item.headline), title=item.headline, text=item.text or item.headline)
    paragraphs = segment.sentences(doc)
    claiming = [s for s in sections if s.make_items is None and not s.fallback]
    fallback = next((s.key for s in sections if s.fallback), "")
    passages = split_passages(doc, paragraphs, sections)
    scores = story_scores(Story(id=doc.id, passages=passages), claiming, BuildContext(config, plugins))
    best, _ = decide(scores)
    return best or fallback


def keyword_baseline(item: SampleItem, sections: list[Section], fallback: str, top: int = 3) -> str:
    """A hurried editor's sort: the section whose three heaviest profile terms occur most often."""
    text = (item.headline + " " + item.text).lower()
    counts = {}
    for s in sections:
        terms = sorted(s.profile.get("terms", {}).items(), key=lambda kv: -float(kv[1]))[:top]
        if terms:
            counts[s.key] = sum(text.count(t) for t, _ in terms)
    best = max(sorted(counts), key=lambda k: counts[k]) if counts else ""
    return best if best and counts[best] else fallback


def section_accuracy(sample: Path, sections: list[Section], plugins: Plugins, config: Config) -> dict:
    items = sample_items(sample)
    by_title = {s.title.lower(): s.key for s in sections}
    fallback = next((s.key for s in sections if s.fallback), "")
    gold = [by_title.get(i.section.lower(), "?") for i in items]
    product = [classify(i, sections, plugins, config) for i in items]
    claiming = [s for s in sections if s.make_items is None and not s.fallback]
    keyword = [keyword_baseline(i, claiming, fallback) for i in items]
    majority_label = Counter(gold).most_common(1)[0][0]
    def acc(pred):
        return sum(p == g for p, g in zip(pred, gold)) / len(gold)
    return {
        "items": len(items),
        "product": acc(product),
        "keyword": acc(keyword),
        "majority": acc([majority_label] * len(gold)),
        "majority_label": majority_label,
        "errors": [(i.headline[:70], g, p) for i, g, p in zip(items, gold, product) if g != p],
    }


# ---------------------------------------------------------------- story merging against hand labels

def pairwise(pred: dict[str, str], gold: dict[str, str]) -> dict[str, float]:
    """Pairwise precision/recall/F1: a pair of items is positive when both carry the same story."""
    keys = sorted(gold)
    tp = fp = fn = 0
    for a, b in itertools.combinations(keys, 2):
        same_pred = pred[a] == pred[b]
        same_gold = gold[a] == gold[b]
        tp += same_pred and same_gold
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def product_stories(documents: list[Document], sections: list[Section], config: Config,
                    report: Report) -> list[Story]:
    articles = [d for d in documents if d.kind == "article"]
    segmented = {d.id: segment.sentences(d) for d in articles}
    return cluster(select(articles, segmented, sections, config.subject, report))


def story_of_documents(documents: list[Document], stories: list[Story]) -> dict[str, str]:
    """Each document's story: the one holding its opening passage; a dropped document is its own story."""
    out = {d.id: "dropped:" + d.id for d in documents}
    for story in stories:
        for p in story.passages:
            if p.lead:
                out[p.doc.id] = story.id
    return out


def title_fuzzy_baseline(documents: list[Document], threshold: float = 60.0) -> dict[str, str]:
    """Single-link clusters of titles whose rapidfuzz token-set similarity reaches ``threshold``."""
    from rapidfuzz import fuzz

    parent = list(range(len(documents)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in itertools.combinations(range(len(documents)), 2):
        if fuzz.token_set_ratio(documents[i].title.lower(), documents[j].title.lower()) >= threshold:
            parent[root(i)] = root(j)
    return {d.id: str(root(i)) for i, d in enumerate(documents)}


def load_feed_documents(folder: Path, config: Config, plugins: Plugins) -> list[Document]:
    cfg = load_config(config.path, date=config.date, sources=[str(folder)], out=str(config.out))
    return load(BuildContext(cfg, plugins))


def merging(feeds: Path, labels_path: Path, sections: list[Section], plugins: Plugins, config: Config) -> dict:
    documents = load_feed_documents(feeds, config, plugins)
    labels = json.loads(labels_path.read_text(encoding="utf-8"))["items"]
    by_url = {i["url"]: i["story"] for i in labels}
    gold = {d.id: by_url[d.url] for d in documents if d.url in by_url}
    if len(gold) != len(labels):
        raise ValueError(f"{labels_path}: {len(labels)} labelled items but {len(gold)} found in {feeds}")
    started = time.perf_counter()
    stories = product_stories(documents, sections, config, Report())
    elapsed = time.perf_counter() - started
    product = story_of_documents(documents, stories)
    baseline = title_fuzzy_baseline(documents)
    return {
        "items": len(gold),
        "gold_stories": len(set(gold.values())),
        "product": pairwise(product, gold),
        "product_stories": len(set(product[k] for k in gold)),
        "title_fuzzy": pairwise(baseline, gold),
        "title_fuzzy_stories": len(set(baseline[k] for k in gold)),
        "seconds": elapsed,
    }


# ---------------------------------------------------------------- ROUGE against the daily human summaries

def ngrams(text: str, n: int) -> Counter:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def rouge_recall(candidate: str, reference: str, n: int) -> float:
    """ROUGE-N recall: clipped reference n-grams found in the candidate / reference n-grams."""
    ref, cand = ngrams(reference, n), ngrams(candidate, n)
    total = sum(ref.values())
    return sum(min(c, cand[g]) for g, c in ref.items()) / total if total else 0.0


REFERENCE_FURNITURE = re.compile(r"See all our Russia-Ukraine war coverage|Continue reading\.*", re.I)


def reference_text(line: dict) -> str:
    return REFERENCE_FURNITURE.sub(" ", line["reference"]["summary_text"]).strip()


def day_documents(line: dict) -> list[Document]:
    """The day's feed items as Documents (the reference itself left out)."""
    from briefing_plugins.feed_loader import plain  # the same HTML-to-text the feed loader uses

    ref_url = line["reference"]["url"]
    docs = []
    for d in line["documents"]:
        if d["url"] == ref_url:
            continue
        published = dt.datetime.fromisoformat(d["date_published"]) if d.get("date_published") else None
        docs.append(Document(id=stable_id(d["source"], d["title"], d["url"]), title=plain(d["title"]),
                             text=plain(d.get("description_html", "")), outlet=d["source"], url=d["url"],
                             published=published))
    return docs


def issue_text(issue, headlines: bool = True) -> str:
    """The issue's text in order: each item's headline (unless left out) and its sentences."""
    parts = []
    for item in issue.all_items():
        if not item.sentences:
            continue
        if headlines:
            parts.append(item.headline + ".")
        parts.extend(s.text for s in item.sentences)
    return "\n".join(parts)


def cut(sentences: list[str], words: int) -> str:
    out, n = [], 0
    for s in sentences:
        if n >= words:
            break
        k = len(s.split())
        out.append(s if n + k <= words else " ".join(s.split()[: words - n]))
        n += k
    return "\n".join(out)


def lead_baseline(docs: list[Document], words: int) -> str:
    """The first sentence of each document in publication order, then the second ones, … up to ``words``."""
    docs = sorted(docs, key=lambda d: (d.published or dt.datetime.min.replace(tzinfo=dt.timezone.utc), d.id))
    per_doc = [[s.text for p in segment.sentences(d) for s in p] or [d.title] for d in docs]
    ordered = [doc_sents[k] for k in range(max(map(len, per_doc), default=0))
               for doc_sents in per_doc if k < len(doc_sents)]
    return cut(ordered, words)


class SyntokTokenizer:
    """A sumy tokenizer built on syntok, so that sumy needs no NLTK data (the benchmark uses it too)."""

    language = "english"

    def __init__(self):
        from syntok.tokenizer import Tokenizer

        self._tokenizer = Tokenizer()

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(text for para in syntok.process(paragraph) for sentence in para
                     if (text := "".join(t.spacing + t.value for t in sentence).strip()))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(t.value for t in self._tokenizer.tokenize(sentence) if any(c.isalnum() for c in t.value))


def lexrank_baseline(docs: list[Document], words: int) -> str:
    """sumy's LexRank over all the day's documents; best-rated sentences until ``words``."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    text = "\n\n".join(f"{d.title}.\n{d.text}" for d in docs)
    document = PlaintextParser.from_string(text, SyntokTokenizer()).document
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    sentences = list(document.sentences)
    if not sentences:
        return ""
    words_sets = [summarizer._to_words_set(s) for s in sentences]
    matrix = summarizer._create_matrix(words_sets, summarizer.threshold, summarizer._compute_tf(words_sets),
                                       summarizer._compute_idf(words_sets))
    scores = summarizer.power_method(matrix, summarizer.epsilon)
    ranked = sorted(range(len(sentences)), key=lambda i: -scores[i])
    return cut([str(sentences[i]) for i in ranked], words)


def rouge(summaries: Path, sections: list[Section], plugins: Plugins, config: Config) -> dict:
    rows = []
    for raw in summaries.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        line = json.loads(raw)
        if not line["reference"].get("looks_complete"):
            continue
        reference = reference_text(line)
        docs = day_documents(line)
        date = dt.date.fromisoformat(line["reference"]["date_published"][:10])
        started = time.perf_counter()
        report = Report()
        stories = product_stories(docs, sections, config, report)
        issue = compose(date, stories, docs, sections, BuildContext(config, plugins, date, report))
        product = issue_text(issue)
        seconds = time.perf_counter() - started
        budget = len(product.split())
        systems = {"product": product, "lead": lead_baseline(docs, budget),
                   "lexrank": lexrank_baseline(docs, budget)}
        short = len(reference.split())  # the same systems cut to the reference's own length
        row = {"day": line["day_of_war"], "documents": len(docs), "words": budget, "seconds": seconds,
               "reference_words": short}
        for name, text in systems.items():
            row[name] = (rouge_recall(text, reference, 1), rouge_recall(text, reference, 2))
            cut_text = cut(text.split("\n"), short)
            row[name + "@ref"] = (rouge_recall(cut_text, reference, 1), rouge_recall(cut_text, reference, 2))
        # the same comparison on the items' sentences alone: the baselines write no headlines
        bare = issue_text(issue, headlines=False)
        bare_budget = len(bare.split())
        for name, text in {"product": bare, "lead": lead_baseline(docs, bare_budget),
                           "lexrank": lexrank_baseline(docs, bare_budget)}.items():
            row[name + "@bare"] = (rouge_recall(text, reference, 1), rouge_recall(text, reference, 2))
        rows.append(row)
    names = ("product", "lead", "lexrank", "product@ref", "lead@ref", "lexrank@ref",
             "product@bare", "lead@bare", "lexrank@bare")
    mean = {name: tuple(sum(r[name][k] for r in rows) / len(rows) for k in (0, 1)) for name in names} if rows else {}
    return {"days": rows, "mean": mean}


# ---------------------------------------------------------------- the command

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m briefing.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "briefing.toml")
    parser.add_argument("--sample", type=Path, default=DATA / "sample_issue_day390.md")
    parser.add_argument("--feeds", type=Path, default=DATA / "feeds" / "2023-03-19")
    parser.add_argument("--labels", type=Path, default=DATA / "story_labels_2023-03-19.json")
    parser.add_argument("--summaries", type=Path, default=DATA / "summaries_complete_days_375-389.jsonl")
    parser.add_argument("--errors", action="store_true", help="list the misclassified sample items")
    args = parser.parse_args(argv)

    from .build import sections_of

    config = load_config(args.config, date="2023-03-20", out="/tmp/briefing-eval-out")
    plugins = Plugins(config.workspace)
    from .context import BuildContext

    sections = sections_of(BuildContext(config, plugins))

    acc = section_accuracy(args.sample, sections, plugins, config)
    print(f"Section accuracy on the sample issue's {acc['items']} bold-headed items (goal >= 85%)")
    print(f"  {'product (section profiles)':32s} {acc['product']:6.1%}")
    print(f"  {'baseline: 3 top terms a section':32s} {acc['keyword']:6.1%}")
    print(f"  {'baseline: majority (' + acc['majority_label'] + ')':32s} {acc['majority']:6.1%}")
    for head, gold, pred in acc["errors"] if args.errors else []:
        print(f"    wrong: {head!r}: editors {gold}, product {pred}")

    m = merging(args.feeds, args.labels, sections, plugins, config)
    print(f"\nStory merging on {m['items']} feed items of 2023-03-19, {m['gold_stories']} hand-labelled stories"
          " (pairwise; goal F1 >= 0.9)")
    print(f"  {'':32s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'stories':>8s}")
    for name, key, n in (("product (TF-IDF clustering)", "product", m["product_stories"]),
                         ("baseline: title fuzzy match", "title_fuzzy", m["title_fuzzy_stories"])):
        r = m[key]
        print(f"  {name:32s} {r['precision']:9.3f} {r['recall']:7.3f} {r['f1']:6.3f} {n:8d}")

    rg = rouge(args.summaries, sections, plugins, config)
    print(f"\nROUGE recall against {len(rg['days'])} complete human daily summaries "
          "(same word budget for all systems; no stemming)")
    print(f"  {'day':>4s} {'docs':>5s} {'words':>6s}   {'product R1/R2':>14s}   {'lead R1/R2':>14s}   "
          f"{'LexRank R1/R2':>14s}")
    for r in rg["days"]:
        print(f"  {r['day']:4d} {r['documents']:5d} {r['words']:6d}   "
              + "   ".join(f"{r[k][0]:6.3f}/{r[k][1]:6.3f}" for k in ("product", "lead", "lexrank")))
    if rg["mean"]:
        print(f"  {'mean':>4s} {'':5s} {'':6s}   "
              + "   ".join(f"{rg['mean'][k][0]:6.3f}/{rg['mean'][k][1]:6.3f}" for k in ("product", "lead", "lexrank")))
    if rg["mean"]:
        ahead = {(other, k): sum(r["product"][k] > r[other][k] for r in rg["days"])
                 for other in ("lead", "lexrank") for k in (0, 1)}
        print(f"  days the product is ahead: of lead R1 {ahead['lead', 0]}/{len(rg['days'])}, "
              f"R2 {ahead['lead', 1]}/{len(rg['days'])}; of LexRank R1 {ahead['lexrank', 0]}/{len(rg['days'])}, "
              f"R2 {ahead['lexrank', 1]}/{len(rg['days'])}")
        words = sum(r["reference_words"] for r in rg["days"]) // len(rg["days"])
        print(f"  mean, each system cut to its day's reference length (~{words} words; product in issue order)")
        print(f"  {'':17s}"
              + "   ".join(f"{rg['mean'][k + '@ref'][0]:6.3f}/{rg['mean'][k + '@ref'][1]:6.3f}"
                           for k in ("product", "lead", "lexrank")))
        print("  mean, items' sentences only (headlines left out; budget = the product's sentence words)")
        print(f"  {'':17s}"
              + "   ".join(f"{rg['mean'][k + '@bare'][0]:6.3f}/{rg['mean'][k + '@bare'][1]:6.3f}"
                           for k in ("product", "lead", "lexrank")))
    slowest = max((r["seconds"] for r in rg["days"]), default=0.0)
    print(f"\nproduct clustering of the 61 feed items: {m['seconds']:.2f} s; slowest day's issue: {slowest:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
