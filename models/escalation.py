from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.types import UTCDateTime


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_open_sla", "state", "sla_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    po_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"), index=True)
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10), default="normal")  # low | normal | high | critical
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | in_progress | waiting_on_vendor | resolved
    summary: Mapped[str] = mapped_column(Text, default="")
    # one open escalation per (PO or message, reason): raising it again adds to it instead of duplicating
    open_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    level: Mapped[int] = mapped_column(Integer, default=0)  # 0: agents, 1+: escalated past SLA to the lead
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_note: Mapped[str | None] = mapped_column(Text)

    notes: Mapped[list[EscalationNote]] = relationship(
        back_populates="escalation", lazy="raise", cascade="all, delete-orphan", order_by="EscalationNote.id"
    )


class EscalationNote(Base):
    __tablename__ = "escalation_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)

    escalation: Mapped[Escalation] = relationship(back_populates="notes", lazy="raise")
