"""What the built distributions must hold, checked before they are installed or published (`make dist`).

In: the folder `python -m build` wrote (one sdist, one wheel). Out: exit 0 and a line per archive, or exit 1
naming what is missing. The wheel must carry what the installed tool reads at run time (the templates, the
skeleton `briefing init` copies, the built-in plugins and their learned model, and the documentation that
`briefing docs` prints, pictures included) and nothing of the checkout's own (tests, caches, built issues); the
sdist must carry what `make test` needs to run the tests from it.
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from pathlib import Path

WHEEL_HOLDS = ["briefing/cli/main.py", "briefing/skeleton/briefing.toml", "briefing/skeleton/gitignore",
               "briefing/skeleton/humanitarian.py", "briefing/skeleton/section_plugin.py.tmpl",
               "briefing_templates/issue.html", "briefing_templates/issue_epub.html", "briefing_templates/epub.css",
               "briefing_plugins/losses.py", "briefing_plugins/data/russia-ukraine-war.json",
               "briefing_docs/plugins.md", "briefing_docs/tutorial.md", "briefing_docs/configuration.md",
               "briefing_docs/desk.md", "briefing_docs/images/desk.png"]
WHEEL_LACKS = ("tests/", ".briefing-cache/", "out/", "__pycache__/", ".pyc")
SDIST_HOLDS = ["Makefile", "pyproject.toml", "README.md", "LICENSE", "scripts/system-deps.sh", "tests/test_wheel.py",
               "tests/golden/seeds-2023-03-20.md", "docs/plugins.md", "seeds/losses/LICENSE", "templates/issue.html"]


def problems(folder: Path) -> list[str]:
    wheels, sdists = sorted(folder.glob("*.whl")), sorted(folder.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        return [f"expected one wheel and one sdist in {folder}, found {len(wheels)} and {len(sdists)}"]
    found = []
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
    found += [f"{wheels[0].name}: missing {name}" for name in WHEEL_HOLDS if name not in names]
    found += [f"{wheels[0].name}: holds {name}" for name in sorted(names) if any(part in name for part in WHEEL_LACKS)]
    with tarfile.open(sdists[0]) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name}
    found += [f"{sdists[0].name}: missing {name}" for name in SDIST_HOLDS if name not in members]
    return found


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "dist")
    found = problems(folder)
    for line in found:
        print(f"check_dist: {line}", file=sys.stderr)
    if not found:
        for archive in sorted(folder.glob("*.whl")) + sorted(folder.glob("*.tar.gz")):
            print(f"check_dist: {archive.name}: holds what it must")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
