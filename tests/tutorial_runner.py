"""Follow a Markdown tutorial literally: run its shell blocks, write its file blocks, compare its output blocks.

Fenced blocks, by their info string:
  ``sh``                         commands, run by bash in the folder the previous block left off in
  ``text output``                exactly what the shell block before it printed on stdout
  ``<lang> file=PATH``           a file to write (relative to the current folder), replacing what is there
  ``<lang> excerpt=PATH``        text that must appear, verbatim, in that file (relative to the current folder)
Any other block is prose for the reader and is left alone.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


@dataclass
class Step:
    kind: str  # "sh", "output", "file", "excerpt", "other"
    text: str
    arg: str = ""
    line: int = 0


def steps(markdown: str) -> list[Step]:
    out = []
    for m in FENCE.finditer(markdown):
        info, body = m.group(1).strip().split(), m.group(2)
        line = markdown.count("\n", 0, m.start()) + 1
        words = dict(w.split("=", 1) for w in info[1:] if "=" in w)
        if info[:1] == ["sh"]:
            out.append(Step("sh", body, line=line))
        elif info[:2] == ["text", "output"]:
            out.append(Step("output", body, line=line))
        elif "file" in words:
            out.append(Step("file", body, words["file"], line))
        elif "excerpt" in words:
            out.append(Step("excerpt", body, words["excerpt"], line))
        else:
            out.append(Step("other", body, line=line))
    return out


def follow(markdown: str, start: Path) -> list[tuple[Step, str]]:
    """Do every step from ``start``; returns each checkable step with what was actually found."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("BRIEFING_TRACE", None)
    cwd = Path(start)
    last_stdout = ""
    checks: list[tuple[Step, str]] = []
    for step in steps(markdown):
        if step.kind == "sh":
            script = f"set -euo pipefail\n{step.text}\npwd > \"$TUTORIAL_CWD_FILE\"\n"
            state = Path(start) / ".tutorial-cwd"
            r = subprocess.run(["bash", "-c", script], cwd=cwd, capture_output=True, text=True, timeout=300,
                               env={**env, "TUTORIAL_CWD_FILE": str(state)})
            if r.returncode != 0:
                raise AssertionError(f"tutorial line {step.line}: exit {r.returncode}\n{step.text}\n{r.stderr}")
            cwd = Path(state.read_text().strip())
            last_stdout = r.stdout
        elif step.kind == "output":
            checks.append((step, last_stdout))
        elif step.kind == "file":
            target = cwd / step.arg
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.text, encoding="utf-8")
        elif step.kind == "excerpt":
            checks.append((step, (cwd / step.arg).read_text(encoding="utf-8")))
    return checks
