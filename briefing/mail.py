"""Mail: a built issue → one email over SMTP, sent once.

In: the configuration's ``[mail]`` table and an issue already built in ``OUT/<date>/``. Out: a message with
an HTML body styled for mail clients (inline CSS only, no scripts, no images, no relative links), the
issue's Markdown as the plain-text alternative and its PDF attached, handed to the SMTP server. Each send
is recorded in ``OUT/<date>/sent.json``; an issue already sent is not sent again unless forced.

``[mail]`` keys: ``host``, ``port`` (default 587 for starttls, 465 for tls, 25 for none), ``security``
(``"starttls"``, ``"tls"`` or ``"none"``), ``sender``, ``recipients`` (a list), ``username`` (optional),
``password_env`` (the environment variable holding the password, default ``BRIEFING_SMTP_PASSWORD``),
``subject`` (default ``"{title} Day {day} – {date}"``), ``timeout`` (seconds, default 60), ``cafile``
(optional CA bundle for the server's certificate). The password is never read from the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path

from markdown_it import MarkdownIt
from markupsafe import Markup

from .config import Config
from .errors import BriefingError, UsageError
from .lock import out_lock
from .models import Issue
from .publish import SUFFIXES, atomic_write

log = logging.getLogger("briefing.mail")

SENT_NAME = "sent.json"
DEFAULT_PASSWORD_ENV = "BRIEFING_SMTP_PASSWORD"
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
KNOWN_KEYS = {"host", "port", "security", "sender", "recipients", "username", "password_env", "subject",
              "timeout", "cafile"}

# Inline styles per tag: mail clients drop <style> blocks and external sheets.
SERIF = "Georgia, 'DejaVu Serif', 'Times New Roman', serif"
SANS = "Arial, 'DejaVu Sans', Helvetica, sans-serif"
STYLES = {
    "h1": f"font-family:{SERIF};font-size:26px;font-weight:bold;color:#1b1b1b;margin:0 0 4px;",
    "h2": f"font-family:{SANS};font-size:18px;font-weight:bold;color:#7a1f1f;margin:26px 0 10px;"
          "padding-bottom:3px;border-bottom:1px solid #c9b8b8;",
    "h3": f"font-family:{SANS};font-size:15px;font-weight:bold;color:#1b1b1b;margin:18px 0 8px;",
    "p": f"font-family:{SERIF};font-size:15px;line-height:1.5;color:#1b1b1b;margin:0 0 10px;",
    "a": "color:#7a1f1f;text-decoration:underline;",
    "ul": "margin:0 0 10px 20px;padding:0;",
    "ol": "margin:0 0 10px 20px;padding:0;",
    "li": f"font-family:{SERIF};font-size:15px;line-height:1.5;margin:0 0 4px;",
    "blockquote": "margin:0 0 10px;padding:0 0 0 10px;border-left:3px solid #c9b8b8;color:#444;",
    "code": "font-family:monospace;font-size:13px;",
    "hr": "border:0;border-top:1px solid #c9b8b8;margin:18px 0;",
}
COMMENT_STYLE = STYLES["p"] + "background:#f6efe6;border-left:3px solid #b5894a;padding:5px 9px;"
SUP = re.compile(r"&lt;sup&gt;(st|nd|rd|th)&lt;/sup&gt;")
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


class MailError(BriefingError):
    """The issue could not be mailed (exit code 1); the message says why."""


@dataclass
class MailSettings:
    host: str
    port: int
    security: str
    sender: str
    recipients: list[str]
    username: str = ""
    password_env: str = DEFAULT_PASSWORD_ENV
    subject: str = "{title} Day {day} – {date}"
    timeout: float = 60.0
    cafile: str = ""


@dataclass
class SendResult:
    sent: bool
    message: str
    record: dict = field(default_factory=dict)


def mail_settings(config: Config) -> MailSettings:
    """The ``[mail]`` table, checked; a missing or wrong key is a usage error naming the file."""
    where = f"{config.path.name if config.path else 'briefing.toml'} [mail]"
    table = config.table("mail")
    if not table:
        raise UsageError(f"{where}: no [mail] table; set host, sender and recipients to send issues")
    if "password" in table:
        raise UsageError(f"{where}: do not put the password in the file; set password_env to the name of an "
                         f"environment variable that holds it (default {DEFAULT_PASSWORD_ENV})")
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(unknown)}")
    security = str(table.get("security", "starttls")).lower()
    if security not in DEFAULT_PORTS:
        raise UsageError(f"{where}: security must be starttls, tls or none, not {security!r}")
    missing = [k for k in ("host", "sender", "recipients") if not table.get(k)]
    if missing:
        raise UsageError(f"{where}: missing {', '.join(missing)}")
    recipients = table["recipients"]
    recipients = [recipients] if isinstance(recipients, str) else [str(r) for r in recipients]
    for address in [str(table["sender"]), *recipients]:
        if "@" not in parseaddr(address)[1]:
            raise UsageError(f"{where}: {address!r} is not an email address")
    try:
        port = int(table.get("port", DEFAULT_PORTS[security]))
        timeout = float(table.get("timeout", 60))
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{where}: port and timeout must be numbers ({exc})") from None
    return MailSettings(host=str(table["host"]), port=port, security=security, sender=str(table["sender"]),
                        recipients=recipients, username=str(table.get("username", "")),
                        password_env=str(table.get("password_env", DEFAULT_PASSWORD_ENV)),
                        subject=str(table.get("subject", MailSettings.subject)), timeout=timeout,
                        cafile=str(table.get("cafile", "")))


def issue_files(config: Config, date: dt.date) -> tuple[Issue, dict[str, Path]]:
    """The built issue of ``date``: a bare Issue (title, day, date) and its Markdown and PDF files."""
    issue = Issue(title=config.title, day=config.day_number(date), date=date, back_issues_text="",
                  back_issues_url="")
    folder = config.out / date.isoformat()
    files = {fmt: folder / f"{issue.slug}{SUFFIXES[fmt]}" for fmt in ("md", "pdf")}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise MailError(f"{issue.name} ({date.isoformat()}) is not built with Markdown and PDF: missing "
                        f"{', '.join(missing)}; run `briefing build --date {date.isoformat()}` first")
    return issue, files


def _style_tokens(tokens) -> None:
    for token in tokens:
        if token.children:
            kept, in_dropped_link = [], False
            for child in token.children:
                if child.type == "link_open":
                    target = (child.attrGet("href") or "").lower()
                    if not target.startswith(("http://", "https://", "mailto:")):
                        in_dropped_link = True  # a relative link means nothing in a mailbox: keep the text
                        continue
                elif child.type == "link_close" and in_dropped_link:
                    in_dropped_link = False
                    continue
                elif child.type == "image":  # no remote images: the alt text instead
                    child.type, child.tag, child.content, child.children = "text", "", child.content, None
                    child.attrs = {}
                kept.append(child)
            token.children = kept
            _style_tokens(kept)
        if token.nesting >= 0 and token.tag in STYLES:
            token.attrSet("style", STYLES[token.tag])
    for i, token in enumerate(tokens):  # "**Comment** – …" paragraphs set off as in the issue
        if token.type == "paragraph_open" and i + 1 < len(tokens):
            children = tokens[i + 1].children or []
            if len(children) > 2 and children[0].type == "strong_open" and children[1].content == "Comment":
                token.attrSet("style", COMMENT_STYLE)


def mail_html(markdown_text: str, title: str, config: Config) -> str:
    """The issue's Markdown as an HTML mail body with inline styles only."""
    from .render import environment

    tokens = _markdown.parse(markdown_text)
    _style_tokens(tokens)
    body = SUP.sub(r"<sup>\1</sup>", _markdown.renderer.render(tokens, _markdown.options, {}))
    return environment(config).get_template("mail.html").render(title=title, body=Markup(body))


def compose_message(config: Config, date: dt.date, settings: MailSettings) -> EmailMessage:
    issue, files = issue_files(config, date)
    markdown_text = files["md"].read_text(encoding="utf-8")
    msg = EmailMessage()
    msg["Subject"] = settings.subject.format(title=issue.title, day=issue.day, date=date.isoformat(),
                                             name=issue.name)
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.recipients)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(idstring=issue.slug, domain=domain)
    msg.set_content(markdown_text, subtype="plain", charset="utf-8")
    msg.add_alternative(mail_html(markdown_text, issue.name, config), subtype="html", charset="utf-8")
    msg.add_attachment(files["pdf"].read_bytes(), maintype="application", subtype="pdf",
                       filename=files["pdf"].name)
    return msg


def _smtp_send(msg: EmailMessage, settings: MailSettings) -> dict:
    password = ""
    if settings.username:
        password = os.environ.get(settings.password_env, "")
        if not password:
            raise MailError(f"[mail] username is set but the environment variable {settings.password_env} "
                            "holding the password is empty or unset")
    context = ssl.create_default_context(cafile=settings.cafile or None)
    where = f"{settings.host}:{settings.port} ({settings.security})"
    try:
        if settings.security == "tls":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with smtp:
            smtp.ehlo()
            if settings.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.username:
                smtp.login(settings.username, password)
            addresses = [a for _, a in getaddresses(settings.recipients)]
            return smtp.send_message(msg, from_addr=parseaddr(settings.sender)[1], to_addrs=addresses)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"mail server {where} refused the login of {settings.username!r}: "
                        f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(f"mail server {where} refused every recipient: {_refusals(exc.recipients)}") from None
    except smtplib.SMTPResponseException as exc:
        raise MailError(f"mail server {where} said {exc.smtp_code} "
                        f"{exc.smtp_error.decode(errors='replace')}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"cannot send through {where}: {type(exc).__name__}: {exc}") from None


def _refusals(refused: dict) -> str:
    return "; ".join(f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                     for addr, (code, msg) in refused.items())


def sent_records(folder: Path) -> list[dict]:
    path = folder / SENT_NAME
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return list(data["sends"])
    except (ValueError, KeyError, TypeError) as exc:
        raise MailError(f"{path}: unreadable send record ({exc}); fix or remove it, then send again") from None


def send_issue(config: Config, date: dt.date, force: bool = False) -> SendResult:
    """Mail the issue of ``date`` unless it was already sent (or ``force``); record the send."""
    settings = mail_settings(config)
    with out_lock(config, "send"):
        folder = config.out / date.isoformat()
        issue, files = issue_files(config, date)
        records = sent_records(folder)
        if records and not force:
            last = records[-1]
            return SendResult(False, f"{issue.name} was already sent on {last['at']} to "
                              f"{', '.join(last['recipients'])}; not sending it again (use --force)", last)
        msg = compose_message(config, date, settings)
        refused = _smtp_send(msg, settings)
        record = {
            "at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            "message_id": msg["Message-ID"],
            "subject": msg["Subject"],
            "recipients": [r for r in settings.recipients if parseaddr(r)[1] not in refused],
            "refused": sorted(refused),
            "pdf_sha256": hashlib.sha256(files["pdf"].read_bytes()).hexdigest(),
            "forced": bool(records) and force,
        }
        atomic_write(folder / SENT_NAME, json.dumps({"sends": records + [record]}, indent=2) + "\n")
    if refused:
        raise MailError(f"{issue.name} sent, but the server refused {_refusals(refused)}")
    return SendResult(True, f"{issue.name} sent to {', '.join(record['recipients'])}", record)
