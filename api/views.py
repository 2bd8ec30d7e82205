"""View models: plain dataclasses built from repository queries, handed to templates and JSON alike.

Templates never see ORM objects (no lazy loads mid-render); quantities are exact decimal text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.chat.queries import tracking_link
from core.escalations import service as escalation_service
from core.escalations.schemas import EscalationState
from core.kpis.scorecard import Scorecard
from core.purchase_orders import queries, repository
from core.purchase_orders.lifecycle import OPEN, POStatus, refusal_reason
from core.purchase_orders.queries import OverviewCounts
from core.purchase_orders.service import active_flags
from models import Escalation, Message, POEvent, PurchaseOrder, Shipment

MAX_SHOWN_TEXT = 20_000  # a vendor can send megabytes; a page shows the start and says so


def qty(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _clip(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= MAX_SHOWN_TEXT else text[:MAX_SHOWN_TEXT] + "\n[… cut: the message is longer]"


@dataclass(frozen=True, slots=True)
class POSummary:
    number: str
    vendor_code: str
    vendor_name: str
    status: str
    order_date: date | None
    promised_date: date | None
    original_promised_date: date | None
    eta: date | None
    late: bool
    exceptions: list[str]
    vendor_reference: str | None
    buyer_email: str | None
    updated_at: datetime


def expected_date(po: PurchaseOrder) -> date | None:
    return po.eta or po.promised_date


def is_late(po: PurchaseOrder, today: date) -> bool:
    expected = expected_date(po)
    return POStatus(po.status) in OPEN and (po.exc_late or (expected is not None and expected < today))


def po_summary(po: PurchaseOrder, *, today: date) -> POSummary:
    """`po` must have its vendor loaded."""
    return POSummary(
        number=po.number,
        vendor_code=po.vendor.code,
        vendor_name=po.vendor.name,
        status=po.status,
        order_date=po.order_date,
        promised_date=po.promised_date,
        original_promised_date=po.original_promised_date,
        eta=po.eta,
        late=is_late(po, today),
        exceptions=[flag.value for flag in active_flags(po)],
        vendor_reference=po.vendor_reference,
        buyer_email=po.buyer_email,
        updated_at=po.updated_at,
    )


@dataclass(frozen=True, slots=True)
class LineView:
    line_no: int
    sku: str | None
    vendor_sku: str | None
    description: str
    unit: str
    unit_price: str | None
    promised_date: date | None
    quantity_ordered: str
    quantity_confirmed: str | None
    quantity_shipped: str
    quantity_received: str


@dataclass(frozen=True, slots=True)
class TrackingView:
    number: str
    carrier: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class ShipmentView:
    id: int
    carrier: str | None
    ship_date: date | None
    eta: date | None
    recorded_at: datetime
    tracking: list[TrackingView]
    quantities: dict[int, str]  # line number -> quantity in this shipment


@dataclass(frozen=True, slots=True)
class EventView:
    id: int
    at: datetime
    kind: str
    field: str | None
    old: Any
    new: Any
    actor: str
    message_id: int | None
    note: str | None
    summary: str


@dataclass(frozen=True, slots=True)
class UnderstoodView:
    intent: str | None
    confidence: float | None
    eta: str | None
    ship_date: str | None
    carrier: str | None
    tracking_numbers: list[str]
    matched: list[str]
    candidates: list[str]
    needs_review: bool
    review_reasons: list[str]


@dataclass(slots=True)
class MessageView:
    id: int
    direction: str
    channel: str
    kind: str
    sender: str | None
    recipient: str | None
    subject: str | None
    at: datetime
    new_text: str
    quoted_text: str
    state: str
    link_role: str | None
    understood: UnderstoodView | None
    effects: list[EventView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    event: EventView | None = None
    message: MessageView | None = None


@dataclass(frozen=True, slots=True)
class NoteView:
    at: datetime
    author: str
    text: str


@dataclass(frozen=True, slots=True)
class EscalationView:
    id: int
    reason: str
    severity: str
    state: str
    summary: str
    po_number: str | None
    vendor_name: str | None
    assignee_id: int | None
    assignee_name: str | None
    level: int
    sla_due_at: datetime | None
    overdue: bool
    created_at: datetime
    resolved_at: datetime | None
    resolution_note: str | None
    message: MessageView | None
    notes: list[NoteView]


@dataclass(frozen=True, slots=True)
class PODetail:
    po: POSummary
    currency: str
    sent_at: datetime | None
    confirmed_at: datetime | None
    shipped_at: datetime | None
    received_at: datetime | None
    last_vendor_message_at: datetime | None
    allowed_statuses: list[str]
    lines: list[LineView]
    shipments: list[ShipmentView]
    escalations: list[EscalationView]
    timeline: list[TimelineEntry]


# --- builders ---------------------------------------------------------------------------------------


def _short(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_short(v)}" for k, v in value.items() if v not in (None, [], {}))
    if isinstance(value, list):
        return ", ".join(_short(v) for v in value) or "—"
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "..."


_FIELD_NAMES = {"eta": "ETA", "promised_date": "Promised date", "vendor_reference": "Vendor reference"}


def describe_event(event: POEvent) -> str:
    """One line a person reads in the timeline."""
    kind, fld = event.kind, event.field
    if kind == "status_changed":
        return f"Status {_short(event.old_value)} → {_short(event.new_value)}"
    if kind == "field_changed" or (kind.startswith("line_") and fld and kind != "line_added"):
        name = _FIELD_NAMES.get(fld or "", (fld or "field").replace("_", " ").capitalize())
        return f"{name}: {_short(event.old_value)} → {_short(event.new_value)}"
    if kind == "exception_raised":
        return f"Exception raised: {(fld or '').replace('_', ' ')}"
    if kind == "exception_cleared":
        return f"Exception cleared: {(fld or '').replace('_', ' ')}"
    if kind == "vendor_message":
        return f"Vendor message read as {_short(event.new_value)}"
    if kind == "imported":
        return f"Imported from the ERP ({_short(event.new_value)})"
    if kind == "shipment_recorded":
        return f"Shipment recorded ({_short(event.new_value)})"
    if kind == "escalated" and isinstance(event.new_value, dict):
        reason = str(event.new_value.get("reason", "")).replace("_", " ")
        return f"Escalated: {reason} ({event.new_value.get('severity', '')})"
    if kind.startswith("escalation_"):
        return kind.replace("_", " ").capitalize()
    if kind == "followup":
        return f"Follow-up sent: {(fld or '').replace('_', ' ')} ({_short(event.new_value)})"
    label = kind.replace("_", " ").capitalize()
    if fld and fld not in ("escalation",):
        label += f" — {fld}"
    if event.new_value is not None:
        label += f": {_short(event.new_value)}"
    return label


def event_view(event: POEvent) -> EventView:
    return EventView(
        id=event.id,
        at=event.at,
        kind=event.kind,
        field=event.field,
        old=event.old_value,
        new=event.new_value,
        actor=event.actor,
        message_id=event.message_id,
        note=event.note,
        summary=describe_event(event),
    )


def understood_view(data: dict[str, Any] | None) -> UnderstoodView | None:
    if not isinstance(data, dict):
        return None

    def texts(key: str) -> list[str]:
        value = data.get(key)
        return [str(v) for v in value][:50] if isinstance(value, list) else []

    def po_list(key: str) -> list[str]:
        value = data.get(key)
        if not isinstance(value, list):
            return []
        return [str(item.get("po")) for item in value[:50] if isinstance(item, dict) and item.get("po")]

    confidence = data.get("intent_confidence")
    return UnderstoodView(
        intent=str(data["intent"]) if data.get("intent") else None,
        confidence=float(confidence) if isinstance(confidence, int | float) else None,
        eta=str(data["eta"]) if data.get("eta") else None,
        ship_date=str(data["ship_date"]) if data.get("ship_date") else None,
        carrier=str(data["carrier"]) if data.get("carrier") else None,
        tracking_numbers=texts("tracking_numbers"),
        matched=po_list("matches"),
        candidates=po_list("candidates"),
        needs_review=bool(data.get("needs_review")),
        review_reasons=texts("review_reasons"),
    )


def message_view(message: Message, *, link_role: str | None = None) -> MessageView:
    return MessageView(
        id=message.id,
        direction=message.direction,
        channel=message.channel,
        kind=message.kind,
        sender=message.sender,
        recipient=message.recipient,
        subject=message.subject,
        at=message.received_at,
        new_text=_clip(message.body_text),
        quoted_text=_clip(message.quoted_text),
        state=message.state,
        link_role=link_role,
        understood=understood_view(message.understanding),
    )


def shipment_view(shipment: Shipment, line_numbers: dict[int, int]) -> ShipmentView:
    """`shipment` with tracking and lines loaded; `line_numbers` maps po_line id -> line number."""
    return ShipmentView(
        id=shipment.id,
        carrier=shipment.carrier,
        ship_date=shipment.ship_date,
        eta=shipment.eta,
        recorded_at=shipment.created_at,
        tracking=[
            TrackingView(
                t.number, t.carrier or shipment.carrier, tracking_link(t.carrier or shipment.carrier, t.number)
            )
            for t in shipment.tracking
        ],
        quantities={line_numbers.get(sl.po_line_id, 0): qty(sl.quantity) or "0" for sl in shipment.lines},
    )


async def escalation_views(
    session: AsyncSession, escalations: list[Escalation], *, now: datetime, with_messages: bool = True
) -> list[EscalationView]:
    """Escalations with names, notes and messages filled in by a few batched lookups."""
    numbers = await queries.numbers_by_ids(session, sorted({e.po_id for e in escalations if e.po_id}))
    vendors = await queries.vendor_names(session, sorted({e.vendor_id for e in escalations if e.vendor_id}))
    users = await queries.user_names(session, sorted({e.assignee_id for e in escalations if e.assignee_id}))
    messages = (
        await queries.messages_by_ids(session, sorted({e.message_id for e in escalations if e.message_id}))
        if with_messages
        else {}
    )
    notes = await queries.escalation_notes(session, [e.id for e in escalations])
    out = []
    for e in escalations:
        message = messages.get(e.message_id) if e.message_id else None
        active = e.state != EscalationState.RESOLVED.value
        out.append(
            EscalationView(
                id=e.id,
                reason=e.reason,
                severity=e.severity,
                state=e.state,
                summary=e.summary,
                po_number=numbers.get(e.po_id) if e.po_id else None,
                vendor_name=vendors.get(e.vendor_id) if e.vendor_id else None,
                assignee_id=e.assignee_id,
                assignee_name=users.get(e.assignee_id) if e.assignee_id else None,
                level=e.level,
                sla_due_at=e.sla_due_at,
                overdue=active and e.sla_due_at is not None and e.sla_due_at <= now,
                created_at=e.created_at,
                resolved_at=e.resolved_at,
                resolution_note=e.resolution_note,
                message=message_view(message) if message is not None else None,
                notes=[NoteView(n.at, n.author, n.text) for n in notes.get(e.id, [])],
            )
        )
    return out


def _allowed_next(po: PurchaseOrder) -> list[str]:
    current = POStatus(po.status)
    held = POStatus(po.status_before_hold) if po.status_before_hold else None
    return [s.value for s in POStatus if refusal_reason(current, s, held_from=held) is None]


async def po_detail(session: AsyncSession, po: PurchaseOrder, *, now: datetime) -> PODetail:
    """Everything a PO page or the API shows about one PO (`po` with vendor and lines loaded)."""
    line_numbers = {line.id: line.line_no for line in po.lines}
    shipments = [shipment_view(s, line_numbers) for s in await repository.shipments_for(session, po.id)]
    events = [event_view(e) for e in await repository.events_for(session, po.id)]
    messages = {m.id: message_view(m, link_role=role) for m, role in await queries.messages_for(session, po.id)}
    timeline: list[TimelineEntry] = []
    for event in events:
        if event.message_id is not None and event.message_id in messages:
            messages[event.message_id].effects.append(event)
        else:
            timeline.append(TimelineEntry(at=event.at, event=event))
    timeline += [TimelineEntry(at=m.at, message=m) for m in messages.values()]
    timeline.sort(key=lambda entry: (entry.at, 0 if entry.message else 1))
    escalations = await escalation_service.list_escalations(
        session, po_id=po.id, states=[state.value for state in EscalationState], limit=50
    )
    return PODetail(
        po=po_summary(po, today=now.date()),
        currency=po.currency,
        sent_at=po.sent_at,
        confirmed_at=po.confirmed_at,
        shipped_at=po.shipped_at,
        received_at=po.received_at,
        last_vendor_message_at=po.last_vendor_message_at,
        allowed_statuses=_allowed_next(po),
        lines=[
            LineView(
                line_no=line.line_no,
                sku=line.sku,
                vendor_sku=line.vendor_sku,
                description=line.description,
                unit=line.unit,
                unit_price=qty(line.unit_price),
                promised_date=line.promised_date,
                quantity_ordered=qty(line.quantity_ordered) or "0",
                quantity_confirmed=qty(line.quantity_confirmed),
                quantity_shipped=qty(line.quantity_shipped) or "0",
                quantity_received=qty(line.quantity_received) or "0",
            )
            for line in po.lines
        ],
        shipments=shipments,
        escalations=await escalation_views(session, escalations, now=now, with_messages=False),
        timeline=timeline,
    )


@dataclass(frozen=True, slots=True)
class Overview:
    counts: OverviewCounts
    escalations: list[EscalationView]
    late: list[POSummary]


@dataclass(frozen=True, slots=True)
class ScorecardRow:
    card: Scorecard

    @staticmethod
    def percent(value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.0f}%"
