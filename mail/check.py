"""`liaison mail check`: try the IMAP and SMTP connections and say precisely which step fails."""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass

import aiosmtplib

from core.settings import Settings
from mail.imap import ImapConfig, ImapError, ImapMailbox
from mail.smtp import SmtpConfig


@dataclass(frozen=True, slots=True)
class CheckResult:
    service: str  # IMAP | SMTP
    ok: bool
    stage: str  # config | dns | connect | tls | auth | folder | ok
    detail: str

    def line(self) -> str:
        return f"{self.service}: {'ok' if self.ok else 'FAILED at ' + self.stage}: {self.detail}"


def check_imap(settings: Settings) -> CheckResult:
    try:
        config = ImapConfig.from_settings(settings)
    except ValueError as exc:
        return CheckResult("IMAP", False, "config", str(exc))
    mailbox = ImapMailbox(config)
    try:
        mailbox.connect()
        state = mailbox.select()
        processed = config.processed_folder
        if processed and not mailbox.client.folder_exists(processed):
            extra = f"; processed folder {processed!r} does not exist yet (it will be created)"
        else:
            extra = ""
    except ImapError as exc:
        return CheckResult("IMAP", False, exc.stage, exc.message)
    except (OSError, ssl.SSLError) as exc:
        return CheckResult("IMAP", False, "connect", str(exc))
    finally:
        mailbox.close()
    idle = "IDLE" if mailbox.has_idle else "no IDLE (polling)"
    return CheckResult(
        "IMAP",
        True,
        "ok",
        f"{config.user} at {config.host}:{config.port} ({config.security}), folder {config.folder!r} "
        f"UIDVALIDITY {state.uidvalidity}, {state.exists} messages, {idle}{extra}",
    )


async def check_smtp(settings: Settings) -> CheckResult:
    try:
        config = SmtpConfig.from_settings(settings)
    except ValueError as exc:
        return CheckResult("SMTP", False, "config", str(exc))
    where = f"{config.host}:{config.port} ({config.security})"
    try:
        await asyncio.to_thread(socket.getaddrinfo, config.host, config.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return CheckResult("SMTP", False, "dns", f"cannot resolve {config.host}: {exc}")
    smtp = aiosmtplib.SMTP(
        hostname=config.host,
        port=config.port,
        use_tls=config.security == "ssl",
        start_tls=False,
        tls_context=config.tls_context() if config.security != "none" else None,
        timeout=config.timeout,
    )
    stage = "connect"
    try:
        if config.security == "ssl":
            stage = "tls"
        await smtp.connect()
        if config.security == "starttls":
            stage = "tls"
            await smtp.starttls()
        stage = "auth"
        if config.user:
            await smtp.login(config.user, config.password or "")
        if not settings.mail_from:
            return CheckResult("SMTP", False, "config", "LIAISON_MAIL_FROM is not set")
        await smtp.quit()
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as exc:
        smtp.close()
        if isinstance(exc, aiosmtplib.SMTPConnectError) and stage == "tls" and config.security == "ssl":
            stage = "tls" if "SSL" in str(exc) or "certificate" in str(exc).lower() else "connect"
        return CheckResult("SMTP", False, stage, f"{where}: {type(exc).__name__}: {exc}")
    who = f" as {config.user}" if config.user else " without login"
    return CheckResult("SMTP", True, "ok", f"{where}{who}, sending as {settings.mail_from}")


async def check_all(settings: Settings) -> list[CheckResult]:
    imap = await asyncio.to_thread(check_imap, settings)
    smtp = await check_smtp(settings)
    return [imap, smtp]
