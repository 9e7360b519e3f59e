"""Summarizing: our extractive summarizer beside LexRank on the stories of real days, with the same budget.

Each day is built once (Markdown only) with a plugin that notes every story the build summarizes; then, in the
same process, LexRank (sumy's, the ``eval`` extra) and ours summarize those stories with the item budget of the
build. Both are timed cold: our word and sentence caches are emptied first, as LexRank has no cache to lean on.
LexRank is given each distinct sentence once (ours removes repeats itself), the cheaper case for it, and its
tokenizer is a plain word split (cheaper than any it ships with).

Days: the seeds (saved articles of the sample issue's day: long texts, big stories) and the whole subscription
of 2023-03-19 (946 feed items, the war's items among them: many small stories).

    .venv/bin/python bench/summarize.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.hookspecs import hookimpl  # noqa: E402

DAYS = {
    "seeds (2023-03-20)": [*sorted((ROOT / "seeds").glob("*.txt"))],
    "whole feeds (2023-03-19)": sorted((ROOT / "tests" / "data" / "feeds-full" / "2023-03-19").glob("*.xml")),
}
WORD = re.compile(r"\w+")


class Recorder:
    """Notes every story the build summarizes and lets the real summarizer answer."""

    def __init__(self):
        self.stories = []

    @hookimpl(tryfirst=True)
    def briefing_summarize(self, story, budget, printed):
        self.stories.append(story)
        return None


class WordSplit:
    """The tokenizer LexRank is given: words as a regular expression finds them (sentences are given whole)."""

    language = "english"

    def to_words(self, text):
        return WORD.findall(text)

    def to_sentences(self, text):
        return [text]


def stories_of(sources: list[Path], tmp: Path):
    from briefing.pipeline.build import build
    from briefing.config.settings import load_config
    from briefing.host.plugins import Plugins
    from briefing.testing import BASE_CONFIG, NO_ARTICLES

    (tmp / "seeds").mkdir(parents=True)
    for path in sources:
        shutil.copy(path, tmp / "seeds" / path.name)
    (tmp / "briefing.toml").write_text(BASE_CONFIG + NO_ARTICLES + '\n[window]\nsince = "2023-03-18"\n'
                                       'until = "2023-03-20"\n', encoding="utf-8")
    config = load_config(tmp / "briefing.toml", date="2023-03-20", formats="md")
    recorder = Recorder()
    build(config, Plugins(config.workspace, extra=[("bench_recorder", recorder)]))
    return recorder.stories, config.item_budget()


def lexrank(stories, budget: dict) -> float:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    tokenizer = WordSplit()
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    started = time.perf_counter()
    for story in stories:
        texts = list(dict.fromkeys(s.text for s in story.sentences))
        model = ObjectDocumentModel([Paragraph([Sentence(x, tokenizer) for x in texts])])
        picked, words = summarizer(model, int(budget["sentences"])), 0
        for s in picked:  # the same word budget as ours
            words += len(str(s).split())
            if words > int(budget["words"]):
                break
    return time.perf_counter() - started


def ours(stories, budget: dict) -> float:
    from briefing.editorial import text
    from briefing.pipeline.summarize import extractive_item

    text._tokens.cache_clear()
    text.norm_key.cache_clear()
    started = time.perf_counter()
    for story in stories:
        extractive_item(story, budget)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="timings per day (the best is printed)")
    args = ap.parse_args(argv)
    print(f"python {platform.python_version()}; best of {args.repeat}\n")
    print(f"{'day':<26} {'stories':>7} {'sentences':>9} {'LexRank s':>10} {'ours s':>8} {'ratio':>7}")
    total_lex = total_ours = 0.0
    for name, sources in DAYS.items():
        with tempfile.TemporaryDirectory(prefix="briefing-summarize-") as tmp:
            stories, budget = stories_of(sources, Path(tmp))
        lex = min(lexrank(stories, budget) for _ in range(args.repeat))
        mine = min(ours(stories, budget) for _ in range(args.repeat))
        total_lex, total_ours = total_lex + lex, total_ours + mine
        sentences = sum(len({s.text for s in st.sentences}) for st in stories)
        print(f"{name:<26} {len(stories):>7} {sentences:>9} {lex:>10.3f} {mine:>8.4f} {lex / mine:>6.1f}×")
    print(f"{'both days':<26} {'':>7} {'':>9} {total_lex:>10.3f} {total_ours:>8.4f} {total_lex / total_ours:>6.1f}×")
    print("\ngoal: ours at least 20× faster than LexRank on the real days' stories")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
