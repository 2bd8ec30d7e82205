"""What a vendor's button presses and flow answers do to a PO.

Every operation first proves the PO is the pressing vendor's own (`owned_po`), whatever the
button said; then it changes the PO through the purchase-order service with an actor naming the
stored chat message, so the event log says which press or answer caused the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import PermissionDeniedError
from core.escalations.schemas import EscalationReason
from core.escalations.service import raise_escalation
from core.purchase_orders import repository as po_repository
from core.purchase_orders.lifecycle import VENDOR_ACTIVE, ExceptionFlag, POStatus
from core.purchase_orders.service import Actor, confirm, record_shipment, set_field, set_flag
from models import PurchaseOrder, Vendor


@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    carrier: str | None
    tracking: list[tuple[str, str | None]]
    ship_date: date
    quantities: dict[int, Decimal] | None = None  # None: everything still open left


async def owned_po(session: AsyncSession, vendor: Vendor, po_id: int, *, for_update: bool = False) -> PurchaseOrder:
    """The PO if it belongs to `vendor`; a stranger's PO and a missing one look the same."""
    po = await po_repository.get_by_id(session, po_id, for_update=for_update)
    if po is None or po.vendor_id != vendor.id:
        raise PermissionDeniedError("no such purchase order of yours")
    return po


def actor_for(vendor: Vendor, message_id: int) -> Actor:
    return Actor(f"vendor:{vendor.code}", message_id)


def _touch(po: PurchaseOrder, now: datetime) -> None:
    po.last_vendor_message_at = now


def can_change(po: PurchaseOrder) -> bool:
    return POStatus(po.status) in VENDOR_ACTIVE


def confirm_po(session: AsyncSession, po: PurchaseOrder, *, now: datetime, actor: Actor) -> None:
    confirm(session, po, at=now, actor=actor)
    _touch(po, now)


def ship_po(session: AsyncSession, po: PurchaseOrder, facts: ShipmentFacts, *, now: datetime, actor: Actor) -> None:
    record_shipment(
        session,
        po,
        at=now,
        actor=actor,
        carrier=facts.carrier,
        tracking_numbers=facts.tracking,
        ship_date=facts.ship_date,
        quantities=facts.quantities,
    )
    _touch(po, now)


async def delay_po(
    session: AsyncSession, po: PurchaseOrder, new_date: date, *, now: datetime, actor: Actor, vendor: Vendor
) -> bool:
    """New ETA from the vendor; later than promised raises the delay flag and an escalation. True if escalated."""
    set_field(session, po, "eta", new_date, at=now, actor=actor)
    _touch(po, now)
    promised = po.promised_date or po.original_promised_date
    if promised is None or new_date <= promised:
        return False
    set_flag(session, po, ExceptionFlag.VENDOR_DELAY, True, at=now, actor=actor)
    await raise_escalation(
        session,
        reason=EscalationReason.DATE_LATER_THAN_PROMISED,
        now=now,
        po=po,
        message_id=actor.message_id,
        summary=f"{po.number}: {vendor.name} now expects {new_date.isoformat()} (promised {promised.isoformat()})",
        actor=actor.name,
    )
    return True


async def report_problem(
    session: AsyncSession, po: PurchaseOrder, text: str, *, now: datetime, actor: Actor, vendor: Vendor
) -> int:
    _touch(po, now)
    esc = await raise_escalation(
        session,
        reason=EscalationReason.VENDOR_QUESTION,
        now=now,
        po=po,
        message_id=actor.message_id,
        summary=f"{po.number}: {vendor.name} reports a problem: {text[:1000]}",
        actor=actor.name,
    )
    return esc.id


async def flag_misunderstood(
    session: AsyncSession, *, message_id: int, vendor: Vendor, now: datetime, po: PurchaseOrder | None
) -> int:
    """The vendor tapped "not right" under what the bot understood: a human looks at that message."""
    esc = await raise_escalation(
        session,
        reason=EscalationReason.NEEDS_REVIEW,
        now=now,
        po=po,
        message_id=message_id,
        vendor_id=vendor.id,
        summary=f"{vendor.name} says the bot misunderstood their message",
        actor=f"vendor:{vendor.code}",
    )
    return esc.id
