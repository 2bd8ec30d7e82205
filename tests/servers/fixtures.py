"""pytest plugin: real servers on 127.0.0.1 for integration tests, started and stopped here.

Load it from the root conftest with `pytest_plugins = ["tests.servers.fixtures"]`.
Each session gets its own directories and free ports, so parallel runs never collide; each test
gets a fresh mailbox / bot token, so tests never see each other's data. Every server is stopped
by its PID when its scope ends. A missing server binary fails the test with the command to run
(scripts/test-deps.sh); only Chromium and PostgreSQL, which are optional, skip.

Fixtures:
  tls_cert        (session)  TlsCert(cert, key) self-signed for 127.0.0.1; .client_context()
  dovecot         (session)  Dovecot: host, port_imap, port_imaps, port_lmtp, root, password;
                             connect(), append(), reset_mailbox(), uidvalidity(), doveadm()
  mailbox         (function) Mailbox: a fresh user with an IMAPClient logged in, INBOX selected
  smtp_capture    (function) SmtpServer + CaptureHandler: host, port, cert, user, password, messages
  smtp_to_dovecot (function) SmtpServer + LmtpDeliverHandler into `dovecot`
  tg_emulator     (session)  TelegramEmulator: url, bot_base_url, file_base_url
  tg_token        (function) a fresh bot token
  tg_user         (function) factory: tg_user(user_id=1001, name="Vendor Vera", ...) -> FakeUser
  chromium_path   (session)  path of the Chromium binary for Playwright's executable_path
  postgres_url    (session)  LIAISON_TEST_POSTGRES_URL (skips when unset)
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
import pytest
from imapclient import IMAPClient
from sqlalchemy.engine import make_url

from tests.servers.certs import TlsCert, make_self_signed
from tests.servers.dovecot import Dovecot, start_dovecot
from tests.servers.processes import ServerStartError, port_open
from tests.servers.smtp import CaptureHandler, LmtpDeliverHandler, SmtpServer
from tests.servers.telegram_emulator import TelegramEmulator, start_emulator
from tests.servers.telegram_user import FakeUser

CHROMIUM_WRAPPER = Path("/usr/bin/chromium")
CHROMIUM_BINARY = Path("/usr/lib/chromium/chromium")  # the wrapper's target: 0.2-0.8 s faster to launch
POSTGRES_ENV = "LIAISON_TEST_POSTGRES_URL"
# scripts/test-deps.sh writes why it could not get PostgreSQL running here
POSTGRES_STATUS = Path(tempfile.gettempdir()) / "liaison-test-postgres.status"


@pytest.fixture(scope="session")
def tls_cert() -> Iterator[TlsCert]:
    # not pytest's tmp_path: that is mode 0700 and Dovecot's unprivileged processes read from here
    d = Path(tempfile.mkdtemp(prefix="liaison-cert-"))
    d.chmod(0o755)
    try:
        yield make_self_signed(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot(tls_cert: TlsCert) -> Iterator[Dovecot]:
    try:
        dv = start_dovecot(tls_cert.cert, tls_cert.key)
    except ServerStartError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield dv
    finally:
        dv.stop()
        shutil.rmtree(dv.root, ignore_errors=True)


@dataclass
class Mailbox:
    """A brand-new, empty mailbox and an IMAP session on it (INBOX selected)."""

    user: str
    client: IMAPClient
    dovecot: Dovecot

    @property
    def password(self) -> str:
        return self.dovecot.password

    def append(self, raw: bytes, folder: str = "INBOX") -> int:
        """Deliver a message from another connection (as a vendor's mail would arrive); returns its UID."""
        return self.dovecot.append(self.user, raw, folder)


def fresh_user() -> str:
    return f"t-{uuid.uuid4().hex[:12]}@example.test"


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Iterator[Mailbox]:
    user = fresh_user()
    client = dovecot.connect(user)
    client.select_folder("INBOX")
    try:
        yield Mailbox(user, client, dovecot)
    finally:
        # a leftover session counts against mail_max_userip_connections; it may be gone already
        # (reset_mailbox() kicks it, the test may have logged out)
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


@pytest.fixture
def smtp_capture(tls_cert: TlsCert) -> Iterator[SmtpServer[CaptureHandler]]:
    server = SmtpServer(CaptureHandler(), cert=tls_cert.cert, key=tls_cert.key)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_to_dovecot(tls_cert: TlsCert, dovecot: Dovecot) -> Iterator[SmtpServer[LmtpDeliverHandler]]:
    server = SmtpServer(LmtpDeliverHandler(dovecot.host, dovecot.port_lmtp), cert=tls_cert.cert, key=tls_cert.key)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def tg_emulator() -> Iterator[TelegramEmulator]:
    try:
        emu = start_emulator()
    except ServerStartError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield emu
    finally:
        emu.stop()
        emu.log.unlink(missing_ok=True)


@pytest.fixture
def tg_token() -> str:
    """A bot token of the real shape, new for each test: the emulator keeps state per token."""
    return f"{secrets.randbelow(9 * 10**8) + 10**8}:TEST{secrets.token_hex(16)}"


class FakeUserFactory(Protocol):
    def __call__(
        self,
        user_id: int = ...,
        name: str = ...,
        username: str | None = ...,
        language_code: str | None = ...,
    ) -> FakeUser: ...


@pytest.fixture
async def tg_user(tg_emulator: TelegramEmulator, tg_token: str) -> AsyncIterator[FakeUserFactory]:
    """Makes simulated users of the bot with token `tg_token`; distinct user_ids are distinct chats."""
    client = httpx.AsyncClient(base_url=tg_emulator.url, timeout=10)

    def make(
        user_id: int = 1001, name: str = "Vendor Vera", username: str | None = "vera", language_code: str | None = None
    ) -> FakeUser:
        return FakeUser(
            tg_emulator.url,
            tg_token,
            user_id=user_id,
            name=name,
            username=username,
            language_code=language_code,
            client=client,
        )

    try:
        yield make
    finally:
        await client.post("/reset", json={"token": tg_token})
        await client.aclose()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM_WRAPPER.exists():
        pytest.skip(f"Chromium is not installed ({CHROMIUM_WRAPPER}): run scripts/test-deps.sh")
    return str(CHROMIUM_BINARY if CHROMIUM_BINARY.exists() else CHROMIUM_WRAPPER)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """LIAISON_TEST_POSTGRES_URL as given (e.g. postgresql://postgres@127.0.0.1:5432/test).

    Skips, with the reason scripts/test-deps.sh recorded if any, when it is unset or nothing
    answers at its host and port.
    """
    url = os.environ.get(POSTGRES_ENV)
    recorded = POSTGRES_STATUS.read_text().strip() if POSTGRES_STATUS.exists() else ""
    because = f" ({recorded})" if recorded else ""
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set{because}")
    parsed = make_url(url)
    host, port = parsed.host or "127.0.0.1", parsed.port or 5432
    if not port_open(port, host):
        pytest.skip(f"no PostgreSQL answers at {host}:{port} ({POSTGRES_ENV}){because}")
    return url
