"""The package installed from its wheel works from any folder: plugins and templates ship inside it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from .conftest import ROOT


def run(*args, cwd=None):
    r = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{args}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


@pytest.mark.slow
def test_the_wheel_builds_an_issue_in_a_new_workspace_far_from_the_checkout(tmp_path):
    source = tmp_path / "src"  # build from a copy without the workspace's own out/ and caches
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", "out", ".git", "*.egg-info", "build",
                                                                ".briefing-cache", "__pycache__", "examples"))
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
        "--disable-pip-version-check", "-w", tmp_path / "dist", source)
    (wheel,) = (tmp_path / "dist").glob("briefing-*.whl")

    # A new environment: the dependencies are reachable as a plain path (no .pth of the checkout's editable
    # install is run), and briefing itself comes from the wheel only.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (purelib / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--disable-pip-version-check",
        "--target", purelib, wheel)

    far = tmp_path / "elsewhere"
    far.mkdir()
    where = run(python, "-c", "import briefing, briefing_plugins, briefing_templates; "
                "print(briefing.__file__); print(briefing_templates.__file__)", cwd=far).stdout
    assert str(ROOT) not in where and str(purelib) in where
    run(python, "-m", "briefing", "init", "desk", cwd=far)
    shutil.copy(ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt", far / "desk" / "seeds")
    run(python, "-m", "briefing", "build", "--date", "2023-03-20", "--format", "md,html", cwd=far / "desk")
    md = (far / "desk" / "out" / "2023-03-20" / "conflict-update-day-390.md").read_text()
    assert md.startswith("# Conflict Update Day 390")
    for title in ("## Key Takeaways", "## China", "## Humanitarian"):  # built-in and workspace sections
        assert title in md
    listing = run(python, "-m", "briefing", "plugins", cwd=far / "desk").stdout
    assert listing.count("china  (") == 1  # registered once
