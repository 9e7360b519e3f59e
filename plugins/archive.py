"""Back issues: after each build, ``OUT/index.html`` and ``OUT/feed.xml`` list every issue in ``OUT/``.

Each build leaves ``OUT/<date>/issue.json`` beside its files: the issue's day, date, file names and, per
item, its headline, sentences and source documents. The archive page and the Atom feed are rebuilt from
those files alone (newest first), so they always match what is on disk. The follow-ups plugin reads the
same files to recognise stories already published. Everything is written atomically.

Configuration (all optional), ``[archive]`` in ``briefing.toml``::

    headlines = 3           # top headlines shown per issue
    feed_entries = 30       # newest issues in the feed
    base_url = ""           # e.g. "https://example.org/briefing/": makes the feed's links absolute
    author = ""             # the feed's author (default: the briefing's title)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from pathlib import Path
from typing import Any

from briefing import hookimpl
from briefing.publish import SUFFIXES, atomic_write

log = logging.getLogger("briefing.archive")

META_NAME = "issue.json"
INDEX_NAME = "index.html"
FEED_NAME = "feed.xml"
ID_NAMESPACE = uuid.UUID("8f9d3b52-6c1e-5b7a-9a57-2f1d7b0c4e11")  # fixed: feed ids never change


def issue_metadata(issue, paths: dict[str, Path]) -> dict[str, Any]:
    """What later builds need to know about an issue, as JSON-ready data."""
    return {
        "title": issue.title,
        "name": issue.name,
        "day": issue.day,
        "date": issue.date.isoformat(),
        "slug": issue.slug,
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "items": [
                    {
                        "id": item.id,
                        "headline": item.headline,
                        "score": item.score,
                        "pinned": item.pinned,
                        "sentences": [s.text for s in item.sentences] or ([item.text] if item.text else []),
                        "documents": sorted({s.doc_id for s in item.sources if s.doc_id}
                                            | {s.doc_id for s in item.sentences if s.doc_id}),
                        "sources": [{"outlet": s.outlet, "url": s.url} for s in item.sources],
                    }
                    for item in section.items
                ],
            }
            for section in issue.sections
        ],
    }


def load_archive(out: Path, before: dt.date | None = None) -> list[dict[str, Any]]:
    """Every issue's metadata in ``out`` (optionally only those dated before ``before``), newest first."""
    issues = []
    if not out.is_dir():
        return issues
    for folder in out.iterdir():
        meta = folder / META_NAME
        try:
            date = dt.date.fromisoformat(folder.name)
        except ValueError:
            continue
        if before is not None and date >= before or not meta.is_file():
            continue
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("date") != folder.name:
                raise ValueError("not an issue's metadata for this date")
        except (ValueError, OSError) as exc:
            log.warning("archive: skipped %s: %s", meta, exc)
            continue
        issues.append(data)
    return sorted(issues, key=lambda d: d["date"], reverse=True)


def entry_id(title: str, date: str) -> str:
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, f'{title}/{date}')}"


def top_headlines(meta: dict[str, Any], count: int) -> list[str]:
    items = [(i, item) for i, item in enumerate(it for s in meta.get("sections", []) for it in s.get("items", []))]
    ranked = sorted((x for x in items if x[1].get("sentences") and x[1].get("documents") or x[1].get("pinned")),
                    key=lambda x: (not x[1].get("pinned"), -float(x[1].get("score") or 0), x[0]))
    return [item["headline"] for _, item in ranked[:count]]


def archive_entries(out: Path, settings: dict[str, Any]) -> list[dict[str, Any]]:
    count = int(settings.get("headlines", 3))
    entries = []
    for meta in load_archive(out):
        folder = out / meta["date"]
        files = {fmt: f"{meta['date']}/{meta['slug']}{suffix}" if (folder / f"{meta['slug']}{suffix}").is_file()
                 else "" for fmt, suffix in SUFFIXES.items()}
        entries.append({
            "name": meta["name"], "title": meta["title"], "day": meta["day"], "date": meta["date"],
            "long_date": dt.date.fromisoformat(meta["date"]).strftime("%A, %B %-d, %Y"),
            "headlines": top_headlines(meta, count), "files": files,
            "id": entry_id(meta["title"], meta["date"]), "updated": f"{meta['date']}T00:00:00Z",
        })
    return entries


def write_archive(config) -> dict[str, Path]:
    """Regenerate the archive page and the feed from ``config.out``; returns their paths."""
    from briefing.render import environment

    settings = config.table("archive")
    entries = archive_entries(config.out, settings)
    env = environment(config)
    base = str(settings.get("base_url", "")).strip()
    common = {"title": config.title, "entries": entries}
    index = env.get_template("archive.html").render(**common)
    feed = env.get_template("feed.xml").render(
        title=config.title, entries=entries[: int(settings.get("feed_entries", 30))], base_url=base,
        author=str(settings.get("author", "") or config.title),
        feed_id=f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, config.title)}",
        updated=entries[0]["updated"] if entries else "1970-01-01T00:00:00Z")
    paths = {"index": config.out / INDEX_NAME, "feed": config.out / FEED_NAME}
    atomic_write(paths["index"], index)
    atomic_write(paths["feed"], feed)
    return paths


@hookimpl
def briefing_publish(issue, paths, config):
    folder = Path(paths["report"]).parent
    meta = json.dumps(issue_metadata(issue, paths), indent=1, ensure_ascii=False) + "\n"
    atomic_write(folder / META_NAME, meta)
    written = write_archive(config)
    log.info("archive: %s, %s", written["index"], written["feed"])
