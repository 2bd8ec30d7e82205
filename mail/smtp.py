"""Sending the email outbox over SMTP (aiosmtplib), at most once per Message-ID.

Delivery protocol for one outbox item (each step its own short transaction):

1. `claim_due` leases the item (state `sending`).
2. The MIME message is built; its Message-ID was fixed when the item was queued.
3. SMTP MAIL FROM and RCPT TO are sent. A refusal here is a clean, known outcome.
4. The outbound Message row is committed in state `sending`: the *handover marker*.
5. SMTP DATA. A 2xx answer means the server took responsibility for the mail.
6. `mark_sent` and the Message row's state `sent` are committed.

A server never delivers a transaction whose DATA it did not finish, so the only window in which we
cannot know whether the vendor got the mail is between 4 and 6. When a claimed item has a marker
still in `sending` (we crashed, or the connection dropped after the DATA terminator), the worker asks
the optional `DeliveryProbe` (e.g. an IMAP search of the Sent folder for the Message-ID): found means
sent, not found means safe to send again. Without a probe that can answer, the item is recorded as
`sent_unverified` and a low-severity escalation asks a person to check: the vendor never receives the
same Message-ID twice, and a possible loss is visible instead of silent.

Failures: 4xx replies, refused connections and timeouts retry with the outbox's backoff; 5xx replies
fail the item for good, escalate the PO (delivery_failed) and, when the recipient address itself was
refused, mark the vendor contact bounced. An authentication failure is our configuration, not the
vendor's: it never fails an item permanently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any, Protocol

import aiosmtplib

from core.clock import Clock, SystemClock
from core.outbox.service import LEASE, claim_due
from core.settings import Security, Settings
from mail import outbound
from mail.outbound import OutboundBuildError, OutboundIdentity, SendState

log = logging.getLogger(__name__)

CRASH_ENV = "LIAISON_TEST_CRASH_AT"  # test-only: os._exit at a named point to prove crash safety


def _crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os._exit(137)


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: Security = "starttls"
    user: str | None = None
    password: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        if not settings.smtp_host:
            raise ValueError("LIAISON_SMTP_HOST is not set")
        security = settings.smtp_security
        default_port = {"ssl": 465, "starttls": 587, "none": 25}[security]
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port or default_port,
            security=security,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            ca_file=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
        )

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file) if self.ca_file else ssl.create_default_context()


class DeliveryFailure(Exception):
    """Why SMTP did not take a message; `permanent` failures are not retried. `uncertain`: the connection
    broke after DATA was sent, so the server may have accepted it."""

    def __init__(self, reason: str, *, permanent: bool, recipient_refused: bool = False, uncertain: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.recipient_refused = recipient_refused
        self.uncertain = uncertain


def classify(exc: BaseException, *, stage: str) -> DeliveryFailure:
    """Map an aiosmtplib / socket error at `stage` (connect | mail | rcpt | data) to a DeliveryFailure."""
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return DeliveryFailure(f"SMTP authentication failed: {exc.code} {exc.message}", permanent=False)
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [e.code for e in exc.recipients]
        permanent = bool(codes) and all(500 <= c < 600 for c in codes)
        text = "; ".join(f"{e.code} {e.message}" for e in exc.recipients)
        return DeliveryFailure(f"recipient refused: {text}", permanent=permanent, recipient_refused=permanent)
    if isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 0:
        permanent = 500 <= exc.code < 600
        what = {"rcpt": "recipient refused", "mail": "sender refused", "data": "message refused"}.get(stage, "refused")
        return DeliveryFailure(
            f"{what}: {exc.code} {exc.message}",
            permanent=permanent,
            recipient_refused=permanent and stage == "rcpt",
        )
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected | aiosmtplib.SMTPTimeoutError | ConnectionError) and (
        stage == "data"
    ):
        return DeliveryFailure(f"connection lost during DATA: {exc}", permanent=False, uncertain=True)
    if isinstance(exc, aiosmtplib.SMTPException | OSError | asyncio.TimeoutError):
        return DeliveryFailure(f"SMTP {stage} failed: {type(exc).__name__}: {exc}", permanent=False)
    raise exc


class SmtpTransport:
    """One SMTP session, opened on demand and reused across messages; reopened after any error."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: aiosmtplib.SMTP | None = None

    async def connect(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        cfg = self.config
        smtp = aiosmtplib.SMTP(
            hostname=cfg.host,
            port=cfg.port,
            use_tls=cfg.security == "ssl",
            start_tls=cfg.security == "starttls",
            tls_context=cfg.tls_context() if cfg.security != "none" else None,
            timeout=cfg.timeout,
        )
        await smtp.connect()
        if cfg.user:
            await smtp.login(cfg.user, cfg.password or "")
        self._smtp = smtp
        return smtp

    async def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()

    async def _reset(self) -> None:
        smtp = self._smtp
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.rset()
                return
            except (aiosmtplib.SMTPException, OSError):
                pass
        self._smtp = None
        if smtp is not None:
            smtp.close()

    async def send(
        self, sender: str, recipient: str, data: bytes, *, before_data: Callable[[], Awaitable[None]]
    ) -> str:
        """MAIL, RCPT, then `before_data()` (commit the handover marker), then DATA; returns the server's reply."""
        stage = "connect"
        try:
            smtp = await self.connect()
            stage = "mail"
            await smtp.mail(sender)
            stage = "rcpt"
            await smtp.rcpt(recipient)
        except Exception as exc:
            failure = classify(exc, stage=stage)
            await self._reset()
            raise failure from exc
        await before_data()
        try:
            response = await smtp.data(data)
        except Exception as exc:
            failure = classify(exc, stage="data")
            await self._reset()
            raise failure from exc
        return f"{response.code} {response.message}"


class DeliveryProbe(Protocol):
    async def was_delivered(self, message_id: str) -> bool | None:
        """True: a copy with this Message-ID exists; False: certainly not sent; None: cannot tell."""
        ...


class SmtpOutboxWorker:
    """Claims due email outbox items and sends them; `run(stop)` loops until `stop` is set."""

    def __init__(
        self,
        runtime: Any,
        *,
        clock: Clock | None = None,
        transport: SmtpTransport | None = None,
        probe: DeliveryProbe | None = None,
        worker_name: str | None = None,
        lease: timedelta = LEASE,
        batch: int = 20,
        idle_interval: float = 1.0,
    ) -> None:
        settings: Settings = runtime.settings
        if not settings.mail_from:
            raise ValueError("LIAISON_MAIL_FROM is not set")
        self.sessions = runtime.sessions
        self.settings = settings
        self.clock = clock or SystemClock()
        self.transport = transport or SmtpTransport(SmtpConfig.from_settings(settings))
        self.probe = probe
        self.worker = worker_name or f"smtp:{socket.gethostname()}:{os.getpid()}"
        self.lease = lease
        self.batch = batch
        self.idle_interval = idle_interval
        self.identity = OutboundIdentity(
            mail_from=settings.mail_from,
            display_name=settings.buyer_company or None,
            secret=settings.secret_key.get_secret_value().encode(),
        )
        self.defaults: dict[str, Any] = {"buyer_company": settings.buyer_company}

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 1.0
        try:
            while not stop.is_set():
                try:
                    handled = await self.run_once()
                    backoff = 1.0
                except Exception:
                    # a database hiccup must not kill the sender; back off and try again
                    log.exception("smtp outbox worker: unexpected error, retrying in %.0f s", backoff)
                    handled = 0
                    await _wait(stop, backoff)
                    backoff = min(backoff * 2, 60.0)
                    continue
                if handled == 0:
                    await _wait(stop, self.idle_interval)
        finally:
            await self.transport.close()

    async def run_once(self) -> int:
        """Claim and process one batch; returns how many items were handled."""
        async with self.sessions() as session, session.begin():
            items = await claim_due(
                session, channel="email", worker=self.worker, now=self.clock.now(), limit=self.batch, lease=self.lease
            )
        for item in items:
            await self.deliver(item)
        return len(items)

    async def deliver(self, item: Any) -> None:
        async with self.sessions() as session, session.begin():
            marker = await outbound.find_handover(session, item)
            marker_state = marker.state if marker is not None else None
        if marker_state == SendState.HANDING_OVER and not await self._resolve_uncertain(item):
            return
        now = self.clock.now()
        try:
            rendered = outbound.render_item(item, defaults=self.defaults)
            msg = outbound.build_email(item, rendered, identity=self.identity, now=now)
            raw = _as_bytes(msg)
        except OutboundBuildError as exc:
            await self._fail(item, DeliveryFailure(str(exc), permanent=True))
            return

        async def commit_handover() -> None:
            async with self.sessions() as session, session.begin():
                await outbound.record_handover(session, item, msg, rendered, raw, now=now)

        try:
            reply = await self.transport.send(self.identity.mail_from, item.recipient, raw, before_data=commit_handover)
        except DeliveryFailure as failure:
            if failure.uncertain:
                log.warning("outbox %s: %s; resolving as uncertain", item.id, failure.reason)
                await self._resolve_uncertain(item)
                return
            await self._fail(item, failure)
            return
        _crash_point("after_smtp")
        async with self.sessions() as session, session.begin():
            if not await outbound.record_sent(session, item, now=self.clock.now(), worker=self.worker):
                log.warning("outbox %s: sent (%s) but the claim had passed to another worker", item.id, reply)
        log.info("outbox %s: %s to %s accepted: %s", item.id, item.kind, item.recipient, reply)

    async def _fail(self, item: Any, failure: DeliveryFailure) -> None:
        async with self.sessions() as session, session.begin():
            state = await outbound.record_failure(
                session,
                item,
                now=self.clock.now(),
                worker=self.worker,
                error=failure.reason,
                permanent=failure.permanent,
                refused_recipient=failure.recipient_refused,
            )
        log.warning("outbox %s: %s to %s not sent (%s): %s", item.id, item.kind, item.recipient, state, failure)

    async def _resolve_uncertain(self, item: Any) -> bool:
        """Decide an item whose last handover has no recorded outcome; True when it should be sent (again)."""
        verdict: bool | None = None
        if self.probe is not None:
            try:
                verdict = await self.probe.was_delivered(str(item.email_message_id))
            except Exception:
                log.exception("outbox %s: delivery probe failed", item.id)
                verdict = None
        async with self.sessions() as session, session.begin():
            now = self.clock.now()
            if verdict is True:
                await outbound.record_sent(session, item, now=now, worker=self.worker)
                return False
            if verdict is False:
                return True
            await outbound.record_uncertain(session, item, now=now, worker=self.worker)
        log.warning("outbox %s: outcome of an interrupted handover unknown; recorded as sent, escalated", item.id)
        return False


def _as_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes()


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
