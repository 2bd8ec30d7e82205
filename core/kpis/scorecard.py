"""Vendor scorecards, computed from the PO event log (what happened and when), not from current PO state.

Definitions, over POs of the vendor sent within the window:
- confirmation rate: share of sent POs the vendor confirmed (or went straight to shipping);
- median time to confirm: hours from sent to that first confirmation;
- on-time shipment rate: share of shipped POs whose first shipment was on or before the date first asked
  for (`original_promised_date`);
- average delay days: over POs with an expected date past the first-asked date, how many days later
  (the last ETA the events recorded, or the receipt day);
- response rate: share of follow-ups (reminders, questions) that got a vendor reply (not an auto-reply)
  before the next follow-up on the same PO.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.purchase_orders.lifecycle import POStatus
from models import POEvent, PurchaseOrder, Vendor

DEFAULT_WINDOW = timedelta(days=90)
_CONFIRMING = frozenset({POStatus.CONFIRMED.value, POStatus.SHIPPED.value})
_SHIPPING = frozenset({POStatus.SHIPPED.value})
_RECEIVING = frozenset({POStatus.PARTIALLY_RECEIVED.value, POStatus.RECEIVED.value})
_KINDS = ("status_changed", "shipment_recorded", "field_changed", "followup", "vendor_message")


@dataclass(frozen=True, slots=True)
class Scorecard:
    vendor_code: str
    vendor_name: str
    since: datetime
    until: datetime
    pos_sent: int
    pos_confirmed: int
    confirmation_rate: float | None
    median_hours_to_confirm: float | None
    pos_shipped: int
    on_time_shipment_rate: float | None
    pos_delayed: int
    average_delay_days: float | None
    followups_sent: int
    followups_answered: int
    response_rate: float | None


@dataclass(slots=True)
class _POFacts:
    sent_at: datetime | None
    first_asked: date | None
    confirmed_at: datetime | None = None
    shipped_at: datetime | None = None
    received_at: datetime | None = None
    last_eta: date | None = None


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _as_date(value: object) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _followups_answered(events: list[POEvent]) -> tuple[int, int]:
    """(follow-ups sent, follow-ups answered) on one PO, events in time order."""
    sent = answered = 0
    waiting = False
    for event in events:
        if event.kind == "followup":
            sent += 1
            waiting = True
        elif event.kind == "vendor_message" and event.new_value != "auto_reply" and waiting:
            answered += 1
            waiting = False
    return sent, answered


async def vendor_scorecard(
    session: AsyncSession, vendor: Vendor, *, now: datetime, window: timedelta = DEFAULT_WINDOW
) -> Scorecard:
    since = now - window
    pos = (
        await session.execute(
            select(PurchaseOrder.id, PurchaseOrder.sent_at, PurchaseOrder.original_promised_date).where(
                PurchaseOrder.vendor_id == vendor.id, PurchaseOrder.sent_at >= since, PurchaseOrder.sent_at <= now
            )
        )
    ).all()
    facts = {po_id: _POFacts(sent_at=sent_at, first_asked=asked) for po_id, sent_at, asked in pos}
    by_po: dict[int, list[POEvent]] = defaultdict(list)
    if facts:
        stmt = (
            select(POEvent)
            .where(POEvent.po_id.in_(list(facts)), POEvent.kind.in_(_KINDS), POEvent.at <= now)
            .order_by(POEvent.at, POEvent.id)
        )
        for event in (await session.execute(stmt)).scalars():
            by_po[event.po_id].append(event)

    followups_sent = followups_answered = 0
    for po_id, fact in facts.items():
        events = by_po.get(po_id, [])
        for event in events:
            if event.kind == "status_changed":
                target = event.new_value
                if target in _CONFIRMING and fact.confirmed_at is None:
                    fact.confirmed_at = event.at
                if target in _SHIPPING and fact.shipped_at is None:
                    fact.shipped_at = event.at
                if target in _RECEIVING and fact.received_at is None:
                    fact.received_at = event.at
            elif event.kind == "shipment_recorded" and fact.shipped_at is None:
                fact.shipped_at = event.at
            elif event.kind == "field_changed" and event.field == "eta":
                fact.last_eta = _as_date(event.new_value)
        sent, answered = _followups_answered(events)
        followups_sent += sent
        followups_answered += answered

    confirmed = [f for f in facts.values() if f.confirmed_at is not None]
    hours = [
        (f.confirmed_at - f.sent_at).total_seconds() / 3600
        for f in confirmed
        if f.confirmed_at is not None and f.sent_at is not None
    ]
    shipped = [f for f in facts.values() if f.shipped_at is not None and f.first_asked is not None]
    on_time = [
        f for f in shipped if f.shipped_at is not None and f.first_asked and f.shipped_at.date() <= f.first_asked
    ]
    delays: list[int] = []
    for f in facts.values():
        expected = f.received_at.date() if f.received_at else f.last_eta
        if f.first_asked and expected and expected > f.first_asked:
            delays.append((expected - f.first_asked).days)
    return Scorecard(
        vendor_code=vendor.code,
        vendor_name=vendor.name,
        since=since,
        until=now,
        pos_sent=len(facts),
        pos_confirmed=len(confirmed),
        confirmation_rate=_ratio(len(confirmed), len(facts)),
        median_hours_to_confirm=round(statistics.median(hours), 1) if hours else None,
        pos_shipped=len(shipped),
        on_time_shipment_rate=_ratio(len(on_time), len(shipped)),
        pos_delayed=len(delays),
        average_delay_days=round(sum(delays) / len(delays), 1) if delays else None,
        followups_sent=followups_sent,
        followups_answered=followups_answered,
        response_rate=_ratio(followups_answered, followups_sent),
    )
