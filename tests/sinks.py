"""Real alert receivers on 127.0.0.1 for the tests: an http.server webhook receiver that records
every POST (paths starting /slow, /fail, /redirect, /gone answer as they say), and an aiosmtpd
SMTP server (optionally requiring AUTH as alerts@example.org / s3cret-pw)."""

from __future__ import annotations

import contextlib
import email
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Receiver:
    """A threaded http.server on 127.0.0.1 recording every POST it gets."""

    port: int
    posts: list[dict[str, Any]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver  # set on the per-fixture subclass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.receiver.posts.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.path.startswith("/slow"):
            time.sleep(3)
        if self.path.startswith("/fail"):
            self._answer(500, b"boom: see /fail/T1/B2/tok-secret")  # echoes the URL's path
        elif self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path.startswith("/gone"):
            self._answer(404, b"no_service")
        else:
            self._answer(200, b"ok")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)  # fails when the client gave up first (the timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.block_on_close = False  # a /slow handler may still sleep when the test ends
    rec = Receiver(port=server.server_address[1])
    server.RequestHandlerClass = type("Handler", (_Handler,), {"receiver": rec})
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()


class _Inbox:
    def __init__(self) -> None:
        self.mails: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = email.message_from_bytes(envelope.content, policy=email_policy)
        self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), mail))
        return "250 OK"


@dataclass
class SmtpServer:
    port: int
    inbox: _Inbox
    logins: list[str]


@contextlib.contextmanager
def smtp_sink(auth: bool = False) -> Iterator[SmtpServer]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    inbox, logins = _Inbox(), []

    def authenticator(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"alerts@example.org",
            b"s3cret-pw",
        )
        if ok:
            logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    options: dict[str, Any] = {}
    if auth:
        options = {
            "auth_required": True,
            "auth_require_tls": False,
            "authenticator": authenticator,
        }
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield SmtpServer(controller.port, inbox, logins)
    finally:
        controller.stop()
