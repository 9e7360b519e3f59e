"""Back issues: after each build, ``OUT/index.html`` and ``OUT/feed.xml`` list every issue in ``OUT/``.

Each build leaves ``OUT/<date>/issue.json`` beside its files (the issue model, written by the engine). The
archive page and the Atom feed are rebuilt from those files alone (newest first), so they always match what
is on disk: after each build, and after ``briefing archive remove DATE`` takes an issue out. Both are rendered with the build's one Jinja environment, so a plugin's filters work in a
workspace's ``archive.html`` and ``feed.xml`` too. Everything is written atomically.

Configuration (all optional), ``[archive]`` in ``briefing.toml``::

    headlines = 3           # top headlines shown per issue
    feed_entries = 30       # newest issues in the feed
    base_url = ""           # e.g. "https://example.org/briefing/": makes the feed's links absolute
    author = ""             # the feed's author (default: the briefing's title)
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from pathlib import Path
from typing import Any

from briefing import hookimpl
from briefing.api import OUTPUT_SUFFIXES as SUFFIXES
from briefing.api import Int, Option, Str, Table, atomic_write, back_issues

log = logging.getLogger("briefing.archive")

INDEX_NAME = "index.html"
FEED_NAME = "feed.xml"
ID_NAMESPACE = uuid.UUID("8f9d3b52-6c1e-5b7a-9a57-2f1d7b0c4e11")  # fixed: feed ids never change


def entry_id(title: str, date: str) -> str:
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, f'{title}/{date}')}"


def top_headlines(meta: dict[str, Any], count: int) -> list[str]:
    items = [(i, item) for i, item in enumerate(it for s in meta.get("sections", []) for it in s.get("items", []))]
    ranked = sorted((x for x in items if x[1].get("sentences") and x[1].get("documents") or x[1].get("pinned")),
                    key=lambda x: (not x[1].get("pinned"), -float(x[1].get("score") or 0), x[0]))
    return [item["headline"] for _, item in ranked[:count]]


def archive_entries(out: Path, settings: dict[str, Any]) -> list[dict[str, Any]]:
    count = settings["headlines"]
    entries = []
    for meta in back_issues(out):
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


def write_archive(config, env) -> dict[str, Path]:
    """Regenerate the archive page and the feed from ``config.out`` with ``env``; returns their paths."""
    settings = config.section("archive")
    entries = archive_entries(config.out, settings)
    base = settings.base_url.strip()
    common = {"title": config.title, "entries": entries}
    index = env.get_template("archive.html").render(**common)
    feed = env.get_template("feed.xml").render(
        title=config.title, entries=entries[: settings.feed_entries], base_url=base,
        author=settings.author or config.title,
        feed_id=f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, config.title)}",
        updated=entries[0]["updated"] if entries else "1970-01-01T00:00:00Z")
    paths = {"index": config.out / INDEX_NAME, "feed": config.out / FEED_NAME}
    atomic_write(paths["index"], index)
    atomic_write(paths["feed"], feed)
    return paths


@hookimpl
def briefing_options():
    return {"archive": Table("The archive page (out/index.html) and the Atom feed (out/feed.xml) of back issues.", {
        "headlines": Option(Int(0), 3, "top headlines shown per issue"),
        "feed_entries": Option(Int(1), 30, "the newest issues the feed lists"),
        "base_url": Option(Str(), "", "where out/ is served, to make the feed's links absolute"),
        "author": Option(Str(), "", "the feed's author (default: the briefing's title)"),
    })}


@hookimpl
def briefing_publish(config, build):
    written = write_archive(config, build.env)
    log.info("archive: %s, %s", written["index"], written["feed"])


@hookimpl
def briefing_archive_changed(config, build):
    """An issue was taken out (``briefing archive remove``): the page and the feed list what is left."""
    write_archive(config, build.env)
