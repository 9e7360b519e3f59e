"""Mail: a built issue → one message per recipient over SMTP, each delivered at most once.

In: the configuration's ``[mail]`` table and an issue already built in ``OUT/<date>/`` (its model, from
``issue.json``, and its PDF). Out: for each recipient a message addressed to them alone (no reader sees the
list), with ``List-Id``, ``List-Unsubscribe`` and ``List-Post: NO``; an HTML body (``mail.html``: inline CSS
only, no scripts, no remote images, absolute links only, the chart as an inline PNG referred to by ``cid:``)
and a plain-text body (``mail.txt``), both rendered from the issue model with the Jinja environment a build
uses, and the PDF attached. ``briefing send --to ADDRESS`` is a test send: the same message to that address
alone, recorded nowhere.

At most once. ``OUT/<date>/sent.json`` records each send and, for each recipient, the message's Message-ID
and its outcome. The intent is written (and flushed to disk, file and folder) after the server accepted the
recipient and *before* the message's DATA; the outcome after the server's answer:

- ``delivered``: the server accepted the message (250);
- ``refused``: the server said no (a 4xx/5xx answer): not delivered;
- ``failed``: the connection failed before the message's end had been sent: not delivered;
- ``sending``: the message's end was sent and no answer came (the connection dropped, the time ran out, the
  process was killed): it may have been delivered.

A later send delivers to the recipients not yet delivered, and never to one whose outcome is unknown unless
``--force`` (which then sends to everyone the issue may not have reached, or, when it reached everyone, to
everyone again). A record that cannot be written stops the send before the next DATA. The whole send runs
under a wall-clock limit (``[mail] timeout``): when it passes, the connection is shut, whatever the server
is trickling. An issue without a single item is not mailed unless forced.

The ``[mail]`` keys are declared in :mod:`briefing.config.settings` (see docs/configuration.md). The password is never
read from the file.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import ipaddress
import json
import logging
import os
import re
import smtplib
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from ..config.settings import Config
from ..errors import BriefingError, UsageError
from ..models import Issue
from ..output.issuefile import read_issue
from ..output.publish import SUFFIXES
from ..runtime.files import atomic_write
from ..runtime.guarded import read_json
from ..runtime.lock import out_lock

log = logging.getLogger("briefing.mail")

SENT_NAME = "sent.json"
SENT_FORMAT = 2
RECORD_LIMIT = 16 * 1024 * 1024  # bytes of sent.json: a record of 10,000 recipients, sent a hundred times, is less
RECORD_DEPTH = 6  # levels: the record nests 5 (record, sends, send, deliveries, delivery)
DEFAULT_PASSWORD_ENV = "BRIEFING_SMTP_PASSWORD"
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
DELIVERED, REFUSED, FAILED, SENDING = "delivered", "refused", "failed", "sending"
# Bodies in quoted-printable or base64 (7-bit clean), so that no server needs 8BITMIME; CRLF line ends for SMTP.
MESSAGE_POLICY = policy.SMTP.clone(cte_type="7bit")

# Inline styles per tag: mail clients drop <style> blocks and external sheets.
SERIF = "Georgia, 'DejaVu Serif', 'Times New Roman', serif"
SANS = "Arial, 'DejaVu Sans', Helvetica, sans-serif"
STYLES = {
    "h1": f"font-family:{SERIF};font-size:26px;font-weight:bold;color:#1b1b1b;margin:0 0 4px;",
    "h2": f"font-family:{SANS};font-size:18px;font-weight:bold;color:#7a1f1f;margin:26px 0 10px;"
          "padding-bottom:3px;border-bottom:1px solid #c9b8b8;",
    "h3": f"font-family:{SANS};font-size:15px;font-weight:bold;color:#1b1b1b;margin:18px 0 8px;",
    "p": f"font-family:{SERIF};font-size:16px;line-height:1.5;color:#1b1b1b;margin:0 0 10px;",
    "a": "color:#7a1f1f;text-decoration:underline;",
    "ul": "margin:0 0 10px 20px;padding:0;",
    "ol": "margin:0 0 10px 20px;padding:0;",
    "li": f"font-family:{SERIF};font-size:16px;line-height:1.5;margin:0 0 4px;",
    "blockquote": "margin:0 0 10px;padding:0 0 0 10px;border-left:3px solid #c9b8b8;color:#444;",
    "code": "font-family:monospace;font-size:13px;",
    "hr": "border:0;border-top:1px solid #c9b8b8;margin:18px 0;",
}
STYLES.update(
    comment=STYLES["p"] + "background:#f6efe6;border-left:3px solid #b5894a;padding:5px 9px;",
    kicker=f"font-family:{SANS};font-size:11px;font-weight:bold;letter-spacing:2px;text-transform:uppercase;"
           "color:#7a1f1f;margin:0 0 6px;",
    small=f"font-family:{SANS};font-size:13px;color:#555;margin:0 0 10px;",
    headline=f"font-family:{SANS};font-size:15px;",
    sources=f"font-family:{SANS};font-size:13px;line-height:1.4;color:#555;margin:0 0 16px;",
    empty=f"font-family:{SERIF};font-size:16px;font-style:italic;color:#777;margin:0 0 10px;",
    chart="display:block;max-width:100%;height:auto;border:0;margin:4px 0 12px;",
)


class MailError(BriefingError):
    """The issue could not be mailed, or not to everyone (exit code 1); the message says why."""


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
    list_id: str = ""
    unsubscribe: str = ""
    one_click: bool = False


@dataclass
class SendResult:
    sent: bool
    message: str
    record: dict = field(default_factory=dict)


def address(entry: str) -> str:
    """The bare address of ``Name <addr>`` (or of ``addr``), lower-cased: who a record is about."""
    return parseaddr(entry)[1].lower()


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
    for entry in [table["sender"], *table["recipients"]]:
        if "@" not in parseaddr(entry)[1]:
            raise UsageError(f"{where}: {entry!r} is not an email address")
    seen: dict[str, str] = {}
    for entry in table["recipients"]:
        if address(entry) in seen:
            raise UsageError(f"{where}: {address(entry)} is listed twice in recipients")
        seen[address(entry)] = entry
    unsubscribe = table["unsubscribe"].strip()
    if unsubscribe and urlsplit(unsubscribe).scheme.lower() not in ("mailto", "https"):
        raise UsageError(f"{where}: unsubscribe: expected a mailto: or https: address, got {unsubscribe!r}")
    if table["one_click"] and not unsubscribe.lower().startswith("https:"):
        raise UsageError(f"{where}: one_click needs an https: unsubscribe address")
    security = table["security"]
    if security == "none" and table["username"] and not _loopback(table["host"]):
        raise UsageError(f"{where}: security = \"none\" with a username would send the password in clear to "
                         f"{table['host']}; use \"starttls\" or \"tls\" (a relay on this machine may stay \"none\")")
    return MailSettings(host=table["host"], port=table["port"] or DEFAULT_PORTS[security], security=security,
                        sender=table["sender"], recipients=list(table["recipients"]), username=table["username"],
                        password_env=table["password_env"], subject=table["subject"],
                        timeout=float(table["timeout"]), cafile=table["cafile"], list_id=table["list_id"].strip(),
                        unsubscribe=unsubscribe, one_click=table["one_click"])


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
    files = {"pdf": folder / f"{issue.slug}{SUFFIXES['pdf']}", "html": folder / f"{issue.slug}{SUFFIXES['html']}"}
    if not files["pdf"].is_file():
        raise MailError(f"{issue.name} ({date.isoformat()}) has no PDF: missing {files['pdf']}; run "
                        f"`briefing build --date {date.isoformat()}` with pdf among the formats")
    return issue, files


# -- the message ---------------------------------------------------------------------------------------------


def links(config: Config, issue: Issue, files: dict[str, Path]) -> dict[str, str]:
    """The mail's absolute links: the back issues and the issue online (empty when there is none to give).

    A relative ``back_issues_url`` (``../index.html``) means something only beside the issue's files: it is
    resolved against ``[archive] base_url`` (where ``out/`` is served) when that is set."""
    base = str(config.table("archive").get("base_url", "") or "").strip()
    folder_url = f"{base.rstrip('/')}/{issue.date.isoformat()}/" if base else ""
    back = (issue.back_issues_url or "").strip()
    if urlsplit(back).scheme.lower() in ("http", "https"):
        archive = back
    elif folder_url and back:
        archive = urljoin(folder_url, back)
    elif folder_url:
        archive = urljoin(folder_url, "../index.html")
    else:
        archive = ""
    online = urljoin(folder_url, files["html"].name) if folder_url and files["html"].is_file() else ""
    return {"archive_url": archive, "issue_url": online}


def unsubscribe_text(settings: MailSettings) -> tuple[str, str]:
    """The List-Unsubscribe address and the words for the footer."""
    target = settings.unsubscribe or f"mailto:{parseaddr(settings.sender)[1]}?subject=unsubscribe"
    parts = urlsplit(target)
    if parts.scheme.lower() == "mailto":
        words = f"write to {parts.path}" + (f" with the subject “{parts.query.partition('=')[2]}”"
                                            if parts.query.startswith("subject=") else "")
    else:
        words = target
    return target, words


def list_id(settings: MailSettings, title: str) -> str:
    """``Title <title-label.sender-domain>`` (RFC 2919) unless ``[mail] list_id`` says otherwise."""
    if settings.list_id:
        return settings.list_id
    label = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "briefing"
    domain = parseaddr(settings.sender)[1].rpartition("@")[2].lower() or "localhost"
    return f"{title} <{label}.{domain}>"


def charts(issue: Issue, domain: str) -> dict[str, dict]:
    """Each item's chart as a PNG for the HTML part (its phone layout when it has one): item id → cid, size,
    bytes. A chart that cannot be drawn is left out of the mail with a warning; the PDF still has it."""
    from ..output.raster import svg_to_png

    found: dict[str, dict] = {}
    for section in issue.sections:
        for item in section.items:
            svg = item.figure_svg_small or item.figure_svg
            if not svg:
                continue
            try:
                png, width, height = svg_to_png(svg)
            except Exception as exc:  # a drawing the engine cannot lay out costs the mail its picture, no more
                log.warning("the chart of %r cannot be drawn for the mail (%s: %s); sent without it", item.headline,
                            type(exc).__name__, exc)
                continue
            cid = make_msgid(idstring=f"chart-{item.id}", domain=domain)
            found[item.id] = {"cid": cid[1:-1], "msgid": cid, "width": width, "height": height, "png": png}
    return found


def render_mail(issue: Issue, env, archive_url: str = "", unsubscribe: str = "", issue_url: str = "",
                chart_images: dict[str, dict] | None = None) -> tuple[str, str]:
    """The issue's mail bodies from ``mail.html`` (inline styles only) and ``mail.txt`` (plain text)."""
    chart_images = chart_images or {}
    values = {"issue": issue, "styles": STYLES, "archive_url": archive_url, "issue_url": issue_url,
              "unsubscribe": unsubscribe, "charts": chart_images,
              "chart_cid": next((c["cid"] for c in chart_images.values()), "")}
    return env.get_template("mail.html").render(**values), env.get_template("mail.txt").render(**values)


def compose_message(config: Config, issue: Issue, files: dict[str, Path], settings: MailSettings,
                    env) -> EmailMessage:
    """The message every recipient gets, without To and Message-ID (see :func:`addressed`)."""
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    target, words = unsubscribe_text(settings)
    urls = links(config, issue, files)
    images = charts(issue, domain or "localhost")
    html_body, text_body = render_mail(issue, env, urls["archive_url"], words, urls["issue_url"], images)
    msg = EmailMessage(policy=MESSAGE_POLICY)
    msg["Subject"] = settings.subject.format(title=issue.title, day=issue.day, date=issue.date.isoformat(),
                                             name=issue.name)
    msg["From"] = settings.sender
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["List-Id"] = list_id(settings, issue.title)
    msg["List-Unsubscribe"] = f"<{target}>"
    if settings.one_click:
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if urls["archive_url"]:
        msg["List-Archive"] = f"<{urls['archive_url']}>"
    msg["List-Post"] = "NO"  # an announcement list: readers do not post to it
    msg.set_content(text_body, subtype="plain", charset="utf-8")
    msg.add_alternative(html_body, subtype="html", charset="utf-8")
    html_part = msg.get_payload()[1]
    for image in images.values():
        html_part.add_related(image["png"], maintype="image", subtype="png", cid=image["msgid"],
                              filename=f"chart-{len(html_part.get_payload())}.png", disposition="inline")
    msg.add_attachment(files["pdf"].read_bytes(), maintype="application", subtype="pdf",
                       filename=files["pdf"].name)
    return msg


def addressed(base: EmailMessage, recipient: str, settings: MailSettings, issue: Issue) -> EmailMessage:
    """A copy of the message for one recipient: To is that recipient alone, with a Message-ID of its own."""
    msg = copy.deepcopy(base)
    msg["To"] = recipient
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(idstring=issue.slug, domain=domain)
    return msg


# -- the record ----------------------------------------------------------------------------------------------


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def sent_records(folder: Path) -> list[dict]:
    """The sends recorded in ``sent.json`` (an older record, recipients and one message id, is read as
    delivered to those recipients)."""
    path = folder / SENT_NAME
    try:
        data = read_json(path, limit=RECORD_LIMIT, depth=RECORD_DEPTH, expect=dict)
        if not isinstance(data.get("sends"), list) or not all(isinstance(s, dict) for s in data["sends"]):
            raise ValueError("no list of sends")
        sends = list(data["sends"])
        for send in sends:
            if "deliveries" not in send:
                send["deliveries"] = [{"to": address(r), "message_id": send.get("message_id", ""),
                                       "state": DELIVERED, "at": send.get("at", "")}
                                      for r in send.get("recipients", [])]
            for d in send["deliveries"]:
                if not isinstance(d, dict) or not isinstance(d.get("to"), str) or not isinstance(d.get("state"), str):
                    raise ValueError("a delivery without its recipient or state")
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MailError(f"{path}: unreadable send record ({exc}); fix or remove it, then send again") from None
    return sends


def write_records(folder: Path, sends: list[dict]) -> None:
    """``sent.json`` written whole and flushed to disk (the file, then the folder that names it)."""
    atomic_write(folder / SENT_NAME, json.dumps({"format": SENT_FORMAT, "sends": sends}, indent=2,
                                                ensure_ascii=False) + "\n")
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def latest_states(sends: list[dict]) -> dict[str, dict]:
    """Each recipient's latest delivery (its state and message id), by bare address."""
    latest: dict[str, dict] = {}
    for send in sends:
        for delivery in send["deliveries"]:
            latest[delivery["to"]] = delivery
    return latest


# -- the connection ------------------------------------------------------------------------------------------


class Deadline:
    """The send's wall-clock limit: when it passes, every socket of the send is shut, so that a server that
    answers a byte at a time (each within the per-read timeout) holds it no longer than ``seconds``."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.started = time.monotonic()
        self.passed = False
        self._fds: list[int] = []
        self._done = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(0.01, self.seconds - (time.monotonic() - self.started))

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._fds.append(sock.fileno())
            late = self.passed
        if late:
            self._shut(sock.fileno())

    @staticmethod
    def _shut(fd: int) -> None:
        try:  # a duplicate of the descriptor: shutting it down ends the connection for its owner too
            with socket.socket(fileno=os.dup(fd)) as dup:
                dup.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.passed = True
            for fd in self._fds:
                self._shut(fd)

    def close(self) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()


class _Watched:
    """An SMTP client whose sockets its :class:`Deadline` can shut, and which knows whether the whole of the
    last message (its final ``.``) went out: after that, a lost answer is an unknown outcome."""

    payload_sent = False
    _in_data = False

    def __init__(self, *args, deadline: Deadline, **kwargs):
        self.deadline = deadline
        super().__init__(*args, **kwargs)

    def _get_socket(self, host, port, timeout):
        sock = socket.create_connection((host, port), min(timeout, self.deadline.remaining()), self.source_address)
        self.deadline.watch(sock)
        if isinstance(self, smtplib.SMTP_SSL):
            sock = self.context.wrap_socket(sock, server_hostname=self._host)
        return sock

    def data(self, msg):
        self.payload_sent = False
        self._in_data = True
        try:
            return super().data(msg)
        finally:
            self._in_data = False

    def send(self, s):
        super().send(s)
        if self._in_data and isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.payload_sent = True


class WatchedSMTP(_Watched, smtplib.SMTP):
    pass


class WatchedSMTPS(_Watched, smtplib.SMTP_SSL):
    pass


def _reply(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}".strip()


def _loopback(host: str) -> bool:
    """Whether the mail server is this machine (a local relay): a password sent to it never crosses a network."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def connect(settings: MailSettings, deadline: Deadline):
    """A logged-in SMTP session (STARTTLS or TLS as configured), or MailError with the server's reason."""
    password = ""
    if settings.username:
        password = os.environ.get(settings.password_env, "")
        if not password:
            raise MailError(f"[mail] username is set but the environment variable {settings.password_env} "
                            "holding the password is empty or unset")
    context = ssl.create_default_context(cafile=settings.cafile or None)
    where = f"{settings.host}:{settings.port} ({settings.security})"
    smtp = None
    try:
        if settings.security == "tls":
            smtp = WatchedSMTPS(settings.host, settings.port, context=context, timeout=settings.timeout,
                                deadline=deadline)
        else:
            smtp = WatchedSMTP(settings.host, settings.port, timeout=settings.timeout, deadline=deadline)
        smtp.ehlo()
        if settings.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, password)
        return smtp
    except (smtplib.SMTPException, OSError) as exc:
        _close(smtp)
        if deadline.passed:
            raise MailError(f"cannot send through {where}: gave up after {settings.timeout:g} s ([mail] timeout) "
                            "before the server was ready; nothing was sent") from None
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            raise MailError(f"mail server {where} refused the login of {settings.username!r}: "
                            f"{_reply(exc.smtp_code, exc.smtp_error)}") from None
        if isinstance(exc, smtplib.SMTPResponseException):
            raise MailError(f"mail server {where} said {_reply(exc.smtp_code, exc.smtp_error)}") from None
        raise MailError(f"cannot send through {where}: {type(exc).__name__}: {exc}") from None


def _close(smtp) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


# -- sending -------------------------------------------------------------------------------------------------


def send_issue(config: Config, date: dt.date, force: bool = False, plugins=None,
               test_to: list[str] | None = None) -> SendResult:
    """Mail the issue of ``date`` to each recipient who has not had it (see the module's docstring); with
    ``test_to``, to those addresses only, recorded nowhere."""
    from ..host.context import BuildContext
    from ..host.plugins import Plugins

    settings = mail_settings(config)
    for entry in test_to or []:
        if "@" not in parseaddr(entry)[1]:
            raise UsageError(f"--to: {entry!r} is not an email address")
    ctx = BuildContext(config, plugins or Plugins(config.workspace), date)
    config.check_plugins(ctx.plugins, [])
    with out_lock(config, "send"):
        folder = config.out / date.isoformat()
        issue, files = issue_files(config, date)
        if test_to:
            return _test_send(config, issue, files, settings, ctx.env, test_to)
        sends = sent_records(folder)
        latest = latest_states(sends)
        wanted = {address(r): r for r in settings.recipients}
        unknown = [a for a in wanted if latest.get(a, {}).get("state") == SENDING]
        pending = [a for a in wanted if latest.get(a, {}).get("state") not in (DELIVERED, SENDING)]
        if not force:
            if not pending and not unknown:
                last = max((latest[a].get("at", "") for a in wanted), default="")
                return SendResult(False, f"{issue.name} was already sent on {last} to {', '.join(wanted)}; "
                                  "not sending it again (use --force)", sends[-1] if sends else {})
            items = sum(len(s.items) for s in issue.sections)
            if not items:
                raise MailError(f"{issue.name} has no items: every section is empty; not mailing it "
                                "(use --force to send it anyway)")
            targets = pending
        else:
            targets = (unknown + pending) or list(wanted)
        if targets:
            record = _send(config, folder, issue, files, settings, ctx.env, sends, [wanted[a] for a in targets],
                           forced=force)
        else:
            record = {}
    return _verdict(issue, settings, record, [] if force else unknown, latest)


def _verdict(issue: Issue, settings: MailSettings, record: dict, unknown_before: list[str],
             latest_before: dict[str, dict]) -> SendResult:
    deliveries = record.get("deliveries", [])
    delivered = [d["to"] for d in deliveries if d["state"] == DELIVERED]
    problems = [f"{d['to']} ({d.get('reason') or d['state']})" for d in deliveries if d["state"] in (REFUSED, FAILED)]
    maybe = [d for d in deliveries if d["state"] == SENDING]
    text = []
    if delivered:
        text.append(f"{issue.name} sent to {', '.join(delivered)} (one message each)")
    if problems:
        text.append(f"not delivered to {'; '.join(problems)}: `briefing send` again sends to those only")
    if maybe:
        text.append(f"the connection was lost after the message to {', '.join(d['to'] for d in maybe)} had been "
                    f"handed over ({maybe[0].get('reason', 'no answer')}): it may have been delivered")
    if unknown_before:
        ids = ", ".join(f"{a} (message {latest_before[a].get('message_id', '?')} of "
                        f"{latest_before[a].get('at', '?')})" for a in unknown_before)
        text.append(f"an earlier send of {issue.name} may have been delivered to {ids}: its outcome is unknown, "
                    "so it is not sent to them again")
    if maybe or unknown_before:
        text.append("check their mailboxes or the server's log; `briefing send --force` sends to everyone it may "
                    f"not have reached (sent.json in {issue.date.isoformat()}/ has the details)")
    message = "; ".join(text)
    if problems or maybe or unknown_before:
        raise MailError(message)
    return SendResult(True, message, record)


def _send(config: Config, folder: Path, issue: Issue, files: dict[str, Path], settings: MailSettings, env,
          sends: list[dict], recipients: list[str], forced: bool) -> dict:
    """One SMTP session delivering to ``recipients`` one by one, the intent written before each DATA."""
    base = compose_message(config, issue, files, settings, env)
    record = {"started": now_iso(), "forced": forced, "subject": str(base["Subject"]),
              "pdf_sha256": hashlib.sha256(files["pdf"].read_bytes()).hexdigest(), "deliveries": []}
    sends = sends + [record]

    def save(what: str) -> None:
        try:
            write_records(folder, sends)
        except OSError as exc:
            raise MailError(f"cannot record the send in {folder / SENT_NAME} ({exc.strerror or exc}); {what}") from None

    where = f"{settings.host}:{settings.port}"
    sender = parseaddr(settings.sender)[1]
    deadline = Deadline(settings.timeout)
    smtp = None
    try:
        smtp = connect(settings, deadline)
        for n, recipient in enumerate(recipients):
            to = address(recipient)
            msg = addressed(base, recipient, settings, issue)
            delivery = {"to": to, "message_id": str(msg["Message-ID"]), "state": FAILED, "at": now_iso()}
            record["deliveries"].append(delivery)
            try:
                code, resp = smtp.mail(sender)
                if code != 250:
                    raise smtplib.SMTPSenderRefused(code, resp, sender)
                code, resp = smtp.rcpt(to)
                if code not in (250, 251):
                    raise smtplib.SMTPRecipientsRefused({to: (code, resp)})
                delivery["state"] = SENDING  # the intent, on disk before a byte of the message is sent
                try:
                    save(f"not sent to {to}" + (" or those after it" if n + 1 < len(recipients) else ""))
                except MailError:
                    delivery.update(state=FAILED, reason="its record could not be written; not sent")
                    _rset(smtp, n)
                    raise
                code, resp = smtp.data(msg.as_bytes(policy=policy.SMTP))
                if code != 250:
                    raise smtplib.SMTPDataError(code, resp)
                delivery.update(state=DELIVERED, at=now_iso(), reply=_reply(code, resp))
            except smtplib.SMTPRecipientsRefused as exc:
                ((code, resp),) = exc.recipients.values()
                delivery.update(state=REFUSED, reason=_reply(code, resp))
                _rset(smtp, n + 1)
            except smtplib.SMTPResponseException as exc:  # an answer: the server did not take this message
                delivery.update(state=REFUSED, reason=_reply(exc.smtp_code, exc.smtp_error))
                if isinstance(exc, smtplib.SMTPSenderRefused):
                    raise _Lost(f"the server refused the sender {sender}: {delivery['reason']}", n + 1) from None
                _rset(smtp, n + 1)
            except (smtplib.SMTPException, OSError) as exc:  # no answer: the connection is gone
                reason = (f"gave up after {settings.timeout:g} s ([mail] timeout)" if deadline.passed
                          else f"{type(exc).__name__}: {exc}")
                if delivery["state"] == SENDING and not smtp.payload_sent:
                    delivery["state"] = FAILED  # the message's end never went out: the server cannot have it
                delivery["reason"] = reason
                raise _Lost(reason, n + 1) from None
            save(f"the message to {to} was {delivery['state']}, but sent.json does not say so")
    except _Lost as lost:
        for recipient in recipients[lost.next:]:
            record["deliveries"].append({"to": address(recipient), "message_id": "", "state": FAILED,
                                         "at": now_iso(), "reason": f"not attempted: {lost.reason}"})
        save(f"the outcome of the send through {where} is not recorded")
    finally:
        deadline.close()
        _close(smtp)
    return record


def _rset(smtp, next_index: int) -> None:
    """Abandon the transaction in progress; a connection that cannot even do that is lost."""
    try:
        smtp.rset()
    except (smtplib.SMTPException, OSError) as exc:
        raise _Lost(f"{type(exc).__name__}: {exc}", next_index) from None


class _Lost(Exception):
    """The session cannot go on; ``next`` is the index of the first recipient not attempted."""

    def __init__(self, reason: str, next_index: int):
        super().__init__(reason)
        self.reason = reason
        self.next = next_index


def _test_send(config: Config, issue: Issue, files: dict[str, Path], settings: MailSettings, env,
               to: list[str]) -> SendResult:
    """The issue's message to ``to`` only, recorded nowhere (the list's send is still to come)."""
    base = compose_message(config, issue, files, settings, env)
    deadline = Deadline(settings.timeout)
    smtp = None
    sent, problems = [], []
    try:
        smtp = connect(settings, deadline)
        for recipient in to:
            msg = addressed(base, recipient, settings, issue)
            try:
                refused = smtp.send_message(msg, from_addr=parseaddr(settings.sender)[1], to_addrs=[address(recipient)])
            except smtplib.SMTPRecipientsRefused as exc:
                refused = exc.recipients
            except smtplib.SMTPResponseException as exc:
                problems.append(f"{address(recipient)} ({_reply(exc.smtp_code, exc.smtp_error)})")
                continue
            except (smtplib.SMTPException, OSError) as exc:
                reason = (f"gave up after {settings.timeout:g} s" if deadline.passed else f"{type(exc).__name__}: {exc}")
                raise MailError(f"test send of {issue.name} to {address(recipient)}: {reason}") from None
            if refused:
                problems += [f"{a} ({_reply(*r)})" for a, r in refused.items()]
            else:
                sent.append(address(recipient))
    finally:
        deadline.close()
        _close(smtp)
    if problems:
        raise MailError(f"test send of {issue.name} refused for {'; '.join(problems)}")
    return SendResult(True, f"test send of {issue.name} to {', '.join(sent)} (not recorded: the issue's own send "
                      "is still to come)")
