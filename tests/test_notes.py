"""Editor's notes: strict reading (a bad file fails the build, the previous issue kept), corrections applied
before the stories are placed (a leave-out frees its place, a move is placed and summarized in its new section,
a story left out is brought back), comments escaped in every output, edits that keep the file's comments, and
the desk's history."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from briefing import BuildError
from briefing.api import KILLED, desk_history
from briefing.pipeline.build import build
from briefing.config.settings import load_config
from briefing.desk.editing import edit_notes
from briefing.desk.notes import NotesError, parse_notes, story_reports

from .conftest import DATA, ROOT, every_story_workspace, make_workspace

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
DATE = "2023-03-20"
BUDGET = "[sections.key_takeaways]\nmax_items = 2\n"  # four stories claim Key Takeaways on the seeds' day


def build_ws(ws: Path, formats: str = "md,html"):
    return build(load_config(ws / "briefing.toml", date=DATE, formats=formats))


def write_notes(ws: Path, text: str, date: str = DATE) -> Path:
    path = ws / "notes" / f"{date}.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def section_ids(result, key: str) -> list[str]:
    return [i.id for s in result.issue.sections if s.key == key for i in s.items]


def md_section(md: str, title: str) -> str:
    return md.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


@pytest.fixture(scope="module")
def budget_ws(tmp_path_factory):
    """The seeds with room for two Key Takeaways, and what that draft holds without notes."""
    ws = every_story_workspace(tmp_path_factory.mktemp("budget"), SEEDS, config_text=BUDGET)
    first = build_ws(ws)
    over = [d["story"] for d in first.report.dropped  # left out for room, or as the repeat of a printed story
            if d["reason"] in ("over the length budget", "passed over as a repeat")]
    return ws, section_ids(first, "key_takeaways"), over, first


# -- safety: a notes file is read as written or the build fails ---------------------------------------------


@pytest.mark.parametrize("text, says", [
    ("[[note]\nmatch = ", "not valid TOML"),
    ('[[note]]\nitem = "x"\nkil = true\n', "unknown key 'kil' (did you mean 'kill'?)"),
    ('[[note]]\nitem = "x"\nkill = "no"\n', "kill must be true or false, not the string 'no'"),
    ('[[note]]\nitem = "x"\nkill = 1\n', "kill must be true or false, not the number 1"),
    ('[[note]]\nitem = "x"\nsection = "ukraine"\n', "no section 'ukraine' in the issue"),
    ('[[note]]\nkill = true\n', "name the item with either item"),
    ('[[notes]]\nitem = "x"\n', "unknown table(s) notes (did you mean 'note'?)"),
    ('[[add]]\nheadline = "Desk note"\n', "add 1: section is required"),
    ('[[note]]\nitem = "x"\ncomment = ["a", "b"]\n', "comment must be a string, not a list"),
    # the limits of the guarded reader and of the schema: never a plugin skipped, never minutes of work
    ('[[note]]\nitem = "x"\nkill = true\ncomment = ' + "[" * 500 + "]" * 500 + "\n", "nested deeper than 8 levels"),
    ('[[note]]\nitem = "x"\ncomment = "' + "x" * (10 << 20) + '"\n', "too large: 10.0 MB (limit 1 MB)"),
    ('[[note]]\nitem = "x"\ncomment = "' + "x" * 2001 + '"\n', "comment is 2,001 characters long; at most 2,000"),
    ('[[note]]\nitem = "x"\nreports = ["https://a.example/1", 2]\n', "report 2 must be a string, not the number 2"),
])
def test_a_notes_file_that_cannot_be_applied_as_written_fails_the_build(tmp_path, text, says):
    ws = make_workspace(tmp_path, SEEDS[:1])
    write_notes(ws, text)
    with pytest.raises(BuildError) as caught:
        build_ws(ws, "md")
    assert f"{DATE}.toml" in str(caught.value) and says in str(caught.value)


@pytest.mark.slow
def test_a_broken_notes_file_exits_1_and_keeps_the_previous_issue(tmp_path):
    ws = make_workspace(tmp_path, SEEDS[:2])
    path = write_notes(ws, "")
    ok = subprocess.run([sys.executable, "-m", "briefing", "build", "--date", DATE, "--format", "md"], cwd=ws,
                        capture_output=True, text=True, timeout=180)
    assert ok.returncode == 0, ok.stderr
    folder = ws / "out" / DATE
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    killed = json.loads((folder / "issue.json").read_text())["sections"][1]["items"][0]["id"]
    path.write_text(f'[[note]]\nitem = "{killed}"\nkill = "yes"\n')  # a string, not true: must not publish
    r = subprocess.run([sys.executable, "-m", "briefing", "build", "--date", DATE, "--format", "md"], cwd=ws,
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 1
    assert "notes/2023-03-20.toml: note 1: kill must be true or false" in r.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


# -- corrections that change what is composed ---------------------------------------------------------------


def test_a_left_out_story_frees_its_place_for_the_next_one(tmp_path, budget_ws):
    _, printed, over, _ = budget_ws
    assert len(printed) == 2 and len(over) == 2
    ws = every_story_workspace(tmp_path, SEEDS, config_text=BUDGET)
    write_notes(ws, f'[[note]]\nitem = "{printed[0]}"\nkill = true\n')
    result = build_ws(ws)
    assert set(section_ids(result, "key_takeaways")) == {printed[1], over[0]}  # the next story by importance
    left_out = [d for d in result.report.dropped if d["story"] == printed[0]]
    assert [d["reason"] for d in left_out] == [f"left out by the editor ({DATE}.toml, note 1)"]
    assert left_out[0]["editor"] is True and left_out[0]["note"] == 1
    assert printed[0] not in {e["story"] for e in result.report.stories}  # never placed


def test_a_moved_story_is_placed_and_summarized_in_its_new_section(tmp_path, budget_ws):
    _, printed, _, first = budget_ws
    china = section_ids(first, "china")
    ws = every_story_workspace(tmp_path, SEEDS, config_text=BUDGET)
    write_notes(ws, f'[[note]]\nitem = "{printed[0]}"\nsection = "comments"\nfrom = "key_takeaways"\n\n'
                    f'[[note]]\nitem = "{china[-1]}"\nsection = "containment"\n')
    result = build_ws(ws)
    assert printed[0] in section_ids(result, "comments")
    assert china[-1] in section_ids(result, "containment")
    assert printed[0] not in section_ids(result, "key_takeaways")
    assert china[-1] not in section_ids(result, "china")
    placed = {e["story"]: e["section"] for e in result.report.stories}
    assert placed[printed[0]] == "comments" and placed[china[-1]] == "containment"
    md = result.paths["md"].read_text()
    moved = next(i for i in first.issue.all_items() if i.id == printed[0])
    assert f"**{moved.headline}**" in md_section(md, "Comments, Updates, Developments and Reports")
    # its place in Key Takeaways went to the next story
    assert len(section_ids(result, "key_takeaways")) == 2


def test_a_story_left_out_over_the_budget_is_brought_back_with_its_sentences_verbatim(tmp_path, budget_ws):
    _, printed, over, _ = budget_ws
    ws = every_story_workspace(tmp_path, SEEDS, config_text=BUDGET)
    write_notes(ws, f'[[note]]\nitem = "{over[1]}"\nrestore = true\n')
    result = build_ws(ws)
    assert section_ids(result, "key_takeaways") == [*printed, over[1]]
    assert over[1] not in {d.get("story") for d in result.report.dropped}
    item = next(i for i in result.issue.all_items() if i.id == over[1])
    entry = next(e for e in result.report.stories if e["story"] == over[1])
    assert item.sentences and [s["text"] for s in entry["item"]["sentences"]] == [s.text for s in item.sentences]
    sources = {p.read_text(encoding="utf-8") for p in SEEDS}
    for sentence in item.sentences:  # copied verbatim, as every printed sentence is
        assert any(sentence.text in " ".join(text.split()) or sentence.text in text for text in sources)


def test_a_story_a_plugin_left_out_is_brought_back(tmp_path):
    dropper = tmp_path / "dropper.py"
    dropper.write_text('''
from briefing import hookimpl

@hookimpl
def briefing_stories(stories, build):
    kept = []
    for story in stories:
        if any("UK intelligence" in p.title for p in story.passages):
            build.drop_story(story, "the house does not print intelligence briefings")
        else:
            kept.append(story)
    return kept
''')
    ws = make_workspace(tmp_path, SEEDS, plugins=[dropper])
    first = build_ws(ws)
    gone = [d for d in first.report.dropped if d["reason"] == "the house does not print intelligence briefings"]
    assert len(gone) == 1
    write_notes(ws, f'[[note]]\nitem = "{gone[0]["story"]}"\nrestore = true\n')
    second = build_ws(ws)
    assert gone[0]["story"] in {i.id for i in second.issue.all_items()}
    assert gone[0]["story"] not in {d.get("story") for d in second.report.dropped}
    assert [n["message"] for n in second.report.notes if n["kind"] == "editor"] == \
        [f"note 1: restore on {gone[0]['what']!r}"]


def test_pin_headline_and_a_left_out_line_that_is_not_a_story(tmp_path, budget_ws):
    _, printed, _, _ = budget_ws
    ws = every_story_workspace(tmp_path, [*SEEDS, ROOT / "seeds" / "losses"], config_text=BUDGET)
    losses = section_ids(build_ws(ws), "losses")
    assert len(losses) == 1  # the losses line, made from data: not a story
    write_notes(ws, f'[[note]]\nitem = "{printed[1]}"\npin = true\nheadline = "The editor\'s headline"\n\n'
                    f'[[note]]\nitem = "{losses[0]}"\nkill = true\n')
    result = build_ws(ws)
    assert section_ids(result, "key_takeaways")[0] == printed[1]
    assert next(s for s in result.issue.sections if s.key == "key_takeaways").items[0].headline == \
        "The editor's headline"
    assert section_ids(result, "losses") == []
    assert [d["reason"] for d in result.report.dropped if d.get("story") == losses[0]] == \
        [f"left out by the editor ({DATE}.toml, note 2)"]


# -- a note follows its story ------------------------------------------------------------------------------


WHOLE_DAY = DATA / "feeds-full" / "2023-03-19"
TOP_STORY = "d65e33226eee"  # Putin in Mariupol: 18 reports of 13 outlets, the day's top story


@pytest.fixture(scope="module")
def whole_day(tmp_path_factory):
    """Every feed of 2023-03-19 as the next morning's draft, and the reports of its top story."""
    ws = make_workspace(tmp_path_factory.mktemp("whole-day"), [WHOLE_DAY], config_text='formats = ["md"]\n')
    first = build_ws(ws, "md")
    report = json.loads(first.paths["report"].read_text())
    top = next(e for e in report["stories"] if e["story"] == TOP_STORY)
    paths = {d["id"]: Path(d["path"]).name for d in report["documents"]}
    return ws, report, top, paths


def test_a_note_follows_its_story_when_a_feed_is_taken_away(whole_day, tmp_path):
    _, report, top, paths = whole_day
    reports = story_reports(report, TOP_STORY)
    assert len(reports) == 18 and all(r.startswith(("https://", "http://")) for r in reports)
    # the comment as the desk writes it: the story's id, its reports, its headline for a person reading the file
    text = edit_notes("", {"item": TOP_STORY, "comment": "The first visit to occupied Donbas."},
                      from_section=top["section"], headline=top["item"]["headline"], reports=reports)
    ws = make_workspace(tmp_path, [WHOLE_DAY], config_text='formats = ["md"]\n')
    npr = [i for i in top["documents"] if paths[i] == "npr.xml"]
    assert len(npr) == 1
    (ws / "seeds" / "2023-03-19" / "npr.xml").unlink()  # one of the story's outlets is not read this time
    write_notes(ws, text)
    result = build_ws(ws, "md")
    mariupol = [i for i in result.issue.all_items() if i.headline == top["item"]["headline"]]
    assert len(mariupol) == 1 and mariupol[0].id != TOP_STORY  # the story changed, and with it its id
    assert mariupol[0].comments == ["The first visit to occupied Donbas."]
    followed = [n for n in result.report.notes if n["kind"] == "editor-followed"]
    assert [(n["was"], n["item"]) for n in followed] == [(TOP_STORY, mariupol[0].id)]
    assert "(16 of its 18 reports in it today)" in followed[0]["message"]  # NPR not read, one report regrouped
    assert not [n for n in result.report.notes if n["kind"] == "editor-unmatched"]


def test_a_note_of_yesterdays_kind_that_matches_nothing_is_said_even_under_quiet_and_fails_strict(whole_day, tmp_path):
    _, report, top, _ = whole_day
    ws = make_workspace(tmp_path, [WHOLE_DAY], config_text='formats = ["md"]\n')
    (ws / "seeds" / "2023-03-19" / "npr.xml").unlink()
    # written before notes kept their reports: the story's id alone, which a feed less changes
    write_notes(ws, f'[[note]]\nitem = "{TOP_STORY}"\ncomment = "The first visit to occupied Donbas."\n')
    run = lambda *extra: subprocess.run([sys.executable, "-m", "briefing", "-q", "build", "--date", DATE, *extra],  # noqa: E731
                                        cwd=ws, capture_output=True, text=True, timeout=300)
    quiet = run()
    assert quiet.returncode == 0 and quiet.stdout == ""
    assert f"note 1 ('{TOP_STORY}') matches no item of the issue and no story of the day" in quiet.stderr
    unmatched = [n for n in json.loads((ws / "out" / DATE / "report.json").read_text())["notes"]
                 if n["kind"] == "editor-unmatched"]
    assert [n["note"] for n in unmatched] == [1] and unmatched[0]["item"] == TOP_STORY
    built = (ws / "out" / DATE / "issue.json").read_bytes()
    strict = run("--strict")
    assert strict.returncode == 1 and "--strict: 2023-03-20.toml: note 1" in strict.stderr
    assert (ws / "out" / DATE / "issue.json").read_bytes() == built  # nothing published


def test_a_note_follows_only_a_story_that_holds_at_least_half_of_its_reports():
    from types import SimpleNamespace as NS

    from briefing_plugins.editor_notes import by_reports

    def story(sid, *urls):
        return NS(id=sid, documents=[NS(url=u, id="") for u in urls])

    a, b = story("a", "u1", "u2", "u3"), story("b", "u4", "u5")
    assert by_reports([a, b], ["u1", "u2", "u4"]) == [a]  # two of the three still read
    assert by_reports([a, b], ["u1", "u4", "u5", "u6"]) == [b]  # u6 is not read today: two of three
    assert by_reports([a, b], ["u1", "u4", "u5", "u2"]) == [a, b]  # as many in each: both (the build warns)
    assert by_reports([a, b], ["u9"]) == [] and by_reports([a, b], []) == []
    c = story("c", "u1", "x", "y")
    assert by_reports([a, c, b], ["u1", "u4", "u5", "u3", "u2", "u7"]) == [a]  # 3 of 5 read today


# -- comments are escaped in every output -------------------------------------------------------------------


HOSTILE = ('Read <script>alert(1)</script> and [this](javascript:alert(2)) ![x](http://tracker.example/p.png) '
           '&lt;b&gt; \u202egnp.exe *really*')


def build_with_comment(tmp_path, formats: str):
    ws = make_workspace(tmp_path, SEEDS[:1])
    item = build_ws(ws, "md").issue.all_items()[0]
    write_notes(ws, f'[[note]]\nitem = "{item.id}"\ncomment = {json.dumps(HOSTILE)}\n')
    return build_ws(ws, formats)


def test_an_editors_comment_is_escaped_in_markdown_and_html(tmp_path):
    result = build_with_comment(tmp_path, "md,html")
    md = result.paths["md"].read_text()
    html = result.paths["html"].read_text()
    line = next(x for x in md.splitlines() if x.startswith("**Comment** –"))
    assert re.search(r"(?<!\\)[<\[]", line) is None and "\u202e" not in md  # every < and [ is escaped
    assert line == ("**Comment** – Read \\<script\\>alert(1)\\</script\\> and \\[this\\](javascript:alert(2)) "
                    "!\\[x\\](http://tracker.example/p.png) \\&lt;b\\&gt; gnp.exe *really*")
    comment = re.search(r'<p class="comment">.*?</p>', html).group(0)
    assert "<script" not in comment and "href" not in comment and "<img" not in comment
    assert "&lt;script&gt;" in comment and "<em>really</em>" in comment
    from briefing.mail.send import render_mail
    from briefing.output.render import environment

    mail_html, mail_text = render_mail(result.issue, environment(load_config(result.paths["md"].parents[2] /
                                                                             "briefing.toml")))
    comment = re.search(r"<strong>Comment</strong> – .*?</p>", mail_html).group(0)
    assert "<script" not in comment and "href" not in comment and "<img" not in comment and "<em>really</em>" in comment
    assert "Comment – Read <script>alert(1)</script> and [this](javascript:alert(2))" in mail_text  # plain text


@pytest.mark.slow
def test_an_editors_comment_is_text_in_the_pdf(tmp_path):
    import pypdf

    result = build_with_comment(tmp_path, "pdf")
    text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(result.paths["pdf"]).pages).split())
    assert "Read <script>alert(1)</script> and [this](javascript:alert(2))" in text  # shown as text, not run
    assert "gnp.exe" in text and "\u202e" not in text


# -- editing the file keeps what is there -------------------------------------------------------------------


HAND_WRITTEN = '''# Monday's notes, kept by hand
[[note]]
match = "Avdiivka"   # the town, not the region
comment = "This where a complete Russian division was wiped out."

# a desk note for the call
[[add]]
section = "key_takeaways"
headline = "Desk note"
text = "The morning call moves to 09:00."
'''


def test_the_desks_edits_keep_every_hand_written_line_and_comment():
    text = edit_notes(HAND_WRITTEN, {"item": "a1", "kill": True}, from_section="china", headline="Xi in Moscow")
    text = edit_notes(text, {"item": "b2", "section": "comments"}, from_section="containment", headline="Shells")
    text = edit_notes(text, {"item": "b2", "comment": "Two *weeks* late."}, from_section="comments")
    text = edit_notes(text, {"add": {"section": "china", "headline": "Call at nine", "text": "", "comment": "",
                                     "pin": True, "sources": [{"outlet": "The desk", "url": ""}]}})
    for line in HAND_WRITTEN.splitlines():
        assert line in text.splitlines()
    data = tomllib.loads(text)
    assert data["note"][0] == {"match": "Avdiivka", "comment": "This where a complete Russian division was wiped out."}
    assert data["note"][1] == {"item": "a1", "kill": True, "from": "china"}
    assert data["note"][2] == {"item": "b2", "section": "comments", "from": "containment",
                               "comment": "Two *weeks* late."}
    assert data["add"][1] == {"section": "china", "headline": "Call at nine", "pin": True,
                              "sources": [{"outlet": "The desk"}]}
    assert "[[note]] # Xi in Moscow" in text  # a person reading the file sees what the id is
    parse_notes(text, "edited")  # and the result is a valid notes file
    # taking corrections back: the move back to where the draft had it, the leave-out, the comment
    text = edit_notes(text, {"item": "b2", "section": "containment"}, from_section="comments")
    text = edit_notes(text, {"item": "b2", "comment": ""})
    text = edit_notes(text, {"item": "a1", "restore": True}, note_number=2)
    data = tomllib.loads(text)
    assert data["note"] == [{"match": "Avdiivka", "comment": "This where a complete Russian division was wiped out."}]
    assert "# Monday's notes, kept by hand" in text and "# the town, not the region" in text


def test_restore_of_a_story_the_draft_left_out_is_written_as_restore():
    text = edit_notes("", {"item": "c3", "restore": True}, headline="A dropped story")
    assert tomllib.loads(text) == {"note": [{"item": "c3", "restore": True}]}
    text = edit_notes(text, {"item": "c3", "kill": True}, from_section="china")
    assert tomllib.loads(text) == {"note": [{"item": "c3", "kill": True, "from": "china"}]}


def test_the_desk_edits_the_note_that_followed_its_story_to_a_new_id():
    text = '[[note]] # Putin visits Mariupol\nitem = "old1"\nreports = ["u1", "u2", "u3"]\ncomment = "First."\n'
    text = edit_notes(text, {"item": "new2", "comment": "Second."}, own=1, reports=["u1", "u2", "u4"],
                      from_section="key_takeaways")
    assert tomllib.loads(text) == {"note": [{"item": "new2", "reports": ["u1", "u2", "u4"], "comment": "Second."}]}
    assert text.startswith("[[note]] # Putin visits Mariupol\n")  # one note, today's id and reports in it


def test_notes_written_before_reports_are_given_theirs_when_the_desk_next_writes():
    old = '# by hand\n[[note]]\nitem = "a1"\ncomment = "kept"\n\n[[note]]\nmatch = "Avdiivka"\npin = true\n'
    text = edit_notes(old, {"item": "b2", "pin": True}, reports=["u5"], attach={1: ["u1", "u2"], 2: ["u3"]})
    data = tomllib.loads(text)
    assert data["note"] == [{"item": "a1", "comment": "kept", "reports": ["u1", "u2"]},
                            {"match": "Avdiivka", "pin": True},  # a phrase stays a phrase
                            {"item": "b2", "reports": ["u5"], "pin": True}]
    assert text.startswith("# by hand\n")
    assert edit_notes(old, {"item": "zz", "pin": False}) == old  # nothing to take back, nothing to attach: as it was


def test_an_unreadable_file_is_not_edited():
    with pytest.raises(NotesError):
        parse_notes("[[note]\n", "notes/x.toml")


# -- the desk's history -------------------------------------------------------------------------------------


def test_desk_history_returns_the_moves_and_leave_outs_of_the_last_learn_days(tmp_path):
    ws = every_story_workspace(tmp_path, SEEDS, config_text="[desk]\nlearn_days = 30\n")
    first = build_ws(ws)
    kt = section_ids(first, "key_takeaways")
    headline = {i.id: i.headline for i in first.issue.all_items()}
    write_notes(ws, f'[[note]]\nitem = "{kt[0]}"\nkill = true\nfrom = "key_takeaways"\n\n'
                    f'[[note]]\nitem = "{kt[1]}"\nsection = "comments"\nfrom = "key_takeaways"\n\n'
                    f'[[note]]\nitem = "{kt[2]}"\ncomment = "not a move"\n')
    (ws / "notes" / "2023-03-01.toml").write_text('[[note]]\nmatch = "Bakhmut"\nsection = "containment"\n')
    (ws / "notes" / "2023-02-01.toml").write_text('[[note]]\nitem = "old"\nkill = true\n')  # 47 days before
    (ws / "notes" / "README.toml").write_text("not a day\n")
    build_ws(ws)  # the day's files now hold the editor's draft
    config = load_config(ws / "briefing.toml", date=DATE)
    records = [r.to_dict() for r in desk_history(config)]
    assert records == [
        {"date": "2023-03-01", "item": "", "from_section": "", "to_section": "containment", "headline": "",
         "match": "Bakhmut"},
        {"date": DATE, "item": kt[0], "from_section": "key_takeaways", "to_section": KILLED,
         "headline": headline[kt[0]], "match": ""},
        {"date": DATE, "item": kt[1], "from_section": "key_takeaways", "to_section": "comments",
         "headline": headline[kt[1]], "match": ""},
    ]
    assert [r.date for r in desk_history(config, days=60)][0] == dt.date(2023, 2, 1)
    assert [r.date for r in desk_history(config, days=5)] == [dt.date(2023, 3, 20)] * 2


def test_the_desks_earlier_moves_teach_the_placement(tmp_path):
    """A story the editor moved from Key Takeaways to Comments yesterday teaches today's draft: a story like it
    goes to Comments, and report.json says the desk's history placed it."""
    day1 = ("Ukraine says it shot down Iranian-made drones over Kyiv\n\nUkraine's air force said it shot down "
            "eleven Iranian-made Shahed drones launched at Kyiv overnight, the city's military administration "
            "said on Sunday.\n")
    day2 = ("Ukraine shoots down Iranian-made drones over Kyiv again\n\nUkraine's air defences shot down nine "
            "Iranian-made Shahed drones fired at Kyiv before dawn, the military administration said on Monday.\n")
    ws = make_workspace(tmp_path, [], config_text='formats = ["md"]\n')
    (ws / "seeds" / "drones.txt").write_text(day1)
    first = build(load_config(ws / "briefing.toml", date="2023-03-19"))
    [(section, item)] = [(s.key, i) for s in first.issue.sections for i in s.items if i.sentences]
    assert section != "comments"
    write_notes(ws, f'[[note]]\nitem = "{item.id}"\nsection = "comments"\nfrom = "{section}"\n', date="2023-03-19")
    (ws / "seeds" / "drones.txt").write_text(day2)
    second = build(load_config(ws / "briefing.toml", date="2023-03-20"))
    placed = {s.key: [i for i in s.items if i.sentences] for s in second.issue.sections}
    assert len(placed["comments"]) == 1 and placed["comments"][0].headline.startswith("Ukraine shoots down")
    [entry] = [e for e in second.report.stories if e.get("printed")]
    assert "moved to this section on an earlier day" in entry["desk"]
    assert any(n["kind"] == "desk history" for n in second.report.notes)
