"""Vendor conversations: button presses and the short multi-step flows they start.

Flow state (which PO, which step, what was said so far) lives in ChatState rows, so a restart in
the middle of "send the tracking number" continues where it was. Every press is verified twice:
its data must carry our signature for this chat (done by the handler), and the PO must still be
this vendor's (`owned_po`) before anything is read or changed.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.ext.asyncio import AsyncSession

from bot import keyboards
from bot.replies import Reply
from core.chat import repository, state
from core.chat.callbacks import ButtonData
from core.chat.identity import ChatIdentity
from core.chat.messages import record_inbound
from core.chat.vendor_actions import (
    ShipmentFacts,
    actor_for,
    can_change,
    confirm_po,
    delay_po,
    flag_misunderstood,
    owned_po,
    report_problem,
    ship_po,
)
from core.errors import LiaisonError, PermissionDeniedError
from core.purchase_orders.service import Actor
from core.replies.carriers import named_carriers
from core.replies.date_mentions import find_mentions
from core.replies.dates import local_day
from models import PurchaseOrder, Vendor

_TRACKING_TOKEN = re.compile(r"[A-Z0-9][A-Z0-9 -]{4,40}[A-Z0-9]")
_QTY_PAIR = re.compile(r"(\d{1,3})\s*[=:x×]\s*(\d+(?:[.,]\d+)?)", re.I)
_QUALIFIED_PO = re.compile(r"\bP\.?O\.?\s*(?:no\.?|#|:|-)?\s*([A-Z]{0,4}-?\d{3,12})\b", re.I)


class PressContext:
    """Where a press came from: the chat, the presser, the press id and the message it was on."""

    def __init__(self, chat_id: int, user_id: int, press_id: str, bot_message_id: int | None) -> None:
        self.chat_id = chat_id
        self.user_id = user_id
        self.press_id = press_id
        self.bot_message_id = bot_message_id


def _po_reply(kind: str, po: PurchaseOrder, vendor: Vendor, **context: object) -> Reply:
    return Reply(kind, {"po_number": po.number, **context}, vendor.language, po_id=po.id, vendor_id=vendor.id)


def parse_tracking(text: str) -> tuple[str | None, str | None]:
    """(carrier, tracking number) from a short answer like "DHL 1234567890"."""
    carriers = named_carriers(text)
    carrier = carriers[0][2].value if carriers else None
    rest = text
    for start, end, _ in reversed(carriers):
        rest = rest[:start] + " " + rest[end:]
    best = None
    for match in _TRACKING_TOKEN.finditer(rest.upper()):
        token = re.sub(r"[\s-]", "", match.group(0))
        if sum(c.isdigit() for c in token) >= 4 and (best is None or len(token) > len(best)):
            best = token
    return carrier, best


def parse_quantities(text: str, po: PurchaseOrder) -> dict[int, Decimal] | str:
    """Per-line shipped quantities, or what is wrong with the answer."""
    pairs = _QTY_PAIR.findall(text)
    if not pairs and len(po.lines) == 1:
        single = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*\w{0,10}\s*", text)
        if single:
            pairs = [(str(po.lines[0].line_no), single.group(1))]
    if not pairs:
        return "no quantities found"
    lines = {line.line_no: line for line in po.lines}
    out: dict[int, Decimal] = {}
    for line_s, qty_s in pairs:
        line = lines.get(int(line_s))
        if line is None:
            return f"{po.number} has no line {line_s}"
        try:
            qty = Decimal(qty_s.replace(",", "."))
        except InvalidOperation:
            return f"{qty_s} is not a quantity"
        open_qty = line.quantity_ordered - line.quantity_shipped
        if qty <= 0 or qty > open_qty:
            return f"line {line.line_no}: {qty_s} is more than the {open_qty.normalize()} still open"
        out[line.line_no] = qty
    return out


def parse_date(text: str, today: date, vendor: Vendor) -> date | None:
    for mention in find_mentions(text.lower()[:300], today, country=vendor.country, language=vendor.language):
        if mention.day >= today:
            return mention.day
    try:
        day = date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None
    return day if day >= today else None


def other_po_named(text: str, po: PurchaseOrder) -> bool:
    """The answer explicitly names another PO: it is a new message, not an answer to this flow."""
    own = {po.number.upper(), re.sub(r"\D", "", po.number)}
    return any(
        m.group(1).upper() not in own and re.sub(r"\D", "", m.group(1)) not in own for m in _QUALIFIED_PO.finditer(text)
    )


async def _record_press(
    session: AsyncSession, press: PressContext, vendor: Vendor, po: PurchaseOrder, label: str, now: datetime
) -> int | None:
    """Store the press as an inbound message; None when this very press was handled already."""
    key = f"telegram:{press.chat_id}:press:{press.press_id}"
    if await repository.message_id_by_dedupe(session, key) is not None:
        return None
    row = await record_inbound(
        session,
        chat_id=press.chat_id,
        sender=str(press.user_id),
        dedupe_key=key,
        text=f"[button] {label}",
        now=now,
        vendor_id=vendor.id,
        po_id=po.id,
        telegram_message_id=press.bot_message_id,
        reply_to_telegram_message_id=press.bot_message_id,
    )
    return row.id


async def on_vendor_button(
    session: AsyncSession, who: ChatIdentity, data: ButtonData, press: PressContext, *, secret: bytes, now: datetime
) -> Reply | None:
    vendor = who.vendor
    assert vendor is not None
    if data.action in ("ok", "wrong"):
        return await _on_correction(session, vendor, data, press, secret=secret, now=now)
    po_arg, _, extra = data.arg.partition(".")
    try:
        po = await owned_po(session, vendor, int(po_arg), for_update=True)
    except (ValueError, PermissionDeniedError):
        return Reply("po_unavailable", language=vendor.language)
    if not can_change(po):
        return Reply("po_unavailable", language=vendor.language)
    message_id = await _record_press(session, press, vendor, po, f"{data.action} {data.arg}", now)
    if message_id is None:
        return None
    actor = actor_for(vendor, message_id)
    current = await state.load(session, press.chat_id)
    today = local_day(now, vendor.timezone)

    if data.action == "confirm":
        confirm_po(session, po, now=now, actor=actor)
        await state.clear(session, press.chat_id, now=now)
        return _po_reply("vendor_confirmed", po, vendor, eta=po.eta.isoformat() if po.eta else None)
    if data.action == "shipped":
        await state.start(session, press.chat_id, flow="ship", step="tracking", po_id=po.id, now=now)
        reply = _po_reply("ask_tracking", po, vendor)
        reply.keyboard = keyboards.no_tracking(secret, press.chat_id, po.id)
        return reply
    if data.action == "ship_notrack" and current.flow == "ship" and current.po_id == po.id:
        return await _ask_scope(session, press.chat_id, po, vendor, carrier=None, tracking=None, secret=secret, now=now)
    if data.action == "ship_all" and current.flow == "ship" and current.po_id == po.id:
        return await _ship(session, press.chat_id, po, vendor, current.data, None, actor=actor, today=today, now=now)
    if data.action == "ship_part" and current.flow == "ship" and current.po_id == po.id:
        await state.save(session, press.chat_id, state.FlowState("ship", "quantities", po.id, current.data), now=now)
        return _po_reply("ask_quantities", po, vendor, lines=_open_lines(po))
    if data.action == "delayed":
        await state.start(session, press.chat_id, flow="delay", step="date", po_id=po.id, now=now)
        reply = _po_reply("ask_date", po, vendor, promised_date=_iso(po.promised_date))
        reply.keyboard = keyboards.delay_dates(secret, press.chat_id, po.id, today)
        return reply
    if data.action == "delay_to" and current.flow == "delay" and current.po_id == po.id:
        try:
            day = datetime.strptime(extra, "%Y%m%d").date()  # noqa: DTZ007 - a calendar day, no time
        except ValueError:
            return Reply("bad_date", language=vendor.language)
        return await _delay(session, press.chat_id, po, vendor, day, actor=actor, now=now)
    if data.action == "problem":
        await state.start(session, press.chat_id, flow="problem", step="describe", po_id=po.id, now=now)
        return _po_reply("ask_problem", po, vendor)
    # a button of a flow that is over (or of another PO's flow): say where things stand
    return _po_reply("nothing_to_cancel", po, vendor)


async def on_vendor_flow_text(
    session: AsyncSession,
    who: ChatIdentity,
    current: state.FlowState,
    text: str,
    *,
    chat_id: int,
    user_id: int,
    telegram_message_id: int,
    secret: bytes,
    now: datetime,
) -> Reply | None:
    """An answer to the question the flow asked; None when the text is not an answer (pipeline takes it)."""
    vendor = who.vendor
    assert vendor is not None
    assert current.po_id is not None
    try:
        po = await owned_po(session, vendor, current.po_id, for_update=True)
    except PermissionDeniedError:
        await state.clear(session, chat_id, now=now, keep_po=False)
        return Reply("po_unavailable", language=vendor.language)
    if other_po_named(text, po):
        await state.clear(session, chat_id, now=now)
        return None
    row = await record_inbound(
        session,
        chat_id=chat_id,
        sender=str(user_id),
        dedupe_key=f"telegram:{chat_id}:{telegram_message_id}",
        text=text,
        now=now,
        vendor_id=vendor.id,
        po_id=po.id,
        telegram_message_id=telegram_message_id,
    )
    actor = actor_for(vendor, row.id)
    today = local_day(now, vendor.timezone)
    if current.flow == "ship" and current.step == "tracking":
        carrier, tracking = parse_tracking(text)
        return await _ask_scope(
            session, chat_id, po, vendor, carrier=carrier, tracking=tracking, secret=secret, now=now
        )
    if current.flow == "ship" and current.step == "quantities":
        parsed = parse_quantities(text, po)
        if isinstance(parsed, str):
            return _po_reply("bad_quantities", po, vendor, problem=parsed)
        return await _ship(session, chat_id, po, vendor, current.data, parsed, actor=actor, today=today, now=now)
    if current.flow == "delay" and current.step == "date":
        day = parse_date(text, today, vendor)
        if day is None:
            return _po_reply("bad_date", po, vendor)
        return await _delay(session, chat_id, po, vendor, day, actor=actor, now=now)
    if current.flow == "problem":
        await report_problem(session, po, text, now=now, actor=actor, vendor=vendor)
        await state.clear(session, chat_id, now=now)
        return _po_reply("vendor_problem_noted", po, vendor)
    await state.clear(session, chat_id, now=now)
    return None


async def _ask_scope(
    session: AsyncSession,
    chat_id: int,
    po: PurchaseOrder,
    vendor: Vendor,
    *,
    carrier: str | None,
    tracking: str | None,
    secret: bytes,
    now: datetime,
) -> Reply:
    data = {"carrier": carrier, "tracking": tracking}
    await state.save(session, chat_id, state.FlowState("ship", "scope", po.id, data), now=now)
    reply = _po_reply("ask_scope", po, vendor, carrier=carrier, tracking=tracking)
    reply.keyboard = keyboards.ship_scope(secret, chat_id, po.id)
    return reply


async def _ship(
    session: AsyncSession,
    chat_id: int,
    po: PurchaseOrder,
    vendor: Vendor,
    data: dict[str, object],
    quantities: dict[int, Decimal] | None,
    *,
    actor: Actor,
    today: date,
    now: datetime,
) -> Reply:
    carrier = data.get("carrier") if isinstance(data.get("carrier"), str) else None
    tracking = data.get("tracking") if isinstance(data.get("tracking"), str) else None
    facts = ShipmentFacts(
        carrier=str(carrier) if carrier else None,
        tracking=[(str(tracking), str(carrier) if carrier else None)] if tracking else [],
        ship_date=today,
        quantities=quantities,
    )
    try:
        ship_po(session, po, facts, now=now, actor=actor)
    except LiaisonError:
        await state.clear(session, chat_id, now=now)
        return Reply("po_unavailable", language=vendor.language)
    await state.clear(session, chat_id, now=now)
    return _po_reply(
        "vendor_shipped",
        po,
        vendor,
        ship_date=today.isoformat(),
        carrier=facts.carrier,
        tracking=tracking,
        quantities=[{"line_no": n, "quantity": str(q)} for n, q in sorted((quantities or {}).items())],
    )


async def _delay(
    session: AsyncSession, chat_id: int, po: PurchaseOrder, vendor: Vendor, day: date, *, actor: Actor, now: datetime
) -> Reply:
    escalated = await delay_po(session, po, day, now=now, actor=actor, vendor=vendor)
    await state.clear(session, chat_id, now=now)
    return _po_reply("vendor_delayed", po, vendor, eta=day.isoformat(), escalated=escalated)


async def _on_correction(
    session: AsyncSession, vendor: Vendor, data: ButtonData, press: PressContext, *, secret: bytes, now: datetime
) -> Reply | None:
    try:
        message = await repository.get_message(session, int(data.arg))
    except ValueError:
        message = None
    if message is None or message.vendor_id != vendor.id or message.telegram_chat_id != press.chat_id:
        return Reply("po_unavailable", language=vendor.language)
    if data.action == "ok":
        return Reply("correction_thanks", language=vendor.language)
    po = None
    for po_id in await repository.matched_po_ids(session, message.id):
        try:
            po = await owned_po(session, vendor, po_id)
            break
        except PermissionDeniedError:
            continue
    await flag_misunderstood(session, message_id=message.id, vendor=vendor, now=now, po=po)
    reply = Reply("correction_flagged", {"po_number": po.number if po else None}, vendor.language, vendor_id=vendor.id)
    if po is not None and can_change(po):
        reply.keyboard = keyboards.vendor_po(secret, press.chat_id, po.id)
        reply.po_id = po.id
    return reply


def _open_lines(po: PurchaseOrder) -> list[dict[str, object]]:
    return [
        {
            "line_no": line.line_no,
            "description": line.description[:80],
            "open": str(line.quantity_ordered - line.quantity_shipped),
            "unit": line.unit,
        }
        for line in po.lines
        if line.quantity_ordered > line.quantity_shipped
    ]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
