"""Benchmark corpora: N documents made deterministically from the real seed articles and feed items.

In: the repository's ``seeds/*.txt`` articles and ``tests/data/feeds/2023-03-19/*.xml`` feed items.
Out: a workspace folder with ``briefing.toml`` and ``sources/`` holding N documents: variants of the real
texts under other outlets' names, so that each story is told by many outlets, as on a real day.

A variant keeps its base's title (sometimes with a tag), a subset of its paragraphs in a lightly shuffled
order and a sample of each paragraph's sentences, about a third of them lightly reworded (word swaps, the
outlet's own attribution), as outlets rewrite wire copy; a few articles take a paragraph or two from
another article. Document k depends only on k, so a smaller corpus is a prefix of a larger one.
"""

from __future__ import annotations

import datetime as dt
import html
import random
import shutil
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path

from briefing.pipeline.segment import _syntok_spans
from briefing_plugins.feed_loader import load_feed
from briefing_plugins.text_loader import load_text

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FEEDS = ROOT / "tests" / "data" / "feeds" / "2023-03-19"
ARTICLE_SHARE = 0.3  # the rest are feed items
ITEMS_PER_FEED = 60

PLACES = ["Atlantic", "Baltic", "Capital", "Central", "Coastal", "Continental", "Eastern", "Global", "Harbour",
          "Highland", "Lakeside", "Metro", "Northern", "Pacific", "Prairie", "Riverside", "Southern", "Valley",
          "Western", "World"]
MASTHEADS = ["Chronicle", "Courier", "Dispatch", "Gazette", "Herald", "Journal", "Ledger", "Monitor", "Observer",
             "Post", "Record", "Review", "Sentinel", "Standard", "Telegraph", "Times", "Tribune", "Wire"]
TITLE_TAGS = ["", "", "", "Live: ", "Update: ", "Analysis: "]
ATTRIBUTIONS = ["reported", "has learned", "understands", "was told", "confirmed"]
REWORD_SHARE = 0.35  # of the sentences an outlet rewrites rather than runs as the wire gave them
REWORDINGS = [(" said ", " stated "), (" says ", " said "), ("Vladimir Putin", "Putin"), ("President ", "leader "),
              (" on Monday", " Monday"), (" on Sunday", " Sunday"), (" however", " though"), (" also ", " "),
              ("Russia’s", "Russian"), ("Ukraine’s", "Ukrainian"), (" the country", " the nation"),
              (" officials", " authorities"), (" forces", " troops"), (" attack", " strike"), (" city", " town"),
              (" about ", " around "), (" more than ", " over "), (" has been ", " was "), (" will ", " would "),
              (" after ", " following "), (" war ", " conflict "), (" near ", " close to ")]


@dataclass
class Base:
    title: str
    paragraphs: list[list[str]]  # paragraphs of sentences
    published: dt.datetime | None = None
    article: bool = True


def _sentences(paragraph: str) -> list[str]:
    return [paragraph[a:b] for a, b in _syntok_spans(paragraph)]


def bases() -> tuple[list[Base], list[Base]]:
    """The real seed articles and feed items, split into paragraphs of sentences."""
    articles, items = [], []
    for path in sorted(SEEDS.glob("*.txt")):
        for doc in load_text(str(path), path.read_bytes()):
            paras = [p.strip() for p in doc.text.split("\n\n") if p.strip()]
            articles.append(Base(doc.title, [_sentences(p) for p in paras if not p.startswith("Source:")]))
    for path in sorted(FEEDS.glob("*.xml")):
        for doc in load_feed(str(path), path.read_bytes()):
            paras = [p.strip() for p in doc.text.split("\n\n") if p.strip()]
            items.append(Base(doc.title, [_sentences(p) for p in paras], doc.published, article=False))
    return articles, [b for b in items if b.paragraphs]


def outlets(n: int = 240) -> list[str]:
    rng = random.Random("outlets")
    names = [f"The {p} {m}" for p in PLACES for m in MASTHEADS]
    rng.shuffle(names)
    return names[:n]


def _reword(rng: random.Random, sentence: str, outlet: str) -> str:
    """A light rewording: some of the applicable word swaps, sometimes the outlet's own attribution."""
    for old, new in REWORDINGS:
        if old in sentence and rng.random() < 0.5:
            sentence = sentence.replace(old, new, 1)
    if sentence.endswith(".") and rng.random() < 0.5:
        sentence = sentence[:-1] + f", {outlet} {rng.choice(ATTRIBUTIONS)}."
    return sentence


def _sample(rng: random.Random, sentences: list[str], keep: float, outlet: str) -> list[str]:
    kept = [s for i, s in enumerate(sentences) if i == 0 or rng.random() < keep]
    return [_reword(rng, s, outlet) if rng.random() < REWORD_SHARE else s for s in kept or sentences[:1]]


def article_variant(k: int, articles: list[Base], outlet: str) -> tuple[str, str]:
    rng = random.Random(f"article-{k}")
    base = rng.choice(articles)
    paras = base.paragraphs
    lead, rest = paras[:2], paras[2:]
    share = rng.uniform(0.5, 1.0)
    rest = [p for p in rest if rng.random() < share]
    # light reordering: swap a few neighbouring paragraphs
    for _ in range(len(rest) // 4):
        i = rng.randrange(max(1, len(rest) - 1))
        rest[i : i + 2] = rest[i : i + 2][::-1]
    if rng.random() < 0.25:  # a paragraph or two from another article
        other = rng.choice(articles).paragraphs
        at = rng.randrange(len(rest) + 1)
        rest[at:at] = rng.sample(other, min(len(other), rng.randint(1, 2)))
    body = "\n\n".join(" ".join(_sample(rng, p, 0.8, outlet)) for p in lead + rest)
    title = rng.choice(TITLE_TAGS) + base.title
    return title, f"{title}\n\n{body}\n\nSource: {outlet}\n"


def item_variant(k: int, items: list[Base], outlet: str) -> tuple[str, str, dt.datetime]:
    rng = random.Random(f"item-{k}")
    base = rng.choice(items)
    text = "\n\n".join(" ".join(_sample(rng, p, 0.85, outlet)) for p in base.paragraphs)
    published = (base.published or dt.datetime(2023, 3, 19, 12, tzinfo=dt.timezone.utc))
    published += dt.timedelta(minutes=rng.randint(-90, 90))
    return rng.choice(TITLE_TAGS) + base.title, text, published


def _feed(outlet: str, entries: list[tuple[int, str, str, dt.datetime]]) -> str:
    slug = outlet.lower().replace(" ", "-")
    rows = [f"<item><title>{html.escape(t)}</title><link>https://{slug}.example/news/{k}</link>"
            f"<pubDate>{format_datetime(p)}</pubDate><description>{html.escape(d)}</description></item>"
            for k, t, d, p in entries]
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>\n'
            f"<title>{html.escape(outlet)}</title><link>https://{slug}.example/</link>\n"
            + "\n".join(rows) + "\n</channel></rss>\n")


def write_corpus(folder: Path, n: int) -> dict:
    """A workspace in ``folder`` whose sources are ``n`` documents (plus the losses dataset)."""
    articles, items = bases()
    names = outlets()
    sources = folder / "sources"
    if folder.exists():
        shutil.rmtree(folder)
    (sources / "articles").mkdir(parents=True)
    (sources / "feeds").mkdir()
    shutil.copytree(SEEDS / "losses", sources / "losses")
    feeds: dict[str, list] = {}
    n_articles = 0
    paragraphs: list[str] = []
    for k in range(n):
        rng = random.Random(f"doc-{k}")
        outlet = rng.choice(names)
        if rng.random() < ARTICLE_SHARE:
            _, text = article_variant(k, articles, outlet)
            paragraphs.extend(text.split("\n\n")[1:-1])
            (sources / "articles" / f"{k:05d}.txt").write_text(text, encoding="utf-8")
            n_articles += 1
        else:
            title, text, published = item_variant(k, items, outlet)
            feeds.setdefault(outlet, []).append((k, title, text, published))
    n_feeds = 0
    for outlet in sorted(feeds):
        entries = feeds[outlet]
        for part in range(0, len(entries), ITEMS_PER_FEED):
            slug = outlet.lower().replace(" ", "-")
            (sources / "feeds" / f"{slug}-{part // ITEMS_PER_FEED}.xml").write_text(
                _feed(outlet, entries[part : part + ITEMS_PER_FEED]), encoding="utf-8")
            n_feeds += 1
    config = (ROOT / "briefing.toml").read_text(encoding="utf-8").replace(
        'sources = ["seeds"]', 'sources = ["sources"]')
    # the corpus's links lead nowhere (*.example): the editorial stages are measured here, bench/fetch.py the fetching
    config += "\n[articles]\nfetch = false\n"
    (folder / "briefing.toml").write_text(config, encoding="utf-8")
    size = sum(p.stat().st_size for p in sources.rglob("*") if p.is_file() and "losses" not in p.parts)
    return {"documents": n, "articles": n_articles, "feed_items": n - n_articles, "feed_files": n_feeds,
            "bytes": size, "paragraphs": len(paragraphs), "unique_paragraphs": len(set(paragraphs))}


if __name__ == "__main__":
    import sys

    print(write_corpus(Path(sys.argv[1]), int(sys.argv[2])))
