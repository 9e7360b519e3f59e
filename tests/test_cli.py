"""The command line: exit codes, one-line usage errors, the plugin listing."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT, make_workspace


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "briefing", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_bad_date_is_a_usage_error_in_one_line():
    r = run("build", "--date", "2023-13-45", "--format", "md")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "YYYY-MM-DD" in r.stderr


def test_unknown_option_and_format_are_usage_errors():
    r = run("build", "--colour", "red")
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0
    r = run("build", "--format", "docx")
    assert r.returncode == 2 and "docx" in r.stderr


def test_build_with_sources_and_out(tmp_path):
    out = tmp_path / "o"
    r = run("build", "--date", "2023-03-20", "--format", "md", "--out", str(out),
            "--sources", str(ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt"), str(ROOT / "seeds" / "losses"))
    assert r.returncode == 0, r.stderr
    md = (out / "2023-03-20" / "conflict-update-day-390.md").read_text()
    assert md.startswith("# Conflict Update Day 390")
    assert "Al Jazeera" in md


def test_sources_take_globs(tmp_path):
    out = tmp_path / "o"
    r = run("build", "--date", "2023-03-20", "--format", "md", "--out", str(out),
            "--sources", str(ROOT / "seeds" / "00[01]_*.txt"))
    assert r.returncode == 0, r.stderr
    report = (out / "2023-03-20" / "report.json").read_text()
    assert "000_f0b3ea1751f13ff4.txt" in report and "001_546d6f66f1e1dd59.txt" in report
    assert "002_3d2ce1288090b4de.txt" not in report


def test_a_failed_build_exits_1_and_leaves_the_previous_issue(tmp_path):
    ws = make_workspace(tmp_path, [ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt"])
    assert run("build", "--date", "2023-03-20", "--format", "md", cwd=ws).returncode == 0
    md = ws / "out" / "2023-03-20" / "conflict-update-day-390.md"
    before = md.read_bytes()
    (ws / "seeds" / "broken.txt").write_bytes(b"\x00\x01\x02binary")
    r = run("build", "--date", "2023-03-20", "--format", "md", "--strict", cwd=ws)
    assert r.returncode == 1
    assert "broken.txt" in r.stderr
    assert md.read_bytes() == before
    assert sorted(p.name for p in md.parent.iterdir()) == ["conflict-update-day-390.md", "issue.json", "report.json"]


def test_plugins_lists_plugins_hooks_and_sections():
    r = run("plugins")
    assert r.returncode == 0, r.stderr
    assert "china" in r.stdout and "briefing_sections" in r.stdout and "China [china]" in r.stdout
    assert "briefing_loaders" in r.stdout
