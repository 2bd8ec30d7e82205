"""The one channel-neutral inbound message every channel produces for the reply pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"


class MessageKind(StrEnum):
    """What a message is before anyone reads its words: bounces and auto-replies take their own paths."""

    MESSAGE = "message"
    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"


@dataclass(frozen=True, slots=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A vendor message as the pipeline sees it, whatever channel brought it.

    `sender` is a lower-cased email address or a Telegram user id as text. `new_text` is what
    the sender wrote now; `quoted_text` is history (context only, never read as a statement).
    """

    channel: Channel
    received_at: datetime
    sender: str
    dedupe_key: str
    new_text: str
    subject: str = ""
    sender_name: str | None = None
    quoted_text: str = ""
    # for a forward with a short note on top: the forwarded message's own words
    forwarded_text: str = ""
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    telegram_chat_id: int | None = None
    telegram_message_id: int | None = None
    reply_to_telegram_message_id: int | None = None
    kind: MessageKind = MessageKind.MESSAGE
    bounced_message_ids: tuple[str, ...] = ()
    bounced_recipients: tuple[str, ...] = ()
    auto_reply_until: date | None = None
    attachments: tuple[InboundAttachment, ...] = ()
    raw: bytes = b""
    defects: tuple[str, ...] = field(default=())
