"""The distribution as a new user gets it: the README's install commands run as written (pipx, from the checkout
and from the wheel `make dist` builds and checks without a warning from the project's packaging), a workspace
built far from the checkout with the documentation its files name, and the plugin test `new-plugin` writes run
under pipx as the README says; the wheel installed with a new venv's own pip together with its declared
dependencies and nothing else; then the sdist runs tests of its own."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import pytest

from briefing import __version__

from .conftest import ROOT

WHEELHOUSE = Path(os.environ.get("BRIEFING_WHEELHOUSE", ROOT / ".venv" / "wheelhouse"))
README = ROOT / "README.md"


def clean_env(**extra) -> dict[str, str]:
    """The environment without this machine's pip settings (no config file, no extra index) or Python flags."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))}
    return {**env, "PIP_CONFIG_FILE": os.devnull, **extra}


def run(*args, cwd=None, env=None, timeout=900):
    r = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       env=env or clean_env())
    assert r.returncode == 0, f"{args}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


def test_the_version_is_written_once():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in meta["project"] and meta["project"]["dynamic"] == ["version"]
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "briefing.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    r = subprocess.run([sys.executable, "-m", "briefing", "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == f"briefing {__version__}\n"


def test_every_imported_distribution_is_declared():
    """Each third-party module the package imports belongs to a declared dependency."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    requirements = meta["project"]["dependencies"] + meta["project"]["optional-dependencies"]["epub"]
    declared = {re.split(r"[<>=!~ \[;]", d)[0].lower().replace("_", "-") for d in requirements}
    module_to_distribution = {"jinja2": "jinja2", "markupsafe": "markupsafe", "markdown_it": "markdown-it-py",
                              "weasyprint": "weasyprint", "pypdfium2": "pypdfium2", "PIL": "pillow",
                              "trafilatura": "trafilatura", "lxml": "lxml", "feedparser": "feedparser",
                              "syntok": "syntok", "numpy": "numpy", "rapidfuzz": "rapidfuzz", "nh3": "nh3",
                              "defusedxml": "defusedxml", "dateutil": "python-dateutil", "click": "click",
                              "filelock": "filelock", "pluggy": "pluggy", "pyphen": "pyphen",
                              "py3langid": "py3langid", "urllib3": "urllib3", "courlan": "courlan", "idna": "idna",
                              "starlette": "starlette", "uvicorn": "uvicorn", "tomlkit": "tomlkit",
                              "ebooklib": "ebooklib"}  # ebooklib: the optional extra "epub"
    stdlib = set(sys.stdlib_module_names) | {"briefing", "briefing_plugins", "briefing_templates", "pytest",
                                             "sumy"}  # pytest: the fixture module; sumy: `make eval` only
    imported = set()
    for folder in ("briefing", "plugins", "templates"):
        for path in (ROOT / folder).rglob("*.py"):
            for m in re.finditer(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", path.read_text(), re.MULTILINE):
                imported.add(m.group(1))
    third_party = imported - stdlib - {"__future__", "None"}  # "None": a continued `raise … from None`
    assert third_party <= set(module_to_distribution), f"not mapped: {third_party - set(module_to_distribution)}"
    assert {module_to_distribution[m] for m in third_party} <= declared
    assert "lxml-html-clean" in declared  # used through lxml.html.clean by trafilatura's text extraction


def test_each_dependency_is_listed_once_and_no_address_leads_nowhere():
    """A distribution named twice (lxml was) makes the minimums ambiguous; the project has no page of its own
    yet (it is not on PyPI), so its metadata names none rather than one that does not exist."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = [re.split(r"[<>=!~ \[;]", d)[0].lower().replace("_", "-") for d in meta["project"]["dependencies"]]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert "urls" not in meta["project"]


def sh_blocks(section: str) -> list[str]:
    """The ```sh blocks of the README's section whose heading is ``section``, in order."""
    text = README.read_text(encoding="utf-8")
    body = text[text.index(f"\n{section}\n"):]
    body = body[:body.find("\n## ", 1)] if "\n## " in body[1:] else body
    return re.findall(r"^```sh\n(.*?)^```$", body, re.MULTILINE | re.DOTALL)


def bash(script: str, cwd: Path, env: dict[str, str], timeout: int = 900):
    """The README's lines as a user types them, in one shell that stops at the first failing line."""
    return run("/bin/bash", "-euo", "pipefail", "-c", script, cwd=cwd, env=env, timeout=timeout)


def pipx_env(tmp_path: Path, name: str, tools: Path) -> tuple[dict[str, str], Path]:
    """An environment with a pipx home of its own, its commands first on PATH, and pip offline: every package
    from the wheelhouse (tests reach nothing beyond this machine), the checkout's .venv for `make dist`."""
    home = tmp_path / name
    env = clean_env(PIPX_HOME=str(home / "pipx"), PIPX_BIN_DIR=str(home / "bin"), PIPX_MAN_DIR=str(home / "man"),
                    HOME=str(home), PIP_NO_INDEX="1", PIP_FIND_LINKS=str(WHEELHOUSE), VENV=str(ROOT / ".venv"),
                    PATH=f"{home / 'bin'}{os.pathsep}{tools}{os.pathsep}/usr/bin{os.pathsep}/bin")
    env.pop("BRIEFING_TRACE", None)
    return env, home / "bin"


def follow_the_offline_note(desk: Path) -> None:
    """README, "Offline": the dataset's three files in losses/, and `source = "losses"` instead of the URLs."""
    (desk / "losses").mkdir()
    for name in ("russia_losses_personnel.json", "russia_losses_equipment.json",
                 "russia_losses_equipment_correction.json"):
        (desk / "losses" / name).write_bytes((ROOT / "seeds" / "losses" / name).read_bytes())
    config = desk / "briefing.toml"
    config.write_text(re.sub(r"(?ms)^source = \[.*?^\]\n", 'source = "losses"\n', config.read_text()))


def packaging_noise(log: str) -> list[str]:
    found = []
    for noise in ("warning", "deprecat", "would be ignored", "license"):
        found += [line for line in log.splitlines() if noise in line.lower() and "license-files" not in line.lower()
                  and not line.startswith(("copying", "adding", "creating", "hard linking"))]
    return found


@pytest.mark.slow
def test_the_readme_installs_the_tool_with_its_docs_and_plugin_tests_run_as_it_says(tmp_path):
    """The README's install commands, run as written in a clean copy of the checkout with pipx (offline, from
    the wheelhouse): from the checkout, then from the wheel `make dist` builds and checks; the workspace built
    far from the checkout, the documents its files name printed by `briefing docs`, and the test `new-plugin`
    writes run under pipx as the README says."""
    if not (WHEELHOUSE / ".stamp").exists():
        pytest.fail(f"no wheelhouse at {WHEELHOUSE}: `make test` (or `make .venv/wheelhouse/.stamp`) downloads the "
                    "dependencies as wheels first, so that this test installs them offline")
    source = tmp_path / "checkout"  # a clean copy: no caches, no built issues, no compiled files
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", "out", ".git", "*.egg-info", "build", "dist", ".briefing-cache", "__pycache__", "*.pyc",
        ".pytest_cache", ".hypothesis"))
    tools = tmp_path / "tools"  # pipx, and nothing else of this checkout's environment
    tools.mkdir()
    (tools / "pipx").symlink_to(ROOT / ".venv" / "bin" / "pipx")
    from_checkout, from_wheel = sh_blocks("## Installing it elsewhere")[:2]
    (plugin_tests,) = [b for b in sh_blocks("## Writing a section plugin") if "pipx inject" in b]

    # 1. From the checkout: up to the first build, the offline note, then the rest.
    env, bin_dir = pipx_env(tmp_path, "one", tools)
    lines = from_checkout.splitlines()
    first_build = next(n for n, line in enumerate(lines) if line.startswith("briefing build"))
    assert "pipx install ." in lines[0] and "briefing init my-desk" in "\n".join(lines[:first_build])
    bash("\n".join(lines[:first_build]), source, env)
    desk = tmp_path / "my-desk"
    follow_the_offline_note(desk)
    made = bash("\n".join(lines[first_build:]), desk, env)
    assert made.stderr == "", made.stderr
    assert "plugins          Writing plugins\n" in made.stdout and "tutorial         Tutorial:" in made.stdout
    where = made.stdout.rsplit("they are in ", 1)[1].strip()
    assert where.startswith(str(tmp_path / "one" / "pipx")) and not where.startswith(str(ROOT))
    (folder,) = [p for p in (desk / "out").iterdir() if p.is_dir()]
    text = next(folder.glob("*.md")).read_text()
    assert text.startswith("# Conflict Update Day ") and "**On the battlefield, Russia’s winter offensive" in text
    titles = [line for line in text.splitlines() if line.startswith("## ")]
    assert titles == ["## Conflict Assessment", "## Key Takeaways", "## Comments, Updates, Developments and Reports",
                      "## Containment", "## Sanctions", "## Putin & Russia", "## China"]  # the house's, no other
    assert "no losses data among the sources" not in text  # the dataset's copy was read
    assert next(folder.glob("*.pdf")).read_bytes().startswith(b"%PDF")
    listing = run(bin_dir / "briefing", "plugins", cwd=desk, env=env).stdout
    assert listing.count("china  (") == 1 and "humanitarian" not in listing  # registered once; the example unloaded

    # 2. The test `new-plugin` writes, run under pipx as the README says; and every document the files name.
    run(bin_dir / "briefing", "new-plugin", "energy", cwd=desk, env=env)
    tested = bash(plugin_tests, desk, env)
    assert re.search(r"=+ 1 passed in [\d.]+s =+$", tested.stdout, re.MULTILINE), tested.stdout
    named = set()
    for path in [*desk.rglob("*.py"), *desk.rglob("*.toml"), *desk.rglob("*.md")]:
        named.update(re.findall(r"`briefing docs ([\w-]+)`", path.read_text()))
    assert named >= {"plugins", "tutorial", "articles"}
    for name in sorted(named):
        shown = run(bin_dir / "briefing", "docs", name, cwd=desk, env=env).stdout
        assert shown == (ROOT / "docs" / f"{name}.md").read_text(), name

    # 3. From the wheel: `make dist` builds and checks the sdist and the wheel; pipx installs the wheel.
    env, bin_dir = pipx_env(tmp_path, "two", tools)
    built = bash(from_wheel, source, env)
    log = built.stdout + built.stderr
    assert not packaging_noise(log), "the project's packaging says:\n" + "\n".join(packaging_noise(log))
    assert "PASSED" in log and "holds what it must" in log
    (sdist,) = (source / "dist").glob("briefing_desk-*.tar.gz")
    (wheel,) = (source / "dist").glob("briefing_desk-*-py3-none-any.whl")  # built from the sdist
    far = tmp_path / "elsewhere"
    far.mkdir()
    version = run(bin_dir / "briefing", "--version", cwd=far, env=env)
    assert version.stdout == f"briefing {__version__}\n" and not version.stderr
    shown = run(bin_dir / "briefing", "docs", "plugins", cwd=far, env=env).stdout
    assert shown == (ROOT / "docs" / "plugins.md").read_text()

    # 4. The same wheel with a new venv's own pip and its declared dependencies, nothing else; then the sdist
    # runs tests of its own, with the test dependencies it declares.
    env_dir = tmp_path / "venv"
    run(sys.base_prefix + "/bin/python3", "-m", "venv", env_dir)
    pip = [env_dir / "bin" / "python", "-m", "pip", "--disable-pip-version-check"]
    installed = run(*pip, "install", "--no-index", "--find-links", WHEELHOUSE, wheel)
    # This pip does not match the extra "html_clean" that justext asks of lxml to the "html-clean" lxml declares,
    # and says so; lxml_html_clean, which that extra would bring, is one of this project's own dependencies.
    warnings = [line for line in (installed.stdout + installed.stderr).splitlines() if "WARNING" in line
                and "does not provide the extra 'html_clean'" not in line]
    assert not warnings, installed.stdout + installed.stderr
    assert "lxml_html_clean-" in installed.stdout
    run(*pip, "check")  # every declared requirement present in a version it accepts
    where = run(env_dir / "bin" / "python", "-c", "import briefing, briefing_plugins, briefing_templates, "
                "briefing_docs; print(briefing.__file__, briefing_templates.__file__, briefing_docs.__file__)",
                cwd=far).stdout
    assert str(ROOT) not in where and str(env_dir) in where
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    run(*pip, "install", "--no-index", "--find-links", WHEELHOUSE, f"{wheel}[test]")
    tests = run(env_dir / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
                "tests/test_cli.py", "tests/test_window.py", "tests/test_loaders.py", "tests/test_time.py", cwd=unpacked)
    assert re.search(r"\d+ passed", tests.stdout) and "failed" not in tests.stdout


# -- scripts/system-deps.sh, as `make demo` runs it: its decisions, with stand-ins for the system's commands ----

SYSTEM_DEPS = ROOT / "scripts" / "system-deps.sh"


def system_deps(tmp_path: Path, *, uid: int, apt_get: bool, pango: bool):
    """The script with a PATH of stand-ins: `id -u` says ``uid``, `apt-get` (when there is one) records its
    arguments, the Python given imports WeasyPrint (``pango``) or fails as it does without Pango."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    log = tmp_path / "apt-get.log"
    stand_ins = {"id": f"#!/bin/sh\necho {uid}\n", "python": f"#!/bin/sh\nexit {0 if pango else 1}\n"}
    if apt_get:
        stand_ins["apt-get"] = f'#!/bin/sh\necho "$*" >> {log}\n'
    for name, text in stand_ins.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    for tool in ("grep", "cat"):
        (bin_dir / tool).unlink(missing_ok=True)
        (bin_dir / tool).symlink_to(shutil.which(tool))
    r = subprocess.run(["/bin/bash", SYSTEM_DEPS, bin_dir / "python"], env={"PATH": str(bin_dir)},
                       capture_output=True, text=True, timeout=60)
    return r, log.read_text().splitlines() if log.exists() else []


def test_system_deps_without_apt_get_says_what_to_install(tmp_path):
    r, calls = system_deps(tmp_path, uid=0, apt_get=False, pango=False)
    assert r.returncode == 1 and not calls
    assert r.stderr.startswith("error: Pango is missing: the PDF engine (WeasyPrint) needs it, and this system has "
                               "no apt-get to install it with.")
    assert "dnf install pango" in r.stderr and "brew install pango" in r.stderr


def test_system_deps_not_as_root_asks_for_root_and_installs_nothing(tmp_path):
    r, calls = system_deps(tmp_path, uid=1000, apt_get=True, pango=False)
    assert r.returncode == 1 and calls == []
    assert "installing it needs root: run as root  apt-get install -y libpango-1.0-0 libpangoft2-1.0-0" in r.stderr


def test_system_deps_installs_pango_only_when_it_is_missing(tmp_path):
    r, calls = system_deps(tmp_path / "missing", uid=0, apt_get=True, pango=False)
    assert r.returncode == 0, r.stderr
    assert calls[0] == "install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0"
    r, calls = system_deps(tmp_path / "present", uid=0, apt_get=True, pango=True)
    assert r.returncode == 0, r.stderr
    assert not any("libpango" in call for call in calls)  # present: never asked for again
