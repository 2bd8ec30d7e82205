from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.types import UTCDateTime


class Vendor(Base):
    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(10), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    country: Mapped[str | None] = mapped_column(String(2))
    preferred_channel: Mapped[str] = mapped_column(String(20), default="email")
    # per-vendor overrides of the follow-up policy defaults (admin-editable)
    followup_overrides: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    contacts: Mapped[list[VendorContact]] = relationship(
        back_populates="vendor", lazy="raise", cascade="all, delete-orphan", order_by="VendorContact.id"
    )
    domains: Mapped[list[VendorDomain]] = relationship(
        back_populates="vendor", lazy="raise", cascade="all, delete-orphan", order_by="VendorDomain.id"
    )


class VendorContact(Base):
    """One way to reach a vendor: an email address or a Telegram user id (kept as text in `address`)."""

    __tablename__ = "vendor_contacts"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bounce_reason: Mapped[str | None] = mapped_column(String(500))
    out_of_office_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    vendor: Mapped[Vendor] = relationship(back_populates="contacts", lazy="raise")


class VendorDomain(Base):
    """A mail domain that speaks for the vendor: another address at it is trusted too."""

    __tablename__ = "vendor_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)

    vendor: Mapped[Vendor] = relationship(back_populates="domains", lazy="raise")
