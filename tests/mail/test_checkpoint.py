"""The folder checkpoint moves in one UPDATE: forward only within a UIDVALIDITY, replaced by a new one."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mail.poller import advance_checkpoint, load_checkpoint
from models import MailboxCheckpoint

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def _state(session: AsyncSession) -> tuple[int, int]:
    cp = await load_checkpoint(session, "acct", "INBOX")
    assert cp is not None
    await session.refresh(cp)
    return cp.uidvalidity, cp.last_uid


async def test_checkpoint_is_created_then_only_moves_forward(session: AsyncSession) -> None:
    await advance_checkpoint(session, "acct", "INBOX", uidvalidity=7, uid=5, now=NOW)
    await session.flush()
    assert await _state(session) == (7, 5)
    await advance_checkpoint(session, "acct", "INBOX", uidvalidity=7, uid=9, now=NOW)
    assert await _state(session) == (7, 9)
    await advance_checkpoint(session, "acct", "INBOX", uidvalidity=7, uid=3, now=NOW)
    assert await _state(session) == (7, 9)


async def test_a_new_uidvalidity_replaces_the_pair(session: AsyncSession) -> None:
    await advance_checkpoint(session, "acct", "INBOX", uidvalidity=7, uid=50, now=NOW)
    await session.flush()
    await advance_checkpoint(session, "acct", "INBOX", uidvalidity=8, uid=2, now=NOW)
    assert await _state(session) == (8, 2)
    rows = (await session.scalars(select(MailboxCheckpoint).where(MailboxCheckpoint.account == "acct"))).all()
    assert len(rows) == 1
