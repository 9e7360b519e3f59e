"""Articles: the page behind each on-subject feed item, read so that its item is made from the article, not the
feed's teaser.

In: the gate's :class:`~briefing.pipeline.stages.Gated` documents. Out: the same, in the same order, where each
feed item (``origin == "feed"``) that passed the gate and whose page gives an article now carries the article's
text instead of the feed's description: the same id, title, outlet and URL, so its sentences are split from the
article and keep their spans in it. The gate decided on the teaser, and its relevance stands: an item the gate
left out is never requested, nor are the items of a source whose ``[[source]]`` table says ``articles = false``. An item whose page
gives no article keeps its description, and ``report.json`` (``articles``) says why: an HTTP error, a time-out, a
page too large, a consent wall, a paywall teaser, a text shorter than the description, robots.txt, a refused
address, offline and not cached, or the stage's deadline. Every row there gives the URL, the status, the bytes,
the seconds, whether it came from the cache, and the reason for a fallback.

Every download goes through the build's fetcher (:mod:`briefing.sources.fetch`: in parallel within ``[articles]
concurrency`` and ``per_host``, robots.txt, the HTTP cache, the address checks); the text is extracted by
:mod:`briefing.sources.extract`, the same extraction as saved pages. ``[articles] fetch = false`` turns the stage off.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import time
import urllib.parse
from collections import Counter

from ..config.schema import mb_bytes
from ..errors import SourceError
from ..models import Document
from ..sources import extract
from ..sources.fetch import ACCEPT_PAGE, FetchError, Response
from .stages import Gated
from .sourcesettings import table_of

log = logging.getLogger("briefing.articles")

PAGE_TYPES = ("text/html", "application/xhtml+xml")  # read as pages; so is an answer that names no type
# A consent wall: a short page that is mostly a cookie form. Words it is made of, each counted once.
CONSENT_MARKERS = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"\bcookies?\b", r"\bconsent\b", r"\baccept all\b", r"\breject all\b",
    r"\bmanage (?:your )?(?:preferences|options|settings|choices)\b", r"\bprivacy (?:policy|settings|cent(?:re|er))\b",
    r"\bour partners\b", r"\bpersonal data\b", r"\blegitimate interests?\b", r"\bbefore you continue\b"))
CONSENT_MIN_MARKERS = 3  # distinct consent words that make a short page a consent wall
CONSENT_MAX_WORDS = 400  # an article this long is read, whatever its cookie banner says
CONSENT_PAGE_WORDS = 800  # a consent wall's whole visible page is shorter than this
CONSENT_HOSTS = ("consent.", "guce.")  # hosts that serve nothing but a consent form
PAYWALL_MARKERS = re.compile(
    r"subscribe to (?:continue|read)|to continue reading|already a subscriber|subscribers? only|for subscribers"
    r"|sign in to (?:continue|read)|unlock (?:this|the full) (?:article|story)", re.IGNORECASE)
TEASER_WORDS = 250  # a page marked as not free, or asking for a subscription, that gives fewer words is a teaser
CHARSET = re.compile(r"charset=[\"']?([A-Za-z0-9._:-]{1,40})", re.IGNORECASE)
# What a failed download is called in the stage's one-line warning, by the fetcher's kind of failure; an address
# robots.txt keeps the build out of, and --offline, are not failures.
FAILURE_WORDS = {"timeout": "timed out", "deadline": "not started before the stage's deadline", "http": "HTTP error(s)",
                 "connect": "could not connect", "refused": "refused address(es)", "private": "private address(es)",
                 "too large": "too large", "broken": "broken answer(s)", "stopped": "stopped"}
NOT_FAILURES = ("robots", "offline")


def run(ctx, gated: Gated) -> Gated:
    """The gate's documents with each passed feed item's article read in place of its teaser (see the module)."""
    feed = [d for d in gated.documents if d.origin == "feed" and d.kind == "article"]
    if not feed:
        return gated
    if not ctx.config.section("articles").fetch:
        ctx.report.note("articles", f"{len(feed)} feed item(s) built from their descriptions: [articles] fetch = "
                        "false", fetch=False)
        return gated
    passed = {id(d) for d in gated.articles}
    items = [d for d in feed if id(d) in passed]
    replaced = read_articles(ctx, items, off_subject=len(feed) - len(items))
    return dataclasses.replace(gated, documents=[replaced.get(id(d), d) for d in gated.documents],
                               articles=[replaced.get(id(d), d) for d in gated.articles])


def read_articles(ctx, items: list[Document], off_subject: int = 0) -> dict[int, Document]:
    """Each feed item's article read (``items``: those the gate passed; ``off_subject``: how many it left out):
    the item's replacement, by the ``id()`` of the item, for each whose page gave an article."""
    table = ctx.config.section("articles")
    report = ctx.report
    wanted, skipped = _wanted(ctx, items)
    skipped["off_subject"] = off_subject

    fetcher = ctx.fetcher
    timeout, days, limit = table.timeout, table.cache_days, mb_bytes(table.max_mb)
    deadline = time.monotonic() + table.deadline

    def work(url: str) -> Response:
        return fetcher.get(url, timeout=timeout, limit=limit, max_age=days * 86400, robots=True, deadline=deadline,
                           late=f"timed out: the stage's deadline of {table.deadline:g} s passed",
                           accept=ACCEPT_PAGE, keep_errors=True)

    order = {id(doc): n for n, doc in enumerate(items)}
    replaced: dict[int, Document] = {}
    rows: list[tuple[int, dict]] = []
    done = failed = 0
    lost: Counter = Counter()  # downloads that failed, by kind
    ctx.tell(f"articles 0/{len(wanted)}")
    late = f"not fetched: the stage's deadline of {table.deadline:g} s passed"
    try:
        for url, result in fetcher.map(list(wanted), work, deadline=deadline, late=late):
            if isinstance(result, FetchError) and result.kind not in NOT_FAILURES:
                lost[result.kind] += 1
            fell = False
            for doc in wanted[url]:
                article, row = read_one(doc, url, result, ctx.cache)
                if article is not None:
                    replaced[id(doc)] = article
                fell = fell or row["fallback"] is not None
                rows.append((order[id(doc)], row))
            done += 1
            failed += fell
            ctx.tell(f"articles {done}/{len(wanted)}, {failed} failed")
    finally:
        fetcher.release()
        if fetcher.settings.cache is not None:
            fetcher.settings.cache.prune()
    report.articles.extend(row for _, row in sorted(rows, key=lambda pair: pair[0]))
    _note_read(report, [row for _, row in rows], **skipped)
    if lost:
        why = ", ".join(f"{n} {FAILURE_WORDS.get(kind, kind)}" for kind, n in lost.most_common())
        report.warn("articles", f"{sum(lost.values())} of {len(wanted)} article download(s) failed ({why}); their "
                    "items keep the feed's description (report.json lists each under articles)", failed=dict(lost))
    return replaced


def _wanted(ctx, items: list[Document]) -> tuple[dict[str, list[Document]], dict[str, int]]:
    """The feed items whose article is to be read, by URL, and how many were left out for each reason: no link,
    or their source says articles = false."""
    wanted: dict[str, list[Document]] = {}
    no_link = by_source = 0
    for doc in items:
        if not doc.url:
            no_link += 1
        elif not getattr(table_of(ctx, doc), "articles", True):
            by_source += 1  # its [[source]] says articles = false: the feed's description is the item
        else:
            wanted.setdefault(doc.url, []).append(doc)
    return wanted, {"no_link": no_link, "by_source": by_source}


def _note_read(report, rows: list[dict], off_subject: int, no_link: int, by_source: int) -> None:
    """The stage's line in the report: articles read, from the cache, kept descriptions and items not fetched."""
    read = sum(1 for row in rows if row["fallback"] is None)
    from_cache = sum(1 for row in rows if row["fallback"] is None and row["cached"])
    report.note("articles", f"{read} of {len(rows)} article(s) read ({from_cache} from the cache); "
                f"{len(rows) - read} item(s) kept the feed's description; {off_subject} off-subject item(s) "
                f"not fetched" + (f"; {no_link} without a link" if no_link else "")
                + (f"; {by_source} item(s) of sources with articles = false kept their descriptions"
                   if by_source else ""),
                read=read, fell_back=len(rows) - read, cached=from_cache, off_subject=off_subject, no_link=no_link,
                kept_by_source=by_source)


def read_one(doc: Document, url: str, result: Response | FetchError, cache=None) -> tuple[Document | None, dict]:
    """The item with its article's text (or None: it keeps its description) and its row for the report."""
    row = {"url": url, "doc": doc.id, "title": doc.title, "status": None, "bytes": 0, "seconds": 0.0,
           "cached": False, "fallback": None}
    if isinstance(result, FetchError):
        row.update(status=result.status, fallback=result.reason)
        return None, row
    row.update(status=result.status, bytes=len(result.body), seconds=result.seconds, cached=result.from_cache)
    if result.revalidated:
        row["revalidated"] = True
    # the same page for the same item (and teaser) was read before: its article and sentences are in the cache
    key = f"{url} (the article of feed item {doc.id}, teaser {hashlib.sha256(doc.text.encode()).hexdigest()[:16]})"
    known = cache.documents(key, result.body) if cache is not None else None
    if known is not None and len(known) == 1 and known[0].id == doc.id:
        row["words"] = len(known[0].text.split())
        return known[0], row
    reason, text = article_text(doc, result)
    if reason:
        row["fallback"] = reason
        return None, row
    article = dataclasses.replace(doc, text=text)
    if cache is not None:
        cache.remember(key, result.body, [article])
    row["words"] = len(text.split())
    return article, row


def article_text(doc: Document, response: Response) -> tuple[str | None, str]:
    """``(None, text)`` when the page gives the item's article, else ``(reason, "")``."""
    ctype = response.content_type.split(";", 1)[0].strip().lower()
    if ctype and ctype not in PAGE_TYPES:
        return f"not a web page ({ctype[:60]})", ""
    charset = CHARSET.search(response.content_type)
    try:
        page = extract.page(response.body, response.final_url, charset.group(1) if charset else None,
                            require_text=False)
    except SourceError as exc:
        return str(exc), ""
    text = page.text.strip()
    words = len(text.split())
    host = (urllib.parse.urlsplit(response.final_url).hostname or "").lower()
    if consent_wall(page, words, host):
        return "consent wall: the page asks for cookie consent instead of giving the article", ""
    if words < TEASER_WORDS and (page.free is False or PAYWALL_MARKERS.search(text)):
        return "paywall teaser: the page gives only the opening of an article for subscribers", ""
    if not text:
        return "no article text found in the page", ""
    if len(text) < len(doc.text.strip()):
        return "the page's text is shorter than the feed's description", ""
    return None, text


def consent_wall(page: extract.Page, words: int, host: str) -> bool:
    """A page that asks for cookie consent instead of giving the article."""
    if host.startswith(CONSENT_HOSTS):
        return True
    if words >= CONSENT_MAX_WORDS or len(page.visible.split()) >= CONSENT_PAGE_WORDS:
        return False
    return sum(1 for marker in CONSENT_MARKERS if marker.search(page.visible)) >= CONSENT_MIN_MARKERS
