"""Mail: a real SMTP server on 127.0.0.1 receives the issue, one message per recipient, each at most once;
failures, interrupted sends and a record that cannot be written say why and never mail a copy twice."""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import json
import os
import re
import resource
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from briefing.config.settings import load_config

from .conftest import ROOT

PASSWORD = "s3cret-for-tests"
RECIPIENTS = ["analyst@example.org", "Chief <chief@example.org>", "desk.officer@example.net"]
ADDRESSES = ["analyst@example.org", "chief@example.org", "desk.officer@example.net"]


class Inbox:
    """An aiosmtpd handler that stores every message; ``after`` decides what happens once it is stored:
    "answer" (250), "drop" (the connection is cut before the answer) or "stall" (no answer for an hour)."""

    def __init__(self, after: str = "answer", refuse: tuple[str, ...] = ()):
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.after = after
        self.refuse = refuse
        self.data_commands = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_commands += 1
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or
                              envelope.content))
        if self.after == "drop":
            server.transport.abort()  # stored, and gone before the client hears so
        elif self.after == "stall":
            await asyncio.sleep(3600)
        return "250 OK"

    def to(self, addr: str) -> list[bytes]:
        return [raw for _, rcpt, raw in self.messages if rcpt == [addr]]


def check_login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"editor" and \
        auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(inbox: Inbox, **kwargs):
    port = free_port()  # Controller(port=0) fails its own readiness check in aiosmtpd 1.4.6
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=check_login,
                            auth_require_tls=False, **kwargs)
    controller.start()
    return controller, port


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1 that requires a login and answers 250."""
    inbox = Inbox()
    controller, port = start_server(inbox)
    try:
        yield inbox, port
    finally:
        controller.stop()


def workspace(tmp_path: Path, out: Path, port: int, extra: str = "", recipients=RECIPIENTS, timeout: float = 10) -> Path:
    """A workspace whose out/ holds a copy of the built Day 390 issue, mailing to 127.0.0.1:port."""
    ws = tmp_path / "ws"
    ws.mkdir()
    shutil.copytree(out / "2023-03-20", ws / "out" / "2023-03-20")
    (ws / "briefing.toml").write_text(f"""
[briefing]
out = "out"
[mail]
host = "127.0.0.1"
port = {port}
security = "none"
sender = "Briefing Desk <desk@example.org>"
recipients = {json.dumps(recipients)}
username = "editor"
password_env = "TEST_SMTP_PASSWORD"
timeout = {timeout}
{extra}
""")
    return ws


def send(ws: Path, *args: str, password: str | None = PASSWORD, file_limit: int | None = None):
    env = {k: v for k, v in os.environ.items() if k != "TEST_SMTP_PASSWORD"}
    if password is not None:
        env["TEST_SMTP_PASSWORD"] = password

    def limit_files():  # a file may not grow past file_limit bytes: the send record cannot be written
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.run([sys.executable, "-m", "briefing", "send", "--date", "2023-03-20", *args], cwd=ws,
                          capture_output=True, text=True, timeout=120, env=env,
                          preexec_fn=limit_files if file_limit is not None else None)


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


def deliveries(ws: Path) -> list[dict]:
    sends = json.loads((ws / "out" / "2023-03-20" / "sent.json").read_text())["sends"]
    return [d for s in sends for d in s["deliveries"]]


@pytest.fixture
def built(seeds_build):
    return seeds_build.paths["md"].parent.parent


def test_each_recipient_gets_a_message_of_their_own_and_sees_no_other(tmp_path, smtp_server, built):
    inbox, port = smtp_server
    ws = workspace(tmp_path, built, port)
    r = send(ws)
    assert r.returncode == 0, r.stderr
    assert len(inbox.messages) == 3
    assert sorted(rcpt for _, (rcpt,), _ in inbox.messages) == sorted(ADDRESSES)
    ids = set()
    for mail_from, rcpt, raw in inbox.messages:
        assert mail_from == "desk@example.org"
        (me,) = rcpt  # one envelope recipient per message
        msg = parse(raw)
        assert msg["To"].addresses[0].addr_spec == me and len(msg["To"].addresses) == 1
        assert msg["Cc"] is None and msg["Bcc"] is None
        whole = raw.decode("ascii", errors="replace") + "".join(
            part.get_content() for part in msg.walk() if part.get_content_maintype() == "text")
        for other in ADDRESSES:
            if other != me:
                assert other not in whole, f"{me}'s copy shows {other}"
        assert msg["List-Id"] == "Conflict Update <conflict-update.example.org>"
        assert msg["List-Unsubscribe"] == "<mailto:desk@example.org?subject=unsubscribe>"
        assert msg["List-Post"] == "NO"
        ids.add(msg["Message-ID"].strip())
    assert len(ids) == 3  # a Message-ID of its own each
    states = {d["to"]: (d["state"], d["message_id"]) for d in deliveries(ws)}
    assert {a: s for a, (s, _) in states.items()} == {a: "delivered" for a in ADDRESSES}
    assert {m for _, m in states.values()} == ids


@pytest.mark.slow
def test_send_delivers_html_text_chart_and_pdf_once(tmp_path, smtp_server, built):
    inbox, port = smtp_server
    ws = workspace(tmp_path, built, port, recipients=RECIPIENTS[:1])
    folder = ws / "out" / "2023-03-20"
    r = send(ws)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "Conflict Update Day 390 sent to analyst@example.org (one message each)"
    (raw,) = inbox.to("analyst@example.org")
    msg = parse(raw)
    assert msg["Subject"] == "Conflict Update Day 390 – 2023-03-20"
    text = msg.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    # the plain-text part is written for reading: the issue's words, no Markdown marks, no tags
    assert text.startswith("Conflict Update Day 390\nMarch 20th, 2023\n")
    assert "\n\nKEY TAKEAWAYS\n=============\n" in text
    assert "<sup>" not in text and "**" not in text and "](" not in text and "<" not in text.split("Sources:")[0]
    assert "(The chart is in the HTML part of this mail and in the attached PDF.)" in text
    for item in json.loads((folder / "issue.json").read_text())["sections"][2]["items"]:
        assert f"* {item['headline']}" in text
    html = msg.get_body(preferencelist=("html",)).get_content()
    lowered = html.lower()
    assert "<script" not in lowered and "<link" not in lowered
    assert "<style" not in lowered and 'style="' in html  # inline CSS only
    assert "../index.html" not in html and "../index.html" not in text  # relative links mean nothing in a mailbox
    assert "Conflict Update Day 390" in html and "<h2 style=" in html
    assert "March 20<sup>th</sup>, 2023" in html
    # the chart: an inline PNG in the HTML part, referred to by its Content-ID, at its phone layout's size
    (src,) = re.findall(r'<img src="([^"]+)"[^>]*width="360"', html)
    assert re.findall(r"<img ", html) == ["<img "]
    related = msg.get_body(preferencelist=("related",))
    (image,) = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    assert src == "cid:" + image["Content-ID"].strip().strip("<>")
    png = image.get_content()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and int.from_bytes(png[16:20], "big") == 720  # drawn at 2×
    attachments = [a for a in msg.iter_attachments() if a.get_content_type() == "application/pdf"]
    assert [a.get_filename() for a in attachments] == ["conflict-update-day-390.pdf"]
    assert attachments[0].get_content() == (folder / "conflict-update-day-390.pdf").read_bytes()
    (record,) = deliveries(ws)
    assert record["message_id"] == msg["Message-ID"].strip() and record["state"] == "delivered"

    again = send(ws)
    assert again.returncode == 0
    assert "already sent" in again.stderr and "--force" in again.stderr
    assert len(inbox.messages) == 1, "the same issue was mailed twice"

    forced = send(ws, "--force")
    assert forced.returncode == 0, forced.stderr
    assert len(inbox.messages) == 2
    sends = json.loads((folder / "sent.json").read_text())["sends"]
    assert len(sends) == 2 and sends[1]["forced"] is True


@pytest.mark.slow
def test_absolute_links_list_id_and_unsubscribe_from_the_configuration(tmp_path, smtp_server, built):
    inbox, port = smtp_server
    ws = workspace(tmp_path, built, port, recipients=RECIPIENTS[:1], extra=(
        'list_id = "Morning Brief <brief.desk.example.org>"\n'
        'unsubscribe = "https://example.org/unsubscribe?list=brief"\none_click = true\n'
        '[archive]\nbase_url = "https://example.org/briefing/"\n'))
    r = send(ws, "-q")  # quiet: a successful send says nothing at all
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    r = send(ws, "-q")  # nor does one that finds the issue already sent
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "") and len(inbox.messages) == 1
    msg = parse(inbox.messages[0][2])
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Back issues: https://example.org/briefing/index.html" in text
    assert "Online: https://example.org/briefing/2023-03-20/conflict-update-day-390.html" in text
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert '<a href="https://example.org/briefing/index.html" style="' in html
    assert '<a href="https://example.org/briefing/2023-03-20/conflict-update-day-390.html"' in html
    assert msg["List-Archive"] == "<https://example.org/briefing/index.html>"
    assert msg["List-Id"] == "Morning Brief <brief.desk.example.org>"
    assert msg["List-Unsubscribe"] == "<https://example.org/unsubscribe?list=brief>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "To stop receiving this briefing, https://example.org/unsubscribe?list=brief." in text
    toml = ws / "briefing.toml"
    toml.write_text(toml.read_text().replace("https://example.org/unsubscribe", "javascript:alert(1)//"))
    r = send(ws, "--force")
    assert r.returncode == 2 and "unsubscribe: expected a mailto: or https: address" in r.stderr


@pytest.mark.slow
def test_a_test_send_goes_to_that_address_only_and_is_not_the_send(tmp_path, smtp_server, built):
    inbox, port = smtp_server
    ws = workspace(tmp_path, built, port)
    r = send(ws, "--to", "Editor <editor@example.com>")
    assert r.returncode == 0, r.stderr
    assert "test send of Conflict Update Day 390 to editor@example.com (not recorded" in r.stdout
    assert [rcpt for _, rcpt, _ in inbox.messages] == [["editor@example.com"]]
    msg = parse(inbox.messages[0][2])
    assert str(msg["To"]) == "Editor <editor@example.com>"
    assert not any(a in inbox.messages[0][2].decode("ascii", "replace") for a in ADDRESSES)
    assert not (ws / "out" / "2023-03-20" / "sent.json").exists()
    assert "(not recorded: the issue's own send is still to come)" in r.stdout
    r = send(ws)  # the issue's own send is still to come, to the whole list
    assert r.returncode == 0, r.stderr
    assert sorted(rcpt[0] for _, rcpt, _ in inbox.messages[1:]) == sorted(ADDRESSES)
    at = deliveries(ws)[-1]["at"]
    r = send(ws, "--to", "editor@example.com")  # after the list's send: it says so, not that it is to come
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ("test send of Conflict Update Day 390 to editor@example.com (not recorded: the "
                                f"issue itself went to its 3 recipients on {at})")
    assert len(inbox.messages) == 5
    r = send(ws, "--to", "not-an-address")
    assert r.returncode == 2 and "--to: 'not-an-address' is not an email address" in r.stderr


@pytest.mark.slow
def test_an_issue_without_items_is_not_mailed_unless_forced(tmp_path, smtp_server, built):
    inbox, port = smtp_server
    ws = workspace(tmp_path, built, port, recipients=RECIPIENTS[:1])
    model = ws / "out" / "2023-03-20" / "issue.json"
    data = json.loads(model.read_text())
    for section in data["sections"]:
        section["items"] = []
    model.write_text(json.dumps(data))
    r = send(ws)
    assert r.returncode == 1
    assert r.stderr.strip() == ("briefing: error: Conflict Update Day 390 has no items: every section is empty; "
                                "not mailing it (use --force to send it anyway)")
    assert not inbox.messages and not (ws / "out" / "2023-03-20" / "sent.json").exists()
    r = send(ws, "--force")
    assert r.returncode == 0, r.stderr
    assert len(inbox.messages) == 1


@pytest.mark.slow
def test_a_refused_recipient_is_named_and_the_others_are_not_mailed_again(tmp_path, built):
    inbox = Inbox(refuse=("chief@example.org",))
    controller, port = start_server(inbox)
    try:
        ws = workspace(tmp_path, built, port)
        r = send(ws)
        assert r.returncode == 1
        assert "not delivered to chief@example.org (550 5.1.1 no such user here)" in r.stderr
        assert sorted(rcpt[0] for _, rcpt, _ in inbox.messages) == ["analyst@example.org", "desk.officer@example.net"]
        r = send(ws)  # a retry tries the refused recipient only
        assert r.returncode == 1 and len(inbox.messages) == 2
        states = [(d["to"], d["state"]) for d in deliveries(ws)]
        assert states.count(("chief@example.org", "refused")) == 2
    finally:
        controller.stop()


@pytest.mark.slow
@pytest.mark.parametrize("after", ["drop", "stall"])
def test_a_message_stored_without_an_answer_is_never_sent_twice_without_force(tmp_path, built, after):
    """The server stores the first message, then cuts the connection (or says nothing until the send's time
    runs out): the outcome is unknown, so no retry mails that reader again unless forced."""
    inbox = Inbox(after=after)
    controller, port = start_server(inbox)
    try:
        ws = workspace(tmp_path, built, port, timeout=3 if after == "stall" else 10)
        r = send(ws)
        assert r.returncode == 1
        assert "it may have been delivered" in r.stderr and "--force" in r.stderr
        if after == "stall":
            assert "gave up after 3 s ([mail] timeout)" in r.stderr
        assert [rcpt for _, rcpt, _ in inbox.messages] == [["analyst@example.org"]]
        first = [d for d in deliveries(ws) if d["to"] == "analyst@example.org"]
        assert [d["state"] for d in first] == ["sending"]  # the intent, with no outcome
        assert first[0]["message_id"] == parse(inbox.messages[0][2])["Message-ID"].strip()

        inbox.after = "answer"
        for _ in range(2):  # retries: the readers never reached get it; the one who may have it does not
            r = send(ws)
            assert r.returncode == 1
            assert "may have been delivered to analyst@example.org" in r.stderr and "--force" in r.stderr
        assert len(inbox.to("analyst@example.org")) == 1, "a second copy without --force"
        assert len(inbox.to("chief@example.org")) == 1 and len(inbox.to("desk.officer@example.net")) == 1

        r = send(ws, "--force")  # the operator's decision: the one whose copy is in doubt gets another
        assert r.returncode == 0, r.stderr
        assert len(inbox.to("analyst@example.org")) == 2 and len(inbox.messages) == 4
        assert "already sent" in send(ws).stderr
    finally:
        controller.stop()


@pytest.mark.slow
def test_a_send_whose_record_cannot_be_written_sends_nothing(tmp_path, smtp_server, built):
    inbox, port = smtp_server
    ws = workspace(tmp_path, built, port)
    r = send(ws, file_limit=64)  # sent.json can hold no more than 64 bytes: the intent cannot be recorded
    assert r.returncode == 1
    assert "cannot record the send in" in r.stderr and "File too large" in r.stderr
    assert "not sent to analyst@example.org or those after it" in r.stderr
    assert not inbox.messages and inbox.data_commands == 0  # the server never saw a DATA
    r = send(ws)
    assert r.returncode == 0, r.stderr
    assert len(inbox.messages) == 3


class Trickler:
    """A TCP server on 127.0.0.1 that answers a connection with an SMTP greeting one byte a second: each
    read is quick, the whole greeting would take ten minutes."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.trickle, args=(conn,), daemon=True).start()

    def trickle(self, conn):
        with conn:
            for byte in b"220-" + b"x" * 600 + b"\r\n220 ready\r\n":
                if self.stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(1)

    def close(self):
        self.stop.set()
        self.sock.close()


@pytest.mark.slow
def test_a_server_trickling_its_answers_holds_a_send_no_longer_than_its_time_limit(tmp_path, built):
    server = Trickler()
    try:
        ws = workspace(tmp_path, built, server.port, timeout=2)
        r = send(ws)  # the subprocess's own timeout (120 s) is far below the ten minutes of the greeting
        assert r.returncode == 1
        assert "gave up after 2 s ([mail] timeout) before the server was ready; nothing was sent" in r.stderr
        assert not (ws / "out" / "2023-03-20" / "sent.json").exists()
    finally:
        server.close()


@pytest.mark.slow
def test_a_wrong_password_fails_and_records_nothing(tmp_path, smtp_server, built):
    inbox, port = smtp_server
    ws = workspace(tmp_path, built, port)
    r = send(ws, password="wrong")
    assert r.returncode == 1
    assert "refused the login" in r.stderr and "127.0.0.1" in r.stderr
    assert not inbox.messages
    assert not (ws / "out" / "2023-03-20" / "sent.json").exists()
    r = send(ws, password=None)
    assert r.returncode == 1 and "TEST_SMTP_PASSWORD" in r.stderr


@pytest.mark.slow
def test_no_server_fails_with_the_reason(tmp_path, built):
    ws = workspace(tmp_path, built, free_port())
    r = send(ws)
    assert r.returncode == 1
    assert "127.0.0.1:" in r.stderr and "ConnectionRefusedError" in r.stderr
    assert not (ws / "out" / "2023-03-20" / "sent.json").exists()


def test_password_in_the_file_and_a_missing_issue_are_refused(tmp_path, built):
    ws = workspace(tmp_path, built, free_port(), extra='password = "oops"')
    r = send(ws)
    assert r.returncode == 2 and "password_env" in r.stderr
    ws2 = tmp_path / "other"
    ws2.mkdir()
    (ws2 / "briefing.toml").write_text((ws / "briefing.toml").read_text().replace('password = "oops"', ""))
    r = send(ws2)
    assert r.returncode == 1 and "no issue built" in r.stderr and "2023-03-20" in r.stderr


def test_send_outside_a_workspace_is_a_usage_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "briefing", "send"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert r.stderr.startswith(f"briefing: usage error: no briefing.toml in {tmp_path} or any folder above it")


@pytest.mark.slow
def test_starttls_with_a_real_certificate(tmp_path, built):
    """STARTTLS against a server with a self-signed certificate the client is told to trust."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            authenticator=check_login)
    controller.start()
    try:
        ws = workspace(tmp_path, built, port, recipients=RECIPIENTS[:1])
        toml = ws / "briefing.toml"
        toml.write_text(toml.read_text().replace('security = "none"', f'security = "starttls"\ncafile = "{cert}"'))
        r = send(ws)
        assert r.returncode == 0, r.stderr
        assert len(inbox.messages) == 1
        # without the certificate the client refuses the server
        toml.write_text(toml.read_text().replace(f'cafile = "{cert}"', ""))
        r = send(ws, "--force")
        assert r.returncode == 1 and "CERTIFICATE_VERIFY_FAILED" in r.stderr
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


@pytest.mark.slow
def test_a_plugin_filter_works_in_a_workspace_mail_template(tmp_path, smtp_server, built):
    """The mail is rendered with the same Jinja environment as a build: a workspace plugin's filter, used in the
    workspace's own mail.html and mail.txt, is there."""
    inbox, port = smtp_server
    ws = workspace(tmp_path, built, port, recipients=RECIPIENTS[:1])
    (ws / "plugins").mkdir()
    (ws / "plugins" / "shout.py").write_text(
        "from briefing import hookimpl\n\n\n@hookimpl\ndef briefing_jinja_environment(env):\n"
        "    env.filters['shout'] = lambda text: str(text).upper() + '!'\n")
    (ws / "templates").mkdir()
    for name in ("mail.html", "mail.txt"):
        packaged = (ROOT / "templates" / name).read_text()
        (ws / "templates" / name).write_text(packaged.replace("{{ section.title }}", "{{ section.title|shout }}")
                                             .replace("{{ section.title|upper }}", "{{ section.title|shout }}"))
    r = send(ws)
    assert r.returncode == 0, r.stderr
    msg = parse(inbox.messages[0][2])
    assert ">KEY TAKEAWAYS!</h2>" in msg.get_body(preferencelist=("html",)).get_content()
    assert "\nKEY TAKEAWAYS!\n" in msg.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def test_a_login_over_an_unencrypted_connection_beyond_this_machine_is_refused(tmp_path, built):
    ws = workspace(tmp_path, built, free_port())
    toml = ws / "briefing.toml"
    toml.write_text(toml.read_text().replace('host = "127.0.0.1"', 'host = "mail.example.org"'))
    r = send(ws)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert 'security = "none" with a username would send the password in clear to mail.example.org' in r.stderr
    assert not (ws / "out" / "2023-03-20" / "sent.json").exists()


def test_the_test_send_says_where_the_issues_own_send_stands(tmp_path):
    """A test send's last words: the list's send still to come, done (with its time), or partly done."""
    from briefing.mail.send import list_send_state

    folder = tmp_path / "2023-03-20"
    folder.mkdir()
    wanted = ["a@example.org", "b@example.org"]
    assert list_send_state(folder, wanted) == "not recorded: the issue's own send is still to come"
    record = {"sends": [{"deliveries": [
        {"to": "a@example.org", "state": "delivered", "at": "2023-03-20T06:01:00+00:00"},
        {"to": "b@example.org", "state": "refused", "at": "2023-03-20T06:01:01+00:00"}]}]}
    (folder / "sent.json").write_text(json.dumps(record))
    assert list_send_state(folder, wanted) == ("not recorded: the issue itself went to 1 of its 2 recipients on "
                                              "2023-03-20T06:01:00+00:00; `briefing send` mails the others")
    record["sends"].append({"deliveries": [
        {"to": "b@example.org", "state": "delivered", "at": "2023-03-20T06:30:00+00:00"}]})
    (folder / "sent.json").write_text(json.dumps(record))
    assert list_send_state(folder, wanted) == ("not recorded: the issue itself went to its 2 recipients on "
                                              "2023-03-20T06:30:00+00:00")


def test_the_mail_names_back_issues_only_where_it_can_link_them(seeds_build):
    """Without [archive] base_url the mail has no address for the back issues: it names none (no dead text)."""
    from briefing.mail.send import render_mail
    from briefing.output.render import environment

    issue = seeds_build.issue
    env = environment(load_config(ROOT / "briefing.toml"))
    html, text = render_mail(issue, env)
    assert "Back issues" not in html and "Back issues" not in text and "the archive" not in html
    html, text = render_mail(issue, env, archive_url="https://example.org/briefing/index.html")
    assert ('Back issues at <a href="https://example.org/briefing/index.html" '
            'style="color:#7a1f1f;text-decoration:underline;">the archive</a></p>') in html
    assert "Back issues: https://example.org/briefing/index.html" in text


@pytest.mark.slow
def test_the_epub_goes_with_the_pdf_when_the_mail_asks_for_it(tmp_path, smtp_server, built):
    """`[mail] attach = ["pdf", "epub"]`: the e-book travels too, once the build writes it; a missing one is
    named before anything is sent."""
    inbox, port = smtp_server
    ws = workspace(tmp_path, built, port, recipients=RECIPIENTS[:1], extra='attach = ["pdf", "epub"]\n')
    r = send(ws)
    assert r.returncode == 1 and not inbox.messages
    assert r.stderr == ("briefing: error: Conflict Update Day 390 (2023-03-20) has no EPUB: missing "
                        f"{ws / 'out' / '2023-03-20' / 'conflict-update-day-390.epub'}; run `briefing build --date "
                        "2023-03-20` with epub among the formats\n")
    built_epub = subprocess.run([sys.executable, "-m", "briefing", "build", "--date", "2023-03-20", "--offline",
                                 "--format", "md,html,pdf,epub", "--config", str(ROOT / "briefing.toml"),
                                 "--out", str(ws / "out")], cwd=ws,
                                capture_output=True, text=True, timeout=300)
    assert built_epub.returncode == 0, built_epub.stderr
    folder = ws / "out" / "2023-03-20"
    r = send(ws)
    assert r.returncode == 0, r.stderr
    msg = parse(inbox.messages[0][2])
    attached = {a.get_filename(): (a.get_content_type(), a.get_content()) for a in msg.iter_attachments()}
    assert attached == {
        "conflict-update-day-390.pdf": ("application/pdf", (folder / "conflict-update-day-390.pdf").read_bytes()),
        "conflict-update-day-390.epub": ("application/epub+zip",
                                         (folder / "conflict-update-day-390.epub").read_bytes())}
    (record,) = json.loads((folder / "sent.json").read_text())["sends"]
    epub = (folder / "conflict-update-day-390.epub").read_bytes()
    assert record["epub_sha256"] == hashlib.sha256(epub).hexdigest()


def test_attach_takes_only_the_formats_a_mail_can_carry(tmp_path, built):
    ws = workspace(tmp_path, built, 2525, extra='attach = ["pdf", "md"]\n')
    r = send(ws)
    assert r.returncode == 2
    assert r.stderr == ("briefing: usage error: briefing.toml: [mail] attach[1]: expected one of 'pdf', 'epub', "
                        "got 'md'\n")


def test_a_send_record_nested_a_hundred_thousand_deep_is_one_line(tmp_path):
    # was: a RecursionError traceback from `briefing send` and from the desk
    from briefing.mail.send import MailError, sent_records

    (tmp_path / "sent.json").write_text("[" * 100_000)
    with pytest.raises(MailError) as caught:
        sent_records(tmp_path)
    assert str(caught.value) == (f"{tmp_path / 'sent.json'}: unreadable send record (nested deeper than 6 levels); "
                                 "fix or remove it, then send again")
    (tmp_path / "sent.json").write_text('{"sends": {"deliveries": []}}')
    with pytest.raises(MailError, match=r"unreadable send record \(no list of sends\)"):
        sent_records(tmp_path)
    (tmp_path / "sent.json").unlink()
    assert sent_records(tmp_path) == []


# -- addresses: parsed and checked once, before anyone is mailed ----------------------------------------------
CRLF = "\r\nBcc: spy@evil.example"


def _with(ws: Path, key: str, value) -> None:
    """Set one key of the workspace's [mail] table (written as JSON, which TOML reads: escapes and all)."""
    text = (ws / "briefing.toml").read_text()
    text = re.sub(rf"(?m)^{key} = .*$", "", text).replace("[mail]\n", f"[mail]\n{key} = {json.dumps(value)}\n", 1)
    (ws / "briefing.toml").write_text(text)


@pytest.mark.slow
@pytest.mark.parametrize("key, value, args, said", [
    ("recipients", ["analyst@example.org" + CRLF, "chief@example.org"], (),
     "[mail] recipients: 'analyst@example.org\\r\\nBcc: spy@evil.example' holds a control character (U+000D); "
     "write one address per entry"),
    ("sender", "Briefing Desk <desk@example.org>" + CRLF, (),
     "[mail] sender: 'Briefing Desk <desk@example.org>\\r\\nBcc: spy@evil.example' holds a control character "
     "(U+000D); write one address per entry"),
    ("list_id", "Conflict Update <cu.example.org>" + CRLF, (),
     "[mail] list_id: 'Conflict Update <cu.example.org>\\r\\nBcc: spy@evil.example' holds a control character "
     "(U+000D); a header is one line"),
    ("unsubscribe", "https://example.org/unsubscribe" + CRLF, (),
     "[mail] unsubscribe: 'https://example.org/unsubscribe\\r\\nBcc: spy@evil.example' holds a control character "
     "(U+000D); a header is one line"),
    ("recipients", ["analyst@example.org", "chief@example.org, desk.officer@example.net"], (),
     "[mail] recipients: 'chief@example.org, desk.officer@example.net' holds 2 addresses; write one address per "
     "entry"),
    ("recipients", RECIPIENTS, ("--to", "editor@example.com" + CRLF),
     "--to: 'editor@example.com\\r\\nBcc: spy@evil.example' holds a control character (U+000D); write one address "
     "per entry"),
    ("recipients", RECIPIENTS, ("--to", "editor@example.com, spy@evil.example"),
     "--to: 'editor@example.com, spy@evil.example' holds 2 addresses; write one address per entry"),
])
def test_a_bad_address_or_header_is_one_line_exit_2_and_nobody_is_mailed(tmp_path, smtp_server, built, key, value,
                                                                          args, said):
    # was: the mail library's traceback (exit 1) for a CR/LF; for two addresses in one entry, a message to the
    # first with both in its To: header
    inbox, port = smtp_server
    ws = workspace(tmp_path, built, port)
    _with(ws, key, value)
    r = send(ws, *args)
    assert (r.returncode, r.stderr) == (2, f"briefing: usage error: {'briefing.toml ' if key and not args else ''}"
                                           f"{said}\n")
    assert not inbox.messages and not (ws / "out" / "2023-03-20" / "sent.json").exists()


@pytest.fixture
def ascii_server():
    """A real SMTP server that does not offer SMTPUTF8 (aiosmtpd's Controller offers it unless told not to)."""
    inbox = Inbox()
    controller, port = start_server(inbox, enable_SMTPUTF8=False)
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.mark.slow
def test_an_international_domain_is_sent_idna_encoded(tmp_path, ascii_server, built):
    # was: the send crashed at the address after the recipients before it were mailed, and every later send too
    inbox, port = ascii_server
    ws = workspace(tmp_path, built, port, recipients=["analyst@example.org", "Chief <chief@bücher.example>",
                                                      "desk.officer@example.net"])
    r = send(ws)
    assert r.returncode == 0, r.stderr
    assert [rcpt for _, rcpt, _ in inbox.messages] == [["analyst@example.org"], ["chief@xn--bcher-kva.example"],
                                                       ["desk.officer@example.net"]]
    raw = inbox.messages[1][2]
    assert raw.isascii() and "To: Chief <chief@xn--bcher-kva.example>\r\n" in raw.decode()
    assert [(d["to"], d["state"]) for d in deliveries(ws)] == [
        ("analyst@example.org", "delivered"), ("chief@bücher.example", "delivered"),
        ("desk.officer@example.net", "delivered")]
    again = send(ws)  # the record knows the address again: nobody is mailed twice
    assert again.returncode == 0 and "was already sent" in again.stderr and len(inbox.messages) == 3
    r = send(ws, "--to", "Redaktion <redaktion@bücher.example>")
    assert r.returncode == 0, r.stderr
    assert inbox.messages[-1][1] == ["redaktion@xn--bcher-kva.example"]


@pytest.mark.slow
def test_a_mailbox_name_beyond_ascii_needs_smtputf8_or_nobody_is_mailed(tmp_path, ascii_server, built):
    inbox, port = ascii_server
    ws = workspace(tmp_path, built, port, recipients=["analyst@example.org", "用户@例子.广告"])
    r = send(ws)
    assert (r.returncode, r.stderr) == (1, f"briefing: error: the mail server 127.0.0.1:{port} does not offer "
                                           "SMTPUTF8, which 用户@例子.广告 need (a mailbox name beyond ASCII); nobody "
                                           "was mailed\n")
    assert not inbox.messages and not (ws / "out" / "2023-03-20" / "sent.json").exists()


@pytest.mark.slow
def test_a_mailbox_name_beyond_ascii_is_sent_with_smtputf8_when_the_server_offers_it(tmp_path, built):
    inbox = Inbox()
    controller, port = start_server(inbox, enable_SMTPUTF8=True)  # said, though aiosmtpd's default
    try:
        ws = workspace(tmp_path, built, port, recipients=["analyst@example.org", "王 <用户@例子.广告>"])
        r = send(ws)
    finally:
        controller.stop()
    assert r.returncode == 0, r.stderr
    assert [rcpt for _, rcpt, _ in inbox.messages] == [["analyst@example.org"], ["用户@xn--fsqu00a.xn--4rr70v"]]
    assert inbox.messages[0][2].isascii()  # only the message that needs it is sent as UTF-8
    raw = inbox.messages[1][2].decode("utf-8")  # an SMTPUTF8 message: its headers are UTF-8 (RFC 6532)
    assert "To: 王 <用户@xn--fsqu00a.xn--4rr70v>\r\n" in raw
    msg = email.message_from_string(raw, policy=email.policy.default)
    assert msg["To"].addresses[0].username == "用户" and msg["To"].addresses[0].display_name == "王"
    assert [d["to"] for d in deliveries(ws)] == ["analyst@example.org", "用户@例子.广告"]


@pytest.mark.parametrize("entry, key, envelope", [
    ("analyst@example.org", "analyst@example.org", "analyst@example.org"),
    ("Chief <Chief@Example.ORG>", "chief@example.org", "Chief@example.org"),
    ('"Doe, Jane" <jane@example.net>', "jane@example.net", "jane@example.net"),
    ("Redaktion <redaktion@Bücher.example>", "redaktion@bücher.example", "redaktion@xn--bcher-kva.example"),
    ("post@faß.de", "post@faß.de", "post@xn--fa-hia.de"),  # IDNA 2008: not fass.de
    ("用户@例子.广告", "用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v"),
])
def test_an_address_is_read_as_a_mail_program_reads_it(entry, key, envelope):
    from briefing.mail.addresses import mailbox

    box = mailbox(entry, "[mail] recipients")
    assert (box.key, box.envelope, box.needs_smtputf8) == (key, envelope, not box.local.isascii())


@pytest.mark.parametrize("entry, reason", [
    ("a@", "is not an email address"),  # the standard parser fails on it with an IndexError
    ("not-an-address", "is not an email address"),
    ("a@example.org extra", "is not an email address"),
    ("desk: a@example.org, b@example.org;", "holds 2 addresses; write one address per entry"),
    ("desk: a@example.org;", "is a group of addresses; write one address per entry"),
    ("a@example.org\x00", "holds a control character (U+0000); write one address per entry"),
    ("Desk \u202e<a@example.org>", "holds a control character (U+202E); write one address per entry"),
    ("a@exa_mple.org", "the domain 'exa_mple.org' is not a mail domain"),
])
def test_what_is_not_one_address_is_one_line(entry, reason):
    from briefing.errors import UsageError
    from briefing.mail.addresses import mailbox

    with pytest.raises(UsageError) as caught:
        mailbox(entry, "[mail] recipients")
    assert str(caught.value).startswith(f"[mail] recipients: {entry[:120]!r}") and reason in str(caught.value)
    assert "\n" not in str(caught.value)
