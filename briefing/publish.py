"""Publish: rendered outputs → files in ``OUT/<date>/``, written atomically, then the publish hooks.

In: the rendered texts/bytes, the issue model and the report. Out: a dict from format to the path written.
Every file is first written whole to a hidden temporary file in the same folder and then renamed over the
old one, so a failed build leaves the previous issue untouched and no partial file. ``issue.json`` (the
issue model, see :mod:`briefing.issuefile`) goes with them: mail, the desk and later builds read it.
"""

from __future__ import annotations

from pathlib import Path

from . import issuefile
from .files import atomic_write

SUFFIXES = {"md": ".md", "html": ".html", "pdf": ".pdf"}


def write_issue(folder: Path, issue, rendered: dict[str, str | bytes], report_json: str) -> dict[str, Path]:
    """Write every rendered format, the issue model and the report into ``folder``; returns format → path."""
    paths = {fmt: folder / f"{issue.slug}{SUFFIXES[fmt]}" for fmt in rendered}
    paths["issue"] = folder / issuefile.NAME
    paths["report"] = folder / "report.json"
    for fmt, content in rendered.items():
        atomic_write(paths[fmt], content)
    atomic_write(paths["issue"], issuefile.to_json(issue))
    atomic_write(paths["report"], report_json)
    # a rebuild with fewer formats must not leave an older rendering beside the new issue
    for fmt, suffix in SUFFIXES.items():
        if fmt not in rendered:
            (folder / f"{issue.slug}{suffix}").unlink(missing_ok=True)
    return paths
