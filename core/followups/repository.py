"""SQL for the follow-up engine: the cheap due query, claims, and what the per-PO step reads."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.followups.policy import CHASED_STATUSES
from core.followups.schemas import Step, StepRecord
from models import AppSetting, FollowupAttempt, OutboxItem, PurchaseOrder, Vendor, VendorContact

CHASED = tuple(sorted(CHASED_STATUSES))


def _due(now: datetime) -> ColumnElement[bool]:
    # served by ix_purchase_orders_followup_due (next_followup_at, status): a range scan over due rows only.
    # `status || ''` keeps SQLite's planner (no statistics) from preferring the plain status index, which
    # would walk every open PO; the value compared is the same.
    return and_(
        PurchaseOrder.next_followup_at <= now,
        PurchaseOrder.status.concat("").in_(CHASED),
        or_(PurchaseOrder.followup_claimed_until.is_(None), PurchaseOrder.followup_claimed_until < now),
    )


async def claim_due(session: AsyncSession, *, now: datetime, worker: str, limit: int, lease: timedelta) -> list[int]:
    """Claim up to `limit` due POs for `worker` (lease until now+lease); returns their ids.

    On PostgreSQL the candidates are locked with SKIP LOCKED so processes take disjoint batches;
    the conditional UPDATE re-checks the due condition, which is what makes it safe on SQLite too.
    """
    due = _due(now)
    candidates = (
        select(PurchaseOrder.id).where(due).order_by(PurchaseOrder.next_followup_at, PurchaseOrder.id).limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list((await session.execute(candidates)).scalars())
    if not ids:
        return []
    result = await session.execute(
        update(PurchaseOrder)
        .where(PurchaseOrder.id.in_(ids), due)
        .values(followup_claimed_by=worker, followup_claimed_until=now + lease)
        .returning(PurchaseOrder.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars())


async def load_claimed(session: AsyncSession, po_id: int, *, worker: str, now: datetime) -> PurchaseOrder | None:
    """The PO with its vendor, if `worker` still holds its claim (a lease that ran out may have passed on)."""
    stmt = (
        select(PurchaseOrder)
        .where(
            PurchaseOrder.id == po_id,
            PurchaseOrder.followup_claimed_by == worker,
            PurchaseOrder.followup_claimed_until >= now,
        )
        .options(selectinload(PurchaseOrder.vendor))
        .execution_options(populate_existing=True)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=PurchaseOrder)
    return (await session.execute(stmt)).scalar_one_or_none()


async def release(session: AsyncSession, po_ids: list[int], *, worker: str) -> None:
    """Give back claims this worker did not use (e.g. it is stopping)."""
    if not po_ids:
        return
    await session.execute(
        update(PurchaseOrder)
        .where(PurchaseOrder.id.in_(po_ids), PurchaseOrder.followup_claimed_by == worker)
        .values(followup_claimed_by=None, followup_claimed_until=None)
        .execution_options(synchronize_session=False)
    )


async def history_for(session: AsyncSession, po_id: int) -> tuple[StepRecord, ...]:
    rows = await session.execute(
        select(FollowupAttempt.step, FollowupAttempt.attempt, FollowupAttempt.at)
        .where(FollowupAttempt.po_id == po_id)
        .order_by(FollowupAttempt.at, FollowupAttempt.id)
    )
    records = []
    for step, attempt, at in rows:
        try:
            records.append(StepRecord(Step(step), attempt, at))
        except ValueError:
            continue  # a step name from another version: not ours to count
    return tuple(records)


async def contacts_for(session: AsyncSession, vendor_id: int) -> list[VendorContact]:
    rows = await session.execute(
        select(VendorContact).where(VendorContact.vendor_id == vendor_id).order_by(VendorContact.id)
    )
    return list(rows.scalars())


async def vendor_with_contacts(session: AsyncSession, vendor_id: int) -> Vendor | None:
    stmt = select(Vendor).where(Vendor.id == vendor_id).options(selectinload(Vendor.contacts))
    return (await session.execute(stmt)).scalar_one_or_none()


async def thread_message_ids(session: AsyncSession, po_id: int) -> list[str]:
    """Message-IDs of the email already sent about this PO, oldest first, so a follow-up threads under them."""
    rows = await session.execute(
        select(OutboxItem.email_message_id)
        .where(OutboxItem.po_id == po_id, OutboxItem.channel == "email", OutboxItem.email_message_id.is_not(None))
        .order_by(OutboxItem.id)
        .limit(20)
    )
    return [r for r in rows.scalars() if r]


async def get_setting(session: AsyncSession, key: str) -> AppSetting | None:
    return await session.get(AppSetting, key)
