"""Buyer questions in plain words ("where is PO 4512?", "what's late?", "anything from Acme this
week?") and the answers, as plain view dictionaries a chat template renders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from core.chat import repository
from core.purchase_orders.service import active_flags
from models import PurchaseOrder, User

MAX_QUESTION_CHARS = 500
MAX_POS_PER_ANSWER = 5
MAX_LATE = 20
MAX_VENDOR_MESSAGES = 10

_PO_TOKEN = re.compile(
    r"(?<![\w-])(?:p\.?\s?o\.?\s*(?:no\.?|number|#)?\s*[:#-]?\s*)?"  # "PO", "P.O. no.", "po#"
    r"([a-z]{0,4}-?\d{3,12}(?:-\d{1,6})?)(?![\w-])",
    re.I,
)
_LATE = re.compile(r"\b(late|overdue|behind|delayed)\b", re.I)
_FROM_VENDOR = re.compile(
    r"\b(?:anything|news|messages?|heard|updates?|word)\b.*?\bfrom\s+(?P<name>.+?)"
    r"(?:\s+(?P<span>this\s+week|last\s+week|today|yesterday|this\s+month))?\s*[?.!]*$",
    re.I,
)

TRACKING_URLS = {
    "DHL": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={n}",
    "UPS": "https://www.ups.com/track?tracknum={n}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={n}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={n}",
    "TNT": "https://www.tnt.com/express/en_gc/site/shipping-tools/tracking.html?cons={n}",
    "DPD": "https://tracking.dpd.de/status/en_US/parcel/{n}",
    "GLS": "https://gls-group.com/track/{n}",
    "Royal Mail": "https://www.royalmail.com/track-your-item#/tracking-results/{n}",
    "Maersk": "https://www.maersk.com/tracking/{n}",
}


@dataclass(frozen=True, slots=True)
class POQuestion:
    numbers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LateQuestion:
    pass


@dataclass(frozen=True, slots=True)
class VendorQuestion:
    name: str
    span: str  # "week" | "last_week" | "today" | "yesterday" | "month" | "7d"


Question = POQuestion | LateQuestion | VendorQuestion


def po_number_candidates(token: str) -> list[str]:
    """Ways a buyer may write a PO number, as the ledger may store it: 4512 -> 4512, PO-4512, PO4512."""
    token = token.strip().upper()
    digits = token.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ").lstrip("-")
    out = [token]
    if token.isdigit():
        out += [f"PO-{token}", f"PO{token}"]
    elif token.startswith("PO") and digits:
        out += [digits, f"PO-{digits}", f"PO{digits}"]
    return list(dict.fromkeys(out))


def parse_question(text: str) -> Question | None:
    text = text.strip()[:MAX_QUESTION_CHARS]
    vendor = _FROM_VENDOR.search(text)
    if vendor:
        span_words = " ".join((vendor.group("span") or "").lower().split())
        span = {"this week": "week", "last week": "last_week", "today": "today", "yesterday": "yesterday"}.get(
            span_words, "month" if span_words == "this month" else "7d"
        )
        return VendorQuestion(vendor.group("name").strip(" ?.!\"'"), span)
    numbers = tuple(dict.fromkeys(m.group(1).upper() for m in _PO_TOKEN.finditer(text)))[:MAX_POS_PER_ANSWER]
    if numbers:
        return POQuestion(numbers)
    if _LATE.search(text):
        return LateQuestion()
    return None


def tracking_link(carrier: str | None, number: str) -> str | None:
    template = TRACKING_URLS.get(carrier or "")
    return template.format(n=quote(number, safe="")) if template else None


async def find_pos(session: AsyncSession, tokens: tuple[str, ...]) -> tuple[list[PurchaseOrder], list[str]]:
    """The POs the tokens name, and the tokens that named none."""
    found: list[PurchaseOrder] = []
    missing: list[str] = []
    for token in tokens:
        pos = await repository.pos_by_numbers(session, po_number_candidates(token))
        if len(pos) == 1:
            if all(p.id != pos[0].id for p in found):
                found.append(pos[0])
        else:
            missing.append(token)  # none, or ambiguous: never guess a PO
    return found, missing


async def po_view(session: AsyncSession, po: PurchaseOrder) -> dict[str, Any]:
    """Status, dates, shipment, last vendor word and open exceptions of one PO (vendor must be loaded)."""
    shipment = await repository.latest_shipment(session, po.id)
    tracking: list[dict[str, Any]] = []
    carrier = None
    if shipment is not None:
        carrier = shipment.carrier
        for t in shipment.tracking:
            url = tracking_link(t.carrier or carrier, t.number)
            tracking.append({"number": t.number, "carrier": t.carrier or carrier, "url": url})
    last = await repository.last_vendor_message(session, po.id)
    escalations = await repository.open_escalations(session, po.id)
    return {
        "number": po.number,
        "vendor": po.vendor.name,
        "status": po.status,
        "promised_date": po.promised_date.isoformat() if po.promised_date else None,
        "eta": po.eta.isoformat() if po.eta else None,
        "carrier": carrier,
        "ship_date": shipment.ship_date.isoformat() if shipment and shipment.ship_date else None,
        "tracking": tracking,
        "last_message": (
            {"at": last.received_at.isoformat(), "text": " ".join((last.body_text or "").split())[:300]}
            if last
            else None
        ),
        "exceptions": [f.value for f in active_flags(po)],
        "escalations": [{"id": e.id, "reason": e.reason, "state": e.state} for e in escalations],
    }


async def late_view(session: AsyncSession, *, today: date, user: User, agent: bool) -> dict[str, Any]:
    """Late POs: a buyer's own when they have any, everything for agents and buyers without a portfolio."""
    mine = not agent and await repository.buyer_has_pos(session, user)
    pos = await repository.late_pos(session, today=today, buyer=user if mine else None, limit=MAX_LATE + 1)
    return {
        "scope": "mine" if mine else "all",
        "more": len(pos) > MAX_LATE,
        "pos": [_late_item(p, today) for p in pos[:MAX_LATE]],
    }


def _late_item(po: PurchaseOrder, today: date) -> dict[str, Any]:
    due = po.eta or po.promised_date
    return {
        "number": po.number,
        "vendor": po.vendor.name,
        "status": po.status,
        "due": due.isoformat() if due else None,
        "days_late": (today - due).days if due else None,
    }


def span_start(span: str, now: datetime) -> datetime:
    midnight = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    monday = midnight - timedelta(days=now.weekday())
    return {
        "week": monday,
        "last_week": monday - timedelta(days=7),
        "today": midnight,
        "yesterday": midnight - timedelta(days=1),
        "month": midnight.replace(day=1),
    }.get(span, now - timedelta(days=7))


async def vendor_news_view(session: AsyncSession, question: VendorQuestion, *, now: datetime) -> dict[str, Any]:
    vendors = await repository.vendors_named(session, question.name)
    since = span_start(question.span, now)
    view: dict[str, Any] = {"query": question.name[:100], "span": question.span, "since": since.isoformat()}
    if len(vendors) != 1:
        view["matches"] = [v.name for v in vendors]
        return view
    vendor = vendors[0]
    rows = await repository.vendor_messages_since(session, vendor.id, since, limit=MAX_VENDOR_MESSAGES)
    view["vendor"] = vendor.name
    view["messages"] = [
        {
            "at": m.received_at.isoformat(),
            "channel": m.channel,
            "intent": m.intent,
            "pos": numbers,
            "text": " ".join((m.body_text or "").split())[:200],
        }
        for m, numbers in rows
    ]
    return view
