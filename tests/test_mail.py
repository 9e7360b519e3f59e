"""Mail: a real SMTP server on 127.0.0.1 receives the issue; sent once; failures say why."""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from .conftest import ROOT

PASSWORD = "s3cret-for-tests"


class Inbox:
    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or
                              envelope.content))
        return "250 OK"


def check_login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"editor" and \
        auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1 that requires a login."""
    inbox = Inbox()
    port = free_port()  # Controller(port=0) fails its own readiness check in aiosmtpd 1.4.6
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=check_login,
                            auth_require_tls=False)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def workspace(tmp_path: Path, out: Path, port: int, extra: str = "") -> Path:
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
recipients = ["analyst@example.org", "Chief <chief@example.org>"]
username = "editor"
password_env = "TEST_SMTP_PASSWORD"
timeout = 10
{extra}
""")
    return ws


def send(ws: Path, *args: str, password: str | None = PASSWORD):
    env = {k: v for k, v in os.environ.items() if k != "TEST_SMTP_PASSWORD"}
    if password is not None:
        env["TEST_SMTP_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "briefing", "send", "--date", "2023-03-20", *args], cwd=ws,
                          capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture
def built(seeds_build):
    return seeds_build.paths["md"].parent.parent


def test_send_delivers_html_text_and_the_pdf_once(tmp_path, smtp_server, built):
    inbox, port = smtp_server
    ws = workspace(tmp_path, built, port)
    folder = ws / "out" / "2023-03-20"
    r = send(ws)
    assert r.returncode == 0, r.stderr
    assert len(inbox.messages) == 1
    mail_from, rcpt, raw = inbox.messages[0]
    assert mail_from == "desk@example.org"
    assert rcpt == ["analyst@example.org", "chief@example.org"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "Conflict Update Day 390 – 2023-03-20"
    text = msg.get_body(preferencelist=("plain",)).get_content()
    text = text.replace("\r\n", "\n")
    # the plain-text part is written for reading: the issue's words, no Markdown marks, no tags
    assert text.startswith("Conflict Update Day 390\nMarch 20th, 2023\n")
    assert "\n\nKEY TAKEAWAYS\n=============\n" in text
    assert "<sup>" not in text and "**" not in text and "](" not in text
    for item in json.loads((folder / "issue.json").read_text())["sections"][2]["items"]:
        assert f"* {item['headline']}" in text
    html = msg.get_body(preferencelist=("html",)).get_content()
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<link" not in lowered
    assert "<style" not in lowered and 'style="' in html  # inline CSS only
    assert "../index.html" not in html  # relative links mean nothing in a mailbox
    assert "Conflict Update Day 390" in html and "<h2 style=" in html
    assert "March 20<sup>th</sup>, 2023" in html
    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["conflict-update-day-390.pdf"]
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content() == (folder / "conflict-update-day-390.pdf").read_bytes()
    sends = json.loads((folder / "sent.json").read_text())["sends"]
    assert len(sends) == 1 and sends[0]["message_id"] == msg["Message-ID"].strip()

    again = send(ws)
    assert again.returncode == 0
    assert "already sent" in again.stderr and "--force" in again.stderr
    assert len(inbox.messages) == 1, "the same issue was mailed twice"

    forced = send(ws, "--force")
    assert forced.returncode == 0, forced.stderr
    assert len(inbox.messages) == 2
    sends = json.loads((folder / "sent.json").read_text())["sends"]
    assert len(sends) == 2 and sends[1]["forced"] is True


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


def test_no_server_fails_with_the_reason(tmp_path, built):
    ws = workspace(tmp_path, built, free_port())
    r = send(ws)
    assert r.returncode == 1
    assert f"127.0.0.1:" in r.stderr and "ConnectionRefusedError" in r.stderr
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
        ws = workspace(tmp_path, built, port)
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


def test_a_plugin_filter_works_in_a_workspace_mail_template(tmp_path, smtp_server, built):
    """The mail is rendered with the same Jinja environment as a build: a workspace plugin's filter, used in the
    workspace's own mail.html and mail.txt, is there."""
    inbox, port = smtp_server
    ws = workspace(tmp_path, built, port)
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
    msg = email.message_from_bytes(inbox.messages[0][2], policy=email.policy.default)
    assert ">KEY TAKEAWAYS!</h2>" in msg.get_body(preferencelist=("html",)).get_content()
    assert "\nKEY TAKEAWAYS!\n" in msg.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
