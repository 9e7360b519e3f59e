"""Configuration: ``briefing.toml`` at the workspace root, with command-line flags laid over it.

In: a path to a TOML file (or none) and flag overrides. Out: a :class:`Config`.
Plugins read their own tables through :meth:`Config.table` (``[losses]`` → ``config.table("losses")``).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError

CONFIG_NAME = "briefing.toml"
FORMATS = ("md", "html", "pdf")


@dataclass
class Config:
    """Everything a build needs to know, resolved to absolute paths."""

    workspace: Path
    title: str = "Conflict Update"
    first_day: dt.date = dt.date(2022, 2, 24)
    back_issues_text: str = "the archive"
    back_issues_url: str = "../index.html"
    sources: list[str] = field(default_factory=lambda: ["seeds"])
    out: Path = Path("out")
    formats: tuple[str, ...] = FORMATS
    date: dt.date | None = None
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    budget: dict[str, int] = field(default_factory=dict)
    subject: dict[str, Any] = field(default_factory=dict)
    max_source_bytes: int = 20 * 1024 * 1024
    strict: bool = False
    raw: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def table(self, name: str) -> dict[str, Any]:
        """A plugin's own ``[name]`` table from the file (empty when absent)."""
        value = self.raw.get(name, {})
        return value if isinstance(value, dict) else {}

    def resolve(self, value: str | Path) -> Path:
        """A path from the configuration, relative to the workspace."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.workspace / p

    def day_number(self, date: dt.date) -> int:
        return (date - self.first_day).days + 1

    def item_budget(self) -> dict[str, int]:
        return {
            "sentences": int(self.budget.get("item_sentences", 4)),
            "words": int(self.budget.get("item_words", 160)),
        }


def _parse_date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"{what}: expected a date as YYYY-MM-DD, got {value!r}") from None


def parse_formats(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    formats = tuple(dict.fromkeys(f.strip().lower() for f in items if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(f"unknown format {','.join(unknown) or '(none)'}; choose from {','.join(FORMATS)}")
    return formats


def find_config(start: Path) -> Path | None:
    """The nearest ``briefing.toml`` in ``start`` or its parents."""
    for folder in [start, *start.parents]:
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None = None, **overrides: Any) -> Config:
    """Read the configuration file (if any) and apply flag overrides (None means 'not given')."""
    raw: dict[str, Any] = {}
    if path is None:
        path = find_config(Path.cwd())
    if path is not None:
        path = Path(path).resolve()
        if not path.is_file():
            raise UsageError(f"configuration file not found: {path}")
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path.name}: not valid TOML: {exc}") from None
        workspace = path.parent
    else:
        workspace = Path.cwd().resolve()

    main = raw.get("briefing", {})
    cfg = Config(workspace=workspace, raw=raw, path=path)
    if "title" in main:
        cfg.title = str(main["title"])
    if "first_day" in main:
        cfg.first_day = _parse_date(main["first_day"], "first_day")
    if "back_issues_text" in main:
        cfg.back_issues_text = str(main["back_issues_text"])
    if "back_issues_url" in main:
        cfg.back_issues_url = str(main["back_issues_url"])
    if "sources" in main:
        cfg.sources = [str(s) for s in main["sources"]]
    if "out" in main:
        cfg.out = Path(main["out"])
    if "formats" in main:
        cfg.formats = parse_formats(main["formats"])
    if "max_source_mb" in main:
        cfg.max_source_bytes = int(float(main["max_source_mb"]) * 1024 * 1024)
    cfg.sections = {k: dict(v) for k, v in raw.get("sections", {}).items() if isinstance(v, dict)}
    cfg.budget = dict(raw.get("budget", {}))
    cfg.subject = dict(raw.get("subject", {}))

    if overrides.get("date") is not None:
        cfg.date = _parse_date(overrides["date"], "--date")
    if overrides.get("sources"):
        cfg.sources = [str(s) for s in overrides["sources"]]
    if overrides.get("out") is not None:
        cfg.out = Path(overrides["out"])
    if overrides.get("formats") is not None:
        cfg.formats = parse_formats(overrides["formats"])
    if overrides.get("strict") is not None:
        cfg.strict = bool(overrides["strict"])
    cfg.out = cfg.resolve(cfg.out)
    return cfg
