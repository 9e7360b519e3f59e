"""Publish: rendered outputs → files in ``OUT/<date>/``, written atomically, then the publish hooks.

In: the rendered texts/bytes and the report. Out: a dict from format to the path written.
Every file is first written whole to a hidden temporary file in the same folder and then renamed
over the old one, so a failed build leaves the previous issue untouched and no partial file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

SUFFIXES = {"md": ".md", "html": ".html", "pdf": ".pdf"}
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new one, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # readable like any file the user writes (mkstemp makes 0600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_issue(folder: Path, slug: str, rendered: dict[str, str | bytes], report_json: str) -> dict[str, Path]:
    """Write every rendered format and the report into ``folder``; returns format → path."""
    paths = {fmt: folder / f"{slug}{SUFFIXES[fmt]}" for fmt in rendered}
    paths["report"] = folder / "report.json"
    for fmt, content in rendered.items():
        atomic_write(paths[fmt], content)
    atomic_write(paths["report"], report_json)
    # a rebuild with fewer formats must not leave an older rendering beside the new issue
    for fmt, suffix in SUFFIXES.items():
        if fmt not in rendered:
            (folder / f"{slug}{suffix}").unlink(missing_ok=True)
    return paths
