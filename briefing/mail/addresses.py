"""Addresses: every address a send uses (the sender, each recipient, each ``--to``) parsed and checked once, before
anyone is mailed, and every other value a header is made of checked for control characters.

In: an entry as written in ``[mail]`` or on the command line (``analyst@example.org``, ``Chief
<chief@bücher.example>``, ``用户@例子.广告``) and where it was written. Out: a :class:`Mailbox`, or a
:class:`~briefing.errors.UsageError` with one line (exit code 2): a control character (a CR/LF would start a header
of its own), two addresses in one entry, a group, no user or no domain, a domain that cannot be written in ASCII.

A domain beyond ASCII is written in the envelope and the headers as IDNA 2008 says (``xn--bcher-kva.example``, by
the ``idna`` package: Python's own codec is IDNA 2003, which turns ``faß.de`` into ``fass.de``, another domain).
A mailbox name beyond ASCII (``用户``) can only be carried by a server that offers SMTPUTF8 (RFC 6531); the send
asks the server before the first message and, when it does not, mails no one (see :mod:`briefing.mail.send`).
The standard library's header parser reads the entry (quoted names, comments, angle brackets), so an entry is
read as a mail program would read it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from email.headerregistry import Address, HeaderRegistry

import idna

from ..errors import UsageError

_REGISTRY = HeaderRegistry()
_CONTROL = ("Cc", "Cf", "Zl", "Zp")  # control, format (bidirectional overrides, zero-width), line and paragraph


@dataclass(frozen=True)
class Mailbox:
    """One address: its display name, its local part, its domain as written and as ASCII (IDNA)."""

    name: str
    local: str
    domain: str
    ascii_domain: str

    @property
    def key(self) -> str:
        """Who a record is about: the bare address, lower-cased, its domain in Unicode (``chief@bücher.example``)."""
        return f"{self.local}@{idna.decode(self.ascii_domain)}".lower()

    @property
    def needs_smtputf8(self) -> bool:
        """A local part beyond ASCII: only a server offering SMTPUTF8 can carry it."""
        return not self.local.isascii()

    @property
    def envelope(self) -> str:
        """The address for MAIL FROM and RCPT TO: the domain in ASCII."""
        return f"{self.local}@{self.ascii_domain}"

    def header(self) -> Address:
        """The address for From and To (the email package encodes a display name beyond ASCII)."""
        return Address(display_name=self.name, username=self.local, domain=self.ascii_domain)


def control_character(text: str) -> str:
    """The first control or invisible formatting character of ``text``, named (``U+000A``), or ""."""
    for ch in text:
        if unicodedata.category(ch) in _CONTROL:
            return f"U+{ord(ch):04X}"
    return ""


def check_header_text(value: str, where: str) -> str:
    """``value`` for a header line (List-Id, List-Unsubscribe, the subject), or UsageError naming what is wrong."""
    found = control_character(value)
    if found:
        raise UsageError(f"{where}: {value[:80]!r} holds a control character ({found}); a header is one line")
    return value


def mailbox(entry: object, where: str) -> Mailbox:
    """The one address ``entry`` names; UsageError (one line, naming ``where``) when it is not exactly one."""
    if not isinstance(entry, str):
        raise UsageError(f"{where}: {entry!r} is not an email address")
    shown = repr(entry[:120])
    found = control_character(entry)
    if found:
        raise UsageError(f"{where}: {shown} holds a control character ({found}); write one address per entry")
    try:
        header = _REGISTRY("To", entry)
    except Exception:  # the parser fails on some broken addresses ("a@") instead of noting a defect
        raise UsageError(f"{where}: {shown} is not an email address") from None
    if len(header.addresses) > 1:
        raise UsageError(f"{where}: {shown} holds {len(header.addresses)} addresses; write one address per entry")
    if any(group.display_name is not None for group in header.groups):
        raise UsageError(f"{where}: {shown} is a group of addresses; write one address per entry")
    defects = [d for d in header.defects if type(d).__name__ != "NonASCIILocalPartDefect"]
    if not header.addresses or defects or not header.addresses[0].username or not header.addresses[0].domain:
        raise UsageError(f"{where}: {shown} is not an email address")
    address = header.addresses[0]
    try:
        ascii_domain = idna.encode(address.domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise UsageError(f"{where}: {shown}: the domain {address.domain!r} is not a mail domain ({exc})") from None
    return Mailbox(address.display_name, address.username, address.domain, ascii_domain)


def key_of(entry: str) -> str:
    """The bare address of an entry, as records name it; an entry that does not parse (an old record) lower-cased."""
    try:
        return mailbox(entry, "address").key
    except UsageError:
        from email.utils import parseaddr

        return parseaddr(entry)[1].lower()
