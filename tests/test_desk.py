"""The desk's JSON API on a real server (uvicorn on 127.0.0.1): every correction, bad input refused with a 4xx and
nothing changed, same-origin writes, the token beyond loopback, two tabs at once, and the forms without script."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import tomllib
from pathlib import Path
from urllib.parse import urlencode

import pytest

from briefing.desk.service import Background, Desk, is_loopback, token_for
from briefing.errors import UsageError

from .conftest import ROOT, make_workspace

DATE = "2023-03-20"
SEEDS = [*sorted((ROOT / "seeds").glob("*.txt")), ROOT / "seeds" / "losses"]
# md and html only: the API's rebuilds stay quick (the PDF and the send are in test_desk_browser.py)
CONFIG = 'formats = ["md", "html"]\n[sections.key_takeaways]\nmax_items = 3\n'
TOKEN = "t0ken-for-the-desk-tests"


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
    ws = make_workspace(tmp_path_factory.mktemp("desk"), SEEDS, config_text=CONFIG)
    desk = Desk(ws / "briefing.toml", __import__("datetime").date(2023, 3, 20))
    assert desk.rebuild(desk.date).ok
    running = Background(desk)
    yield desk, Client(running.port), ws
    running.stop()


@pytest.fixture
def desk(served):
    """The served desk with no notes and a fresh draft."""
    desk, client, ws = served
    path = ws / "notes" / f"{DATE}.toml"
    if path.exists() or not desk.states[desk.date].ok:  # a test before this one corrected the draft
        path.unlink(missing_ok=True)
        assert desk.rebuild(desk.date).ok
    return desk, client, ws


def notes(ws: Path) -> dict:
    path = ws / "notes" / f"{DATE}.toml"
    return tomllib.loads(path.read_text()) if path.is_file() else {}


def markdown(ws: Path) -> str:
    return (ws / "out" / DATE / "conflict-update-day-390.md").read_text()


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
    over = [d for d in report["dropped"] if d.get("reason") == "over the length budget"]
    assert len(over) == 1  # four stories claim Key Takeaways, room for three
    assert {"id": over[0]["story"], "headline": over[0]["what"], "reason": "over the length budget",
            "section": "key_takeaways", "by_editor": False, "note": None} in view["dropped"]
    assert len(view["dropped"]) == len([d for d in report["dropped"] if d.get("story")])
    assert "default-src 'self'" in headers["content-security-policy"]


def test_the_page_and_its_files(desk):
    _, client, ws = desk
    status, _, page = client("GET", f"/issues/{DATE}")
    assert status == 200 and b"Did not print" in page and b"over the length budget" in page
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
    html = (ws / "out" / DATE / "conflict-update-day-390.html").read_text()
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
    over = [d for d in before["dropped"] if d["reason"] == "over the length budget"]
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
    ({"item": "@china", "comment": "x" * 2001}, 422, "comment is 2001 characters long; at most 2000"),
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
    sent = Desk.sent(tmp_path)
    assert sent["count"] == 2 and sorted(sent["recipients"]) == ["a@example.org", "b@example.org"]
    assert sent["at"] == "2023-03-20T07:00:01+00:00" and sent["sends"] == 2
    assert sent["unknown"] == ["c@example.org"]
    assert sent["missed"] == ["d@example.org (not attempted: connection reset)"]
    (tmp_path / "sent.json").write_text('{"sends": [{"deliveries": [{"state": "delivered"}]}]}')
    assert "unreadable send record" in Desk.sent(tmp_path)["error"]
