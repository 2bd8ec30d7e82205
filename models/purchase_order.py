from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.types import DecimalType, UTCDateTime
from models.vendor import Vendor


class PurchaseOrder(Base):
    __tablename__ = "purchase_orders"
    __table_args__ = (Index("ix_purchase_orders_followup_due", "next_followup_at", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    buyer_email: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(32), index=True)
    # on_hold resumes only to the status it was held from
    status_before_hold: Mapped[str | None] = mapped_column(String(32))
    order_date: Mapped[date | None] = mapped_column(Date)
    # the date the PO first asked for, kept apart from any later agreed revision
    original_promised_date: Mapped[date | None] = mapped_column(Date)
    promised_date: Mapped[date | None] = mapped_column(Date)
    eta: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    vendor_reference: Mapped[str | None] = mapped_column(String(100), index=True)
    terms: Mapped[str | None] = mapped_column(Text)
    ship_to: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)

    # exceptions are flags beside the status, not statuses
    exc_late: Mapped[bool] = mapped_column(Boolean, default=False)
    exc_vendor_delay: Mapped[bool] = mapped_column(Boolean, default=False)
    exc_quantity_discrepancy: Mapped[bool] = mapped_column(Boolean, default=False)
    exc_price_discrepancy: Mapped[bool] = mapped_column(Boolean, default=False)
    exc_vendor_unresponsive: Mapped[bool] = mapped_column(Boolean, default=False)
    exc_contact_bounced: Mapped[bool] = mapped_column(Boolean, default=False)

    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_vendor_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # follow-up engine state: the sweep narrows on next_followup_at, the per-PO step re-checks
    next_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_stage: Mapped[str | None] = mapped_column(String(32))
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    followup_claimed_by: Mapped[str | None] = mapped_column(String(100))
    followup_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    vendor: Mapped[Vendor] = relationship(lazy="raise")
    lines: Mapped[list[POLine]] = relationship(
        back_populates="purchase_order", lazy="raise", cascade="all, delete-orphan", order_by="POLine.line_no"
    )


class POLine(Base):
    __tablename__ = "po_lines"
    __table_args__ = (UniqueConstraint("po_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str | None] = mapped_column(String(100))
    vendor_sku: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    unit: Mapped[str] = mapped_column(String(20), default="pcs")
    unit_price: Mapped[Decimal | None] = mapped_column(DecimalType)
    quantity_ordered: Mapped[Decimal] = mapped_column(DecimalType)
    quantity_confirmed: Mapped[Decimal | None] = mapped_column(DecimalType)
    quantity_shipped: Mapped[Decimal] = mapped_column(DecimalType, default=Decimal(0))
    quantity_received: Mapped[Decimal] = mapped_column(DecimalType, default=Decimal(0))
    promised_date: Mapped[date | None] = mapped_column(Date)

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="lines", lazy="raise")
