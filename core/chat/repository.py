"""SQL for the chat channel: invites, linked identities, flow state, and what buyers ask about."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.escalations.schemas import EscalationState
from core.purchase_orders.lifecycle import OPEN
from models import (
    BuyerAlert,
    ChatState,
    Escalation,
    Invite,
    Message,
    MessagePO,
    OutboxItem,
    PurchaseOrder,
    Shipment,
    User,
    Vendor,
    VendorContact,
)


async def invite_by_hash(session: AsyncSession, code_hash: str) -> Invite | None:
    return (await session.execute(select(Invite).where(Invite.code_hash == code_hash))).scalar_one_or_none()


async def use_invite(session: AsyncSession, invite_id: int, *, telegram_user_id: int, now: datetime) -> bool:
    """Mark an unused, unexpired invite used; False when someone else used it first."""
    result = await session.execute(
        update(Invite)
        .where(Invite.id == invite_id, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now, used_by_telegram_id=telegram_user_id)
        .returning(Invite.id)
    )
    return result.scalar_one_or_none() is not None


async def telegram_contact(session: AsyncSession, telegram_user_id: int) -> VendorContact | None:
    stmt = select(VendorContact).where(
        VendorContact.channel == "telegram", VendorContact.address == str(telegram_user_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def user_by_telegram(session: AsyncSession, telegram_user_id: int) -> User | None:
    return (await session.execute(select(User).where(User.telegram_user_id == telegram_user_id))).scalar_one_or_none()


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return (await session.execute(select(User).where(User.email == email.strip().lower()))).scalar_one_or_none()


async def users_by_role(session: AsyncSession, roles: Sequence[str]) -> list[User]:
    stmt = select(User).where(User.role.in_(roles), User.telegram_chat_id.is_not(None)).order_by(User.id)
    return list((await session.execute(stmt)).scalars())


async def chat_state(session: AsyncSession, chat_id: int) -> ChatState | None:
    return (await session.execute(select(ChatState).where(ChatState.telegram_chat_id == chat_id))).scalar_one_or_none()


async def pos_by_numbers(session: AsyncSession, numbers: Sequence[str]) -> list[PurchaseOrder]:
    if not numbers:
        return []
    stmt = (
        select(PurchaseOrder)
        .where(func.upper(PurchaseOrder.number).in_([n.upper() for n in numbers]))
        .options(selectinload(PurchaseOrder.vendor), selectinload(PurchaseOrder.lines))
    )
    return list((await session.execute(stmt)).scalars())


async def latest_shipment(session: AsyncSession, po_id: int) -> Shipment | None:
    stmt = (
        select(Shipment)
        .where(Shipment.po_id == po_id)
        .options(selectinload(Shipment.tracking))
        .order_by(Shipment.created_at.desc(), Shipment.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def last_vendor_message(session: AsyncSession, po_id: int) -> Message | None:
    stmt = (
        select(Message)
        .join(MessagePO, MessagePO.message_id == Message.id)
        .where(MessagePO.po_id == po_id, MessagePO.role == "match", Message.direction == "in")
        .order_by(Message.received_at.desc(), Message.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def open_escalations(session: AsyncSession, po_id: int) -> list[Escalation]:
    stmt = (
        select(Escalation)
        .where(Escalation.po_id == po_id, Escalation.state != EscalationState.RESOLVED.value)
        .order_by(Escalation.created_at)
    )
    return list((await session.execute(stmt)).scalars())


async def late_pos(session: AsyncSession, *, today: date, buyer: User | None, limit: int) -> list[PurchaseOrder]:
    """Open POs flagged late or past their ETA (or promised date when no ETA): the buyer's own if given."""
    due = func.coalesce(PurchaseOrder.eta, PurchaseOrder.promised_date)
    stmt = (
        select(PurchaseOrder)
        .where(PurchaseOrder.status.in_([s.value for s in OPEN]), or_(PurchaseOrder.exc_late, due < today))
        .options(selectinload(PurchaseOrder.vendor))
        .order_by(due, PurchaseOrder.number)
        .limit(limit)
    )
    if buyer is not None:
        mine = [PurchaseOrder.buyer_id == buyer.id]
        if buyer.email:
            mine.append(func.lower(PurchaseOrder.buyer_email) == buyer.email.lower())
        stmt = stmt.where(or_(*mine))
    return list((await session.execute(stmt)).scalars())


async def buyer_has_pos(session: AsyncSession, buyer: User) -> bool:
    mine = [PurchaseOrder.buyer_id == buyer.id]
    if buyer.email:
        mine.append(func.lower(PurchaseOrder.buyer_email) == buyer.email.lower())
    return (await session.scalar(select(PurchaseOrder.id).where(or_(*mine)).limit(1))) is not None


async def vendors_named(session: AsyncSession, name: str, *, limit: int = 5) -> list[Vendor]:
    """Vendors whose code equals or whose name contains `name` (case-insensitive)."""
    needle = name.strip().lower()
    if not needle:
        return []
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (
        select(Vendor)
        .where(or_(func.lower(Vendor.code) == needle, func.lower(Vendor.name).like(pattern, escape="\\")))
        .order_by(Vendor.name)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def vendor_messages_since(
    session: AsyncSession, vendor_id: int, since: datetime, *, limit: int
) -> list[tuple[Message, list[str]]]:
    """Inbound messages from a vendor since `since`, newest first, with the PO numbers each is about."""
    stmt = (
        select(Message)
        .where(Message.vendor_id == vendor_id, Message.direction == "in", Message.received_at >= since)
        .order_by(Message.received_at.desc(), Message.id.desc())
        .limit(limit)
    )
    messages = list((await session.execute(stmt)).scalars())
    if not messages:
        return []
    links = await session.execute(
        select(MessagePO.message_id, PurchaseOrder.number)
        .join(PurchaseOrder, PurchaseOrder.id == MessagePO.po_id)
        .where(MessagePO.message_id.in_([m.id for m in messages]), MessagePO.role == "match")
    )
    numbers: dict[int, list[str]] = {}
    for message_id, number in links.all():
        numbers.setdefault(message_id, []).append(number)
    return [(m, sorted(numbers.get(m.id, []))) for m in messages]


async def po_for_bot_message(session: AsyncSession, chat_id: int, telegram_message_id: int) -> int | None:
    """The PO a bot message we sent to this chat was about."""
    stmt = (
        select(MessagePO.po_id)
        .join(Message, Message.id == MessagePO.message_id)
        .where(
            and_(
                Message.telegram_chat_id == chat_id,
                Message.telegram_message_id == telegram_message_id,
                Message.direction == "out",
            )
        )
        .limit(1)
    )
    return await session.scalar(stmt)


async def message_id_by_dedupe(session: AsyncSession, dedupe_key: str) -> int | None:
    return await session.scalar(select(Message.id).where(Message.dedupe_key == dedupe_key))


async def pending_telegram_alerts(session: AsyncSession, *, limit: int) -> list[tuple[BuyerAlert, User]]:
    """Undelivered alerts of users who take their alerts in Telegram, oldest first."""
    stmt = (
        select(BuyerAlert, User)
        .join(User, User.id == BuyerAlert.user_id)
        .where(BuyerAlert.delivered_at.is_(None), User.alert_channel == "telegram", User.telegram_chat_id.is_not(None))
        .order_by(BuyerAlert.user_id, BuyerAlert.created_at, BuyerAlert.id)
        .limit(limit)
    )
    return [(a, u) for a, u in (await session.execute(stmt)).all()]


async def open_escalations_since(session: AsyncSession, since: datetime, *, limit: int) -> list[Escalation]:
    stmt = (
        select(Escalation)
        .where(Escalation.state == EscalationState.OPEN.value, Escalation.created_at >= since)
        .order_by(Escalation.created_at, Escalation.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def po_numbers(session: AsyncSession, po_ids: Sequence[int]) -> dict[int, str]:
    if not po_ids:
        return {}
    rows = await session.execute(select(PurchaseOrder.id, PurchaseOrder.number).where(PurchaseOrder.id.in_(po_ids)))
    return {row[0]: row[1] for row in rows.all()}


async def vendor_names(session: AsyncSession, vendor_ids: Sequence[int]) -> dict[int, str]:
    if not vendor_ids:
        return {}
    rows = await session.execute(select(Vendor.id, Vendor.name).where(Vendor.id.in_(vendor_ids)))
    return {row[0]: row[1] for row in rows.all()}


async def get_message(session: AsyncSession, message_id: int) -> Message | None:
    return await session.get(Message, message_id)


async def matched_po_ids(session: AsyncSession, message_id: int) -> list[int]:
    stmt = select(MessagePO.po_id).where(MessagePO.message_id == message_id, MessagePO.role == "match")
    return list((await session.execute(stmt)).scalars())


async def link_sent_message(session: AsyncSession, outbox_id: int, message_id: int) -> None:
    await session.execute(update(OutboxItem).where(OutboxItem.id == outbox_id).values(sent_message_id=message_id))


async def outbox_items(session: AsyncSession, ids: Sequence[int]) -> list[OutboxItem]:
    if not ids:
        return []
    return list((await session.execute(select(OutboxItem).where(OutboxItem.id.in_(ids)))).scalars())
