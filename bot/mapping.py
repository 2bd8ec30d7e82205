"""Telegram updates -> the channel-neutral InboundMessage the reply pipeline reads."""

from __future__ import annotations

import json
from datetime import datetime

from telegram import Message

from core.inbound import Channel, InboundAttachment, InboundMessage

MAX_TEXT = 4096


def dedupe_key(chat_id: int, message_id: int) -> str:
    return f"telegram:{chat_id}:{message_id}"


def raw_bytes(message: Message) -> bytes:
    """The update as Telegram sent it, kept like an email's raw bytes."""
    return json.dumps(message.to_dict(), ensure_ascii=False, default=str).encode()


def to_inbound(
    message: Message,
    *,
    received_at: datetime,
    attachments: tuple[InboundAttachment, ...] = (),
    bot_id: int | None = None,
) -> InboundMessage:
    user = message.from_user
    if user is None:
        raise ValueError("a message without a sender cannot be attributed")
    reply = message.reply_to_message
    # only a reply to one of *our* messages threads to a PO; quoting someone else's says nothing
    reply_to_bot = (
        reply is not None
        and reply.from_user is not None
        and (reply.from_user.is_bot and (bot_id is None or reply.from_user.id == bot_id))
    )
    text = (message.text or message.caption or "")[:MAX_TEXT]
    quoted = (reply.text or reply.caption or "")[:MAX_TEXT] if reply is not None else ""
    return InboundMessage(
        channel=Channel.TELEGRAM,
        received_at=received_at,
        sender=str(user.id),
        sender_name=user.full_name[:200] or None,
        dedupe_key=dedupe_key(message.chat.id, message.message_id),
        new_text=text,
        quoted_text=quoted,
        telegram_chat_id=message.chat.id,
        telegram_message_id=message.message_id,
        reply_to_telegram_message_id=reply.message_id if reply is not None and reply_to_bot else None,
        attachments=attachments,
        raw=raw_bytes(message),
    )
