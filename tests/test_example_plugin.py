"""examples/energy-plugin installs into a fresh virtual environment and adds its section to the issue there."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "energy-plugin"


def run(*args, cwd=None):
    r = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, f"{args}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


@pytest.mark.slow
def test_the_example_plugin_installs_into_a_new_venv_and_builds_an_issue(tmp_path):
    # A new, empty environment that can see this project's installed packages (briefing and its
    # dependencies) through a .pth line, but whose own site-packages start empty. Offline: no index is used.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    ours = sysconfig.get_paths()["purelib"]
    (purelib / "project-environment.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    assert "energy" not in run(python, "-m", "briefing", "plugins").stdout.split()

    source = tmp_path / "energy-plugin"  # build from a copy: the checkout stays clean
    shutil.copytree(EXAMPLE, source)
    run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
        "--disable-pip-version-check", str(source))
    assert list(purelib.glob("briefing_energy-0.1.0.dist-info"))
    assert (purelib / "briefing_energy.py").is_file()

    listing = run(python, "-m", "briefing", "plugins", cwd=tmp_path).stdout
    assert "energy  (entry point briefing_energy)" in listing and "sections: Energy [energy]" in listing

    ws = tmp_path / "ws"
    run(python, "-m", "briefing", "init", ws)
    for path in (EXAMPLE / "samples").glob("*.*"):
        if path.suffix in (".xml", ".txt"):
            shutil.copy(path, ws / "seeds")
    # the samples are from the fortnight before Day 390: widen the day's window to take them in
    run(python, "-m", "briefing", "build", "--offline", "--date", "2023-03-20", "--since", "2023-03-06", "--format", "md",
        cwd=ws)
    md = (ws / "out" / "2023-03-20" / "conflict-update-day-390.md").read_text()
    energy = md[md.index("\n## Energy\n"):md.index("\n## Sanctions\n")]
    assert "**After a year of war, Russian gas still flowing through Ukraine**" in energy
    assert energy.count("\n**") >= 2  # and another of the power stories

    # the example's own three-line test passes there, with the fixture that comes with briefing
    r = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", source / "tests", cwd=source)
    assert "1 passed" in r.stdout

    # and this project's environment never saw the plugin
    assert "energy" not in run(sys.executable, "-m", "briefing", "plugins", cwd=tmp_path).stdout.split()


def test_the_example_declares_its_entry_point():
    import tomllib

    meta = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())
    assert meta["project"]["entry-points"]["briefing"] == {"energy": "briefing_energy"}
