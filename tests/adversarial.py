"""Adversarial text for the loaders and the segmenter: what each reader is given, and the pieces it is made of.

A case is a short *unit* (drawn from the pieces that the reader's rules look for: brackets, "via", agencies,
runs of white space, "#", "&#", tags) repeated to a given size. Used by the linear-time property test
(``tests/test_hardening.py``) and by ``bench/linear.py``, which prints the time per KB at 4 and 64 KB.
"""

from __future__ import annotations

import gc
import html
import time
from typing import Callable

from briefing.pipeline import segment
from briefing.errors import SourceError
from briefing.models import Document
from briefing.sources.sanitize import html_text


def _segment(text: str):
    segment._syntok_spans.cache_clear()  # a fair measure: nothing remembered from an earlier run
    return segment.sentences(Document(id="x", title="t", text=text))


def _quiet(load: Callable, path: str, data: bytes):
    try:
        return load(path, data)
    except SourceError as exc:  # a verdict on the source is an answer too
        return exc


def _text(text: str):
    from briefing_plugins.text_loader import load_text

    return _quiet(load_text, "a.txt", ("Kyiv\n" + text).encode())


def _markdown(text: str):
    from briefing_plugins.markdown_loader import load_markdown

    return _quiet(load_markdown, "a.md", text.encode())


def _page(text: str):
    from briefing_plugins.html_loader import load_page

    return _quiet(load_page, "a.html", ("<html><body><article><p>Kyiv said on Sunday that Russia struck the city."
                                        "</p>" + text + "</article></body></html>").encode())


def _feed(text: str):
    from briefing_plugins.feed_loader import load_feed

    escaped = html.escape(text)
    return _quiet(load_feed, "a.xml", ("<rss><channel><title>Wire</title><item><title>Kyiv " + escaped[:200] +
                                      "</title><description>" + escaped + "</description></item></channel></rss>"
                                      ).encode())


def _raw_feed(text: str):
    """The text as the feed's own markup (often not well-formed: feedparser's loose parser reads it)."""
    from briefing_plugins.feed_loader import load_feed

    return _quiet(load_feed, "a.xml", ("<rss><channel><title>Wire</title><item><title>Kyiv</title><description>"
                                      + text + "</description></item></channel></rss>").encode())


READERS: dict[str, Callable[[str], object]] = {
    "segment": _segment, "text": _text, "markdown": _markdown, "html": _page, "feed": _feed, "raw_feed": _raw_feed,
    "html_text": html_text,
}

# The pieces each reader's rules react to; a unit is a few of them joined.
PIECES: dict[str, list[str]] = {
    "segment": ["[", "]", "(", ")", "via ", "/", " ", "\n", "Reuters", "AP", "Getty", "photo", "(pictured",
                "is seen ", "2022", ". ", '"', "“", "Gov.", "by ", "A", "pic.twitter.com/", "{a}", ", on ",
                "Jan. 5, ", "reports."],
    "text": ["\n", " ", "\t", "Source:", "Source: AFP", "url:", "Published:", "x", "by:"],
    "markdown": ["#", " ", "\n", "\t", "---", "===", "a: ", "title", "[", "*", "`", ">", "- ", "<", "&#", "    ",
                 "_", "](", "!"],
    "html": ["<div>", "</div>", "<p ", "<p>", "<!--", "-->", "<b>", "</b>", "<a href='", "'>", "&#", "&", "<li>",
             "<table>", "<span>", "x", " ", "<script>", "</span>"],
    "feed": ["<div>", "<p ", "<b>", "</b>", "&#", "&", "<", "[via ", "<li>", "<!--", "x", " ", "&#xD800;", "]"],
    "raw_feed": ["<", "<a ", "<!--", "<!", "</", "&", "&#", "<![CDATA[", "<?", "<x>", "</x>", "a", " ", "'", '"'],
    "html_text": ["<div>", "<p ", "<b>", "</b>", "<!--", "<", "&#", "&", "<ul>", "<li>", "x", " ", "</span>", "'",
                  "&amp;", "<a b='"],
}

# Units that were slow before (each a real finding): they are always among the examples.
KNOWN = {
    "segment": ["[via ", "[", "is seen ", "(photo ", "[via Reuters "],
    "text": ["\n", "\n  ", "Source:\n"],
    "markdown": [" ", "# ", " #", "    "],
    "html": ["<div>", "<b><div>x</b>", "<!---->"],
    "feed": ["<div>", "<!--"],
    "raw_feed": ["<!--", "&"],
    "html_text": ["<div>", "<p ", "<b><div>x</b>", "&#", "& ", "<ul><li>x"],
}


def text_of(unit: str, kb: int) -> str:
    return (unit * (kb * 1024 // max(1, len(unit)) + 1))[: kb * 1024]


def seconds(reader: Callable[[str], object], text: str, repeat: int) -> float:
    """The fastest of ``repeat`` runs (the least disturbed by the rest of a busy machine)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        reader(text)
        best = min(best, time.perf_counter() - started)
    return best


def per_kb_ratio(reader: Callable[[str], object], unit: str, small: int = 4, large: int = 64,
                 repeat: int = 3) -> tuple[float, float, float]:
    """(ms per KB at ``small`` KB, at ``large`` KB, their ratio); the runs alternate, each size's fastest kept."""
    short, long_ = text_of(unit, small), text_of(unit, large)
    reader(short)  # warm: imports, compiled patterns
    best_small = best_large = float("inf")
    collecting = gc.isenabled()
    gc.collect()
    gc.disable()  # a collection's pause grows with the heap, not with the text
    try:
        for _ in range(repeat):
            best_small = min(best_small, seconds(reader, short, 3))
            best_large = min(best_large, seconds(reader, long_, 1))
    finally:
        if collecting:
            gc.enable()
    a, b = best_small / small * 1000, best_large / large * 1000
    return a, b, (b / a if a > 0 else 0.0)
