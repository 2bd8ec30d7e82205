"""Small builders for test data; each flushes so ids exist, none commits."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from models import POLine, PurchaseOrder, User, Vendor, VendorContact, VendorDomain

_seq = itertools.count(1)
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


async def make_vendor(
    session: AsyncSession,
    *,
    code: str | None = None,
    name: str = "Acme Fasteners Ltd",
    emails: tuple[str, ...] = (),
    telegram_ids: tuple[int, ...] = (),
    language: str = "en",
    timezone: str = "Europe/London",
    country: str = "GB",
    preferred_channel: str = "email",
) -> Vendor:
    n = next(_seq)
    code = code or f"V{n:04d}"
    emails = emails or (f"sales@vendor{n}.example",)
    vendor = Vendor(
        code=code,
        name=name,
        language=language,
        timezone=timezone,
        country=country,
        preferred_channel=preferred_channel,
        created_at=T0,
        updated_at=T0,
    )
    vendor.contacts = [
        VendorContact(channel="email", address=e.lower(), is_primary=i == 0, created_at=T0)
        for i, e in enumerate(emails)
    ] + [VendorContact(channel="telegram", address=str(t), created_at=T0) for t in telegram_ids]
    vendor.domains = [VendorDomain(domain=d) for d in sorted({e.split("@")[1].lower() for e in emails})]
    session.add(vendor)
    await session.flush()
    return vendor


async def make_user(
    session: AsyncSession, *, role: str = "buyer", email: str | None = None, name: str = "Anna"
) -> User:
    n = next(_seq)
    user = User(email=email or f"user{n}@buyer.example", name=name, role=role, created_at=T0)
    session.add(user)
    await session.flush()
    return user


async def make_po(
    session: AsyncSession,
    vendor: Vendor,
    *,
    number: str | None = None,
    status: str = "sent",
    promised_date: date | None = date(2026, 11, 28),
    lines: tuple[tuple[str, str, str, int], ...] = (("M8-HEX-50", "AF-8850", "Hex bolt M8x50 zinc plated", 500),),
    vendor_reference: str | None = None,
) -> PurchaseOrder:
    n = next(_seq)
    po = PurchaseOrder(
        number=number or f"PO-{4000 + n}",
        vendor_id=vendor.id,
        status=status,
        order_date=date(2026, 11, 2),
        promised_date=promised_date,
        original_promised_date=promised_date,
        currency="EUR",
        vendor_reference=vendor_reference,
        created_at=T0,
        updated_at=T0,
    )
    po.lines = [
        POLine(
            line_no=i + 1,
            sku=sku,
            vendor_sku=vsku,
            description=desc,
            quantity_ordered=Decimal(qty),
            unit="pcs",
            unit_price=Decimal("0.12"),
        )
        for i, (sku, vsku, desc, qty) in enumerate(lines)
    ]
    session.add(po)
    await session.flush()
    return po
