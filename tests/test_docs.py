"""docs/plugins.md documents every hook, and names no hook that does not exist."""

import re

from briefing.plugins import hook_names

from .conftest import ROOT


def test_every_hook_is_documented_and_every_documented_hook_exists():
    page = (ROOT / "docs" / "plugins.md").read_text()
    documented = set(re.findall(r"^### (briefing_\w+)\(", page, re.MULTILINE))
    mentioned = set(re.findall(r"\b(briefing_[a-z_]+)\b", page))
    hooks = set(hook_names())
    assert hooks - documented == set(), f"hooks without a section in docs/plugins.md: {hooks - documented}"
    assert documented - hooks == set(), f"documented hooks that do not exist: {documented - hooks}"
    assert {m for m in mentioned if m.startswith("briefing_") and m not in hooks} <= {"briefing_workspace"}


def test_every_hook_spec_has_a_docstring():
    from briefing import hookspecs

    for name in hook_names():
        assert (getattr(hookspecs, name).__doc__ or "").strip(), name
