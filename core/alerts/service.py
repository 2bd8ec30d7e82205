"""Buyer alerts, read off the PO event log: an ETA change, a PO turning late, an exception or escalation.

Whoever changes a PO (pipeline, follow-ups, a person) writes an event; `collect` turns the new events
into BuyerAlert rows for the PO's buyer, and `send_digests` batches each buyer's pending alerts into
one message per window on the buyer's channel instead of one message per change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.alerts import repository
from core.outbox.service import enqueue, new_message_id
from models import AppSetting, BuyerAlert, POEvent, PurchaseOrder, User

DIGEST_WINDOW = timedelta(minutes=15)


def _alert_for(event: POEvent, po: PurchaseOrder) -> tuple[str, str] | None:
    """(kind, text) of the alert an event deserves, or None."""
    if event.kind == "field_changed" and event.field == "eta":
        old, new = event.old_value or "none", event.new_value or "none"
        return "eta_changed", f"{po.number}: ETA changed from {old} to {new}"
    if event.kind == "exception_raised" and event.field:
        if event.field == "late":
            return "late", f"{po.number} is late: promised for {po.promised_date}, not shipped"
        return "exception", f"{po.number}: {event.field.replace('_', ' ')}" + (f" ({event.note})" if event.note else "")
    if event.kind == "escalated":
        reason = (event.new_value or {}).get("reason", "") if isinstance(event.new_value, dict) else ""
        return "escalation", f"{po.number}: escalated ({reason.replace('_', ' ')})" + (
            f": {event.note[:300]}" if event.note else ""
        )
    return None


async def collect(session: AsyncSession, *, now: datetime, batch: int = 1000) -> int:
    """Turn events since the checkpoint into alerts; returns how many alerts were made."""
    checkpoint = await repository.lock_checkpoint(session)
    if checkpoint is None:
        # start at the present: a new installation does not alert about its whole history
        start = await repository.last_event_id(session)
        try:
            async with session.begin_nested():
                session.add(
                    AppSetting(
                        key=repository.CHECKPOINT_KEY, value={"event_id": start}, updated_at=now, updated_by="alerts"
                    )
                )
                await session.flush()
        except IntegrityError:
            pass  # another process created it first
        return 0
    after = int((checkpoint.value or {}).get("event_id", 0))
    rows = await repository.events_after(session, after, limit=batch)
    made = 0
    for event, po in rows:
        alert = _alert_for(event, po)
        if alert is None or po.buyer_id is None:
            continue
        kind, text = alert
        session.add(
            BuyerAlert(
                user_id=po.buyer_id,
                po_id=po.id,
                kind=kind,
                text=text,
                data={"event_id": event.id},
                created_at=now,
            )
        )
        made += 1
    # without a full batch everything up to now has been seen (not only the alerting kinds)
    new_mark = rows[-1][0].id if len(rows) == batch else await repository.last_event_id(session)
    if new_mark > after:
        checkpoint.value = {"event_id": new_mark}
        checkpoint.updated_at = now
    await session.flush()
    return made


def _route(user: User) -> tuple[str, str] | None:
    """The buyer's channel and address, falling back to the other channel when the first has no address."""
    email = ("email", user.email) if user.email else None
    telegram = ("telegram", str(user.telegram_chat_id)) if user.telegram_chat_id is not None else None
    order = [telegram, email] if user.alert_channel == "telegram" else [email, telegram]
    return next((r for r in order if r is not None), None)


async def send_digests(
    session: AsyncSession,
    *,
    now: datetime,
    window: timedelta = DIGEST_WINDOW,
    message_id_domain: str = "liaison.invalid",
    buyer_company: str = "Liaison",
) -> int:
    """One outbox message per buyer whose oldest pending alert waited `window`; returns how many were queued."""
    queued = 0
    for user_id in await repository.buyers_due(session, older_than=now - window):
        alerts = await repository.claim_pending(session, user_id, now=now)
        user = await repository.get_user(session, user_id)
        if not alerts or user is None:
            continue
        route = _route(user)
        if route is None:
            continue  # nowhere to send: the alerts stay delivered-to-nobody rather than pile up forever
        channel, recipient = route
        numbers = await repository.po_numbers(session, sorted({a.po_id for a in alerts if a.po_id is not None}))
        payload: dict[str, Any] = {
            "template": "buyer_digest",
            "language": user.language or "en",
            "context": {
                "user_name": user.name,
                "buyer_company": buyer_company,
                "count": len(alerts),
                "alerts": [
                    {
                        "kind": a.kind,
                        "text": a.text,
                        "po_number": numbers.get(a.po_id) if a.po_id is not None else None,
                        "at": a.created_at.isoformat(),
                    }
                    for a in alerts
                ],
            },
        }
        item = await enqueue(
            session,
            channel=channel,
            kind="buyer_digest",
            recipient=recipient,
            dedupe_key=f"buyer_digest:{user_id}:{alerts[0].id}",
            payload=payload,
            now=now,
            user_id=user_id,
            email_message_id=new_message_id(message_id_domain) if channel == "email" else None,
        )
        if item is not None:
            queued += 1
            for alert in alerts:
                alert.outbox_id = item.id
    await session.flush()
    return queued


async def pending_for(session: AsyncSession, user_id: int) -> list[BuyerAlert]:
    return await repository.pending_for(session, user_id)
