"""Acting on what a trusted vendor said about its PO: update the ledger, raise what needs a human."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import IllegalTransitionError, ValidationProblem
from core.escalations.schemas import EscalationReason
from core.escalations.service import raise_escalation
from core.followups.service import note_vendor_answer
from core.purchase_orders.events import record_event
from core.purchase_orders.lifecycle import ExceptionFlag, POStatus
from core.purchase_orders.service import Actor, confirm, record_shipment, set_field, set_flag
from core.replies.schemas import Intent, Understanding
from models import Escalation, PurchaseOrder

# what each intent asks of a human, beyond what the ledger records by itself
_INTENT_ESCALATIONS: dict[Intent, EscalationReason] = {
    Intent.CANCELLED: EscalationReason.CANCELLATION,
    Intent.CHANGE_REQUEST: EscalationReason.CHANGE_REQUEST,
    Intent.QUESTION: EscalationReason.VENDOR_QUESTION,
}


@dataclass(slots=True)
class Outcome:
    applied: list[str] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _quantities(understanding: Understanding, po: PurchaseOrder) -> dict[int, Decimal] | None:
    found = understanding.quantities.get(po.number)
    if not found:
        return None
    return {int(line): Decimal(str(qty)) for line, qty in found.items()}


async def _escalate(
    session: AsyncSession,
    outcome: Outcome,
    po: PurchaseOrder,
    reason: EscalationReason,
    summary: str,
    *,
    now: datetime,
    message_id: int,
) -> None:
    outcome.escalations.append(
        await raise_escalation(
            session,
            reason=reason,
            now=now,
            summary=summary,
            po=po,
            message_id=message_id,
            actor=f"vendor:{po.vendor_id}",
        )
    )


async def apply_to_po(
    session: AsyncSession,
    po: PurchaseOrder,
    understanding: Understanding,
    *,
    now: datetime,
    message_id: int,
    vendor_code: str,
) -> Outcome:
    """Apply one understood vendor message to one of that vendor's POs; the caller has checked trust."""
    outcome = Outcome()
    actor = Actor(f"vendor:{vendor_code}", message_id)
    intent = understanding.intent
    record_event(
        session,
        po,
        kind="vendor_message",
        field="intent",
        old=None,
        new=intent.value,
        at=now,
        actor=actor.name,
        message_id=message_id,
        note=f"confidence {understanding.intent_confidence:.2f}",
    )
    if intent != Intent.AUTO_REPLY:
        await note_vendor_answer(session, po, now=now, message_id=message_id)
    eta = understanding.eta
    try:
        if intent == Intent.CONFIRMED:
            confirm(session, po, at=now, actor=actor, quantities=_quantities(understanding, po), delivery_date=eta)
            if understanding.ship_date is not None and eta is None:
                record_event(
                    session,
                    po,
                    kind="planned_ship_date",
                    field="ship_date",
                    old=None,
                    new=understanding.ship_date,
                    at=now,
                    actor=actor.name,
                    message_id=message_id,
                )
        elif intent == Intent.SHIPPED:
            quantities = _quantities(understanding, po)
            record_shipment(
                session,
                po,
                at=now,
                actor=actor,
                carrier=understanding.carrier.value if understanding.carrier else None,
                tracking_numbers=[(t.number, t.carrier.value if t.carrier else None) for t in understanding.tracking],
                ship_date=understanding.ship_date,
                eta=eta,
                quantities=quantities,
            )
            if any(line.quantity_shipped < line.quantity_ordered for line in po.lines):
                await _escalate(
                    session,
                    outcome,
                    po,
                    EscalationReason.PARTIAL_SHIPMENT,
                    f"{po.number}: partial shipment",
                    now=now,
                    message_id=message_id,
                )
        elif intent == Intent.DELAYED:
            set_flag(session, po, ExceptionFlag.VENDOR_DELAY, True, at=now, actor=actor)
            if eta is not None:
                set_field(session, po, "eta", eta, at=now, actor=actor)
            if eta is None or po.promised_date is None or eta > po.promised_date:
                when = f"to {eta.isoformat()}" if eta else "without a new date"
                await _escalate(
                    session,
                    outcome,
                    po,
                    EscalationReason.DATE_LATER_THAN_PROMISED,
                    f"{po.number}: vendor delays {when}",
                    now=now,
                    message_id=message_id,
                )
        elif intent == Intent.DELIVERED:
            record_event(
                session,
                po,
                kind="vendor_reports_delivery",
                field=None,
                old=None,
                new=None,
                at=now,
                actor=actor.name,
                message_id=message_id,
            )
        elif intent in (Intent.CHANGE_REQUEST, Intent.CANCELLED, Intent.QUESTION):
            if intent == Intent.CHANGE_REQUEST and _quantities(understanding, po):
                set_flag(session, po, ExceptionFlag.QUANTITY_DISCREPANCY, True, at=now, actor=actor)
            reason = _INTENT_ESCALATIONS[intent]
            await _escalate(
                session,
                outcome,
                po,
                reason,
                f"{po.number}: vendor {intent.value.replace('_', ' ')}",
                now=now,
                message_id=message_id,
            )
    except (IllegalTransitionError, ValidationProblem) as exc:
        outcome.problems.append(f"{po.number}: {exc}")
        await _escalate(
            session,
            outcome,
            po,
            EscalationReason.NEEDS_REVIEW,
            f"{po.number}: could not apply '{intent.value}': {exc}",
            now=now,
            message_id=message_id,
        )
        return outcome

    # a confirmation or a shipment whose date lands after the promised date is an exception by itself
    if intent in (Intent.CONFIRMED, Intent.SHIPPED) and eta and po.promised_date and eta > po.promised_date:
        set_flag(session, po, ExceptionFlag.VENDOR_DELAY, True, at=now, actor=actor)
        await _escalate(
            session,
            outcome,
            po,
            EscalationReason.DATE_LATER_THAN_PROMISED,
            f"{po.number}: vendor's date {eta.isoformat()} is after the promised {po.promised_date.isoformat()}",
            now=now,
            message_id=message_id,
        )
    if (
        intent in (Intent.CONFIRMED, Intent.SHIPPED, Intent.DELAYED, Intent.DELIVERED)
        and po.status != POStatus.CANCELLED
    ):
        outcome.applied.append(po.number)
    return outcome
