"""Message: a built issue as the mail every recipient gets, and each recipient's copy of it.

In: the configuration, the issue model (from ``issue.json``) and its files in ``OUT/<date>/``, the ``[mail]``
settings (:class:`briefing.mail.send.MailSettings`: the sender already parsed) and the Jinja environment a build
uses. Out: an :class:`EmailMessage` with ``List-Id``, ``List-Unsubscribe`` and ``List-Post: NO``; an HTML body
(``mail.html``: inline CSS only, no scripts, no remote images, absolute links only, each chart as an inline PNG
referred to by ``cid:``) and a plain-text body (``mail.txt``); and the issue's files that ``[mail] attach`` names
(the PDF, by default; the EPUB too when asked), each of which must have been built. Each recipient's copy
(:func:`addressed`) has its own To (that recipient alone) and Message-ID.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import re
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from ..config.settings import Config
from ..models import Issue
from ..output.issuefile import read_issue
from ..output.publish import SUFFIXES
from .addresses import Mailbox, check_header_text
from .smtp import MailError

log = logging.getLogger("briefing.mail")

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

# The issue's files a mail can carry ([mail] attach): the name in a message, the MIME type.
ATTACHABLE = {"pdf": ("PDF", "application", "pdf"), "epub": ("EPUB", "application", "epub+zip")}


def issue_files(config: Config, date: dt.date, attach: tuple[str, ...] = ("pdf",)) -> tuple[Issue, dict[str, Path]]:
    """The built issue of ``date`` (its model, read from ``issue.json``) and its files by format; each format in
    ``attach`` must have been built."""
    folder = config.out / date.isoformat()
    try:
        issue = read_issue(folder)
    except FileNotFoundError:
        raise MailError(f"no issue built for {date.isoformat()} in {config.out}; run "
                        f"`briefing build --date {date.isoformat()}` first") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MailError(f"the issue of {date.isoformat()} cannot be read ({exc}); rebuild it") from None
    files = {fmt: folder / f"{issue.slug}{suffix}" for fmt, suffix in SUFFIXES.items()}
    for fmt in attach:
        if not files[fmt].is_file():
            raise MailError(f"{issue.name} ({date.isoformat()}) has no {ATTACHABLE[fmt][0]}: missing {files[fmt]}; "
                            f"run `briefing build --date {date.isoformat()}` with {fmt} among the formats")
    return issue, files


def links(config: Config, issue: Issue, files: dict[str, Path]) -> dict[str, str]:
    """The mail's absolute links: the back issues and the issue online (empty when there is none to give).

    A relative ``back_issues_url`` (``../index.html``) means something only beside the issue's files: it is
    resolved against ``[archive] base_url`` (where ``out/`` is served) when that is set."""
    archive_settings = config.tables.get("archive")  # the archive plugin's table, when it is installed
    base = archive_settings.base_url.strip() if archive_settings is not None else ""
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


def unsubscribe_text(settings) -> tuple[str, str]:
    """The List-Unsubscribe address and the words for the footer."""
    target = settings.unsubscribe or f"mailto:{quote(settings.sender_box.envelope, safe='@')}?subject=unsubscribe"
    parts = urlsplit(target)
    if parts.scheme.lower() == "mailto":
        words = f"write to {parts.path}" + (f" with the subject “{parts.query.partition('=')[2]}”"
                                            if parts.query.startswith("subject=") else "")
    else:
        words = target
    return target, words


def list_id(settings, title: str) -> str:
    """``Title <title-label.sender-domain>`` (RFC 2919) unless ``[mail] list_id`` says otherwise."""
    if settings.list_id:
        return settings.list_id
    label = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "briefing"
    return f"{title} <{label}.{settings.sender_box.ascii_domain.lower()}>"


def charts(issue: Issue, domain: str) -> dict[str, dict]:
    """Each item's chart as a PNG for the HTML part (its phone layout when it has one): item id → cid, size,
    bytes. A chart that cannot be drawn is left out of the mail with a warning; the PDF still has it."""
    from ..output.raster import item_charts

    found: dict[str, dict] = {}
    for item, png, width, height in item_charts(issue, log, "for the mail ({}); sent without it"):
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


def compose_message(config: Config, issue: Issue, files: dict[str, Path], settings, env) -> EmailMessage:
    """The message every recipient gets, without To and Message-ID (see :func:`addressed`); UsageError when a
    header would hold a control character (a line break in the title or the subject, say)."""
    domain = settings.sender_box.ascii_domain
    target, words = unsubscribe_text(settings)
    urls = links(config, issue, files)
    images = charts(issue, domain)
    html_body, text_body = render_mail(issue, env, urls["archive_url"], words, urls["issue_url"], images)
    msg = EmailMessage(policy=MESSAGE_POLICY)
    msg["Subject"] = check_header_text(settings.subject.format(
        title=issue.title, day=issue.day, date=issue.date.isoformat(), name=issue.name), "[mail] subject")
    msg["From"] = settings.sender_box.header()
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["List-Id"] = check_header_text(list_id(settings, issue.title), "[mail] list_id")
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
    for fmt in settings.attach:
        _, maintype, subtype = ATTACHABLE[fmt]
        msg.add_attachment(files[fmt].read_bytes(), maintype=maintype, subtype=subtype, filename=files[fmt].name)
    return msg


def addressed(base: EmailMessage, recipient: Mailbox, settings, issue: Issue) -> EmailMessage:
    """A copy of the message for one recipient: To is that recipient alone, with a Message-ID of its own."""
    msg = copy.deepcopy(base)
    msg["To"] = recipient.header()
    msg["Message-ID"] = make_msgid(idstring=issue.slug, domain=settings.sender_box.ascii_domain)
    return msg


def as_bytes(msg: EmailMessage, utf8: bool) -> bytes:
    """The message as sent: 7-bit headers (names RFC 2047-encoded), or UTF-8 ones for an SMTPUTF8 transaction."""
    return msg.as_bytes(policy=policy.SMTPUTF8 if utf8 else policy.SMTP)
