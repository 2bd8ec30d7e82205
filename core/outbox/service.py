"""The outbox: messages are queued in the transaction that causes them and sent after commit.

Rows are claimed by a conditional UPDATE (`state='pending' AND due`) so that several processes
on one PostgreSQL never send the same row twice; on SQLite one process does all of it. The email
Message-ID is fixed at queue time, so a crash between the SMTP server's acceptance and our commit
is recognised on retry (the channel checks the id before sending again).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from models import OutboxItem

# retry schedule for temporary failures; after the last one the item fails for good
RETRY_DELAYS = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
LEASE = timedelta(minutes=5)


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


def new_message_id(domain: str) -> str:
    return f"<liaison.{secrets.token_hex(12)}@{domain}>"


async def enqueue(
    session: AsyncSession,
    *,
    channel: str,
    kind: str,
    recipient: str,
    dedupe_key: str,
    payload: dict[str, Any],
    now: datetime,
    po_id: int | None = None,
    vendor_id: int | None = None,
    user_id: int | None = None,
    email_message_id: str | None = None,
    send_after: datetime | None = None,
) -> OutboxItem | None:
    """Queue a message once: a second enqueue with the same dedupe key returns None and adds nothing."""
    # one INSERT ... ON CONFLICT DO NOTHING RETURNING: no look-up first and no savepoint, and two
    # processes queueing the same key at once cannot both succeed (the unique index decides)
    params = item_values(
        channel=channel,
        kind=kind,
        recipient=recipient,
        dedupe_key=dedupe_key,
        payload=payload,
        now=now,
        po_id=po_id,
        vendor_id=vendor_id,
        user_id=user_id,
        email_message_id=email_message_id,
        send_after=send_after,
    )
    return await insert_once(session, OutboxItem, params)


def item_values(
    *,
    channel: str,
    kind: str,
    recipient: str,
    dedupe_key: str,
    payload: dict[str, Any],
    now: datetime,
    po_id: int | None,
    vendor_id: int | None,
    user_id: int | None,
    email_message_id: str | None,
    send_after: datetime | None,
) -> dict[str, Any]:
    """The column values of a new pending item, as `enqueue` stores them (for callers that write
    items in bulk)."""
    return {
        "channel": channel,
        "kind": kind,
        "dedupe_key": dedupe_key,
        "recipient": recipient,
        "po_id": po_id,
        "vendor_id": vendor_id,
        "user_id": user_id,
        "email_message_id": email_message_id,
        "payload": payload,
        "state": OutboxState.PENDING,
        "attempts": 0,
        "next_attempt_at": send_after or now,
        "created_at": now,
    }


T = TypeVar("T")


async def insert_once(session: AsyncSession, model: type[T], params: dict[str, Any]) -> T | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the new row, as an ORM object held by the session;
    None when a unique key already holds such a row.

    A Core statement (cached, values as parameters) returns the stored columns; the object is built
    from them and attached as already persistent. That is half the CPU of an ORM-enabled INSERT
    RETURNING the entity, with the same result: every column loaded, nothing pending.
    """
    table = model.__table__  # type: ignore[attr-defined]
    row = (await session.execute(_insert_stmt(session, table, all_columns=True), params)).one_or_none()
    if row is None:
        return None
    obj = model(**row._asdict())
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


async def insert_once_id(session: AsyncSession, model: type[Any], params: dict[str, Any]) -> int | None:
    """As `insert_once`, for a caller that needs only the new row's id: no object is built or held
    (the row is in the database; `session.get` reads it). None when a unique key already holds one."""
    stmt = _insert_stmt(session, model.__table__, all_columns=False)
    new_id: int | None = (await session.execute(stmt, params)).scalar_one_or_none()
    return new_id


# one statement object per (dialect, table, returned columns): building and cache-keying a fresh
# INSERT per call cost as much as running it
_INSERTS: dict[tuple[str, str, bool], Any] = {}


def _insert_stmt(session: AsyncSession, table: Any, *, all_columns: bool) -> Any:
    key = (session.get_bind().dialect.name, table.name, all_columns)
    stmt = _INSERTS.get(key)
    if stmt is None:
        returned = table.c if all_columns else (table.c.id,)
        stmt = _INSERTS[key] = dialect_insert(session)(table).on_conflict_do_nothing().returning(*returned)
    return stmt


def dialect_insert(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's INSERT, which has ON CONFLICT (SQLite and PostgreSQL both do)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql_insert
    return sqlite_insert


async def claim_due(
    session: AsyncSession,
    *,
    channel: str,
    worker: str,
    now: datetime,
    limit: int = 50,
    lease: timedelta = LEASE,
) -> list[OutboxItem]:
    """Claim up to `limit` due items for `worker`; an item whose lease ran out (crashed sender) is due again."""
    due = and_(
        OutboxItem.channel == channel,
        OutboxItem.next_attempt_at <= now,
        or_(
            OutboxItem.state == OutboxState.PENDING,
            and_(OutboxItem.state == OutboxState.SENDING, OutboxItem.claimed_until < now),
        ),
    )
    candidates = select(OutboxItem.id).where(due).order_by(OutboxItem.next_attempt_at, OutboxItem.id).limit(limit)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list((await session.execute(candidates)).scalars())
    if not ids:
        return []
    # the conditional UPDATE re-checks `due`: on SQLite, or if a row changed meanwhile, only still-due rows move
    result = await session.execute(
        update(OutboxItem)
        .where(OutboxItem.id.in_(ids), due)
        .values(state=OutboxState.SENDING, claimed_by=worker, claimed_until=now + lease)
        .returning(OutboxItem.id)
    )
    claimed = list(result.scalars())
    if not claimed:
        return []
    rows = await session.execute(
        select(OutboxItem)
        .where(OutboxItem.id.in_(claimed))
        .order_by(OutboxItem.id)
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


async def mark_sent(session: AsyncSession, item: OutboxItem, *, now: datetime, worker: str) -> bool:
    """Record delivery; False when this worker no longer held the claim (someone else took over)."""
    result = await session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == item.id, OutboxItem.claimed_by == worker, OutboxItem.state == OutboxState.SENDING)
        .values(state=OutboxState.SENT, sent_at=now, attempts=OutboxItem.attempts + 1, last_error=None)
        .returning(OutboxItem.id)
    )
    return result.scalar_one_or_none() is not None


async def mark_failed(
    session: AsyncSession,
    item: OutboxItem,
    *,
    now: datetime,
    worker: str,
    error: str,
    permanent: bool,
    retry_delays: Sequence[timedelta] = RETRY_DELAYS,
) -> str:
    """Schedule a retry after a temporary failure, or fail for good; returns the new state."""
    attempts = item.attempts + 1
    final = permanent or attempts > len(retry_delays)
    state = OutboxState.FAILED if final else OutboxState.PENDING
    next_at = now if final else now + retry_delays[attempts - 1]
    await session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == item.id, OutboxItem.claimed_by == worker)
        .values(
            state=state,
            attempts=attempts,
            last_error=error[:2000],
            next_attempt_at=next_at,
            claimed_by=None,
            claimed_until=None,
        )
    )
    return state
