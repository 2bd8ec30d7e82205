"""SQL for escalations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.escalations.schemas import EscalationState
from models import Escalation, Message, MessagePO, PurchaseOrder, User, VendorContact

ACTIVE_STATES = (EscalationState.OPEN.value, EscalationState.IN_PROGRESS.value, EscalationState.WAITING_ON_VENDOR.value)


async def get(session: AsyncSession, escalation_id: int, *, with_notes: bool = False) -> Escalation | None:
    stmt = select(Escalation).where(Escalation.id == escalation_id).execution_options(populate_existing=True)
    if with_notes:
        stmt = stmt.options(selectinload(Escalation.notes))
    return (await session.execute(stmt)).scalar_one_or_none()


async def by_open_key(session: AsyncSession, key: str) -> Escalation | None:
    return (await session.execute(select(Escalation).where(Escalation.open_key == key))).scalar_one_or_none()


async def list_escalations(
    session: AsyncSession,
    *,
    states: Sequence[str] = ACTIVE_STATES,
    assignee_id: int | None = None,
    po_id: int | None = None,
    limit: int = 100,
) -> list[Escalation]:
    stmt = select(Escalation).where(Escalation.state.in_(list(states)))
    if assignee_id is not None:
        stmt = stmt.where(Escalation.assignee_id == assignee_id)
    if po_id is not None:
        stmt = stmt.where(Escalation.po_id == po_id)
    # most urgent first: the earliest SLA, then the oldest
    stmt = stmt.order_by(Escalation.sla_due_at.is_(None), Escalation.sla_due_at, Escalation.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def overdue_ids(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    # served by ix_escalations_open_sla (state, sla_due_at)
    stmt = (
        select(Escalation.id)
        .where(Escalation.state.in_(ACTIVE_STATES), Escalation.sla_due_at <= now)
        .order_by(Escalation.sla_due_at, Escalation.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def bump_level(
    session: AsyncSession, escalation: Escalation, *, now: datetime, new_due: datetime, assignee_id: int | None
) -> bool:
    """Raise the level once: a conditional UPDATE on the old level and due time, so two processes cannot both."""
    result = await session.execute(
        update(Escalation)
        .where(
            Escalation.id == escalation.id,
            Escalation.level == escalation.level,
            Escalation.sla_due_at == escalation.sla_due_at,
            Escalation.state.in_(ACTIVE_STATES),
        )
        .values(level=Escalation.level + 1, sla_due_at=new_due, assignee_id=assignee_id, updated_at=now)
        .returning(Escalation.id)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none() is not None


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def get_po(session: AsyncSession, po_id: int) -> PurchaseOrder | None:
    return await session.get(PurchaseOrder, po_id)


async def get_message(session: AsyncSession, message_id: int) -> Message | None:
    return await session.get(Message, message_id)


async def links_of_message(session: AsyncSession, message_id: int) -> list[MessagePO]:
    stmt = select(MessagePO).where(MessagePO.message_id == message_id).order_by(MessagePO.id)
    return list((await session.execute(stmt)).scalars())


async def contacts_of(session: AsyncSession, vendor_id: int) -> list[VendorContact]:
    stmt = select(VendorContact).where(VendorContact.vendor_id == vendor_id).order_by(VendorContact.id)
    return list((await session.execute(stmt)).scalars())


async def user_by_ref(session: AsyncSession, ref: str) -> User | None:
    """A user by id (digits) or email."""
    if ref.strip().isdigit():
        return await session.get(User, int(ref))
    return (await session.execute(select(User).where(User.email == ref.strip().lower()))).scalar_one_or_none()
