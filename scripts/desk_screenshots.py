"""The desk's pictures in docs/images/: the seeds' day after three corrections, and the send dialog.

    .venv/bin/python scripts/desk_screenshots.py

Builds the seeds' day (2023-03-20) in a temporary workspace, serves the desk on a free port of 127.0.0.1, and
drives Debian's chromium (Playwright, a fresh profile, never a downloaded browser) to leave an item out, move
another to Comments and write a comment, as an editor would; then it opens the send dialog.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    from briefing.desk.server import Background
    from briefing.desk.service import Desk

    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        (ws / "seeds").mkdir(parents=True)
        for path in sorted((ROOT / "seeds").glob("*.txt")):
            shutil.copy(path, ws / "seeds")
        shutil.copytree(ROOT / "seeds" / "losses", ws / "seeds" / "losses")
        (ws / "briefing.toml").write_text(
            '[subject]\npreset = "russia-ukraine-war"\nname = "the war"\n'
            '[briefing]\ntitle = "Conflict Update"\nfirst_day = 2022-02-24\nsources = ["seeds"]\nout = "out"\n[mail]\nhost = "127.0.0.1"\nport = 2525\n'
            'security = "none"\nsender = "Briefing Desk <desk@example.org>"\n'
            'recipients = ["analyst@example.org", "Chief <chief@example.org>", "duty-officer@example.org"]\n')
        desk = Desk(ws / "briefing.toml", dt.date(2023, 3, 20))
        if not desk.rebuild(desk.date).ok:
            sys.exit(desk.states[desk.date].error)
        running = Background(desk)
        try:
            with sync_playwright() as p:
                context = p.chromium.launch_persistent_context(
                    str(Path(tmp) / "profile"), executable_path="/usr/bin/chromium", headless=True, args=FLAGS,
                    viewport={"width": 1360, "height": 1000}, device_scale_factor=1)
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{running.port}/issues/2023-03-20")
                status = page.locator("#status")

                def done():  # the correction clicked is saved and the draft redrawn
                    expect(status).to_have_attribute("data-state", "done", timeout=60_000)

                page.locator("section#key_takeaways article.item").nth(1).get_by_role("button",
                                                                                       name="Leave out").click()
                done()
                moved = page.locator("section#china article.item").first
                moved_id = moved.get_attribute("data-item")
                moved.locator("select[name=value]").select_option("comments")
                moved.get_by_role("button", name="Move").click()
                done()
                item = page.locator("section#key_takeaways article.item").first
                item.locator("summary").click()
                item.locator("textarea[name=value]").fill("Bakhmut holds: the *culminating point* is the story "
                                                          "of the week.")
                item.get_by_role("button", name="Save comment").click()
                done()
                page.locator("section#key_takeaways").scroll_into_view_if_needed()
                page.evaluate("window.scrollBy(0, -60)")
                IMAGES.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(IMAGES / "desk.png"))
                page.locator(f"#item-{moved_id}").scroll_into_view_if_needed()
                page.click(".send-open")
                expect(page.locator("#send-dialog .pdf-page img")).to_have_js_property("naturalWidth", 497, timeout=60_000)
                page.screenshot(path=str(IMAGES / "desk-send.png"))
                context.close()
        finally:
            running.stop()
            desk.close()
    print(f"wrote {IMAGES / 'desk.png'} and {IMAGES / 'desk-send.png'}")


if __name__ == "__main__":
    main()
