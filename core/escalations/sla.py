"""Escalations left past their SLA go up a level: to the buyer's lead, then to that lead's lead."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.escalations import repository
from core.escalations.schemas import SLA, Severity
from core.escalations.service import add_note
from core.purchase_orders.events import record_event
from models import BuyerAlert, Escalation


async def _next_owner(session: AsyncSession, escalation: Escalation) -> int | None:
    """Level 0 goes to the lead of the PO's buyer (or of the assignee); higher levels to the owner's lead."""
    holder: int | None = escalation.assignee_id
    if escalation.level == 0 and escalation.po_id is not None:
        po = await repository.get_po(session, escalation.po_id)
        if po is not None and po.buyer_id is not None:
            holder = po.buyer_id
    user = await repository.get_user(session, holder) if holder is not None else None
    if user is None or user.lead_id is None:
        return escalation.assignee_id  # nobody above: it stays, one level louder
    return user.lead_id


async def escalate_overdue(session: AsyncSession, escalation: Escalation, *, now: datetime) -> bool:
    """Raise one overdue escalation a level; False when it is not overdue any more or another process did it."""
    if escalation.sla_due_at is None or escalation.sla_due_at > now or escalation.state == "resolved":
        return False
    owner = await _next_owner(session, escalation)
    new_due = now + SLA[Severity(escalation.severity)]
    old_level = escalation.level
    if not await repository.bump_level(session, escalation, now=now, new_due=new_due, assignee_id=owner):
        return False
    escalation.level, escalation.sla_due_at, escalation.assignee_id = old_level + 1, new_due, owner
    text = f"past its SLA: raised to level {old_level + 1}" + (f", now with user {owner}" if owner else "")
    add_note(session, escalation, author="system", text=text, now=now)
    po = await repository.get_po(session, escalation.po_id) if escalation.po_id is not None else None
    if po is not None:
        record_event(
            session,
            po,
            kind="escalation_overdue",
            field="escalation",
            old={"level": old_level},
            new={"id": escalation.id, "level": old_level + 1, "assignee_id": owner},
            at=now,
            actor="system",
            message_id=escalation.message_id,
        )
    if owner is not None:
        # the new owner hears of it through their alert digest
        session.add(
            BuyerAlert(
                user_id=owner,
                po_id=escalation.po_id,
                kind="escalation_overdue",
                text=f"Escalation #{escalation.id} ({escalation.reason}"
                + (f", {po.number}" if po is not None else "")
                + f") is past its SLA and now yours: {escalation.summary[:300]}",
                data={"escalation_id": escalation.id, "level": old_level + 1},
                created_at=now,
            )
        )
    return True


async def sla_sweep(session: AsyncSession, *, now: datetime, limit: int = 200) -> int:
    """Raise every overdue escalation (up to `limit`) a level; returns how many moved."""
    moved = 0
    for escalation_id in await repository.overdue_ids(session, now=now, limit=limit):
        escalation = await repository.get(session, escalation_id)
        if escalation is not None and await escalate_overdue(session, escalation, now=now):
            moved += 1
    await session.flush()
    return moved
