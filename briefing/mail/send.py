"""Mail: a built issue → one message per recipient over SMTP, each delivered at most once.

In: the configuration's ``[mail]`` table and an issue already built in ``OUT/<date>/`` (its model, from
``issue.json``, and the files ``[mail] attach`` names: the PDF, and the EPUB when asked). Out: for each
recipient the message of :mod:`briefing.mail.message` addressed to them alone (no reader sees the list): an
HTML and a plain-text body rendered from the issue model, the list's headers, the files attached; sent through
:mod:`briefing.mail.smtp`. ``briefing send --to ADDRESS`` is a test send: the same message to that address
alone, recorded nowhere; it says where the list's own send stands (still to come, or done and when).

Every address (the sender, each recipient, each ``--to``) is parsed and checked once, before anyone is mailed
(:mod:`briefing.mail.addresses`): a bad one is a usage error (exit code 2). A domain beyond ASCII is sent IDNA
-encoded; a mailbox name beyond ASCII needs a server that offers SMTPUTF8, and when the server does not, nobody
is mailed (exit code 1, naming the addresses).

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

import datetime as dt
import hashlib
import json
import logging
import os
import smtplib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..config.settings import Config
from ..errors import UsageError
from ..models import Issue
from ..runtime.files import atomic_write
from ..runtime.guarded import read_json
from ..runtime.lock import out_lock
from .addresses import Mailbox, check_header_text, key_of, mailbox
from .message import addressed, as_bytes, compose_message, issue_files, render_mail  # noqa: F401 (render_mail: the API)
from .smtp import Deadline, MailError, close, connect, loopback, reply

log = logging.getLogger("briefing.mail")

SENT_NAME = "sent.json"
SENT_FORMAT = 2
RECORD_LIMIT = 16 * 1024 * 1024  # bytes of sent.json: a record of 10,000 recipients, sent a hundred times, is less
RECORD_DEPTH = 6  # levels: the record nests 5 (record, sends, send, deliveries, delivery)
DEFAULT_PASSWORD_ENV = "BRIEFING_SMTP_PASSWORD"
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
DELIVERED, REFUSED, FAILED, SENDING = "delivered", "refused", "failed", "sending"
UTF8_OPTIONS = ("SMTPUTF8", "BODY=8BITMIME")  # MAIL FROM parameters of a message with a mailbox beyond ASCII


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
    attach: tuple[str, ...] = ("pdf",)  # the issue's files the mail carries
    sender_box: Mailbox | None = None  # the sender, parsed
    boxes: list[Mailbox] = field(default_factory=list)  # the recipients, parsed, in order


@dataclass
class SendResult:
    sent: bool
    message: str
    record: dict = field(default_factory=dict)


def address(entry: str) -> str:
    """The bare address of ``Name <addr>`` (or of ``addr``), lower-cased: who a record is about."""
    return key_of(entry)


def mail_settings(config: Config) -> MailSettings:
    """The ``[mail]`` table (its types already checked); a missing key is a usage error naming the file."""
    where = f"{config.path.name if config.path else 'briefing.toml'} [mail]"
    raw = config.raw.get("mail")
    if not raw:
        raise UsageError(f"{where}: no [mail] table; set host, sender and recipients to send issues")
    if "password" in raw:
        raise UsageError(f"{where}: do not put the password in the file; set password_env to the name of an "
                         f"environment variable that holds it (default {DEFAULT_PASSWORD_ENV})")
    table = config.section("mail")
    missing = [k for k in ("host", "sender", "recipients") if not table.get(k)]
    if missing:
        raise UsageError(f"{where}: missing {', '.join(missing)}")
    sender = mailbox(table.sender, f"{where} sender")
    boxes: dict[str, Mailbox] = {}
    for entry in table.recipients:
        box = mailbox(entry, f"{where} recipients")
        if box.key in boxes:
            raise UsageError(f"{where}: {box.key} is listed twice in recipients")
        boxes[box.key] = box
    for key in ("list_id", "unsubscribe", "subject"):
        check_header_text(table[key], f"{where} {key}")
    unsubscribe = table.unsubscribe.strip()
    if unsubscribe and urlsplit(unsubscribe).scheme.lower() not in ("mailto", "https"):
        raise UsageError(f"{where}: unsubscribe: expected a mailto: or https: address, got {unsubscribe!r}")
    if table.one_click and not unsubscribe.lower().startswith("https:"):
        raise UsageError(f"{where}: one_click needs an https: unsubscribe address")
    security = table.security
    if security == "none" and table.username and not loopback(table.host):
        raise UsageError(f"{where}: security = \"none\" with a username would send the password in clear to "
                         f"{table.host}; use \"starttls\" or \"tls\" (a relay on this machine may stay \"none\")")
    return MailSettings(host=table.host, port=table.port or DEFAULT_PORTS[security], security=security,
                        sender=table.sender, recipients=list(table.recipients), username=table.username,
                        password_env=table.password_env, subject=table.subject,
                        timeout=table.timeout, cafile=table.cafile, list_id=table.list_id.strip(),
                        unsubscribe=unsubscribe, one_click=table.one_click,
                        attach=tuple(dict.fromkeys(table.attach)), sender_box=sender, boxes=list(boxes.values()))


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


# -- sending -------------------------------------------------------------------------------------------------


def send_issue(config: Config, date: dt.date, force: bool = False, plugins=None,
               test_to: list[str] | None = None) -> SendResult:
    """Mail the issue of ``date`` to each recipient who has not had it (see the module's docstring); with
    ``test_to``, to those addresses only, recorded nowhere."""
    from ..host.context import HostContext
    from ..host.plugins import Plugins

    settings = mail_settings(config)
    test_boxes = [mailbox(entry, "--to") for entry in test_to or []]  # checked before anything else happens
    ctx = HostContext(config, plugins or Plugins(config.workspace), date)
    with out_lock(config, "send"):
        folder = config.out / date.isoformat()
        issue, files = issue_files(config, date, settings.attach)
        if test_to:
            return _test_send(config, issue, files, settings, ctx.env, test_boxes)
        sends = sent_records(folder)
        latest = latest_states(sends)
        wanted = {box.key: box for box in settings.boxes}
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
          sends: list[dict], recipients: list[Mailbox], forced: bool) -> dict:
    """One SMTP session delivering to ``recipients`` one by one, the intent written before each DATA."""
    base = compose_message(config, issue, files, settings, env)
    record = {"started": now_iso(), "forced": forced, "subject": str(base["Subject"]),
              **{f"{fmt}_sha256": hashlib.sha256(files[fmt].read_bytes()).hexdigest() for fmt in settings.attach},
              "deliveries": []}
    sends = sends + [record]

    def save(what: str) -> None:
        try:
            write_records(folder, sends)
        except OSError as exc:
            raise MailError(f"cannot record the send in {folder / SENT_NAME} ({exc.strerror or exc}); {what}") from None

    where = f"{settings.host}:{settings.port}"
    sender = settings.sender_box
    deadline = Deadline(settings.timeout)
    smtp = None
    try:
        smtp = connect(settings, deadline)
        _check_utf8(smtp, sender, recipients, where)
        for n, box in enumerate(recipients):
            to, utf8 = box.key, box.needs_smtputf8 or sender.needs_smtputf8
            msg = addressed(base, box, settings, issue)
            delivery = {"to": to, "message_id": str(msg["Message-ID"]), "state": FAILED, "at": now_iso()}
            record["deliveries"].append(delivery)
            try:
                code, resp = smtp.mail(sender.envelope, UTF8_OPTIONS if utf8 else ())
                if code != 250:
                    raise smtplib.SMTPSenderRefused(code, resp, sender.envelope)
                code, resp = smtp.rcpt(box.envelope)
                if code not in (250, 251):
                    raise smtplib.SMTPRecipientsRefused({to: (code, resp)})
                delivery["state"] = SENDING  # the intent, on disk before a byte of the message is sent
                try:
                    save(f"not sent to {to}" + (" or those after it" if n + 1 < len(recipients) else ""))
                except MailError:
                    delivery.update(state=FAILED, reason="its record could not be written; not sent")
                    _rset(smtp, n)
                    raise
                code, resp = smtp.data(as_bytes(msg, utf8))
                if code != 250:
                    raise smtplib.SMTPDataError(code, resp)
                delivery.update(state=DELIVERED, at=now_iso(), reply=reply(code, resp))
            except smtplib.SMTPRecipientsRefused as exc:
                ((code, resp),) = exc.recipients.values()
                delivery.update(state=REFUSED, reason=reply(code, resp))
                _rset(smtp, n + 1)
            except smtplib.SMTPResponseException as exc:  # an answer: the server did not take this message
                delivery.update(state=REFUSED, reason=reply(exc.smtp_code, exc.smtp_error))
                if isinstance(exc, smtplib.SMTPSenderRefused):
                    raise _Lost(f"the server refused the sender {sender.envelope}: {delivery['reason']}",
                                n + 1) from None
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
        for box in recipients[lost.next:]:
            record["deliveries"].append({"to": box.key, "message_id": "", "state": FAILED,
                                         "at": now_iso(), "reason": f"not attempted: {lost.reason}"})
        save(f"the outcome of the send through {where} is not recorded")
    finally:
        deadline.close()
        close(smtp)
    return record


def _check_utf8(smtp, sender: Mailbox, recipients: list[Mailbox], where: str) -> None:
    """Before anyone is mailed: a mailbox name beyond ASCII needs a server that offers SMTPUTF8."""
    need = [box.key for box in [sender, *recipients] if box.needs_smtputf8]
    if need and not smtp.has_extn("smtputf8"):
        raise MailError(f"the mail server {where} does not offer SMTPUTF8, which {', '.join(need)} need "
                        "(a mailbox name beyond ASCII); nobody was mailed")


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
               to: list[Mailbox]) -> SendResult:
    """The issue's message to ``to`` only, recorded nowhere; it says where the list's own send stands."""
    base = compose_message(config, issue, files, settings, env)
    deadline = Deadline(settings.timeout)
    smtp = None
    sent, problems = [], []
    try:
        smtp = connect(settings, deadline)
        _check_utf8(smtp, settings.sender_box, to, f"{settings.host}:{settings.port}")
        for box in to:
            msg = addressed(base, box, settings, issue)
            try:
                refused = smtp.send_message(msg, from_addr=settings.sender_box.envelope, to_addrs=[box.envelope])
            except smtplib.SMTPRecipientsRefused as exc:
                refused = exc.recipients
            except smtplib.SMTPResponseException as exc:
                problems.append(f"{box.key} ({reply(exc.smtp_code, exc.smtp_error)})")
                continue
            except (smtplib.SMTPException, OSError) as exc:
                reason = (f"gave up after {settings.timeout:g} s" if deadline.passed else f"{type(exc).__name__}: {exc}")
                raise MailError(f"test send of {issue.name} to {box.key}: {reason}") from None
            if refused:
                problems += [f"{box.key} ({reply(*r)})" for r in refused.values()]
            else:
                sent.append(box.key)
    finally:
        deadline.close()
        close(smtp)
    if problems:
        raise MailError(f"test send of {issue.name} refused for {'; '.join(problems)}")
    note = list_send_state(config.out / issue.date.isoformat(), [box.key for box in settings.boxes])
    return SendResult(True, f"test send of {issue.name} to {', '.join(sent)} ({note})")


def list_send_state(folder: Path, wanted: list[str]) -> str:
    """What a test send says of the issue's own send: still to come, done (and when), or done in part."""
    latest = latest_states(sent_records(folder))
    done = [latest[a] for a in wanted if latest.get(a, {}).get("state") == DELIVERED]
    if not done:
        return "not recorded: the issue's own send is still to come"
    last = max(d.get("at", "") for d in done)
    if len(done) == len(wanted):
        return f"not recorded: the issue itself went to its {len(wanted)} recipients on {last}"
    return (f"not recorded: the issue itself went to {len(done)} of its {len(wanted)} recipients on {last}; "
            "`briefing send` mails the others")
