"""The build report: what was read, what was built, and what was left out and why.

Written as ``report.json`` beside each issue; bad sources and plugin failures are also logged, one line each
(what a source's name or text could smuggle onto a terminal, control characters above all, left out). A warning
about what the issue holds (a bad source, an unknown configuration key, an editor's note that matches nothing,
article downloads that failed) is logged with :data:`ABOUT_ISSUE`, which ``--quiet`` never hides.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field, fields
from typing import Any

from ..sources.sanitize import printable

log = logging.getLogger("briefing")

# ``log.warning(..., extra=ABOUT_ISSUE)``: a warning about what the issue holds, printed even under --quiet
ABOUT_ISSUE = {"about_issue": True}


@dataclass
class Report:
    sources: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)  # every loaded document's metadata
    bad_sources: list[dict[str, str]] = field(default_factory=list)
    stories: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)
    plugin_errors: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    articles: list[dict[str, Any]] = field(default_factory=list)  # each feed item's article: read, or why not
    files: dict[str, str] = field(default_factory=dict)  # the issue's other files and their SHA-256 (publish)

    def bad_source(self, path: str, reason: str, partial: bool = False) -> None:
        """A source that could not be read (``partial``: damaged, but what could be read is used)."""
        self.bad_sources.append({"path": path, "reason": reason, **({"partial": True} if partial else {})})
        log.warning("%s source %s: %s", "damaged" if partial else "skipped", printable(path), printable(reason),
                    extra=ABOUT_ISSUE)

    def warn(self, kind: str, message: str, said: str | None = None, **details: Any) -> None:
        """A note about what the issue holds (``notes`` in report.json) that is also a warning on stderr (``said``,
        or the message), one line, shown even under ``--quiet``: something a cron job must report."""
        self.notes.append({"kind": kind, "message": message, "warning": True, **details})
        log.warning("%s", printable(said or message), extra=ABOUT_ISSUE)

    def drop(self, what: str, reason: str, **details: Any) -> None:
        self.dropped.append({"what": what, "reason": reason, **details})

    def note(self, kind: str, message: str, **details: Any) -> None:
        self.notes.append({"kind": kind, "message": message, **details})
        log.info("%s: %s", kind, printable(message))

    def plugin_error(self, plugin: str, hook: str, error: str, traceback: str = "") -> None:
        """A contained plugin failure: every one goes to ``report.json`` with its traceback; stderr gets one
        line for each plugin and hook (the first failure), the tracebacks only with ``--verbose``."""
        first = not any(e["plugin"] == plugin and e["hook"] == hook for e in self.plugin_errors)
        self.plugin_errors.append({"plugin": plugin, "hook": hook, "error": error, "traceback": traceback})
        if first:
            log.error("plugin %s failed in %s: %s; the issue is built without its contribution (every failure "
                      "and its traceback in report.json)", plugin, hook, printable(error))
        if traceback:
            log.debug("plugin %s failed in %s:\n%s", plugin, hook, traceback.rstrip())

    def copy(self) -> "Report":
        """A copy to go on with: its lists and their entries (one level deep) are its own, so a stage that adds,
        removes or changes an entry of the copy leaves this report as it is."""
        return Report(**{f.name: [dict(e) if isinstance(e, dict) else e for e in getattr(self, f.name)]
                         if isinstance(getattr(self, f.name), list) else dict(getattr(self, f.name))
                         for f in fields(self)})

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "documents": self.documents,
            "bad_sources": self.bad_sources,
            "stories": self.stories,
            "dropped": self.dropped,
            "plugin_errors": self.plugin_errors,
            "notes": self.notes,
            "articles": self.articles,
            **({"files": self.files} if self.files else {}),
        }

    def to_json(self) -> str:
        """The report as JSON; a number that is not finite (NaN, infinity) is written as null, so the file is
        always valid JSON."""
        return json.dumps(json_safe(self.to_dict()), indent=2, ensure_ascii=False, sort_keys=False,
                          allow_nan=False) + "\n"


def json_safe(value: Any) -> Any:
    """``value`` with every float that is not finite replaced by None (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value
