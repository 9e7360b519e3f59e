"""Mail: a built issue → one email over SMTP, sent once.

In: the configuration's ``[mail]`` table and an issue already built in ``OUT/<date>/`` (its model, from
``issue.json``). Out: a message whose HTML body (``mail.html``: inline CSS only, no scripts, no remote
images, no relative links) and plain-text body (``mail.txt``) are rendered from the issue model with the
same Jinja environment a build uses, with the PDF attached, handed to the SMTP server. Each send
is recorded in ``OUT/<date>/sent.json``; an issue already sent is not sent again unless forced.

The ``[mail]`` keys are declared in :mod:`briefing.config` (see docs/configuration.md). The password is never
read from the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path

from .config import Config
from .errors import BriefingError, UsageError
from .lock import out_lock
from .files import atomic_write
from .issuefile import read_issue
from .models import Issue
from .publish import SUFFIXES

log = logging.getLogger("briefing.mail")

SENT_NAME = "sent.json"
DEFAULT_PASSWORD_ENV = "BRIEFING_SMTP_PASSWORD"
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}

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
STYLES.update(
    comment=STYLES["p"] + "background:#f6efe6;border-left:3px solid #b5894a;padding:5px 9px;",
    kicker=f"font-family:{SANS};font-size:11px;font-weight:bold;letter-spacing:2px;text-transform:uppercase;"
           "color:#7a1f1f;margin:0 0 6px;",
    small=f"font-family:{SANS};font-size:12px;color:#555;margin:0 0 10px;",
    headline=f"font-family:{SANS};font-size:14px;",
    sources=f"font-family:{SANS};font-size:12px;line-height:1.4;color:#555;margin:0 0 16px;",
    empty=f"font-family:{SERIF};font-size:15px;font-style:italic;color:#777;margin:0 0 10px;",
)


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
    """The ``[mail]`` table (its types already checked); a missing key is a usage error naming the file."""
    where = f"{config.path.name if config.path else 'briefing.toml'} [mail]"
    raw = config.raw.get("mail")
    if not raw:
        raise UsageError(f"{where}: no [mail] table; set host, sender and recipients to send issues")
    if "password" in raw:
        raise UsageError(f"{where}: do not put the password in the file; set password_env to the name of an "
                         f"environment variable that holds it (default {DEFAULT_PASSWORD_ENV})")
    table = config.table("mail")
    missing = [k for k in ("host", "sender", "recipients") if not table.get(k)]
    if missing:
        raise UsageError(f"{where}: missing {', '.join(missing)}")
    for address in [table["sender"], *table["recipients"]]:
        if "@" not in parseaddr(address)[1]:
            raise UsageError(f"{where}: {address!r} is not an email address")
    security = table["security"]
    return MailSettings(host=table["host"], port=table["port"] or DEFAULT_PORTS[security], security=security,
                        sender=table["sender"], recipients=list(table["recipients"]), username=table["username"],
                        password_env=table["password_env"], subject=table["subject"],
                        timeout=float(table["timeout"]), cafile=table["cafile"])


def issue_files(config: Config, date: dt.date) -> tuple[Issue, dict[str, Path]]:
    """The built issue of ``date`` (its model, read from ``issue.json``) and its PDF file."""
    folder = config.out / date.isoformat()
    try:
        issue = read_issue(folder)
    except FileNotFoundError:
        raise MailError(f"no issue built for {date.isoformat()} in {config.out}; run "
                        f"`briefing build --date {date.isoformat()}` first") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MailError(f"the issue of {date.isoformat()} cannot be read ({exc}); rebuild it") from None
    files = {"pdf": folder / f"{issue.slug}{SUFFIXES['pdf']}"}
    if not files["pdf"].is_file():
        raise MailError(f"{issue.name} ({date.isoformat()}) has no PDF: missing {files['pdf']}; run "
                        f"`briefing build --date {date.isoformat()}` with pdf among the formats")
    return issue, files


def render_mail(issue: Issue, env, archive_url: str = "", unsubscribe: str = "") -> tuple[str, str]:
    """The issue's mail bodies from ``mail.html`` (inline styles only) and ``mail.txt`` (plain text)."""
    values = {"issue": issue, "styles": STYLES, "archive_url": archive_url, "unsubscribe": unsubscribe,
              "chart_cid": ""}
    return env.get_template("mail.html").render(**values), env.get_template("mail.txt").render(**values)


def compose_message(config: Config, date: dt.date, settings: MailSettings, env) -> EmailMessage:
    issue, files = issue_files(config, date)
    base = config.table("archive").get("base_url", "")
    archive_url = (str(base).rstrip("/") + "/index.html") if base else ""
    html_body, text_body = render_mail(issue, env, archive_url)
    msg = EmailMessage()
    msg["Subject"] = settings.subject.format(title=issue.title, day=issue.day, date=date.isoformat(),
                                             name=issue.name)
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.recipients)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(idstring=issue.slug, domain=domain)
    msg.set_content(text_body, subtype="plain", charset="utf-8")
    msg.add_alternative(html_body, subtype="html", charset="utf-8")
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


def send_issue(config: Config, date: dt.date, force: bool = False, plugins=None,
               test_address: str | None = None) -> SendResult:
    """Mail the issue of ``date`` unless it was already sent (or ``force``); record the send.

    ``test_address``: one copy to that address only, "[Test]" before the subject; not recorded, so it is
    neither blocked by the issue's send nor blocks it."""
    from .context import BuildContext
    from .plugins import Plugins

    settings = mail_settings(config)
    if test_address is not None:
        return _send_test(config, date, settings, test_address, plugins)
    ctx = BuildContext(config, plugins or Plugins(config.workspace), date)
    config.check_plugins(ctx.plugins, [])
    with out_lock(config, "send"):
        folder = config.out / date.isoformat()
        issue, files = issue_files(config, date)
        records = sent_records(folder)
        if records and not force:
            last = records[-1]
            return SendResult(False, f"{issue.name} was already sent on {last['at']} to "
                              f"{', '.join(last['recipients'])}; not sending it again (use --force)", last)
        msg = compose_message(config, date, settings, ctx.env)
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


def _send_test(config: Config, date: dt.date, settings: MailSettings, address: str, plugins=None) -> SendResult:
    import dataclasses

    from .context import BuildContext
    from .plugins import Plugins

    settings = dataclasses.replace(settings, recipients=[address], subject="[Test] " + settings.subject)
    ctx = BuildContext(config, plugins or Plugins(config.workspace), date)
    config.check_plugins(ctx.plugins, [])
    with out_lock(config, "send"):
        issue, _ = issue_files(config, date)
        msg = compose_message(config, date, settings, ctx.env)
        refused = _smtp_send(msg, settings)
    if refused:
        raise MailError(f"test copy of {issue.name}: the server refused {_refusals(refused)}")
    record = {"at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(), "recipients": [address],
              "message_id": msg["Message-ID"], "test": True}
    return SendResult(True, f"test copy of {issue.name} sent to {address}", record)
