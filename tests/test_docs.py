"""docs/plugins.md documents every hook with its real signature, names no hook that does not exist, and its
examples are working plugins."""

import re

from briefing import hookspecs
from briefing.host.plugins import Plugins, hook_names, signature_of
from briefing.testing import build_workspace

from .conftest import ROOT

PAGE = ROOT / "docs" / "plugins.md"
# names on the page that look like hooks but are something else, each with what it is
NOT_HOOKS = {
    "briefing_workspace": "the pytest fixture in briefing.testing",
    "briefing_energy": "the example plugin's module, examples/energy-plugin/briefing_energy.py",
}


def documented(page: str) -> dict[str, str]:
    return dict(re.findall(r"^### (briefing_\w+)(\(.*\))\s*$", page, re.MULTILINE))


def test_every_hook_is_documented_with_its_signature_and_every_documented_hook_exists():
    page = PAGE.read_text()
    headings = documented(page)
    hooks = set(hook_names())
    assert hooks - set(headings) == set(), f"hooks without a section in docs/plugins.md: {hooks - set(headings)}"
    assert set(headings) - hooks == set(), f"documented hooks that do not exist: {set(headings) - hooks}"
    for name, args in headings.items():
        assert args == signature_of(name), f"docs/plugins.md: {name}{args} but the hook is {name}{signature_of(name)}"
    mentioned = set(re.findall(r"\b(briefing_[a-z_]+)\b", page))
    unknown = {m for m in mentioned if m not in hooks and m not in NOT_HOOKS}
    assert unknown == set(), f"docs/plugins.md names hooks that do not exist: {unknown}"


def test_the_checks_fail_on_a_missing_or_invented_hook():
    page = PAGE.read_text()
    without = re.sub(r"^### briefing_score\(.*$", "### Scoring", page, flags=re.MULTILINE)
    assert "briefing_score" not in documented(without)
    invented = page + "\n### briefing_colour(issue)\n"
    assert set(documented(invented)) - set(hook_names()) == {"briefing_colour"}


def test_every_hook_spec_has_a_docstring():
    for name in hook_names():
        assert (getattr(hookspecs, name).__doc__ or "").strip(), name


def test_the_examples_on_the_page_are_working_plugins(tmp_path):
    blocks = re.findall(r"^```python\n(.*?)^```", PAGE.read_text(), re.MULTILINE | re.DOTALL)
    plugins = [b for b in blocks if "@hookimpl" in b]
    assert len(plugins) >= 8
    folder = tmp_path / "examples"
    folder.mkdir()
    files = []
    for n, code in enumerate(plugins):
        path = folder / f"doc_example_{n}.py"
        path.write_text(code)
        files.append(path)
    result = build_workspace(tmp_path / "b", [ROOT / "seeds" / "002_3d2ce1288090b4de.txt"], plugins=files,
                             formats="md", config_text='[desk_note]\ntext = "Quiet day."\n[share]\nfolder = "shared"\n',
                             strict=True)
    assert result.report.plugin_errors == []
    examples = [row for row in Plugins(result.workspace).describe() if row["name"].startswith("doc_example_")]
    assert {h for row in examples for h in row["hooks"]} == set(hook_names())
    assert "**From the desk** – Quiet day." in result.markdown
    assert (result.workspace / "shared" / result.paths["md"].name).is_file()
