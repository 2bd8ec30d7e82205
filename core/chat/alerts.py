"""Turning buyer alerts and new escalations into chat messages, through the outbox.

Alerts that come in a burst (a vendor answering ten POs at once, a late sweep) are held until
the burst settles, then go out as one digest; a lone alert goes out alone. The wait is bounded, so
a steady trickle still reaches the buyer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.chat import repository
from core.chat.identity import AGENT_ROLES
from core.outbox.service import enqueue
from models import BuyerAlert, User

MAX_DIGEST_ITEMS = 25
ESCALATION_BUTTONS = ["esc_take", "esc_write", "esc_move", "esc_resolve"]


@dataclass(frozen=True, slots=True)
class DigestPolicy:
    quiet: timedelta = timedelta(seconds=60)  # no new alert for this long: the burst is over
    max_wait: timedelta = timedelta(minutes=10)  # never hold the oldest alert longer than this


def _ready(alerts: list[BuyerAlert], now: datetime, policy: DigestPolicy) -> bool:
    newest = max(a.created_at for a in alerts)
    oldest = min(a.created_at for a in alerts)
    return now - newest >= policy.quiet or now - oldest >= policy.max_wait


def _alert_item(alert: BuyerAlert, numbers: dict[int, str]) -> dict[str, Any]:
    return {
        "kind": alert.kind,
        "text": alert.text[:500],
        "po_number": numbers.get(alert.po_id) if alert.po_id else None,
        "at": alert.created_at.isoformat(),
    }


async def dispatch_buyer_alerts(
    session: AsyncSession, *, now: datetime, policy: DigestPolicy = DigestPolicy(), limit: int = 2000
) -> int:
    """Queue settled alerts of Telegram users as single messages or digests; returns messages queued."""
    rows = await repository.pending_telegram_alerts(session, limit=limit)
    numbers = await repository.po_numbers(session, sorted({a.po_id for a, _ in rows if a.po_id}))
    queued = 0
    for _user_id, group in groupby(rows, key=lambda r: r[1].id):
        pairs = list(group)
        user: User = pairs[0][1]
        alerts = [a for a, _ in pairs]
        if not _ready(alerts, now, policy) or user.telegram_chat_id is None:
            continue
        single = len(alerts) == 1
        items = [_alert_item(a, numbers) for a in alerts]
        payload: dict[str, Any] = {
            "template": "buyer_alert" if single else "buyer_digest",
            "language": user.language,
            "po_number": items[0]["po_number"] if single else None,
            "context": {
                "name": user.name,
                "timezone": user.timezone,
                **(items[0] if single else {"alerts": items[:MAX_DIGEST_ITEMS], "more": len(items) - MAX_DIGEST_ITEMS}),
            },
        }
        item = await enqueue(
            session,
            channel="telegram",
            kind=payload["template"],
            recipient=str(user.telegram_chat_id),
            dedupe_key=f"tg-alerts:{user.id}:{alerts[0].id}-{alerts[-1].id}",
            payload=payload,
            now=now,
            po_id=alerts[0].po_id if single else None,
            user_id=user.id,
        )
        for alert in alerts:
            alert.delivered_at = now
            alert.outbox_id = item.id if item is not None else None
        queued += item is not None
    return queued


async def dispatch_escalation_notices(
    session: AsyncSession, *, now: datetime, lookback: timedelta = timedelta(hours=24), limit: int = 500
) -> int:
    """Tell Telegram-linked agents about open escalations (the assignee only, once assigned), once each."""
    escalations = await repository.open_escalations_since(session, now - lookback, limit=limit)
    if not escalations:
        return 0
    agents = await repository.users_by_role(session, sorted(AGENT_ROLES))
    numbers = await repository.po_numbers(session, sorted({e.po_id for e in escalations if e.po_id}))
    vendors = await repository.vendor_names(session, sorted({e.vendor_id for e in escalations if e.vendor_id}))
    queued = 0
    for esc in escalations:
        for agent in agents:
            if agent.telegram_chat_id is None or (esc.assignee_id is not None and esc.assignee_id != agent.id):
                continue
            item = await enqueue(
                session,
                channel="telegram",
                kind="escalation",
                recipient=str(agent.telegram_chat_id),
                dedupe_key=f"tg-escalation:{esc.id}:{agent.id}",
                payload={
                    "template": "escalation",
                    "language": agent.language,
                    "po_number": numbers.get(esc.po_id) if esc.po_id else None,
                    "escalation_id": esc.id,
                    "buttons": ESCALATION_BUTTONS,
                    "context": {
                        "id": esc.id,
                        "reason": esc.reason,
                        "severity": esc.severity,
                        "summary": esc.summary[:1000],
                        "po_number": numbers.get(esc.po_id) if esc.po_id else None,
                        "vendor": vendors.get(esc.vendor_id) if esc.vendor_id else None,
                        "timezone": agent.timezone,
                    },
                },
                now=now,
                po_id=esc.po_id,
                user_id=agent.id,
            )
            queued += item is not None
    return queued
