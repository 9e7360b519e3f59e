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
# "a" or "an" goes by the sound a word starts with, not its letter: a vowel letter said with a "y" or "w" (a
# unit, a Ukraine story, a one-off) and a silent h (an hour) are the exceptions to the spelling.
YOU_SOUND = re.compile(r"^(eu|ewe|uni(?!n|mp)|u[bcfhjkqrstvz][aeiou]|ur[aeiu]|uk(?!u))")
ONE_SOUND = re.compile(r"^(one(?!r)|once)")
SILENT_H = re.compile(r"^(hour|honest|hono(u)?r|heir)")
VOWEL_NAMED = "aefhilmnorsx"  # letters whose names start with a vowel sound (said one by one: an MP, an SUV)
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
    """Make a workspace in ``folder``: briefing.toml, plugins/ (an example section in plugins/examples/, to read:
    only the house's sections print until one is moved up into plugins/), templates/, seeds/ with sample articles.

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
    write(folder / "plugins" / "examples" / "humanitarian.py", _skeleton("humanitarian.py"))  # to read: not loaded
    write(folder / "templates" / "README.md", _skeleton("templates_README.md"))
    write(folder / ".gitignore", _skeleton("gitignore"))
    for sample in sorted((SKELETON / "seeds").iterdir(), key=lambda t: t.name):
        if sample.is_file() and not sample.name.startswith(("_", ".")):
            write(folder / "seeds" / sample.name, sample.read_text(encoding="utf-8"))
    if copy_packaged_templates:
        written += copy_templates(folder / "templates")
    return written


def indefinite_article(text: str) -> str:
    """ "a" or "an" before ``text``, by the sound of its first word (an Energy story, a Unity story, an MP)."""
    word = (text.split() or [""])[0]
    if not word:
        return "a"
    if len(word) == 1 or (len(word) <= 3 and word.isupper()):  # letters said by their names
        return "an" if word[0].lower() in VOWEL_NAMED else "a"
    lowered = word.lower()
    if SILENT_H.match(lowered):
        return "an"
    if lowered[0] not in "aeiou" or YOU_SOUND.match(lowered) or ONE_SOUND.match(lowered):
        return "a"
    return "an"


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
    title = name.replace("_", " ").title()
    values = {"name": name, "title": title, "term": name.replace("_", " "),
              "a_title": f"{indefinite_article(title)} {title}"}
    plugin.parent.mkdir(parents=True, exist_ok=True)
    test.parent.mkdir(parents=True, exist_ok=True)
    plugin.write_text(string.Template(_skeleton("section_plugin.py.tmpl")).substitute(values), encoding="utf-8")
    test.write_text(string.Template(_skeleton("test_section_plugin.py.tmpl")).substitute(values), encoding="utf-8")
    return [plugin, test]
