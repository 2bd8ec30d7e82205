"""Changes to purchase orders: every accepted change writes an event; services never commit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import IllegalTransitionError, ValidationProblem
from core.purchase_orders.events import record_event
from core.purchase_orders.lifecycle import ExceptionFlag, POStatus, refusal_reason
from models import POLine, PurchaseOrder, Shipment, ShipmentLine, ShipmentTracking

_STATUS_TIMESTAMPS = {
    POStatus.SENT: "sent_at",
    POStatus.CONFIRMED: "confirmed_at",
    POStatus.SHIPPED: "shipped_at",
    POStatus.RECEIVED: "received_at",
    POStatus.CLOSED: "closed_at",
}

_EDITABLE_FIELDS = frozenset({"eta", "promised_date", "vendor_reference", "buyer_email", "terms", "notes"})


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: `vendor:<code>`, `user:<id>`, `erp`, `system`, `followup`; and by which message."""

    name: str
    message_id: int | None = None


def flag_attr(flag: ExceptionFlag) -> str:
    return f"exc_{flag.value}"


def active_flags(po: PurchaseOrder) -> list[ExceptionFlag]:
    return [flag for flag in ExceptionFlag if getattr(po, flag_attr(flag))]


def change_status(
    session: AsyncSession,
    po: PurchaseOrder,
    target: POStatus,
    *,
    at: datetime,
    actor: Actor,
    note: str | None = None,
) -> None:
    current = POStatus(po.status)
    held_from = POStatus(po.status_before_hold) if po.status_before_hold else None
    reason = refusal_reason(current, target, held_from=held_from)
    if reason is not None:
        raise IllegalTransitionError(current.value, target.value, reason)
    if target == POStatus.ON_HOLD:
        po.status_before_hold = current.value
    elif current == POStatus.ON_HOLD:
        po.status_before_hold = None
    po.status = target.value
    stamp = _STATUS_TIMESTAMPS.get(target)
    if stamp and getattr(po, stamp) is None:
        setattr(po, stamp, at)
    po.updated_at = at
    record_event(
        session,
        po,
        kind="status_changed",
        field="status",
        old=current,
        new=target,
        at=at,
        actor=actor.name,
        message_id=actor.message_id,
        note=note,
    )


def _change(
    session: AsyncSession,
    po: PurchaseOrder,
    attr: str,
    value: object,
    *,
    kind: str,
    field: str,
    old: object,
    at: datetime,
    actor: Actor,
    note: str | None,
) -> None:
    setattr(po, attr, value)
    po.updated_at = at
    record_event(
        session,
        po,
        kind=kind,
        field=field,
        old=old,
        new=value,
        at=at,
        actor=actor.name,
        message_id=actor.message_id,
        note=note,
    )


def set_flag(
    session: AsyncSession,
    po: PurchaseOrder,
    flag: ExceptionFlag,
    value: bool,
    *,
    at: datetime,
    actor: Actor,
    note: str | None = None,
) -> bool:
    """Raise or clear an exception flag; returns whether anything changed."""
    attr = flag_attr(flag)
    old = bool(getattr(po, attr))
    if old == value:
        return False
    _change(
        session,
        po,
        attr,
        value,
        kind="exception_raised" if value else "exception_cleared",
        field=flag.value,
        old=old,
        at=at,
        actor=actor,
        note=note,
    )
    return True


def set_field(
    session: AsyncSession,
    po: PurchaseOrder,
    field: str,
    value: object,
    *,
    at: datetime,
    actor: Actor,
    note: str | None = None,
) -> bool:
    if field not in _EDITABLE_FIELDS:
        raise ValidationProblem(f"{field} cannot be edited this way")
    old = getattr(po, field)
    if old == value:
        return False
    _change(session, po, field, value, kind="field_changed", field=field, old=old, at=at, actor=actor, note=note)
    return True


def _line_by_no(po: PurchaseOrder, line_no: int) -> POLine:
    for line in po.lines:
        if line.line_no == line_no:
            return line
    raise ValidationProblem(f"{po.number} has no line {line_no}")


def _check_quantity(value: Decimal, what: str) -> Decimal:
    if value < 0:
        raise ValidationProblem(f"{what} cannot be negative")
    return value


def confirm(
    session: AsyncSession,
    po: PurchaseOrder,
    *,
    at: datetime,
    actor: Actor,
    quantities: Mapping[int, Decimal] | None = None,
    delivery_date: date | None = None,
) -> None:
    """The vendor accepts the order; confirmed quantities default to the ordered ones."""
    # a confirmation arriving after the goods shipped, or while the PO is held, changes no status
    if po.status == POStatus.SENT:
        change_status(session, po, POStatus.CONFIRMED, at=at, actor=actor)
    for line in po.lines:
        qty = _check_quantity(Decimal((quantities or {}).get(line.line_no, line.quantity_ordered)), "quantity")
        if line.quantity_confirmed != qty:
            record_event(
                session,
                po,
                kind="line_confirmed",
                field=f"line {line.line_no} quantity_confirmed",
                old=line.quantity_confirmed,
                new=qty,
                at=at,
                actor=actor.name,
                message_id=actor.message_id,
            )
            line.quantity_confirmed = qty
    if delivery_date is not None:
        set_field(session, po, "eta", delivery_date, at=at, actor=actor)


def record_shipment(
    session: AsyncSession,
    po: PurchaseOrder,
    *,
    at: datetime,
    actor: Actor,
    carrier: str | None = None,
    tracking_numbers: list[tuple[str, str | None]] | None = None,
    ship_date: date | None = None,
    eta: date | None = None,
    quantities: Mapping[int, Decimal] | None = None,
) -> Shipment:
    """Goods dispatched: without quantities, everything not yet shipped left now."""
    per_line: dict[int, Decimal] = {}
    for line in po.lines:
        if quantities is None:
            remaining = line.quantity_ordered - line.quantity_shipped
            if remaining > 0:
                per_line[line.line_no] = remaining
        elif line.line_no in quantities:
            per_line[line.line_no] = _check_quantity(Decimal(quantities[line.line_no]), "shipped quantity")
    for line_no in quantities or {}:
        _line_by_no(po, line_no)

    shipment = Shipment(
        po_id=po.id,
        carrier=carrier,
        ship_date=ship_date,
        eta=eta,
        source_message_id=actor.message_id,
        created_at=at,
    )
    shipment.tracking = [ShipmentTracking(number=n, carrier=c or carrier) for n, c in tracking_numbers or []]
    session.add(shipment)
    for line in po.lines:
        qty = per_line.get(line.line_no)
        if not qty:
            continue
        shipment.lines.append(ShipmentLine(po_line_id=line.id, quantity=qty))
        old = line.quantity_shipped
        line.quantity_shipped = old + qty
        record_event(
            session,
            po,
            kind="line_shipped",
            field=f"line {line.line_no} quantity_shipped",
            old=old,
            new=line.quantity_shipped,
            at=at,
            actor=actor.name,
            message_id=actor.message_id,
        )
    if POStatus(po.status) in (POStatus.SENT, POStatus.CONFIRMED):
        change_status(session, po, POStatus.SHIPPED, at=at, actor=actor)
    record_event(
        session,
        po,
        kind="shipment_recorded",
        field="shipment",
        old=None,
        new={
            "carrier": carrier,
            "tracking": [n for n, _ in tracking_numbers or []],
            "ship_date": ship_date,
            "eta": eta,
            "quantities": per_line,
        },
        at=at,
        actor=actor.name,
        message_id=actor.message_id,
    )
    if eta is not None:
        set_field(session, po, "eta", eta, at=at, actor=actor)
    return shipment


def is_fully_shipped(po: PurchaseOrder) -> bool:
    return all(line.quantity_shipped >= line.quantity_ordered for line in po.lines)


def record_receipt(
    session: AsyncSession,
    po: PurchaseOrder,
    quantities: Mapping[int, Decimal],
    *,
    at: datetime,
    actor: Actor,
) -> None:
    """Goods arrived at the buyer (usually from the ERP): received when every line is complete."""
    for line_no, qty in quantities.items():
        line = _line_by_no(po, line_no)
        qty = _check_quantity(Decimal(qty), "received quantity")
        old = line.quantity_received
        line.quantity_received = old + qty
        record_event(
            session,
            po,
            kind="line_received",
            field=f"line {line_no} quantity_received",
            old=old,
            new=line.quantity_received,
            at=at,
            actor=actor.name,
            message_id=actor.message_id,
        )
    complete = all(line.quantity_received >= line.quantity_ordered for line in po.lines)
    target = POStatus.RECEIVED if complete else POStatus.PARTIALLY_RECEIVED
    if po.status != target:
        change_status(session, po, target, at=at, actor=actor)
