"""Workspaces: ``briefing init DIR`` makes a new one, ``briefing new-plugin NAME`` adds a section plugin to one.

In: a folder (and a plugin name). Out: files written from the skeleton in ``briefing/skeleton/``; nothing that
already exists is overwritten. A new workspace holds sample articles in ``seeds/``, so that its first build makes
a real issue (an empty one would only say "Nothing to report today" in every section).
"""

from __future__ import annotations

import keyword
import re
import string
from importlib import resources
from pathlib import Path

from ..config.settings import CONFIG_NAME
from ..errors import BriefingError, UsageError

SKELETON = resources.files("briefing") / "skeleton"
PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TEMPLATE_FILES = ("issue.md", "issue.html", "issue_item.html", "style.css")


def _skeleton(name: str) -> str:
    return (SKELETON / name).read_text(encoding="utf-8")


def copy_templates(folder: Path) -> list[Path]:
    """Copy the packaged templates into ``folder`` (existing files are left alone); returns what was written."""
    packaged = resources.files("briefing_templates")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TEMPLATE_FILES:
        target = folder / name
        if not target.exists():
            target.write_text((packaged / name).read_text(encoding="utf-8"), encoding="utf-8")
            written.append(target)
    return written


def init_workspace(folder: Path, copy_packaged_templates: bool = False) -> list[Path]:
    """Make a workspace in ``folder``: briefing.toml, plugins/ with an example section, templates/, seeds/ with
    sample articles.

    An existing workspace is refused, except that ``copy_packaged_templates`` still copies missing templates.
    """
    folder = Path(folder)
    config = folder / CONFIG_NAME
    if config.exists():
        if copy_packaged_templates:
            return copy_templates(folder / "templates")
        raise BriefingError(f"{config} already exists; not overwriting a workspace")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} exists and is not a folder")
    written: list[Path] = []

    def write(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            return  # never overwrite a file the user already has
        path.write_text(text, encoding="utf-8")
        written.append(path)

    write(config, _skeleton("briefing.toml"))
    write(folder / "plugins" / "humanitarian.py", _skeleton("humanitarian.py"))
    write(folder / "templates" / "README.md", _skeleton("templates_README.md"))
    write(folder / ".gitignore", _skeleton("gitignore"))
    for sample in sorted((SKELETON / "seeds").iterdir(), key=lambda t: t.name):
        if sample.is_file() and not sample.name.startswith(("_", ".")):
            write(folder / "seeds" / sample.name, sample.read_text(encoding="utf-8"))
    if copy_packaged_templates:
        written += copy_templates(folder / "templates")
    return written


def check_plugin_name(name: str) -> str:
    if not PLUGIN_NAME.match(name) or keyword.iskeyword(name) or name.startswith("test_"):
        raise UsageError(
            f"invalid plugin name {name!r}: use lower-case letters, digits and _ (a Python module name "
            "starting with a letter, at most 40 characters, not a Python keyword, not starting with test_)"
        )
    return name


def new_plugin(workspace: Path, name: str) -> list[Path]:
    """Write ``plugins/NAME.py`` (a ready section plugin) and ``tests/test_NAME.py``; refuse to overwrite."""
    check_plugin_name(name)
    workspace = Path(workspace)
    plugin = workspace / "plugins" / f"{name}.py"
    test = workspace / "tests" / f"test_{name}.py"
    existing = [str(p) for p in (plugin, test) if p.exists()]
    if existing:
        raise BriefingError(f"{', '.join(existing)} already exist(s); not overwriting")
    values = {"name": name, "title": name.replace("_", " ").title(), "term": name.replace("_", " ")}
    plugin.parent.mkdir(parents=True, exist_ok=True)
    test.parent.mkdir(parents=True, exist_ok=True)
    plugin.write_text(string.Template(_skeleton("section_plugin.py.tmpl")).substitute(values), encoding="utf-8")
    test.write_text(string.Template(_skeleton("test_section_plugin.py.tmpl")).substitute(values), encoding="utf-8")
    return [plugin, test]
