"""Serving the desk: the token it needs, the socket it listens on, the uvicorn server, and its address.

In: the address to listen on, the token given (or the environment's), a :class:`~briefing.desk.service.Desk`.
Out: a listening socket (a usage error naming the address when it cannot be had), a uvicorn server of the desk's
application, the address ``briefing serve`` prints, and :class:`Background` (the desk served from a thread of
this process: the tests and the benchmarks use it).
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time

from ..errors import UsageError
from .guard import is_loopback

MIN_TOKEN = 16  # characters of a token: guessing one is out of reach
START_SECONDS = 30  # a desk served in the background has this long to start


def token_for(host: str, given: str | None, env_name: str) -> str:
    """The token the desk requires: the one given, else the environment's; beyond loopback one is required."""
    token = given if given is not None else os.environ.get(env_name, "")
    if not token and not is_loopback(host):
        raise UsageError(f"--host {host} is reachable from other machines: give a token with --token or the "
                         f"environment variable {env_name} (e.g. {env_name}={secrets.token_urlsafe(18)})")
    if token and len(token) < MIN_TOKEN:
        raise UsageError(f"the desk's token must be at least {MIN_TOKEN} characters long")
    return token


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: any free port); a usage error naming the address otherwise."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port or --host") \
            from None
    return sock


def server_for(desk, sock: socket.socket):
    import uvicorn

    from .app import make_app

    return uvicorn.Server(uvicorn.Config(make_app(desk), log_level="warning", access_log=False, lifespan="off",
                                         timeout_graceful_shutdown=2))


def address(desk, port: int) -> str:
    host = desk.host if desk.host not in ("0.0.0.0", "::") else socket.gethostname()
    host = f"[{host}]" if ":" in host else host
    url = f"http://{host}:{port}/issues/{desk.date.isoformat()}"
    return url + (f"?token={desk.token}" if desk.token else "")


class Background:
    """A desk served from a thread of this process until :meth:`stop`."""

    def __init__(self, desk, host: str = "127.0.0.1", port: int = 0):
        sock = listen(host, port)
        desk.port = sock.getsockname()[1]
        self.desk = desk
        self.port = desk.port
        self.server = server_for(desk, sock)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + START_SECONDS
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the desk did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
