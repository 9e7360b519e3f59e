"""The desk in a real headless browser (Debian's chromium, driven by Playwright): `briefing serve` on the seeds'
day, an item left out, another moved, a comment written, and the page, the rebuilt Markdown and PDF and
notes/DATE.toml agree; the send asks once and sends once, a test copy goes to one address; the forms work with
script turned off."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import select
import socket
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import pypdf
import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from briefing.output.render import md_text

from .conftest import ROOT, every_story_workspace

pytestmark = pytest.mark.slow

DATE = "2023-03-20"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
HAND_WRITTEN = """# The desk's notes for Day 390 (this line was written by hand)
[[add]]
section = "putin_russia"
headline = "Desk note: the call moves to 09:00"   # by hand, too
text = "From tomorrow on."
"""
COMMENT = "Watch the *grain* deal."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """`briefing serve` (the real command, in its own process) on the seeds' day, mailing to a local server."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"the desk's browser tests need Debian's chromium at {CHROMIUM}: apt-get install -y chromium "
                    "(make test does it through scripts/system-deps.sh)")
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    tmp = tmp_path_factory.mktemp("browser")
    ws = every_story_workspace(tmp, [*sorted((ROOT / "seeds").glob("*.txt")), ROOT / "seeds" / "losses"], config_text=f"""
[mail]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "Briefing Desk <desk@example.org>"
recipients = ["analyst@example.org", "Chief <chief@example.org>"]
timeout = 20
""")
    (ws / "notes").mkdir()
    (ws / "notes" / f"{DATE}.toml").write_text(HAND_WRITTEN)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "briefing", "serve", "--date", DATE, "--port", str(port)], cwd=ws,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 180)
        line = proc.stdout.readline() if ready else ""
        assert line.startswith("desk    http://127.0.0.1:"), (line, proc.poll())
        yield {"url": f"http://127.0.0.1:{port}/issues/{DATE}", "ws": ws, "inbox": inbox, "tmp": tmp}
    finally:
        proc.terminate()
        proc.wait(20)
        controller.stop()


@pytest.fixture(scope="module")
def browser(desk):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        def launch(name: str, script: bool = True, width: int = 1360):
            return p.chromium.launch_persistent_context(
                str(desk["tmp"] / name), executable_path=CHROMIUM, headless=True, args=FLAGS,
                java_script_enabled=script, viewport={"width": width, "height": 1000})
        yield launch


def headlines_by_section(md: str) -> dict[str, list[str]]:
    out = {}
    for block in md.split("\n## ")[1:]:
        title, _, body = block.partition("\n")
        out[title] = [h for h in re.findall(r"^\*\*(.+?)\*\*(?: – |$)", body, re.MULTILINE) if h != "Comment"]
    return out


def settle(page) -> None:
    """Wait until every correction clicked has been saved and the draft redrawn."""
    expect(page.locator("#status")).to_have_attribute("data-state", re.compile("^(done|error)$"), timeout=60_000)


def written_file(desk, fmt: str) -> bytes:
    """One of the day's files as the desk serves it: once the latest draft is written."""
    with urllib.request.urlopen(f"{desk['url']}/files/{fmt}", timeout=120) as answer:
        return answer.read()


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(path).pages).split())


def test_leave_out_move_and_comment_in_the_browser_and_every_output_agrees(desk, browser):
    ws = desk["ws"]
    context = browser("profile-script")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(desk["url"])
    reloads = []
    page.on("load", lambda: reloads.append(1))
    first = lambda key: page.locator(f"section#{key} article.item").first  # noqa: E731
    a, b, c = first("key_takeaways"), first("china"), first("putin_russia")
    a_id, b_id, c_id = (x.get_attribute("data-item") for x in (a, b, c))
    # soft hyphens (U+00AD) are line-break hints the page adds for screens; the words are the Markdown's
    a_head, b_head, c_head = (x.locator(".headline").first.text_content().replace("\u00ad", "") for x in (a, b, c))
    page.screenshot(path=str(desk["tmp"] / "desk-before.png"))

    a.get_by_role("button", name="Leave out").click()
    settle(page)
    assert page.locator(f"#draft main #item-{a_id}").count() == 0
    assert "left out by the editor" in page.inner_text(f"#dropped-{a_id} .reason")

    item = page.locator(f"#item-{b_id}")
    item.locator("select[name=value]").select_option("comments")
    item.get_by_role("button", name="Move").click()
    settle(page)
    assert page.locator(f"section#comments #item-{b_id}").count() == 1
    assert page.locator(f"section#china #item-{b_id}").count() == 0

    item = page.locator(f"#item-{c_id}")
    item.locator("summary").click()
    item.locator("textarea[name=value]").fill(COMMENT)
    item.get_by_role("button", name="Save comment").click()
    settle(page)
    assert page.inner_text(f"#item-{c_id} p.comment") == "Comment – Watch the grain deal."
    assert page.inner_html(f"#item-{c_id} p.comment em") == "grain"
    assert reloads == [] and errors == []  # no page load: the draft was swapped in place
    assert "rebuilt in" in page.inner_text("#status")
    page.screenshot(path=str(desk["tmp"] / "desk-after.png"), full_page=False)

    # the page shows what the Markdown says, section by section
    folder = ws / "out" / DATE
    md = written_file(desk, "md").decode()  # the desk's files follow the page: asked of the desk, which waits
    # (textContent: the sections out of sight are not laid out, content-visibility: auto, and have no innerText)
    shown = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#draft main section.section')]
        .map(s => [s.querySelector('h2').textContent, [...s.querySelectorAll('article.item')]
        .map(i => i.querySelector('.headline').textContent.replaceAll('\u00ad', ''))]))""")
    md_sections = headlines_by_section(md)
    for title, heads in shown.items():
        assert [md_text(h) for h in heads] == md_sections.pop(title), title
    assert md_sections == {}
    sections = headlines_by_section(md)
    assert md_text(a_head) not in sum(sections.values(), [])
    assert md_text(b_head) in sections["Comments, Updates, Developments and Reports"]
    assert md_text(b_head) not in sections["China"]
    assert f"**Comment** – {COMMENT}" in md.split(f"**{md_text(c_head)}**", 1)[1].split("\n**", 2)[1] or \
        f"\n**Comment** – {COMMENT}\n" in md
    assert "**Desk note: the call moves to 09:00** – From tomorrow on." in md

    text = pdf_text(folder / "conflict-update-day-390.pdf")
    assert " ".join(a_head.split()) + " –" not in text  # (a source may bear the same title in a sources line)
    comments_at = text.index("Comments, Updates, Developments and Reports")
    assert comments_at < text.index(" ".join(b_head.split()) + " –") < text.index("Containment", comments_at)
    assert "Comment – Watch the grain deal." in text

    written = (ws / "notes" / f"{DATE}.toml").read_text()
    for line in HAND_WRITTEN.splitlines():
        assert line in written.splitlines()  # what was there is kept, comments included
    notes = {n["item"]: n for n in tomllib.loads(written)["note"]}
    for note in notes.values():
        assert note.pop("reports")  # each note keeps the reports of its story, which it follows
    assert notes == {a_id: {"item": a_id, "kill": True, "from": "key_takeaways"},
                     b_id: {"item": b_id, "section": "comments", "from": "china"},
                     c_id: {"item": c_id, "comment": COMMENT}}
    context.close()


def test_send_asks_once_sends_once_and_a_test_goes_to_one_address(desk, browser):
    inbox = desk["inbox"]
    context = browser("profile-send")
    page = context.new_page()
    page.goto(desk["url"])
    page.click(".send-open")
    dialog = page.locator("#send-dialog")
    assert dialog.is_visible()
    assert dialog.locator(".recipients li").all_inner_texts() == ["analyst@example.org", "Chief <chief@example.org>"]
    assert dialog.get_by_role("link", name="conflict-update-day-390.pdf").get_attribute("href").endswith("/files/pdf")
    picture = dialog.locator(".pdf-page img")
    expect(picture).to_have_js_property("naturalWidth", 497)  # page 1 at 60 dpi: A4 is 8.27 in, 497 px wide
    page.screenshot(path=str(desk["tmp"] / "desk-send.png"))
    dialog.get_by_role("button", name="Send to 2 recipients").click()
    expect(page.locator("#send-status")).to_contain_text("sent to", timeout=60_000)
    # one message per recipient, each addressed to that reader alone
    assert sorted(m[0] for m in inbox.messages) == [["analyst@example.org"], ["chief@example.org"]]
    assert "Sent on " in dialog.inner_text() and "to 2 recipients." in dialog.inner_text()
    assert dialog.get_by_role("button", name="Send to 2 recipients").count() == 0
    # a second send, even straight at the API, says when and to how many, and sends nothing
    again = page.evaluate("""async (date) => { const r = await fetch('/api/issues/' + date + '/send', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify({confirm: true})});
        return [r.status, await r.json()]; }""", DATE)
    assert again[0] == 409 and "was already sent on" in again[1]["message"] and len(inbox.messages) == 2
    dialog.locator("input[name=address]").fill("editor@example.org")
    dialog.get_by_role("button", name="Send a test").click()
    expect(page.locator("#send-status")).to_contain_text("test send", timeout=60_000)
    assert len(inbox.messages) == 3 and inbox.messages[2][0] == ["editor@example.org"]
    msg = email.message_from_bytes(inbox.messages[2][1], policy=email.policy.default)
    # a test shows exactly what the readers got, to the tester alone
    assert msg["Subject"] == "Conflict Update Day 390 – 2023-03-20" and msg["To"] == "editor@example.org"
    sends = json.loads((desk["ws"] / "out" / DATE / "sent.json").read_text())["sends"]
    assert [[d["to"] for d in s["deliveries"]] for s in sends] == [["analyst@example.org", "chief@example.org"]]  # no test
    context.close()


def test_without_script_every_form_still_works(desk, browser):
    ws = desk["ws"]
    context = browser("profile-noscript", script=False)
    page = context.new_page()
    page.goto(desk["url"])
    item = page.locator("section#china article.item").last
    story = item.get_attribute("data-item")
    with page.expect_navigation():
        item.get_by_role("button", name="Leave out").click()
    assert page.url.endswith(f"#item-{story}") and "Rebuilt in" in page.inner_text("#status"), page.inner_text("body")[:300]
    assert page.locator(f"#draft main #item-{story}").count() == 0
    assert {n["item"]: n.get("kill") for n in tomllib.loads((ws / "notes" / f"{DATE}.toml").read_text())["note"]
            }.get(story) is True
    with page.expect_navigation():
        page.locator(f"#dropped-{story}").get_by_role("button", name="Bring back").click()
    assert page.locator(f"#draft main #item-{story}").count() == 1, page.inner_text("body")[:500]
    assert page.inner_text("#status").startswith("Rebuilt in")
    assert story not in {n["item"] for n in tomllib.loads((ws / "notes" / f"{DATE}.toml").read_text())["note"]}
    with page.expect_navigation():
        page.click(".send-open")
    panel = page.inner_text("#send-panel")  # sent already when the send test ran before this one in this process
    assert page.url.endswith(f"/issues/{DATE}/send") and ("Sent on " in panel or "Send to 2 recipients" in panel)
    context.close()


def notes_of(ws: Path) -> dict[str, dict]:
    path = ws / "notes" / f"{DATE}.toml"
    return {n["item"]: n for n in tomllib.loads(path.read_text()).get("note", []) if "item" in n}


def test_edits_made_while_one_is_saved_are_all_kept(desk, browser):
    ws = desk["ws"]
    context = browser("profile-queue")
    page = context.new_page()
    page.goto(desk["url"])
    ids = [page.locator(f"section#{key} article.item").first.get_attribute("data-item")
           for key in ("china", "key_takeaways", "putin_russia")]
    # a leave-out, and in the same moment (while it is being saved) a move chosen and pressed on another item
    page.evaluate("""([a, b]) => {
        document.querySelector(`#item-${a} button.kill`).click();
        const form = document.querySelector(`#item-${b} form.move`);
        form.querySelector('select').value = 'comments';
        form.querySelector('button').click();
    }""", ids[:2])
    settle(page)
    assert page.locator(f"#draft main #item-{ids[0]}").count() == 0
    assert page.locator(f"section#comments #item-{ids[1]}").count() == 1
    # a section chosen while a correction is saved is still chosen in the redrawn draft, and then moved
    page.evaluate("""([a, b]) => {
        document.querySelector(`#item-${a} button.kill`).click();
        document.querySelector(`#item-${b} form.move select`).value = 'comments';
    }""", [page.locator("section#china article.item").first.get_attribute("data-item"), ids[2]])
    settle(page)
    assert page.locator(f"#item-{ids[2]} form.move select").input_value() == "comments"
    page.locator(f"#item-{ids[2]}").get_by_role("button", name="Move").click()
    settle(page)
    assert page.locator(f"section#comments #item-{ids[2]}").count() == 1
    assert page.locator("#desk-error").is_hidden()
    written = notes_of(ws)
    assert written[ids[0]]["kill"] is True and written[ids[1]]["section"] == "comments"
    assert written[ids[2]]["section"] == "comments"
    # the sources read again, and a pin pressed while they are: the pin waits its turn, and is kept
    last = page.locator("section#key_takeaways article.item").last.get_attribute("data-item")
    page.evaluate("""(item) => {
        document.querySelector('form[data-rebuild] button').click();
        document.querySelector(`#item-${item} button[value=pin]`).click();
    }""", last)
    settle(page)
    assert page.locator("section#key_takeaways article.item").first.get_attribute("data-item") == last
    assert notes_of(ws)[last]["pin"] is True and page.locator("#desk-error").is_hidden()
    context.close()


def test_a_second_browser_on_an_old_draft_is_told_and_shown_the_draft(desk, browser):
    ws = desk["ws"]
    first, second = browser("profile-first").new_page(), browser("profile-second").new_page()
    first.goto(desk["url"])
    second.goto(desk["url"])
    story = first.locator("section#putin_russia article.item").last.get_attribute("data-item")
    first.locator(f"#item-{story} summary").click()
    first.locator(f"#item-{story} textarea[name=value]").fill("From the first browser.")
    first.locator(f"#item-{story}").get_by_role("button", name="Save comment").click()
    settle(first)
    second.locator(f"#item-{story} summary").click()
    second.locator(f"#item-{story} textarea[name=value]").fill("From the second browser.")
    second.locator(f"#item-{story}").get_by_role("button", name="Save comment").click()
    settle(second)
    assert second.locator("#status").get_attribute("data-state") == "error"
    assert "the draft changed since your page showed it" in second.inner_text("#desk-error")
    # the second browser now shows the draft as it stands, the first one's comment in it
    assert second.inner_text(f"#item-{story} p.comment") == "Comment – From the first browser."
    assert notes_of(ws)[story]["comment"] == "From the first browser."
    second.locator(f"#item-{story} textarea[name=value]").fill("From the second browser.")
    second.locator(f"#item-{story}").get_by_role("button", name="Save comment").click()
    settle(second)
    assert second.locator("#status").get_attribute("data-state") == "done"
    assert notes_of(ws)[story]["comment"] == "From the second browser."
    first.context.close()
    second.context.close()


def test_the_desk_fits_a_phone_without_scrolling_sideways(desk, browser):
    context = browser("profile-phone", width=390)
    page = context.new_page()
    page.goto(desk["url"])
    wide = """() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,
        [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 390.5)
        .map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 5)]"""
    assert page.evaluate(wide) == [390, 390, []]
    for details in page.locator("#draft details").all():  # every folded part opened: forms and lists
        details.evaluate("d => d.open = true")
    assert page.evaluate(wide) == [390, 390, []]
    page.screenshot(path=str(desk["tmp"] / "desk-390.png"), full_page=True)
    context.close()
