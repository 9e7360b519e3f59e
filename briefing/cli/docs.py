"""Docs: the documentation that travels with the tool, for ``briefing docs``.

In: a document's name (``plugins`` for ``plugins.md``) or none. Out: the list of documents (name, first heading,
installed path), one document's Markdown, or the folder they are installed in. The documents are the project's
``docs/*.md``, shipped in the package ``briefing_docs`` (with the pictures they show), so that what ``briefing
init`` writes and ``--help`` says can point at them wherever the tool is installed.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import UsageError

PACKAGE = "briefing_docs"


def folder() -> Path:
    """Where the documents are installed (the checkout's docs/ in an editable install)."""
    return Path(str(resources.files(PACKAGE)))


def names() -> list[str]:
    return sorted(p.stem for p in folder().glob("*.md"))


def listing() -> list[tuple[str, str, Path]]:
    """Each document: its name, its first heading, its path."""
    rows = []
    for name in names():
        path = folder() / f"{name}.md"
        heading = next((line.lstrip("# ").strip() for line in path.read_text(encoding="utf-8").splitlines()
                        if line.startswith("# ")), name)
        rows.append((name, heading, path))
    return rows


def text(name: str) -> str:
    """The Markdown of the document ``name`` (``plugins``, or ``plugins.md``); a usage error for no such one."""
    stem = name.removesuffix(".md").removeprefix("docs/")
    if stem not in names():
        raise UsageError(f"no document {name!r}; the documents are: {', '.join(names())}")
    return (folder() / f"{stem}.md").read_text(encoding="utf-8")
