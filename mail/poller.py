"""IMAP ingest, exactly once: each vendor message is applied once whatever crashes or mailbox resets.

Per message, in ONE transaction: parse, `process_inbound` (stores the raw Message row, de-duplicated by
Message-ID or the raw bytes' sha256), store attachments as Documents, advance the folder checkpoint
(account, folder, UIDVALIDITY, last UID); commit. Only after the commit is the message flagged \\Seen
or moved to the processed folder. So:

* a crash before the commit leaves the checkpoint behind the message: it is fetched and applied again
  from scratch on restart (nothing of the first attempt was kept);
* a crash after the commit but before the flag/move leaves a processed message unflagged: the start-up
  catch-up flags or moves every UID at or below the checkpoint;
* a new UIDVALIDITY (mailbox rebuilt) resets the checkpoint and re-reads the whole folder: messages
  already stored are recognised by their dedupe key and not applied again;
* a message whose processing raises is stored in its own transaction with state `failed`, its error
  and a review flag, and the checkpoint moves past it, so it never blocks the messages after it;
  transient database errors (locks, lost connections) are retried instead, without moving on.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import logging
import os
import threading
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from imapclient.exceptions import IMAPClientError
from sqlalchemy import CursorResult, and_, case, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock, SystemClock
from core.escalations.schemas import EscalationReason
from core.escalations.service import raise_escalation
from core.inbound import InboundMessage
from core.replies.pipeline import PipelineContext, process_inbound
from mail.attachments import AttachmentStore
from mail.imap import ImapConfig, ImapError, ImapMailbox
from mail.parse import parse_email, to_inbound
from models import MailboxCheckpoint, Message, MessagePO

log = logging.getLogger(__name__)

CRASH_ENV = "LIAISON_TEST_CRASH_AT"  # test-only: os._exit at a named point to prove crash safety
FETCH_BATCH = 100
IDLE_RENEW_SECONDS = 600.0  # servers end IDLE after 30 min; renew well before
DB_RETRIES = 5
# what a dropped or refused IMAP connection raises: reconnect with backoff
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    ImapError,
    OSError,
    imaplib.IMAP4.error,
    imaplib.IMAP4.abort,
    IMAPClientError,
)


def _crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os._exit(137)


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError)


@dataclass(slots=True)
class IngestStats:
    fetched: int = 0
    applied: int = 0
    duplicates: int = 0
    failed: int = 0


async def load_checkpoint(session: AsyncSession, account: str, folder: str) -> MailboxCheckpoint | None:
    return await session.scalar(
        select(MailboxCheckpoint).where(MailboxCheckpoint.account == account, MailboxCheckpoint.folder == folder)
    )


async def advance_checkpoint(
    session: AsyncSession, account: str, folder: str, *, uidvalidity: int, uid: int, now: datetime
) -> None:
    """Move the folder's checkpoint to `uid` in the caller's transaction: one UPDATE, no read first.

    Same UIDVALIDITY: the last UID only grows. Another UIDVALIDITY: the new one and this UID replace
    the old pair. (Both SET expressions read the row as it was before the statement.)
    """
    cp = MailboxCheckpoint
    same_and_ahead = and_(cp.uidvalidity == uidvalidity, cp.last_uid > uid)
    done = await session.execute(
        update(cp)
        .where(cp.account == account, cp.folder == folder)
        .values(uidvalidity=uidvalidity, last_uid=case((same_and_ahead, cp.last_uid), else_=uid), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], done).rowcount == 0:
        session.add(
            MailboxCheckpoint(account=account, folder=folder, uidvalidity=uidvalidity, last_uid=uid, updated_at=now)
        )


READ_MODEL_REFRESH = 0.5


class ImapIngestWorker:
    """Listens to one IMAP folder (IDLE, else polling) and ingests what arrives; `run(stop)` until stop."""

    def __init__(
        self,
        runtime: Any,
        *,
        clock: Clock | None = None,
        config: ImapConfig | None = None,
        pipeline: PipelineContext | None = None,
        poll_interval: float = 30.0,
        batch: int = FETCH_BATCH,
    ) -> None:
        settings = runtime.settings
        self.sessions = runtime.sessions
        self.clock = clock or SystemClock()
        self.config = config or ImapConfig.from_settings(settings)
        # a backlog of mail re-reads other processes' changes at most every READ_MODEL_REFRESH seconds
        # (the pipeline's own changes are always visible); a message about a PO created elsewhere a
        # moment before waits for review rather than being mismatched
        self.pipeline = pipeline or PipelineContext.from_settings(settings, refresh_interval=READ_MODEL_REFRESH)
        self.attachments = AttachmentStore(settings.data_dir / "attachments", max_bytes=settings.attachment_max_bytes)
        self.poll_interval = poll_interval
        self.batch = batch
        self.stats = IngestStats()
        self._stop_flag = threading.Event()

    # --- the loop ---------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        watcher = asyncio.create_task(self._mirror_stop(stop))
        backoff = 1.0
        try:
            while not stop.is_set():
                mailbox = ImapMailbox(self.config)
                try:
                    await asyncio.to_thread(mailbox.connect)
                    backoff = 1.0
                    await self._session(mailbox, stop)
                except CONNECTION_ERRORS as exc:
                    log.warning("imap %s: %s; reconnecting in %.0f s", self.config.account, exc, backoff)
                except Exception:
                    log.exception("imap %s: unexpected error; reconnecting in %.0f s", self.config.account, backoff)
                finally:
                    await asyncio.to_thread(mailbox.close)
                if stop.is_set():
                    break
                await _wait(stop, backoff)
                backoff = min(backoff * 2, 300.0)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def _mirror_stop(self, stop: asyncio.Event) -> None:
        # the IDLE wait runs in a thread: it watches a threading.Event, set here when `stop` is
        await stop.wait()
        self._stop_flag.set()

    async def _session(self, mailbox: ImapMailbox, stop: asyncio.Event) -> None:
        last_uid, uidvalidity = await self._open_folder(mailbox)
        while not stop.is_set():
            uids = await asyncio.to_thread(mailbox.uids_after, last_uid)
            if uids:
                last_uid = await self._ingest_uids(mailbox, uids, uidvalidity, last_uid)
                continue
            if mailbox.has_idle:
                await asyncio.to_thread(mailbox.wait_for_news, IDLE_RENEW_SECONDS, self._stop_flag)
            else:
                await _wait(stop, self.poll_interval)
                await asyncio.to_thread(mailbox.noop)
            state = await asyncio.to_thread(mailbox.select)
            if state.uidvalidity != uidvalidity:
                log.warning("imap %s: UIDVALIDITY changed during the session", self.config.account)
                return  # reconnect: _open_folder handles the reset

    async def _open_folder(self, mailbox: ImapMailbox) -> tuple[int, int]:
        """Select the folder, reconcile with the checkpoint; returns (last_uid, uidvalidity)."""
        state = await asyncio.to_thread(mailbox.select)
        account, folder = self.config.account, self.config.folder
        async with self.sessions() as session, session.begin():
            cp = await load_checkpoint(session, account, folder)
            now = self.clock.now()
            if cp is None:
                session.add(
                    MailboxCheckpoint(
                        account=account, folder=folder, uidvalidity=state.uidvalidity, last_uid=0, updated_at=now
                    )
                )
                last_uid = 0
            elif cp.uidvalidity != state.uidvalidity:
                log.warning(
                    "imap %s/%s: UIDVALIDITY %s -> %s: re-reading the folder (stored messages are not applied again)",
                    account,
                    folder,
                    cp.uidvalidity,
                    state.uidvalidity,
                )
                cp.uidvalidity, cp.last_uid, cp.updated_at = state.uidvalidity, 0, now
                last_uid = 0
            else:
                last_uid = cp.last_uid
        # processed before a crash but never flagged or moved: finish that now
        leftovers = await asyncio.to_thread(mailbox.uids_up_to, last_uid, unseen_only=not self.config.processed_folder)
        if leftovers:
            await asyncio.to_thread(mailbox.mark_processed, leftovers)
        return last_uid, state.uidvalidity

    async def _ingest_uids(self, mailbox: ImapMailbox, uids: Sequence[int], uidvalidity: int, last_uid: int) -> int:
        for start in range(0, len(uids), self.batch):
            chunk = list(uids[start : start + self.batch])
            raws = await asyncio.to_thread(mailbox.fetch, chunk)
            _crash_point("after_fetch")
            done: list[int] = []
            for uid in chunk:
                raw = raws.get(uid)
                if raw is None:  # expunged between SEARCH and FETCH
                    continue
                self.stats.fetched += 1
                await self.ingest(raw, uid=uid, uidvalidity=uidvalidity)
                done.append(uid)
                last_uid = max(last_uid, uid)
            await asyncio.to_thread(mailbox.mark_processed, done)
        return last_uid

    # --- one message ------------------------------------------------------------------------------

    async def ingest(self, raw: bytes, *, uid: int, uidvalidity: int) -> None:
        """Apply one fetched message and advance the checkpoint, all in one transaction."""
        now = self.clock.now()
        inbound = to_inbound(parse_email(raw), received_at=now, raw=raw)
        delay = 0.2
        for attempt in range(DB_RETRIES + 1):
            try:
                await self._apply(inbound, uid=uid, uidvalidity=uidvalidity, now=now)
                return
            except Exception as exc:
                if _transient(exc) and attempt < DB_RETRIES:
                    log.warning("imap uid %s: transient database error, retrying: %s", uid, exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                if _transient(exc):
                    raise  # the database is down: stop here, the checkpoint has not moved
                log.exception("imap uid %s: processing failed; kept for review", uid)
                await self._record_failure(inbound, exc, uid=uid, uidvalidity=uidvalidity, now=now)
                return

    async def _apply(self, inbound: InboundMessage, *, uid: int, uidvalidity: int, now: datetime) -> None:
        account, folder = self.config.account, self.config.folder
        async with self.sessions() as session, session.begin():
            result = await process_inbound(session, inbound, now=now, ctx=self.pipeline)
            if result.duplicate:
                self.stats.duplicates += 1
            else:
                # a plain UPDATE: setting the returned row's attributes would cost a unit-of-work flush
                await session.execute(
                    update(Message)
                    .where(Message.id == result.message_id)
                    .values(imap_mailbox=f"{account}/{folder}", imap_uidvalidity=uidvalidity, imap_uid=uid)
                    .execution_options(synchronize_session=False)
                )
                if inbound.attachments:
                    po_ids = list(
                        await session.scalars(
                            select(MessagePO.po_id).where(
                                MessagePO.message_id == result.message_id, MessagePO.role == "match"
                            )
                        )
                    )
                    await self.attachments.store(
                        session, inbound.attachments, message_id=result.message_id, po_ids=po_ids, now=now
                    )
                self.stats.applied += 1
            await advance_checkpoint(session, account, folder, uidvalidity=uidvalidity, uid=uid, now=now)
            _crash_point("before_commit")

    async def _record_failure(
        self, inbound: InboundMessage, exc: BaseException, *, uid: int, uidvalidity: int, now: datetime
    ) -> None:
        account, folder = self.config.account, self.config.folder
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
        try:
            async with self.sessions() as session, session.begin():
                row = Message(
                    direction="in",
                    channel="email",
                    kind=inbound.kind.value,
                    dedupe_key=inbound.dedupe_key[:600],
                    sender=inbound.sender[:320] or None,
                    subject=(inbound.subject or "")[:1000],
                    body_text=inbound.new_text[:200_000],
                    raw=inbound.raw or None,
                    email_message_id=(inbound.message_id or "")[:600] or None,
                    in_reply_to=(inbound.in_reply_to or "")[:600] or None,
                    references=" ".join(inbound.references)[:10_000] or None,
                    imap_mailbox=f"{account}/{folder}",
                    imap_uidvalidity=uidvalidity,
                    imap_uid=uid,
                    received_at=now,
                    state="failed",
                    review_state="pending",
                    error=error,
                    attempts=1,
                    created_at=now,
                )
                session.add(row)
                await session.flush()
                await raise_escalation(
                    session,
                    reason=EscalationReason.PROCESSING_FAILED,
                    now=now,
                    message_id=row.id,
                    summary=f"message from {inbound.sender or '?'} could not be processed: {error[:300]}",
                )
                await advance_checkpoint(session, account, folder, uidvalidity=uidvalidity, uid=uid, now=now)
        except IntegrityError:
            # the same message is stored already (another copy got there first): just move past it
            async with self.sessions() as session, session.begin():
                await advance_checkpoint(session, account, folder, uidvalidity=uidvalidity, uid=uid, now=now)
        self.stats.failed += 1


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
