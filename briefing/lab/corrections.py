"""Corrections: what a reader of one built issue would have to correct, counted against a labelled day.

In: a day's labels (see docs/labelling.md), the build's ``report.json`` (its documents) and ``issue.json`` (what
printed, in print order). Out: the corrections by kind, each with its place, and their cost:

- **duplicate**: an item whose labelled story already printed earlier in the issue (delete it: 1);
- **fusion**: an item that mixes labelled stories: for each story of the minority, one correction (split it
  out: 1), two when that story's sentences are in the item's text (the text must be edited too: 2); the
  reports of the minority are counted beside;
- **big story missing**: a story told by :data:`BIG_STORY` or more outlets that heads no item (1);
- **misplaced**: an item printed in another section than its story's labelled one (move it: 1);
- **off subject**: an item whose reports are mostly off the subject (delete it: 1).

An item's story is the labelled story most of its on-subject reports tell (ties: the one whose first report
comes first in the item). Items that carry no labelled report (the losses line) are not counted.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from pathlib import Path

BIG_STORY = 3  # a story told by this many outlets or more must print
KINDS = ("duplicate", "fusion", "big story missing", "misplaced", "off subject")


def label_key(feed: str, title: str) -> tuple[str, str]:
    """How a document is matched to its label: the feed file's name and the title, white space folded."""
    return feed, " ".join(title.split())[:300]


def document_labels(labels: list[dict], report: dict) -> dict[str, dict]:
    """Document id → its label, for the documents of the report that a label matches."""
    by_key = {label_key(label["feed"], label["title"]): label for label in labels}
    found = {}
    for doc in report.get("documents", []):
        if doc.get("kind", "article") != "article":
            continue
        label = by_key.get(label_key(Path(doc.get("path", "")).name, doc.get("title", "")))
        if label is not None:
            found[doc["id"]] = label
    return found


@dataclass
class Corrections:
    """One built day's corrections, by kind (each entry says where), and what it printed."""

    day: str
    printed: int = 0  # items that carry labelled reports
    duplicate: list[dict] = field(default_factory=list)
    fusion: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    misplaced: list[dict] = field(default_factory=list)
    off: list[dict] = field(default_factory=list)
    placed: int = 0  # items whose section could be judged (not duplicates, not off the subject)

    @property
    def fusion_cost(self) -> int:
        return sum(2 if f["in_text"] else 1 for f in self.fusion)

    @property
    def fused_reports(self) -> int:
        return sum(f["reports"] for f in self.fusion)

    @property
    def total(self) -> int:
        return len(self.duplicate) + self.fusion_cost + len(self.missing) + len(self.misplaced) + len(self.off)

    def counts(self) -> dict[str, int]:
        return {"duplicate": len(self.duplicate), "fusion": len(self.fusion), "big story missing": len(self.missing),
                "misplaced": len(self.misplaced), "off subject": len(self.off)}


def _major(stories: list[str]) -> str:
    counts = collections.Counter(stories)
    top = max(counts.values())
    return next(s for s in stories if counts[s] == top)  # ties: the first told


def corrections(day: str, labels: list[dict], report: dict, issue: dict) -> Corrections:
    """The corrections a reader makes to ``issue`` (see the module docstring)."""
    of = document_labels(labels, report)
    out = Corrections(day)
    headed: set[str] = set()
    for section in issue.get("sections", []):
        for item in section.get("items", []):
            docs = [d for d in item.get("documents", []) if d in of]
            if not docs:
                continue
            out.printed += 1
            where = {"headline": item.get("headline", ""), "section": section.get("key", "")}
            on = [d for d in docs if of[d]["on"]]
            if 2 * (len(docs) - len(on)) >= len(docs):
                out.off.append(where)
                continue
            major = _major([of[d]["story"] for d in on])
            if major in headed:
                out.duplicate.append({**where, "story": major})
                continue
            headed.add(major)
            in_text = {s.get("doc") for s in item.get("sentences", []) if isinstance(s, dict)}
            minority: dict[str, list[str]] = {}
            for d in docs:
                story = of[d]["story"] if of[d]["on"] else "(off the subject)"
                if story != major:
                    minority.setdefault(story, []).append(d)
            for story, members in minority.items():
                out.fusion.append({**where, "story": major, "joined": story, "reports": len(members),
                                   "in_text": bool(in_text & set(members))})
            want = collections.Counter(of[d]["section"] for d in on if of[d]["story"] == major).most_common(1)[0][0]
            out.placed += 1
            if want != section.get("key"):
                out.misplaced.append({**where, "story": major, "want": want})
    outlets: dict[str, set[str]] = collections.defaultdict(set)
    for label in labels:
        if label["on"]:
            outlets[label["story"]].add(label["feed"])
    for story, feeds in sorted(outlets.items()):
        if len(feeds) >= BIG_STORY and story not in headed:
            out.missing.append({"story": story, "outlets": len(feeds)})
    return out


def totals(days: list[Corrections]) -> dict[str, float]:
    """The corrections of several days added up, with the share of items placed right."""
    placed = sum(c.placed for c in days)
    return {"printed": sum(c.printed for c in days), "duplicate": sum(len(c.duplicate) for c in days),
            "fusion": sum(len(c.fusion) for c in days), "fused reports": sum(c.fused_reports for c in days),
            "fusion cost": sum(c.fusion_cost for c in days),
            "big story missing": sum(len(c.missing) for c in days), "misplaced": sum(len(c.misplaced) for c in days),
            "off subject": sum(len(c.off) for c in days), "total": sum(c.total for c in days),
            "items placed right": 1 - sum(len(c.misplaced) for c in days) / placed if placed else 0.0}
