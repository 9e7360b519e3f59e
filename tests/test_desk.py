"""The desk's JSON API on a real server (uvicorn on 127.0.0.1): every correction, bad input refused with a 4xx and
nothing changed, same-origin writes, the token beyond loopback, two tabs at once, and the forms without script."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import threading
import tomllib
from pathlib import Path
from urllib.parse import urlencode

import pytest

from briefing.desk.guard import is_loopback
from briefing.desk.server import Background, token_for
from briefing.desk.service import Desk
from briefing.desk.view import sent_summary
from briefing.config.settings import load_config
from briefing.errors import UsageError
from briefing.pipeline.build import build

from .conftest import DATA, ROOT, every_story_workspace, make_workspace

DATE = "2023-03-20"
SEEDS = [*sorted((ROOT / "seeds").glob("*.txt")), ROOT / "seeds" / "losses"]
# md and html only: the API's rebuilds stay quick (the PDF and the send are in test_desk_browser.py)
CONFIG = 'formats = ["md", "html"]\n[sections.key_takeaways]\nmax_items = 3\n'
TOKEN = "t0ken-for-the-desk-tests"
WRITERS: dict[Path, Desk] = {}  # the desk serving each workspace, whose background writes a test waits for
OVER = "over the section's length: Key Takeaways is full with more important stories"  # as an editor reads it


class Client:
    def __init__(self, port: int, host: str = "127.0.0.1"):
        self.host, self.port = host, port

    def __call__(self, method: str, path: str, body=None, *, raw: bytes | None = None, headers=None,
                 content_type: str | None = "application/json"):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        sent = {"Content-Type": content_type} if data is not None and content_type else {}
        sent.update(headers or {})
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            payload = response.read()
        finally:
            conn.close()
        kind = response.getheader("content-type", "")
        return response.status, dict(response.getheaders()), json.loads(payload) if "json" in kind else payload


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    ws = every_story_workspace(tmp_path_factory.mktemp("desk"), SEEDS, config_text=CONFIG)
    desk = Desk(ws / "briefing.toml", __import__("datetime").date(2023, 3, 20))
    assert desk.rebuild(desk.date).ok
    running = Background(desk)
    WRITERS[ws] = desk
    yield desk, Client(running.port), ws
    running.stop()
    desk.close()


@pytest.fixture
def desk(served):
    """The served desk with no notes and a fresh draft."""
    desk, client, ws = served
    path = ws / "notes" / f"{DATE}.toml"
    if path.exists() or not desk.states[desk.date].ok:  # a test before this one corrected the draft
        path.unlink(missing_ok=True)
        assert desk.rebuild(desk.date).ok
    return desk, client, ws


def notes(ws: Path, reports: bool = False) -> dict:
    """The day's notes file (without the reports each note keeps, unless asked for)."""
    path = ws / "notes" / f"{DATE}.toml"
    data = tomllib.loads(path.read_text()) if path.is_file() else {}
    for note in data.get("note", []) if not reports else []:
        note.pop("reports", None)
    return data


def out_file(ws: Path, name: str) -> str:
    """A file of the day's issue once the desk serving ``ws`` has written its latest draft (a correction is shown
    at once; its files follow in the background)."""
    if ws in WRITERS:
        assert WRITERS[ws].publisher.wait(WRITERS[ws].date, 120)
    return (ws / "out" / DATE / name).read_text()


def markdown(ws: Path) -> str:
    return out_file(ws, "conflict-update-day-390.md")


def items(view) -> dict[str, dict]:
    return {i["id"]: i for s in view["sections"] for i in s["items"]}


def section(view, key: str) -> list[str]:
    return [i["id"] for s in view["sections"] if s["key"] == key for i in s["items"]]


def post(client, correction, **kwargs):
    return client("POST", f"/api/issues/{DATE}/notes", correction, **kwargs)


# -- reading ------------------------------------------------------------------------------------------------


def test_the_issue_has_sections_items_with_their_sources_and_the_stories_that_did_not_print(desk):
    _, client, ws = desk
    status, headers, view = client("GET", f"/api/issues/{DATE}")
    assert status == 200
    built = json.loads((ws / "out" / DATE / "issue.json").read_text())
    assert [s["key"] for s in view["sections"]] == [s["key"] for s in built["sections"]]
    for got, want in zip(view["sections"], built["sections"]):
        assert [i["id"] for i in got["items"]] == [i["id"] for i in want["items"]]
        for item, raw in zip(got["items"], want["items"]):
            assert item["headline"] == raw["headline"] and item["section"] == got["key"]
            assert item["sources"] == [{"outlet": s["outlet"], "url": s["url"]} for s in raw["sources"]]
            assert item["comment"] == ""
    report = json.loads((ws / "out" / DATE / "report.json").read_text())
    over = [d for d in report["dropped"] if d.get("reason") in ("over the length budget", "passed over as a repeat")]
    assert len(over) == 1  # four stories claim Key Takeaways, room for three
    assert {"id": over[0]["story"], "headline": over[0]["what"], "reason": OVER,
            "section": "key_takeaways", "by_editor": False, "note": None} in view["dropped"]
    assert len(view["dropped"]) == len([d for d in report["dropped"] if d.get("story")])
    assert "default-src 'self'" in headers["content-security-policy"]


def test_the_page_and_its_files(desk):
    _, client, ws = desk
    status, _, page = client("GET", f"/issues/{DATE}")
    assert status == 200 and b"Did not print" in page and b"over the section&#39;s length: Key Takeaways" in page
    status, headers, md = client("GET", f"/issues/{DATE}/files/md")
    assert status == 200 and md == markdown(ws).encode() and headers["content-type"].startswith("text/plain")
    assert client("GET", f"/issues/{DATE}/files/pdf")[0] == 404  # this workspace writes md and html only
    assert client("GET", "/issues/2023-13-45")[0] == 404
    assert client("GET", "/api/issues/2023-03-19")[0] == 404


def test_the_desk_shows_text_without_soft_hyphens(desk):
    """The issue's screen HTML hyphenates long words with soft hyphens; the desk, where an editor searches,
    copies and quotes the text, shows it as written."""
    _, client, ws = desk
    issue_html = (ws / "out" / DATE / "conflict-update-day-390.html").read_text()
    assert "\u00ad" in issue_html  # the issue itself is hyphenated
    status, _, page = client("GET", f"/issues/{DATE}")
    assert status == 200
    text = page.decode("utf-8")
    assert "\u00ad" not in text and "&shy;" not in text and "&#173;" not in text
    assert "Russia may be losing momentum in Bakhmut, says UK intelligence" in text


# -- every correction ---------------------------------------------------------------------------------------


def test_leave_out(desk):
    _, client, ws = desk
    _, _, before = client("GET", f"/api/issues/{DATE}")
    target = section(before, "key_takeaways")[0]
    headline = items(before)[target]["headline"]
    status, _, view = post(client, {"item": target, "kill": True})
    assert status == 200 and view["rebuilt"]["ok"]
    assert target not in items(view)
    gone = next(d for d in view["dropped"] if d["id"] == target)
    assert gone["reason"] == f"left out by the editor ({DATE}.toml, note 1)" and gone["by_editor"]
    assert len(section(view, "key_takeaways")) == 3  # the story over the budget took its place
    assert notes(ws) == {"note": [{"item": target, "kill": True, "from": "key_takeaways"}]}
    # the note keeps the story's reports (document ids here: the seeds have no URLs), which it follows
    report = json.loads(out_file(ws, "report.json"))
    documents = next(e["documents"] for e in report["dropped"] if e.get("story") == target)
    assert notes(ws, reports=True)["note"][0]["reports"] == documents and len(documents) >= 1
    assert f"**{headline}**" not in markdown(ws)
    # and back
    status, _, view = post(client, {"item": target, "restore": True})
    assert status == 200 and target in items(view) and notes(ws) == {}


def test_pin_first(desk):
    _, client, ws = desk
    _, _, before = client("GET", f"/api/issues/{DATE}")
    last = section(before, "china")[-1]
    status, _, view = post(client, {"item": last, "pin": True})
    assert status == 200 and section(view, "china")[0] == last and items(view)[last]["pinned"]
    md = markdown(ws).split("## China\n", 1)[1]
    assert md.lstrip().startswith(f"**{items(view)[last]['headline']}**")
    assert notes(ws)["note"] == [{"item": last, "pin": True}]


def test_move_to_another_section(desk):
    _, client, ws = desk
    _, _, before = client("GET", f"/api/issues/{DATE}")
    story = section(before, "china")[0]
    status, _, view = post(client, {"item": story, "section": "containment"})
    assert status == 200 and story in section(view, "containment") and story not in section(view, "china")
    md = markdown(ws).split("## Containment\n", 1)[1].split("\n## ", 1)[0]
    assert f"**{items(view)[story]['headline']}**" in md
    assert notes(ws)["note"] == [{"item": story, "section": "containment", "from": "china"}]


def test_replace_the_headline_and_write_a_comment(desk):
    _, client, ws = desk
    _, _, before = client("GET", f"/api/issues/{DATE}")
    story = section(before, "putin_russia")[0]
    status, _, view = post(client, {"item": story, "headline": "Xi and Putin, as the desk puts it"})
    assert status == 200 and items(view)[story]["headline"] == "Xi and Putin, as the desk puts it"
    status, _, view = post(client, {"item": story, "comment": "Watch the <b>grain</b> deal *closely*."})
    assert status == 200 and items(view)[story]["comment"] == "Watch the <b>grain</b> deal *closely*."
    md = markdown(ws)
    assert "**Xi and Putin, as the desk puts it** – " in md
    assert "**Comment** – Watch the \\<b\\>grain\\</b\\> deal *closely*." in md
    html = out_file(ws, "conflict-update-day-390.html")
    assert "Watch the &lt;b&gt;grain&lt;/b&gt; deal <em>closely</em>." in html
    status, _, page = client("GET", f"/issues/{DATE}")
    assert b"<b>grain" not in page and b"&lt;b&gt;grain" in page
    assert notes(ws)["note"] == [{"item": story, "headline": "Xi and Putin, as the desk puts it",
                                  "comment": "Watch the <b>grain</b> deal *closely*."}]
    status, _, view = post(client, {"item": story, "comment": ""})  # an empty comment takes it away
    assert items(view)[story]["comment"] == "" and "**Comment** – Watch" not in markdown(ws)


def test_bring_back_a_story_that_did_not_print(desk):
    _, client, ws = desk
    _, _, before = client("GET", f"/api/issues/{DATE}")
    over = [d for d in before["dropped"] if d["reason"] == OVER]
    dropped = over[0]["id"]
    status, _, view = post(client, {"item": dropped, "restore": True})
    assert status == 200 and dropped in section(view, over[0]["section"])
    assert dropped not in [d["id"] for d in view["dropped"]]
    assert notes(ws) == {"note": [{"item": dropped, "restore": True}]}


def test_add_a_hand_written_item(desk):
    _, client, ws = desk
    add = {"section": "comments", "headline": "Desk: the call moves to 09:00", "text": "From tomorrow on.",
           "sources": [{"outlet": "The desk", "url": "https://example.org/desk"}]}
    status, _, view = post(client, {"add": add})
    assert status == 200
    added = [i for i in view["sections"][[s["key"] for s in view["sections"]].index("comments")]["items"]
             if i["headline"] == add["headline"]]
    assert len(added) == 1 and added[0]["kind"] == "hand-written"
    assert "**Desk: the call moves to 09:00** – From tomorrow on." in markdown(ws)
    assert notes(ws) == {"add": [{"section": "comments", "headline": add["headline"], "text": "From tomorrow on.",
                                  "sources": [{"outlet": "The desk", "url": "https://example.org/desk"}]}]}


def test_two_tabs_at_once_lose_no_correction(desk):
    _, client, ws = desk
    _, _, before = client("GET", f"/api/issues/{DATE}")
    ids = section(before, "china")
    answers = []
    threads = [threading.Thread(target=lambda c=c: answers.append(post(client, c)[0]))
               for c in ({"item": ids[0], "kill": True}, {"item": ids[1], "comment": "second tab"},
                         {"item": ids[2], "pin": True})]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert answers == [200, 200, 200]
    written = {n["item"]: n for n in notes(ws)["note"]}
    assert written[ids[0]]["kill"] is True and written[ids[1]]["comment"] == "second tab"
    assert written[ids[2]]["pin"] is True
    _, _, view = client("GET", f"/api/issues/{DATE}")
    assert ids[0] not in items(view) and items(view)[ids[1]]["comment"] == "second tab"


def test_the_forms_work_without_script(desk):
    _, client, ws = desk
    _, _, before = client("GET", f"/api/issues/{DATE}")
    target = section(before, "putin_russia")[-1]
    status, headers, _ = client("POST", f"/issues/{DATE}/notes", raw=urlencode({"item": target, "action": "kill"})
                                .encode(), content_type="application/x-www-form-urlencoded",
                                headers={"Origin": f"http://127.0.0.1:{client.port}"})
    assert status == 303 and headers["location"].startswith(f"/issues/{DATE}?m=Rebuilt+in+")
    assert headers["location"].endswith(f"#item-{target}")
    assert notes(ws)["note"][0]["item"] == target


# -- bad input: a clear 4xx, nothing changed ----------------------------------------------------------------


@pytest.mark.parametrize("body, status, says", [
    ({"item": "000000000000", "kill": True}, 422, "no item '000000000000' in the issue"),
    ({"item": "@china", "section": "ukraine"}, 422, "no section 'ukraine' in the issue"),
    ({"item": "@china", "section": "losses"}, 422, "makes its own items"),
    ({"item": "@china", "kill": "yes"}, 422, 'kill must be true or false, not "yes"'),
    ({"item": "@china", "pin": 1}, 422, "pin must be true or false, not 1"),
    ({"item": "@china", "headline": ["a"]}, 422, 'headline must be a string, not ["a"]'),
    ({"item": 42, "kill": True}, 422, "item must be the id of an item"),
    ({"item": "@china", "kil": True}, 422, "unknown key 'kil' (did you mean 'kill'?)"),
    ({"item": "@china", "kill": True, "pin": True}, 422, "one correction at a time"),
    ({"item": "@china"}, 422, "one correction at a time"),
    ({"item": "@china", "restore": True}, 422, "is in the issue already"),
    ({"item": "@china", "comment": "x" * 2001}, 422, "comment is 2,001 characters long; at most 2,000"),
    ({"add": {"section": "china"}}, 422, "needs a headline"),
    ({"add": {"section": "china", "headline": "x", "sources": [{"outlet": "a", "url": "javascript:x"}]}}, 422,
     "must be http(s)"),
    (["item", "kill"], 400, "expected one correction as a JSON object"),
])
def test_a_malformed_correction_is_refused_and_changes_nothing(desk, body, status, says):
    _, client, ws = desk
    _, _, before = client("GET", f"/api/issues/{DATE}")
    if isinstance(body, dict) and body.get("item") == "@china":
        body = {**body, "item": section(before, "china")[0]}
    issue = (ws / "out" / DATE / "issue.json").read_bytes()
    got, _, answer = post(client, body)
    assert got == status and says in answer["error"]
    assert not (ws / "notes" / f"{DATE}.toml").exists()
    assert (ws / "out" / DATE / "issue.json").read_bytes() == issue


@pytest.mark.parametrize("raw, content_type, status, says", [
    (b'{"item": ', "application/json", 400, "the body is not JSON"),
    (b'{"item": "x", "kill": true}', "text/plain", 415, "Content-Type: application/json"),
    (b'{"comment": "' + b"x" * 70000 + b'"}', "application/json", 413, "over 64 KB"),
])
def test_a_body_that_cannot_be_read_is_refused(desk, raw, content_type, status, says):
    _, client, ws = desk
    got, _, answer = post(client, None, raw=raw, content_type=content_type)
    assert got == status and says in answer["error"]
    assert not (ws / "notes" / f"{DATE}.toml").exists()


def test_a_hand_broken_notes_file_is_left_alone(desk):
    desk_, client, ws = desk
    path = ws / "notes" / f"{DATE}.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("[[note]\n# the editor was typing\n")
    _, _, view = client("GET", f"/api/issues/{DATE}")
    status, _, answer = post(client, {"item": section(view, "china")[0], "kill": True})
    assert status == 409 and "not valid TOML" in answer["error"] and "fixed by hand" in answer["error"]
    assert path.read_text() == "[[note]\n# the editor was typing\n"
    path.unlink()


# -- safe by design ---------------------------------------------------------------------------------------


def test_a_change_from_another_site_is_refused(desk):
    _, client, ws = desk
    _, _, view = client("GET", f"/api/issues/{DATE}")
    target = section(view, "china")[0]
    status, _, answer = post(client, {"item": target, "kill": True}, headers={"Origin": "http://evil.example"})
    assert status == 403 and "this desk's own page" in answer["error"]
    status, _, _ = post(client, {"item": target, "kill": True}, headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    status, _, _ = client("POST", f"/issues/{DATE}/notes", raw=b"item=" + target.encode() + b"&action=kill",
                          content_type="application/x-www-form-urlencoded", headers={"Origin": "null"})
    assert status == 403
    assert not (ws / "notes" / f"{DATE}.toml").exists()
    status, _, _ = post(client, {"item": target, "kill": True},
                        headers={"Origin": f"http://127.0.0.1:{client.port}", "Sec-Fetch-Site": "same-origin"})
    assert status == 200


def test_another_host_name_is_refused_on_loopback(desk):
    _, client, _ = desk
    status, _, answer = client("GET", f"/api/issues/{DATE}", headers={"Host": f"rebound.example:{client.port}"})
    assert status == 421 and "answers as http://127.0.0.1" in answer["error"]
    assert client("GET", f"/api/issues/{DATE}", headers={"Host": f"localhost:{client.port}"})[0] == 200


def test_loopback_needs_no_token_and_any_other_address_does(monkeypatch):
    monkeypatch.delenv("BRIEFING_DESK_TOKEN", raising=False)
    assert [is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "localhost", "0.0.0.0", "192.0.2.7", "::")] \
        == [True, True, True, True, False, False, False]
    assert token_for("127.0.0.1", None, "BRIEFING_DESK_TOKEN") == ""
    with pytest.raises(UsageError, match="give a token with --token or the environment variable BRIEFING_DESK_TOKEN"):
        token_for("0.0.0.0", None, "BRIEFING_DESK_TOKEN")
    monkeypatch.setenv("BRIEFING_DESK_TOKEN", TOKEN)
    assert token_for("0.0.0.0", None, "BRIEFING_DESK_TOKEN") == TOKEN
    with pytest.raises(UsageError, match="at least 16 characters"):
        token_for("0.0.0.0", "short", "BRIEFING_DESK_TOKEN")


def test_serve_beyond_loopback_without_a_token_is_a_usage_error(tmp_path):
    ws = make_workspace(tmp_path, SEEDS[:1])
    env = {k: v for k, v in __import__("os").environ.items() if k != "BRIEFING_DESK_TOKEN"}
    r = subprocess.run([sys.executable, "-m", "briefing", "serve", "--date", DATE, "--host", "0.0.0.0", "--port", "0"],
                       cwd=ws, capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2 and "give a token with --token" in r.stderr
    assert not (ws / "out").exists()  # refused before anything was built or bound


def test_bound_to_every_address_every_request_needs_the_token(served):
    desk, _, ws = served
    other = Desk(ws / "briefing.toml", desk.date, token=TOKEN, host="0.0.0.0")
    running = Background(other, host="0.0.0.0")
    client = Client(running.port)  # reached through loopback only
    try:
        path = f"/api/issues/{DATE}"
        status, _, answer = client("GET", path)
        assert status == 401 and "needs its token" in answer["error"]
        assert client("GET", path, headers={"Authorization": "Bearer wrong-token-of-the-right-size"})[0] == 401
        assert client("GET", path, headers={"Authorization": f"Bearer {TOKEN}"})[0] == 200
        assert client("GET", f"/issues/{DATE}")[0] == 401
        status, headers, _ = client("GET", f"/issues/{DATE}?token={TOKEN}")
        assert status == 303 and headers["location"] == f"/issues/{DATE}"
        assert f"briefing_desk={TOKEN}" in headers["set-cookie"] and "httponly" in headers["set-cookie"].lower()
        assert client("GET", f"/issues/{DATE}", headers={"Cookie": f"briefing_desk={TOKEN}"})[0] == 200
        status, _, _ = client("POST", f"/api/issues/{DATE}/notes", {"item": "x", "kill": True})
        assert status == 401 and not (ws / "notes" / f"{DATE}.toml").exists()
    finally:
        running.stop()
        other.close()


def test_source_text_is_escaped_on_the_page(tmp_path):
    hostile = ("Kyiv talks <script>alert(1)</script> resume\nSource: <b onmouseover=alert(2)>Wire</b>\n\n"
               "Ukrainian and Russian negotiators met in Istanbul on Sunday <img src=x onerror=alert(3)> to discuss "
               "the Black Sea grain deal, the war in Ukraine and the exchange of prisoners of war.\n\n"
               "Ukraine's foreign minister said the talks on the war with Russia would go on in Kyiv next week.\n")
    ws = make_workspace(tmp_path, SEEDS[:1], texts={"hostile.txt": hostile}, config_text='formats = ["md", "html"]\n')
    desk = Desk(ws / "briefing.toml", __import__("datetime").date(2023, 3, 20))
    assert desk.rebuild(desk.date).ok
    running = Background(desk)
    client = Client(running.port)
    try:
        _, _, view = client("GET", f"/api/issues/{DATE}")
        story = next(i for i in items(view).values() if "<script>" in i["headline"])
        for path in (f"/issues/{DATE}", f"/issues/{DATE}/draft"):
            page = client("GET", path)[2].decode()
            assert "<script>alert" not in page and "<img src=x" not in page and "<b onmouseover" not in page
            assert "Kyiv talks &lt;script&gt;alert(1)&lt;/script&gt; resume" in page
            assert page.count("<script") == (1 if path.endswith(DATE) else 0)  # the desk's own script only
        post(client, {"item": story["id"], "kill": True})
        page = client("GET", f"/issues/{DATE}")[2].decode()  # now in the list of what did not print
        assert f'id="dropped-{story["id"]}"' in page and "<script>alert" not in page
        assert "Kyiv talks &lt;script&gt;alert(1)&lt;/script&gt; resume" in page
    finally:
        running.stop()
        desk.close()


def test_the_send_record_says_who_has_the_issue_who_may_have_it_and_who_was_missed(tmp_path):
    # a hand-written sent.json: a first send refused one reader and lost the connection on another;
    # a later send reached the refused one
    record = {"format": 2, "sends": [
        {"started": "2023-03-20T06:00:00+00:00", "deliveries": [
            {"to": "a@example.org", "message_id": "<1@x>", "state": "delivered", "at": "2023-03-20T06:00:01+00:00"},
            {"to": "b@example.org", "message_id": "<2@x>", "state": "refused", "at": "2023-03-20T06:00:02+00:00",
             "reason": "550 mailbox unavailable"},
            {"to": "c@example.org", "message_id": "<3@x>", "state": "sending", "at": "2023-03-20T06:00:03+00:00"},
            {"to": "d@example.org", "message_id": "", "state": "failed", "at": "2023-03-20T06:00:04+00:00",
             "reason": "not attempted: connection reset"}]},
        {"started": "2023-03-20T07:00:00+00:00", "deliveries": [
            {"to": "b@example.org", "message_id": "<4@x>", "state": "delivered", "at": "2023-03-20T07:00:01+00:00"}]}]}
    (tmp_path / "sent.json").write_text(json.dumps(record))
    sent = sent_summary(tmp_path)
    assert sent["count"] == 2 and sorted(sent["recipients"]) == ["a@example.org", "b@example.org"]
    assert sent["at"] == "2023-03-20T07:00:01+00:00" and sent["sends"] == 2
    assert sent["unknown"] == ["c@example.org"]
    assert sent["missed"] == ["d@example.org (not attempted: connection reset)"]
    (tmp_path / "sent.json").write_text('{"sends": [{"deliveries": [{"state": "delivered"}]}]}')
    assert "unreadable send record" in sent_summary(tmp_path)["error"]


# -- never an edit lost, never two browsers overwriting each other ----------------------------------------


def test_two_browsers_on_one_draft_the_second_is_told_and_shown_the_draft_as_it_stands(desk):
    _, client, ws = desk
    _, _, shown = client("GET", f"/api/issues/{DATE}")  # both pages show this draft
    ids = section(shown, "china")
    answers = []
    threads = [threading.Thread(target=lambda c=c: answers.append(post(client, {**c, "version": shown["version"]})))
               for c in ({"item": ids[0], "comment": "first browser"}, {"item": ids[0], "comment": "second browser"})]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(a[0] for a in answers) == [200, 409]
    won = next(a[2] for a in answers if a[0] == 200)
    lost = next(a[2] for a in answers if a[0] == 409)
    assert "the draft changed since your page showed it" in lost["error"] and "yours was not saved" in lost["error"]
    assert lost["stale"] is True and lost["issue"]["version"] == won["version"] != shown["version"]
    kept = won["correction"]["comment"]
    assert items(lost["issue"])[ids[0]]["comment"] == kept  # the loser sees the winner's comment
    assert [n.get("comment") for n in notes(ws)["note"]] == [kept]  # and it was not overwritten
    status, _, again = post(client, {"item": ids[1], "pin": True, "version": lost["issue"]["version"]})
    assert status == 200 and again["version"] != lost["issue"]["version"]  # on the draft as it stands: saved


def test_a_notes_file_edited_by_hand_makes_a_page_out_of_date(desk):
    _, client, ws = desk
    _, _, shown = client("GET", f"/api/issues/{DATE}")
    path = ws / "notes" / f"{DATE}.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("# the editor's own line\n")
    status, _, answer = post(client, {"item": section(shown, "china")[0], "kill": True, "version": shown["version"]})
    assert status == 409 and answer["stale"] and path.read_text() == "# the editor's own line\n"


@pytest.mark.parametrize("body, says", [
    ({"headline": "Kyiv\u0000 talks"}, "headline contains a NUL character (U+0000)"),
    ({"comment": "Read \u202egnp.exe"}, "comment contains a bidirectional control character (U+202E)"),
    ({"comment": "a \u2066b\u2069"}, "comment contains a bidirectional control character (U+2066)"),
    ({"headline": "bell \u0007"}, "headline contains a control character (U+0007)"),
    ({"add": {"section": "china", "headline": "Desk \u202d note"}}, "add: headline contains a bidirectional"),
    ({"add": {"section": "china", "headline": "Desk", "sources": [{"outlet": "A\u0000"}]}},
     "add: a source's outlet contains a NUL character"),
])
def test_control_characters_are_refused_with_a_message_and_the_next_correction_works(desk, body, says):
    _, client, ws = desk
    _, _, view = client("GET", f"/api/issues/{DATE}")
    target = section(view, "china")[0]
    got, _, answer = post(client, body if "add" in body else {"item": target, **body})
    assert got == 422 and says in answer["error"]
    assert not (ws / "notes" / f"{DATE}.toml").exists()
    got, _, answer = post(client, {"item": target, "headline": "Kyiv talks"})
    assert got == 200 and items(answer)[target]["headline"] == "Kyiv talks"


def test_a_comment_is_recomposed_from_the_kept_stories_without_reading_the_sources(served, tmp_path):
    desk, client, ws = served
    assert desk.rebuild(desk.date).ok
    _, _, before = client("GET", f"/api/issues/{DATE}")
    hidden = tmp_path / "seeds"
    (ws / "seeds").rename(hidden)  # the sources are gone: only the kept stories can make the draft
    try:
        story = section(before, "putin_russia")[0]
        status, _, view = post(client, {"item": story, "comment": "Kept stories."})
        assert status == 200 and view["rebuilt"]["ok"] and view["rebuilt"]["how"] == "recomposed"
        assert items(view)[story]["comments"] == ["Kept stories."]
        assert [s["key"] for s in view["sections"]] == [s["key"] for s in before["sections"]]
        assert "**Comment** – Kept stories." in markdown(ws)
        status, _, view = client("POST", f"/api/issues/{DATE}/rebuild", raw=b"", content_type=None)
        assert status == 200 and not view["rebuilt"]["ok"] and view["rebuilt"]["how"] == "whole"
    finally:
        hidden.rename(ws / "seeds")
        (ws / "notes" / f"{DATE}.toml").unlink()
        assert desk.rebuild(desk.date).ok


def test_after_another_build_wrote_the_day_the_desk_reads_the_sources_again(desk):
    desk_, client, ws = desk
    _, _, view = client("GET", f"/api/issues/{DATE}")
    story = section(view, "china")[0]
    assert post(client, {"item": story, "pin": True})[2]["rebuilt"]["how"] == "recomposed"
    markdown(ws)  # written
    late = ws / "seeds" / "late.txt"  # a report that came in since the desk read its sources
    late.write_text("Ukraine shoots down Iranian-made drones over Kyiv\n\nUkraine's air defences shot down nine "
                    "Iranian-made Shahed drones fired at Kyiv before dawn, the military administration said.\n")
    try:
        built = build(load_config(ws / "briefing.toml", date=DATE))  # a cron job's build of the same day
        new = [i.id for i in built.issue.all_items() if i.headline.startswith("Ukraine shoots down")]
        assert len(new) == 1 and new[0] not in items(view)
        status, _, view = post(client, {"item": story, "pin": False})
        assert status == 200 and view["rebuilt"]["how"] == "whole" and new[0] in items(view)
        assert post(client, {"item": story, "pin": True})[2]["rebuilt"]["how"] == "recomposed"
    finally:
        late.unlink()


SLOW = '''"""A test plugin: the build waits while the file `slow` is in the workspace, and says it has started."""
import time
from pathlib import Path

from briefing import hookimpl


@hookimpl
def briefing_build_start(config):
    flag = Path(config.workspace) / "slow"
    if flag.exists():
        (Path(config.workspace) / "slow.started").touch()
        while flag.exists():
            time.sleep(0.05)
'''


def test_an_edit_made_during_a_rebuild_is_kept(tmp_path):
    (tmp_path / "slow.py").write_text(SLOW)
    ws = every_story_workspace(tmp_path, SEEDS, config_text=CONFIG, plugins=[tmp_path / "slow.py"])
    desk = Desk(ws / "briefing.toml", __import__("datetime").date(2023, 3, 20))
    assert desk.rebuild(desk.date).ok
    running = Background(desk)
    client = Client(running.port)
    try:
        _, _, view = client("GET", f"/api/issues/{DATE}")
        story = section(view, "china")[0]
        (ws / "slow").touch()
        rebuilt = []
        reading = threading.Thread(target=lambda: rebuilt.append(
            client("POST", f"/api/issues/{DATE}/rebuild", raw=b"", content_type=None)))
        reading.start()
        while not (ws / "slow.started").exists():
            __import__("time").sleep(0.05)
        answers = []  # made while the sources are being read again
        editing = threading.Thread(target=lambda: answers.append(post(client, {"item": story, "comment": "kept"})))
        editing.start()
        __import__("time").sleep(0.5)
        assert not answers  # it waits for the rebuild: one change at a time
        (ws / "slow").unlink()
        reading.join(120)
        editing.join(120)
        assert rebuilt[0][0] == 200 and rebuilt[0][2]["rebuilt"]["ok"]
        assert answers[0][0] == 200 and items(answers[0][2])[story]["comments"] == ["kept"]
        assert notes(ws)["note"] == [{"item": story, "comment": "kept"}]
    finally:
        running.stop()
        desk.close()


# -- reasons an editor reads --------------------------------------------------------------------------------


def test_every_reason_shown_for_a_whole_day_is_written_for_an_editor(tmp_path):
    ws = make_workspace(tmp_path, [DATA / "feeds-full" / "2023-03-19"], config_text='formats = ["md"]\n')
    config = ws / "briefing.toml"
    config.write_text(config.read_text().replace('preset = "russia-ukraine-war"\n',
                                                 'preset = "russia-ukraine-war"\nname = "the war"\n', 1))
    desk = Desk(ws / "briefing.toml", __import__("datetime").date(2023, 3, 20))
    try:
        assert desk.rebuild(desk.date).ok
        view = desk.view(desk.date)
    finally:
        desk.close()
    reasons = [d["reason"] for d in view["dropped"]] + [d["reason"] for d in view["documents_left_out"]]
    assert len(view["dropped"]) > 20 and len(view["documents_left_out"]) > 500
    jargon = re.compile(r"\d\.\d\d|[<>]|rule:|relevance|scores?\b|budget|log-odds")
    assert [r for r in reasons if jargon.search(r)] == []
    assert "not about the war" in reasons
    assert any(r.startswith("the same story as “") for r in reasons)  # passed over as a repeat
    assert "a round-up that lists no story of its own" in reasons


@pytest.mark.parametrize("entry, said", [
    ({"reason": "off subject (its most relevant report scores -1.85 < 0.74)"}, "not about the war"),
    ({"reason": "over the length budget", "section": "china", "full": "section"},
     "over the section's length: China is full with more important stories"),
    ({"reason": "over the length budget", "section": "china", "full": "issue"},
     "over the issue's length: it is full with more important stories"),
    ({"reason": "every sentence already appears earlier in the issue", "same_as": "Putin visits Mariupol"},
     "the same story as “Putin visits Mariupol”"),
    ({"reason": "written in another language (de, 0.99 sure), not the issue's (en)", "language": "de"},
     "written in another language (de)"),
    ({"reason": "outside the day's window (published 2023-03-18T22:10:00+00:00; window …)",
      "published": "2023-03-18T22:10:00+00:00"}, "published outside the day (2023-03-18 22:10 UTC)"),
    ({"reason": "left out by plugin dropper"}, "left out by the dropper plugin"),
    ({"reason": "the house does not print intelligence briefings"}, "the house does not print intelligence briefings"),
])
def test_a_reason_as_the_desk_says_it(entry, said):
    from briefing.desk.reasons import for_editor

    assert for_editor(entry, "the war", {"china": "China"}) == said
    if "off subject" in entry["reason"]:
        assert for_editor(entry) == "not about the subject"  # no [subject] name: the engine names no subject


def test_a_story_all_of_whose_sentences_are_printed_already_names_the_item_that_has_them():
    from briefing.models import Item, Sentence
    from briefing.pipeline.compose import _fresh_sentences
    from briefing.editorial.text import norm_key

    printed = ["Putin visits Mariupol", "Russian President Vladimir Putin visited the occupied city of Mariupol."]
    used = [norm_key(t) for t in printed]
    item = Item(id="b", headline="Putin in Mariupol",
                sentences=[Sentence("Russian President Vladimir Putin visited the occupied city of Mariupol.", "d", 0, 70)])
    assert _fresh_sentences(item, used, ["Putin visits Mariupol"] * 2) == {"same_as": "Putin visits Mariupol"}
    assert item.sentences == []
    item = Item(id="c", headline="Grain", sentences=[Sentence("The grain deal was extended on Saturday.", "e", 0, 40)])
    assert _fresh_sentences(item, used, ["Putin visits Mariupol"] * 2) == {} and len(item.sentences) == 1


def test_an_old_notes_file_is_read_and_its_notes_given_their_reports_at_the_next_correction(desk):
    desk_, client, ws = desk
    _, _, view = client("GET", f"/api/issues/{DATE}")
    commented, pinned = section(view, "china")[0], section(view, "putin_russia")[0]
    path = ws / "notes" / f"{DATE}.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f'# written before notes kept their reports\n[[note]]\nitem = "{commented}"\ncomment = "Old."\n')
    assert desk_.rebuild(desk_.date).ok  # read as it is
    _, _, view = client("GET", f"/api/issues/{DATE}")
    assert items(view)[commented]["comments"] == ["Old."] and view["unmatched"] == []
    status, _, _ = post(client, {"item": pinned, "pin": True, "version": view["version"]})
    assert status == 200
    written = notes(ws, reports=True)["note"]
    report = json.loads(out_file(ws, "report.json"))
    documents = {e["story"]: e["documents"] for e in report["stories"]}
    assert written[0] == {"item": commented, "comment": "Old.", "reports": documents[commented]}
    assert written[1] == {"item": pinned, "reports": documents[pinned], "pin": True}
    assert path.read_text().startswith("# written before notes kept their reports\n")


def test_a_form_from_an_out_of_date_page_is_not_saved_and_the_page_says_why(desk):
    _, client, ws = desk
    _, _, view = client("GET", f"/api/issues/{DATE}")
    target = section(view, "china")[0]
    post(client, {"item": section(view, "putin_russia")[0], "pin": True})  # another tab
    status, headers, _ = client("POST", f"/issues/{DATE}/notes", raw=urlencode(
        {"item": target, "action": "kill", "version": view["version"]}).encode(),
        content_type="application/x-www-form-urlencoded", headers={"Origin": f"http://127.0.0.1:{client.port}"})
    assert status == 303 and "Not+saved" in headers["location"] and "draft+changed" in headers["location"]
    assert target not in {n["item"] for n in notes(ws)["note"]}


@pytest.mark.slow
def test_the_pdf_process_makes_the_pdf_a_build_makes_and_is_replaced_when_it_dies(tmp_path):
    from briefing.desk.publisher import PdfProcess
    from briefing.errors import BuildError
    from briefing.output.render import render_pdf

    html = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Day 390</title></head><body>'
            '<h1>Conflict Update Day 390</h1><p>Russian losses – 165,610 (+700) soldiers killed.</p></body></html>')
    maker = PdfProcess()
    try:
        assert maker(html) == render_pdf(html)  # the same bytes as the build's own
        first = maker.process
        first.kill()  # a process that dies (a crash in the PDF engine)
        first.wait()
        again = maker(html)  # replaced at the next PDF
        assert again == render_pdf(html) and maker.process is not first and maker.process.poll() is None
        maker.process.stdout.close()  # one that can no longer answer
        with pytest.raises(BuildError, match="the process making it failed"):
            maker(html)
        assert maker(html) == again
    finally:
        maker.stop()
    assert maker.process is None
