"""Chat messages that do not go through the reply pipeline still land in the message log:
button presses and flow answers (so the events they cause name them) and what the bot sent
(so a vendor's reply to a bot message threads to its PO)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models import Message, MessagePO

MAX_TEXT = 4096  # Telegram's own message limit; anything longer is not from Telegram


async def record_inbound(
    session: AsyncSession,
    *,
    chat_id: int,
    sender: str,
    dedupe_key: str,
    text: str,
    now: datetime,
    vendor_id: int | None,
    po_id: int | None,
    telegram_message_id: int | None = None,
    reply_to_telegram_message_id: int | None = None,
    raw: bytes | None = None,
    state: str = "applied",
) -> Message:
    row = Message(
        direction="in",
        channel="telegram",
        kind="message",
        dedupe_key=dedupe_key[:600],
        vendor_id=vendor_id,
        sender=sender[:320],
        body_text=text[:MAX_TEXT],
        raw=raw,
        telegram_chat_id=chat_id,
        telegram_message_id=telegram_message_id,
        reply_to_telegram_message_id=reply_to_telegram_message_id,
        received_at=now.astimezone(UTC),
        trusted=vendor_id is not None,
        state=state,
        review_state="none",
        created_at=now,
    )
    session.add(row)
    await session.flush()
    if po_id is not None:
        session.add(MessagePO(message_id=row.id, po_id=po_id, role="match", confidence=1.0, evidence=["chat"]))
    return row


async def record_outbound(
    session: AsyncSession,
    *,
    chat_id: int,
    telegram_message_id: int,
    text: str,
    now: datetime,
    po_id: int | None,
    vendor_id: int | None,
) -> Message:
    row = Message(
        direction="out",
        channel="telegram",
        kind="message",
        dedupe_key=f"telegram-out:{chat_id}:{telegram_message_id}",
        vendor_id=vendor_id,
        recipient=str(chat_id),
        body_text=text[:MAX_TEXT],
        telegram_chat_id=chat_id,
        telegram_message_id=telegram_message_id,
        received_at=now.astimezone(UTC),
        state="applied",
        review_state="none",
        created_at=now,
    )
    session.add(row)
    await session.flush()
    if po_id is not None:
        session.add(MessagePO(message_id=row.id, po_id=po_id, role="match", confidence=1.0, evidence=["sent"]))
    return row
