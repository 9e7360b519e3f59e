"""The distribution as a new user gets it: the sdist and the wheel built from a clean copy without a warning
from the project's packaging, the wheel installed with a new venv's own pip together with its declared
dependencies and nothing else, and `briefing init`, `briefing build`, `briefing --version` working far from
the checkout; then the sdist runs tests of its own."""

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


def clean_env(**extra) -> dict[str, str]:
    """The environment without this machine's pip settings (no config file, no extra index) or Python flags."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))}
    return {**env, "PIP_CONFIG_FILE": os.devnull, **extra}


def run(*args, cwd=None, env=None, timeout=600):
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
    declared = {re.split(r"[<>=!~ \[;]", d)[0].lower().replace("_", "-") for d in meta["project"]["dependencies"]}
    module_to_distribution = {"jinja2": "jinja2", "markupsafe": "markupsafe", "markdown_it": "markdown-it-py",
                              "weasyprint": "weasyprint", "pypdfium2": "pypdfium2", "PIL": "pillow",
                              "trafilatura": "trafilatura", "lxml": "lxml", "feedparser": "feedparser",
                              "syntok": "syntok", "numpy": "numpy", "rapidfuzz": "rapidfuzz", "nh3": "nh3",
                              "defusedxml": "defusedxml", "dateutil": "python-dateutil", "click": "click",
                              "filelock": "filelock", "pluggy": "pluggy", "pyphen": "pyphen",
                              "py3langid": "py3langid", "urllib3": "urllib3", "courlan": "courlan", "idna": "idna",
                              "starlette": "starlette", "uvicorn": "uvicorn", "tomlkit": "tomlkit"}
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


@pytest.mark.slow
def test_the_wheel_installs_with_a_stock_pip_and_works_far_from_the_checkout(tmp_path):
    if not (WHEELHOUSE / ".stamp").exists():
        pytest.fail(f"no wheelhouse at {WHEELHOUSE}: `make test` (or `make .venv/wheelhouse/.stamp`) downloads the "
                    "dependencies as wheels first, so that this test installs them offline")
    source = tmp_path / "src"  # a clean copy: no caches, no built issues, no compiled files
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", "out", ".git", "*.egg-info", "build", "dist", ".briefing-cache", "__pycache__", "*.pyc",
        ".pytest_cache"))
    built = run(sys.executable, "-m", "build", "--no-isolation", "--outdir", tmp_path / "dist", source)
    log = built.stdout + built.stderr
    for noise in ("warning", "deprecat", "would be ignored", "license"):
        lines = [line for line in log.splitlines() if noise in line.lower() and "license-files" not in line.lower()
                 and not line.startswith(("copying", "adding", "creating", "hard linking"))]
        assert not lines, f"the project's packaging says {noise!r}:\n" + "\n".join(lines)
    (sdist,) = (tmp_path / "dist").glob("briefing_desk-*.tar.gz")
    (wheel,) = (tmp_path / "dist").glob("briefing_desk-*-py3-none-any.whl")  # built from the sdist

    env_dir = tmp_path / "venv"  # a new environment with the pip its Python ships, nothing else
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

    far = tmp_path / "elsewhere"
    far.mkdir()
    briefing = env_dir / "bin" / "briefing"
    where = run(env_dir / "bin" / "python", "-c", "import briefing, briefing_plugins, briefing_templates; "
                "print(briefing.__file__, briefing_templates.__file__)", cwd=far).stdout
    assert str(ROOT) not in where and str(env_dir) in where
    version = run(briefing, "--version", cwd=far)
    assert version.stdout == f"briefing {__version__}\n" and not version.stderr
    run(briefing, "init", "desk", cwd=far)
    made = run(briefing, "build", cwd=far / "desk")  # today's issue, every format, from the sample sources
    assert made.stderr == "", made.stderr
    (folder,) = [p for p in (far / "desk" / "out").iterdir() if p.is_dir()]
    (md,) = folder.glob("*.md")
    text = md.read_text()
    assert text.startswith("# Conflict Update Day ") and "**Russia may be losing momentum in Bakhmut" in text
    for title in ("## Key Takeaways", "## China", "## Humanitarian"):  # built-in and workspace sections
        assert title in text
    assert next(folder.glob("*.pdf")).read_bytes().startswith(b"%PDF")
    listing = run(briefing, "plugins", cwd=far / "desk").stdout
    assert listing.count("china  (") == 1  # registered once

    # the sdist runs tests of its own, with the test dependencies it declares
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
