"""Escalations: pulling a human in. Raising the same open issue twice adds a note, not a duplicate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.escalations.schemas import DEFAULT_SEVERITY, SLA, EscalationReason, EscalationState, Severity
from core.purchase_orders.events import record_event
from models import Escalation, EscalationNote, PurchaseOrder


def open_key(reason: EscalationReason, *, po_id: int | None, message_id: int | None) -> str:
    if po_id is not None:
        return f"{reason.value}:po:{po_id}"
    return f"{reason.value}:msg:{message_id}"


async def raise_escalation(
    session: AsyncSession,
    *,
    reason: EscalationReason,
    now: datetime,
    summary: str,
    po: PurchaseOrder | None = None,
    message_id: int | None = None,
    vendor_id: int | None = None,
    severity: Severity | None = None,
    actor: str = "system",
) -> Escalation:
    """Open an escalation, or add to the open one for the same PO (or message) and reason."""
    key = open_key(reason, po_id=po.id if po else None, message_id=message_id)
    existing = await session.scalar(select(Escalation).where(Escalation.open_key == key))
    if existing is not None:
        session.add(EscalationNote(escalation_id=existing.id, author=actor, at=now, text=summary))
        existing.updated_at = now
        if message_id is not None and existing.message_id is None:
            existing.message_id = message_id
        return existing
    severity = severity or DEFAULT_SEVERITY[reason]
    escalation = Escalation(
        po_id=po.id if po else None,
        message_id=message_id,
        vendor_id=vendor_id if vendor_id is not None else (po.vendor_id if po else None),
        reason=reason.value,
        severity=severity.value,
        state=EscalationState.OPEN.value,
        summary=summary,
        open_key=key,
        level=0,
        sla_due_at=now + SLA[severity],
        created_at=now,
        updated_at=now,
    )
    session.add(escalation)
    await session.flush()
    if po is not None:
        record_event(
            session,
            po,
            kind="escalated",
            field="escalation",
            old=None,
            new={"id": escalation.id, "reason": reason.value, "severity": severity.value},
            at=now,
            actor=actor,
            message_id=message_id,
            note=summary,
        )
    return escalation
