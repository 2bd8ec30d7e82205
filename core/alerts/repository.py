"""SQL for buyer alerts: the event-log checkpoint, pending alerts per buyer, claiming a digest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import AppSetting, BuyerAlert, POEvent, PurchaseOrder, User

CHECKPOINT_KEY = "buyer_alerts_checkpoint"
ALERTING_KINDS = ("field_changed", "exception_raised", "escalated")


async def lock_checkpoint(session: AsyncSession) -> AppSetting | None:
    """The checkpoint row, locked on PostgreSQL so collectors in several processes take turns."""
    stmt = select(AppSetting).where(AppSetting.key == CHECKPOINT_KEY).execution_options(populate_existing=True)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def events_after(session: AsyncSession, event_id: int, *, limit: int) -> list[tuple[POEvent, PurchaseOrder]]:
    """Alert-worthy events after `event_id` on POs that have a buyer, oldest first."""
    stmt = (
        select(POEvent, PurchaseOrder)
        .join(PurchaseOrder, PurchaseOrder.id == POEvent.po_id)
        .where(POEvent.id > event_id, POEvent.kind.in_(ALERTING_KINDS), PurchaseOrder.buyer_id.is_not(None))
        .order_by(POEvent.id)
        .limit(limit)
    )
    return [(e, p) for e, p in (await session.execute(stmt)).all()]


async def last_event_id(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(POEvent.id))) or 0)


async def last_event_id_upto(session: AsyncSession, ceiling: int) -> int:
    """The highest event id <= ceiling (the scan may stop on non-alerting events)."""
    return int(await session.scalar(select(func.max(POEvent.id)).where(POEvent.id <= ceiling)) or 0)


async def buyers_due(session: AsyncSession, *, older_than: datetime) -> list[int]:
    """Buyers whose oldest undelivered alert waited a full window. Served by ix_buyer_alerts_pending."""
    stmt = (
        select(BuyerAlert.user_id)
        .where(BuyerAlert.delivered_at.is_(None))
        .group_by(BuyerAlert.user_id)
        .having(func.min(BuyerAlert.created_at) <= older_than)
    )
    return list((await session.execute(stmt)).scalars())


async def claim_pending(session: AsyncSession, user_id: int, *, now: datetime) -> list[BuyerAlert]:
    """Mark the buyer's pending alerts delivered and return them; a concurrent digest gets none of them."""
    result = await session.execute(
        update(BuyerAlert)
        .where(BuyerAlert.user_id == user_id, BuyerAlert.delivered_at.is_(None), BuyerAlert.created_at <= now)
        .values(delivered_at=now)
        .returning(BuyerAlert.id)
        .execution_options(synchronize_session=False)
    )
    ids = list(result.scalars())
    if not ids:
        return []
    rows = await session.execute(
        select(BuyerAlert)
        .where(BuyerAlert.id.in_(ids))
        .order_by(BuyerAlert.id)
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def po_numbers(session: AsyncSession, po_ids: list[int]) -> dict[int, str]:
    if not po_ids:
        return {}
    rows = await session.execute(select(PurchaseOrder.id, PurchaseOrder.number).where(PurchaseOrder.id.in_(po_ids)))
    return {int(i): str(n) for i, n in rows.all()}


async def pending_for(session: AsyncSession, user_id: int) -> list[BuyerAlert]:
    stmt = (
        select(BuyerAlert)
        .where(BuyerAlert.user_id == user_id, BuyerAlert.delivered_at.is_(None))
        .order_by(BuyerAlert.id)
    )
    return list((await session.execute(stmt)).scalars())
