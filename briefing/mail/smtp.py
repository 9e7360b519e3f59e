"""SMTP: a logged-in session with the mail server (STARTTLS or TLS as configured) under the send's wall clock.

In: the ``[mail]`` settings and a :class:`Deadline`. Out: an SMTP client whose sockets the deadline shuts when it
passes (so that a server answering a byte at a time cannot hold a send), and which knows whether the whole of the
last message went out (after that, a lost answer is an unknown outcome); or :class:`MailError` with the server's
reason. Used by :mod:`briefing.mail.send`.
"""

from __future__ import annotations

import ipaddress
import os
import smtplib
import socket
import ssl
import threading
import time

from ..errors import BriefingError


class MailError(BriefingError):
    """The issue could not be mailed, or not to everyone (exit code 1); the message says why."""


class Deadline:
    """The send's wall-clock limit: when it passes, every socket of the send is shut, so that a server that
    answers a byte at a time (each within the per-read timeout) holds it no longer than ``seconds``. The deadline
    shuts descriptors of its own for the sockets it watches, so it never touches one the send closed meanwhile."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.started = time.monotonic()
        self.passed = False
        self._held: list[socket.socket] = []
        self._done = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(0.01, self.seconds - (time.monotonic() - self.started))

    def watch(self, sock: socket.socket) -> None:
        mine = socket.socket(fileno=os.dup(sock.fileno()))  # the same connection, a descriptor of the deadline's
        with self._lock:
            if self._done:
                mine.close()
                return
            self._held.append(mine)
            if self.passed:
                _shut(mine)

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.passed = True
            for sock in self._held:
                _shut(sock)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._done = True
            for sock in self._held:
                sock.close()
            self._held.clear()


def _shut(sock: socket.socket) -> None:
    try:  # shutting a descriptor down ends the connection for every descriptor of it
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


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


def reply(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}".strip()


def loopback(host: str) -> bool:
    """Whether the mail server is this machine (a local relay): a password sent to it never crosses a network."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def connect(settings, deadline: Deadline):
    """A logged-in SMTP session (STARTTLS or TLS as configured) for :class:`briefing.mail.send.MailSettings`, or
    MailError with the server's reason."""
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
        close(smtp)
        if deadline.passed:
            raise MailError(f"cannot send through {where}: gave up after {settings.timeout:g} s ([mail] timeout) "
                            "before the server was ready; nothing was sent") from None
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            raise MailError(f"mail server {where} refused the login of {settings.username!r}: "
                            f"{reply(exc.smtp_code, exc.smtp_error)}") from None
        if isinstance(exc, smtplib.SMTPResponseException):
            raise MailError(f"mail server {where} said {reply(exc.smtp_code, exc.smtp_error)}") from None
        raise MailError(f"cannot send through {where}: {type(exc).__name__}: {exc}") from None


def close(smtp) -> None:
    """End the session politely if the server still listens, else just close it."""
    if smtp is None:
        return
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
