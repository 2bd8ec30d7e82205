from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.types import UTCDateTime


class Message(Base):
    """A message in or out, on any channel, with its raw content kept exactly as received or sent."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_telegram", "telegram_chat_id", "telegram_message_id"),
        Index("ix_messages_review", "review_state", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20), default="message")  # message | bounce | auto_reply
    # de-duplication: "email:<Message-ID>", "telegram:<chat>:<message id>", ...
    dedupe_key: Mapped[str] = mapped_column(String(600), unique=True)
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id", ondelete="SET NULL"), index=True)
    sender: Mapped[str | None] = mapped_column(String(320))
    recipient: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(1000))
    body_text: Mapped[str | None] = mapped_column(Text)
    quoted_text: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)

    email_message_id: Mapped[str | None] = mapped_column(String(600), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(600))
    references: Mapped[str | None] = mapped_column(Text)
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    reply_to_telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    imap_mailbox: Mapped[str | None] = mapped_column(String(300))
    imap_uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    imap_uid: Mapped[int | None] = mapped_column(BigInteger)

    received_at: Mapped[datetime] = mapped_column(UTCDateTime)  # or sent/queued time for outbound
    intent: Mapped[str | None] = mapped_column(String(32))
    understanding: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    confidence: Mapped[float | None] = mapped_column(Float)
    trusted: Mapped[bool | None] = mapped_column()
    # processing: received -> applied | review | ignored | failed
    state: Mapped[str] = mapped_column(String(20), default="received", index=True)
    # review: none | pending | resolved | dismissed
    review_state: Mapped[str] = mapped_column(String(20), default="none")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    po_links: Mapped[list[MessagePO]] = relationship(
        back_populates="message", lazy="raise", cascade="all, delete-orphan", order_by="MessagePO.id"
    )


class MessagePO(Base):
    """A purchase order a message is about (matched, or a candidate waiting for review)."""

    __tablename__ = "message_pos"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="match")  # match | candidate
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[list[str] | None] = mapped_column(JSON)

    message: Mapped[Message] = relationship(back_populates="po_links", lazy="raise")


class Document(Base):
    """An attachment kept on disk (invoice, delivery note, waybill photo) and linked to its PO."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    po_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_orders.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    declared_type: Mapped[str | None] = mapped_column(String(200))
    sniffed_type: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    storage_path: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
