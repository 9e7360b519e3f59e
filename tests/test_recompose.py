"""Recomposing from kept stories: the issue an editor's correction gets without reading the sources again is, file
for file, the issue a whole build makes from the same sources and notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefing.config.settings import load_config
from briefing.pipeline.build import build, publish, recompose

from .conftest import DATA, ROOT, make_workspace

DATE = "2023-03-20"
SEEDS = [*sorted((ROOT / "seeds").glob("*.txt")), ROOT / "seeds" / "losses"]
BUDGET = 'formats = ["md", "html"]\n[sections.key_takeaways]\nmax_items = 2\n'


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def kept(tmp_path_factory):
    """The seeds' draft built once with its stories kept, and the ids the notes below name."""
    ws = make_workspace(tmp_path_factory.mktemp("kept"), SEEDS, config_text=BUDGET)
    config = load_config(ws / "briefing.toml", date=DATE)
    first = build(config, keep=True)
    assert first.kept is not None and first.kept.stories
    printed = {s.key: [i.id for i in s.items] for s in first.issue.sections}
    over = [d["story"] for d in first.report.dropped  # left out for room, or as the repeat of a printed story
            if d["reason"] in ("over the length budget", "passed over as a repeat")]
    return ws, first, printed, over


def notes_for(printed: dict[str, list[str]], over: list[str]) -> dict[str, str]:
    kt, china = printed["key_takeaways"], printed["china"]
    return {
        "leave out": f'[[note]]\nitem = "{kt[0]}"\nkill = true\nfrom = "key_takeaways"\n',
        "move": f'[[note]]\nitem = "{china[0]}"\nsection = "containment"\nfrom = "china"\n',
        "bring back": f'[[note]]\nitem = "{over[0]}"\nrestore = true\n',
        "comment, headline, pin": f'[[note]]\nitem = "{china[-1]}"\ncomment = "Watch *this*."\n'
                                  f'headline = "The desk\'s headline"\npin = true\n',
        "losses line left out": f'[[note]]\nitem = "{printed["losses"][0]}"\nkill = true\n',
        "hand-written item": '[[add]]\nsection = "comments"\nheadline = "Desk note"\ntext = "The call moves."\n',
    }


@pytest.mark.parametrize("kind", ["leave out", "move", "bring back", "comment, headline, pin",
                                  "losses line left out", "hand-written item"])
def test_a_recomposed_issue_is_the_issue_a_whole_build_makes(kept, kind):
    ws, first, printed, over = kept
    path = ws / "notes" / f"{DATE}.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(notes_for(printed, over)[kind])
    try:
        fast = publish(recompose(first.kept))
        fast_files = files(ws / "out" / DATE)
        whole = build(load_config(ws / "briefing.toml", date=DATE))
        whole_files = files(ws / "out" / DATE)
    finally:
        path.unlink()
    assert fast_files.keys() == whole_files.keys() == {"conflict-update-day-390.md", "conflict-update-day-390.html",
                                                       "issue.json", "report.json"}
    for name in fast_files:
        assert fast_files[name] == whole_files[name], name
    assert fast.issue.name == whole.issue.name
    editor = [n["message"] for n in json.loads(fast_files["report.json"])["notes"] if n["kind"] == "editor"]
    assert editor and all("nothing to do" not in m for m in editor)  # the note did something, in both


def test_the_kept_stories_are_not_changed_by_a_composition(kept):
    ws, first, printed, _ = kept
    before = [(s.id, [p.id for p in s.passages], list(s.comments), s.section) for s in first.kept.stories]
    report = json.dumps(first.kept.report.to_dict(), sort_keys=True)
    path = ws / "notes" / f"{DATE}.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f'[[note]]\nitem = "{printed["key_takeaways"][0]}"\nsection = "comments"\n')
    try:
        draft = recompose(first.kept)
    finally:
        path.unlink()
    assert printed["key_takeaways"][0] in [i.id for s in draft.issue.sections if s.key == "comments" for i in s.items]
    assert [(s.id, [p.id for p in s.passages], list(s.comments), s.section) for s in first.kept.stories] == before
    assert json.dumps(first.kept.report.to_dict(), sort_keys=True) == report
    again = recompose(first.kept)  # without the note: the first draft again
    assert [[i.id for i in s.items] for s in again.issue.sections] == [printed[s.key] for s in again.issue.sections]


def test_a_whole_day_recomposed_with_a_leave_out_is_the_whole_build(tmp_path):
    ws = make_workspace(tmp_path, [DATA / "feeds-full" / "2023-03-19"], config_text='formats = ["md"]\n')
    config = load_config(ws / "briefing.toml", date=DATE)
    first = build(config, keep=True)
    top = next(s for s in first.issue.sections if s.items and s.key != "losses").items[0]
    path = ws / "notes" / f"{DATE}.toml"
    path.parent.mkdir()
    path.write_text(f'[[note]]\nitem = "{top.id}"\nkill = true\n[[note]]\nitem = "{top.id}x"\npin = true\n')
    publish(recompose(first.kept))
    fast = files(ws / "out" / DATE)
    build(load_config(ws / "briefing.toml", date=DATE))
    assert files(ws / "out" / DATE) == fast
    assert top.id not in {i["id"] for s in json.loads(fast["issue.json"])["sections"] for i in s["items"]}
