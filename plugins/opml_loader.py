"""OPML lists of feeds: each outline's ``xmlUrl`` becomes a source of its own, fetched like any URL.

Read with defusedxml (no entity expansion, no external entities, no DTD tricks). The loader returns one
document of kind ``"sources"`` whose ``data`` lists the feed addresses; the load stage fetches each one and
reports each failure by its address. Addresses other than http(s) are refused and named in the report.
"""

from __future__ import annotations

import re
from pathlib import Path

from briefing import Document, Loader, SourceError, hookimpl, stable_id
from briefing.api import http_url, one_line

SUFFIXES = {".opml"}
OPML_START = re.compile(rb"<opml\b", re.IGNORECASE)


def looks_like_opml(head: bytes) -> bool:
    return bool(OPML_START.search(head))


@hookimpl
def briefing_loaders():
    # an OPML list saved as .xml is tried before the feed loader, which claims .xml too
    return [Loader("opml", load_opml, frozenset(SUFFIXES | {".xml"}), sniff=looks_like_opml, priority=5)]


def load_opml(path, data, build=None):
    if not path.lower().endswith(tuple(SUFFIXES)) and not looks_like_opml(data[:4096]):
        return None  # an .xml file that is not a list of feeds
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise SourceError(f"refused OPML: {type(exc).__name__} (entity or DTD tricks)") from None
    except SafeET.ParseError as exc:
        raise SourceError(f"not readable OPML: {exc}") from None
    if root.tag.lower() != "opml":
        raise SourceError(f"not OPML: the root element is <{root.tag[:40]}>")
    feeds: list[str] = []
    refused: list[str] = []
    for outline in root.iter("outline"):
        address = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not address:
            continue
        (feeds if http_url(address) else refused).append(address)
    if not feeds and not refused:
        raise SourceError("an OPML list with no feed addresses (xmlUrl)")
    title = one_line(root.findtext("head/title") or "") or Path(path).stem
    return [Document(id=stable_id("opml", Path(path).name, *feeds), title=title, text="", kind="sources",
                     data={"feeds": list(dict.fromkeys(feeds)), "refused": refused})]
