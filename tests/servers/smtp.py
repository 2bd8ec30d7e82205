"""Loopback SMTP servers for tests (aiosmtpd 1.4), each in its own thread.

Like a real submission server they require STARTTLS (self-signed certificate) and then
AUTH LOGIN or PLAIN as USER/PASSWORD before MAIL FROM.

Handlers:
  CaptureHandler      keeps every message in memory (thread-safe) with sync and async waits
  LmtpDeliverHandler  hands every message to Dovecot's LMTP, so it lands in an IMAP mailbox
Both can be told at run time to answer failures (`fail(...)`): 421/451 temporary, 550 permanent,
at MAIL, RCPT or DATA. `SmtpServer.stop()`/`start()` (or `down()`, `down_for()`) take the server
off and back on the same port to simulate "SMTP down for a while".
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Generic, Literal, TypeVar

import aiosmtplib
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.servers.processes import HOST, free_port

USER = "mailer"
PASSWORD = "s3cret"

# Common failure replies for `fail()`.
TEMP_421 = "421 4.3.2 Service not available, closing transmission channel"
TEMP_451 = "451 4.3.0 Temporary local problem, try again later"
PERM_550 = "550 5.1.1 Mailbox unavailable"

# aiosmtpd logs a deprecation line on every AUTH and a traceback whenever a client drops the TLS
# handshake: noise in test output, never a finding.
logging.getLogger("mail.log").setLevel(logging.CRITICAL)

Stage = Literal["MAIL", "RCPT", "DATA"]


@dataclass(frozen=True)
class CapturedMessage:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    authenticated: bool


@dataclass
class _Failure:
    reply: str
    stage: Stage
    remaining: int | None  # None: until recover()
    rcpt: str | None  # only this recipient (RCPT stage)


class FailureSwitch:
    """Base of the handlers: answers a configured failure instead of accepting.

    A reply starting with 421 also closes the connection, as RFC 5321 requires.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failure: _Failure | None = None
        self.refused: list[tuple[Stage, str]] = []  # (stage, reply) of every failure answered

    def fail(
        self, reply: str = TEMP_451, *, at: Stage = "DATA", times: int | None = None, rcpt: str | None = None
    ) -> None:
        """Answer `reply` at stage `at` (for `times` transactions, or until `recover()`).
        With `rcpt`, only that recipient is refused (at RCPT)."""
        if not reply[:3].isdigit() or reply[0] not in "45":
            raise ValueError(f"not an SMTP failure reply: {reply!r}")
        with self._lock:
            self._failure = _Failure(reply, "RCPT" if rcpt else at, times, rcpt)

    def recover(self) -> None:
        with self._lock:
            self._failure = None

    def _failure_for(self, stage: Stage, address: str | None = None) -> str | None:
        with self._lock:
            f = self._failure
            if f is None or f.stage != stage or (f.rcpt is not None and f.rcpt != address):
                return None
            if f.remaining is not None:
                f.remaining -= 1
                if f.remaining <= 0:
                    self._failure = None
            self.refused.append((stage, f.reply))
            return f.reply

    def _refuse(self, server: SMTP, reply: str) -> str:
        if reply.startswith("421"):
            # close right after the reply is written (transport.close() flushes first)
            transport = server.transport
            if transport is not None:
                asyncio.get_running_loop().call_soon(transport.close)
        return reply

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self._failure_for("MAIL")
        if reply:
            return self._refuse(server, reply)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self._failure_for("RCPT", address)
        if reply:
            return self._refuse(server, reply)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = self._failure_for("DATA")
        if reply:
            return self._refuse(server, reply)
        return await self.accept(session, envelope)

    async def accept(self, session: Session, envelope: Envelope) -> str:
        raise NotImplementedError


def _raw(envelope: Envelope) -> bytes:
    data = envelope.original_content or envelope.content or b""
    return data if isinstance(data, bytes) else data.encode()


class CaptureHandler(FailureSwitch):
    """Keeps every accepted message. Safe to read from the test while the server thread writes."""

    def __init__(self) -> None:
        super().__init__()
        self._cond = threading.Condition()
        self._messages: list[CapturedMessage] = []

    @property
    def messages(self) -> list[CapturedMessage]:
        with self._cond:
            return list(self._messages)

    def clear(self) -> None:
        with self._cond:
            self._messages.clear()

    async def accept(self, session: Session, envelope: Envelope) -> str:
        raw = _raw(envelope)
        msg = message_from_bytes(raw, policy=policy.default)
        captured = CapturedMessage(
            envelope.mail_from or "", list(envelope.rcpt_tos), msg, raw, bool(session.authenticated)
        )
        with self._cond:
            self._messages.append(captured)
            self._cond.notify_all()
        return "250 OK captured"

    def wait_for(self, count: int = 1, within: float = 5.0) -> list[CapturedMessage]:
        """Block until at least `count` messages arrived (for sync tests); raises TimeoutError."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._messages) >= count, within):
                raise TimeoutError(f"{len(self._messages)} of {count} messages after {within} s")
            return list(self._messages)

    async def wait(self, count: int = 1, within: float = 5.0) -> list[CapturedMessage]:
        """Like wait_for(), without blocking the event loop (the sender may run in it)."""
        end = time.monotonic() + within
        while True:
            got = self.messages
            if len(got) >= count:
                return got
            if time.monotonic() >= end:
                raise TimeoutError(f"{len(got)} of {count} messages after {within} s")
            await asyncio.sleep(0.01)


class LmtpDeliverHandler(FailureSwitch):
    """Relays each message to an LMTP server (Dovecot); its per-recipient answer goes back."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__()
        self.host, self.port = host, port

    def _deliver(self, envelope: Envelope) -> dict[str, tuple[int, bytes]]:
        with smtplib.LMTP(self.host, self.port) as lmtp:
            return lmtp.sendmail(envelope.mail_from or "", envelope.rcpt_tos, _raw(envelope))

    async def accept(self, session: Session, envelope: Envelope) -> str:
        try:
            refused = await asyncio.to_thread(self._deliver, envelope)
        except smtplib.SMTPRecipientsRefused:
            return "550 5.1.1 all recipients refused by LMTP"
        except smtplib.SMTPResponseException as e:
            return f"{e.smtp_code} {_text(e.smtp_error)}"
        except OSError as e:
            return f"451 4.4.1 LMTP unreachable: {e}"
        return "250 OK delivered" if not refused else f"250 OK, partial: refused {sorted(refused)}"


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and _text(auth_data.login) == USER
        and _text(auth_data.password) == PASSWORD
    )
    return AuthResult(success=ok, handled=False)


H = TypeVar("H", bound=FailureSwitch)


class SmtpServer(Generic[H]):
    """An aiosmtpd server on 127.0.0.1:`port`, STARTTLS + AUTH required. `handler` decides
    what happens to accepted mail (CaptureHandler: `.handler.wait()`, `.messages`)."""

    def __init__(self, handler: H, *, cert: str, key: str, port: int | None = None, require_auth: bool = True) -> None:
        self.handler = handler
        self.host = HOST
        self.port = port or free_port()
        self.cert, self.key = cert, key
        self.user, self.password = USER, PASSWORD
        self.require_auth = require_auth
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    @property
    def messages(self) -> list[CapturedMessage]:
        if not isinstance(self.handler, CaptureHandler):
            raise TypeError("only a capturing server keeps messages")
        return self.handler.messages

    def client_tls_context(self) -> ssl.SSLContext:
        """For aiosmtplib's `tls_context=`: trusts the self-signed certificate."""
        return ssl.create_default_context(cafile=self.cert)

    async def send(self, message: EmailMessage, *, password: str | None = None) -> tuple[dict[str, Any], str]:
        """Submit `message` as a client would: STARTTLS, AUTH as USER, then MAIL/RCPT/DATA."""
        return await aiosmtplib.send(
            message,
            hostname=self.host,
            port=self.port,
            start_tls=True,
            tls_context=self.client_tls_context(),
            username=self.user,
            password=self.password if password is None else password,
        )

    def fail(
        self, reply: str = TEMP_451, *, at: Stage = "DATA", times: int | None = None, rcpt: str | None = None
    ) -> None:
        self.handler.fail(reply, at=at, times=times, rcpt=rcpt)

    def recover(self) -> None:
        self.handler.recover()

    def start(self) -> None:
        if self._controller is not None:
            return
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.cert, self.key)
        # hostname="127.0.0.1": without it aiosmtpd binds ::1 only and 127.0.0.1 is refused
        controller = Controller(
            self.handler,
            hostname=self.host,
            port=self.port,
            server_hostname="smtp.test",
            tls_context=tls,
            require_starttls=True,
            authenticator=_authenticator,
            auth_required=self.require_auth,
            auth_require_tls=True,
            decode_data=False,
        )
        controller.start()  # returns once the server answers
        self._controller = controller

    def stop(self) -> None:
        """Close the port: clients get "connection refused" until start()."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @contextmanager
    def down(self) -> Iterator[None]:
        """`with server.down(): ...` -- the server is off inside the block, back on after."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def down_for(self, seconds: float) -> threading.Timer:
        """Stop now and start again after `seconds` in the background (join the timer to wait)."""
        self.stop()
        timer = threading.Timer(seconds, self.start)
        timer.daemon = True
        timer.start()
        return timer
