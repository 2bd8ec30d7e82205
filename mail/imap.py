"""A blocking IMAP session (imapclient) with the few operations ingest needs; run it in a worker thread.

Every failure is raised as `ImapError` with the stage it happened at (dns, connect, tls, auth, folder,
protocol), so `liaison mail check` and the logs can say precisely what is wrong.
"""

from __future__ import annotations

import contextlib
import imaplib
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from core.settings import Security, Settings

Stage = Literal["dns", "connect", "tls", "auth", "folder", "protocol"]
SEEN = b"\\Seen"


class ImapError(Exception):
    def __init__(self, stage: Stage, message: str) -> None:
        super().__init__(f"{stage}: {message}")
        self.stage = stage
        self.message = message


@dataclass(frozen=True, slots=True)
class ImapConfig:
    host: str
    port: int
    user: str
    password: str | None = None
    oauth2_token: str | None = None
    security: Security = "ssl"
    folder: str = "INBOX"
    processed_folder: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ImapConfig:
        if not settings.imap_host or not settings.imap_user:
            raise ValueError("LIAISON_IMAP_HOST and LIAISON_IMAP_USER must be set")
        security = settings.imap_security
        return cls(
            host=settings.imap_host,
            port=settings.imap_port or (993 if security == "ssl" else 143),
            user=settings.imap_user,
            password=settings.imap_password.get_secret_value() if settings.imap_password else None,
            oauth2_token=settings.imap_oauth2_token.get_secret_value() if settings.imap_oauth2_token else None,
            security=security,
            folder=settings.imap_folder,
            processed_folder=settings.imap_processed_folder,
            ca_file=str(settings.imap_ca_file) if settings.imap_ca_file else None,
        )

    @property
    def account(self) -> str:
        """Checkpoint key: the same user on another server is another mailbox."""
        return f"{self.user}@{self.host}:{self.port}"

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file) if self.ca_file else ssl.create_default_context()


@dataclass(frozen=True, slots=True)
class FolderState:
    uidvalidity: int
    uidnext: int | None
    exists: int


class ImapMailbox:
    """One logged-in IMAP connection. Not thread-safe: use it from one thread at a time."""

    def __init__(self, config: ImapConfig) -> None:
        self.config = config
        self._client: IMAPClient | None = None
        self.capabilities: frozenset[str] = frozenset()

    @property
    def client(self) -> IMAPClient:
        if self._client is None:
            raise ImapError("protocol", "not connected")
        return self._client

    def connect(self) -> None:
        cfg = self.config
        try:
            socket.getaddrinfo(cfg.host, cfg.port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise ImapError("dns", f"cannot resolve {cfg.host}: {exc}") from exc
        context = cfg.tls_context() if cfg.security != "none" else None
        try:
            client = IMAPClient(
                cfg.host, port=cfg.port, ssl=cfg.security == "ssl", ssl_context=context, timeout=cfg.timeout
            )
        except ssl.SSLError as exc:
            raise ImapError("tls", f"TLS handshake with {cfg.host}:{cfg.port} failed: {exc}") from exc
        except (OSError, IMAPClientError) as exc:
            raise ImapError("connect", f"cannot connect to {cfg.host}:{cfg.port}: {exc}") from exc
        try:
            if cfg.security == "starttls":
                try:
                    client.starttls(context)
                except ssl.SSLError as exc:
                    raise ImapError("tls", f"STARTTLS with {cfg.host}:{cfg.port} failed: {exc}") from exc
                except (IMAPClientError, imaplib.IMAP4.error) as exc:
                    raise ImapError("tls", f"server refused STARTTLS: {exc}") from exc
            try:
                if cfg.oauth2_token:
                    client.oauth2_login(cfg.user, cfg.oauth2_token)
                else:
                    client.login(cfg.user, cfg.password or "")
            except (LoginError, IMAPClientError, imaplib.IMAP4.error) as exc:
                raise ImapError("auth", f"login as {cfg.user} refused: {_text(exc)}") from exc
            self.capabilities = frozenset(_text(c).upper() for c in client.capabilities())
        except BaseException:
            _shutdown(client)
            raise
        self._client = client

    @property
    def has_idle(self) -> bool:
        return "IDLE" in self.capabilities

    def select(self, folder: str | None = None) -> FolderState:
        name = folder or self.config.folder
        try:
            info = self.client.select_folder(name)
        except (IMAPClientError, imaplib.IMAP4.error) as exc:
            raise ImapError("folder", f"cannot open folder {name!r}: {_text(exc)}") from exc
        uidnext = info.get(b"UIDNEXT")
        return FolderState(
            uidvalidity=int(info[b"UIDVALIDITY"]),
            uidnext=int(uidnext) if uidnext is not None else None,
            exists=int(info.get(b"EXISTS", 0)),
        )

    def uids_after(self, last_uid: int) -> list[int]:
        # "n:*" always matches the highest UID even when it is below n: filter it out
        found = self.client.search(["UID", f"{last_uid + 1}:*"])
        return sorted(int(u) for u in found if int(u) > last_uid)

    def uids_up_to(self, last_uid: int, *, unseen_only: bool) -> list[int]:
        if last_uid <= 0:
            return []
        criteria: list[Any] = ["UID", f"1:{last_uid}"]
        if unseen_only:
            criteria.append("UNSEEN")
        return sorted(int(u) for u in self.client.search(criteria) if int(u) <= last_uid)

    def fetch(self, uids: Sequence[int]) -> dict[int, bytes]:
        """Raw messages by UID, without setting \\Seen (BODY.PEEK)."""
        if not uids:
            return {}
        data = self.client.fetch(list(uids), ["BODY.PEEK[]"])
        out: dict[int, bytes] = {}
        for uid, item in data.items():
            body = item.get(b"BODY[]")
            if isinstance(body, bytes):
                out[int(uid)] = body
        return out

    def mark_processed(self, uids: Iterable[int]) -> None:
        """After commit: move to the processed folder when one is configured, else flag \\Seen."""
        batch = list(uids)
        if not batch:
            return
        target = self.config.processed_folder
        if not target:
            self.client.add_flags(batch, [SEEN], silent=True)
            return
        if not self.client.folder_exists(target):
            self.client.create_folder(target)
        self.client.add_flags(batch, [SEEN], silent=True)
        if "MOVE" in self.capabilities:
            self.client.move(batch, target)
        else:
            self.client.copy(batch, target)
            self.client.delete_messages(batch)
            if "UIDPLUS" in self.capabilities:
                self.client.uid_expunge(batch)
            else:
                self.client.expunge()

    def wait_for_news(self, max_seconds: float, stop: threading.Event, tick: float = 1.0) -> bool:
        """IDLE until the server reports a change, `stop` is set, or `max_seconds` pass; True on a change.
        Servers drop IDLE after 30 minutes, so callers keep `max_seconds` well below that."""
        client = self.client
        client.idle()
        try:
            end = time.monotonic() + max_seconds
            while not stop.is_set() and time.monotonic() < end:
                responses = client.idle_check(timeout=tick)
                if any(_is_change(r) for r in responses):
                    return True
            return False
        finally:
            client.idle_done()

    def noop(self) -> None:
        self.client.noop()

    def contains_message_id(self, folder: str, message_id: str) -> bool:
        """Whether `folder` holds a message with this Message-ID header (for the delivery probe)."""
        self.client.select_folder(folder, readonly=True)
        return bool(self.client.search(["HEADER", "Message-ID", message_id]))

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _shutdown(client)


def _is_change(response: Any) -> bool:
    return isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")


def _shutdown(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # closing a broken connection: nothing left to save
        with contextlib.suppress(Exception):
            client.shutdown()


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, BaseException) and value.args:
        return " ".join(_text(a) for a in value.args)
    return str(value)
