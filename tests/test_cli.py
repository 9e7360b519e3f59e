"""The command line: exit codes, one-line usage errors, the plugin listing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

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


def test_plugins_shows_each_section_in_its_place(tmp_path):
    """The order a section prints in, as the workspace sets it (briefing.toml's [sections.KEY] order wins)."""
    r = run("plugins")
    assert r.returncode == 0, r.stderr
    assert "    sections: China [china], order 70\n" in r.stdout
    assert "    sections: Key Takeaways [key_takeaways], order 20\n" in r.stdout
    ws = make_workspace(tmp_path, [ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt"])
    config = ws / "briefing.toml"
    config.write_text(config.read_text() + "\n[sections.china]\norder = 15\n")
    r = run("plugins", cwd=ws)
    assert r.returncode == 0, r.stderr
    assert "    sections: China [china], order 15\n" in r.stdout


# -- unattended: loud failures, quiet successes -------------------------------------------------------------

def test_bare_briefing_prints_the_help_and_exits_0(tmp_path):
    r = run(cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.startswith("Usage: briefing [OPTIONS] COMMAND") or r.stdout.startswith("Usage: briefing [OPTIONS]")
    for command in ("build", "send", "init", "plugins", "new-plugin"):
        assert f"\n  {command} " in r.stdout
    assert "_BRIEFING_COMPLETE=bash_source briefing" in r.stdout  # shell completion, told where it is asked


def test_version(tmp_path):
    from briefing import __version__

    r = run("--version", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"briefing {__version__}\n", "")


def test_shell_completion_completes_subcommands(tmp_path):
    env = {**os.environ, "_BRIEFING_COMPLETE": "bash_complete", "COMP_WORDS": "briefing bu", "COMP_CWORD": "1"}
    r = subprocess.run([sys.executable, "-m", "briefing"], cwd=tmp_path, capture_output=True, text=True, env=env,
                       timeout=60)
    assert r.stdout.split() == ["plain,build"]


def test_no_configuration_and_no_sources_is_a_usage_error(tmp_path):
    r = run("build", "--date", "2023-03-20", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == (f"briefing: usage error: no briefing.toml in {tmp_path} or any folder above it: run this "
                        "in a workspace (make one with `briefing init DIR`), or name one with --config, or give "
                        "--sources\n")
    assert list(tmp_path.iterdir()) == []  # no out/ made in whatever folder cron started in
    r = run("build", "--date", "2023-03-20", "--format", "md", "--sources",
            str(ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr  # sources on the command line are enough


def test_a_build_whose_every_source_fails_exits_1_with_each_reason(tmp_path):
    ws = make_workspace(tmp_path, [])
    (ws / "briefing.toml").write_text('[subject]\npreset = "russia-ukraine-war"\n[briefing]\nsources = ["seeds", "missing/*.xml", "gone.txt"]\n')
    (ws / "seeds" / "empty.txt").write_text("")
    (ws / "seeds" / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    r = run("build", "--date", "2023-03-20", "--format", "md", "-q", cwd=ws)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.splitlines() == [  # each bad source as it is met (-q keeps them), then the error
        "briefing: WARNING: skipped source missing/*.xml: no file matches this pattern",
        "briefing: WARNING: skipped source gone.txt: not found",
        "briefing: WARNING: skipped source seeds/binary.txt: binary data, not text",
        "briefing: WARNING: skipped source seeds/empty.txt: empty file",
        'briefing: error: no documents read from the sources (seeds, missing/*.xml, gone.txt):',
        "  missing/*.xml: no file matches this pattern",
        "  gone.txt: not found",
        "  seeds/binary.txt: binary data, not text",
        "  seeds/empty.txt: empty file",
    ]
    assert not (ws / "out" / "2023-03-20").exists()


def test_quiet_prints_only_what_the_issue_holds_before_or_after_the_subcommand(tmp_path):
    ws = make_workspace(tmp_path, [ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt"])
    (ws / "seeds" / "empty.txt").write_text("")  # a skipped source: the one line --quiet keeps
    for args in (["-q", "build"], ["build", "--quiet"]):
        r = subprocess.run([sys.executable, "-m", "briefing", *args, "--date", "2023-03-20", "--format", "md,html"],
                           cwd=ws, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert (r.returncode, r.stdout, r.stderr) == (
            0, "", "briefing: WARNING: skipped source seeds/empty.txt: empty file\n"), args
    loud = run("build", "--date", "2023-03-20", "--format", "md", cwd=ws)  # without it: the files and the warning
    assert loud.stdout.startswith("md      ") and "1 source(s) skipped" in loud.stderr
    assert run("build", "-q", "-v", cwd=ws).returncode == 2


@pytest.mark.slow
def test_verbose_shows_the_tools_own_records_only(tmp_path):
    ws = make_workspace(tmp_path, [ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt"])
    r = run("build", "--date", "2023-03-20", "-v", cwd=ws)  # the PDF too: its engine and fonts log at debug
    assert r.returncode == 0, r.stderr
    records = [line for line in r.stderr.splitlines() if line.startswith("briefing: ")]
    assert any(": DEBUG: briefing" in line or ": INFO: briefing" in line for line in records)
    for line in records:
        level, logger = line.split(": ")[1:3]
        assert logger.startswith("briefing") or level in ("WARNING", "ERROR", "CRITICAL"), line


def test_a_glob_that_matches_folders_reads_the_files_inside_them(tmp_path):
    """`--sources 'days/2023-03-1[3-9]'`: each folder the pattern names is read whole, as a folder named by
    itself would be (hidden files and a folder's README left out); the folders it does not name are not."""
    days = tmp_path / "days"
    story = (ROOT / "seeds" / "000_f0b3ea1751f13ff4.txt").read_text()
    for day, name in (("2023-03-13", "a.txt"), ("2023-03-19", "b.txt"), ("2023-03-20", "c.txt")):
        (days / day / "deeper").mkdir(parents=True)
        (days / day / name).write_text(story.replace("\n", f" ({name})\n", 1))
        (days / day / "README.md").write_text("# not a source\n")
        (days / day / ".hidden.txt").write_text("not a source either\n")
    (days / "2023-03-19" / "deeper" / "d.txt").write_text(story.replace("\n", " (d.txt)\n", 1))
    out = tmp_path / "o"
    r = run("build", "--date", "2023-03-20", "--format", "md", "--out", str(out),
            "--sources", str(days / "2023-03-1[3-9]"))
    assert r.returncode == 0, r.stderr
    report = json.loads((out / "2023-03-20" / "report.json").read_text())
    assert [s["path"] for s in report["sources"]] == [
        str(days / "2023-03-13" / "a.txt"), str(days / "2023-03-19" / "b.txt"),
        str(days / "2023-03-19" / "deeper" / "d.txt")]
    assert report["bad_sources"] == []
