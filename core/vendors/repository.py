"""SQL for vendors and their contacts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Vendor, VendorContact, VendorDomain


async def contact_by_address(session: AsyncSession, channel: str, address: str) -> VendorContact | None:
    stmt = select(VendorContact).where(VendorContact.channel == channel, VendorContact.address == address)
    return (await session.execute(stmt)).scalar_one_or_none()


async def vendor_by_domain(session: AsyncSession, domain: str) -> Vendor | None:
    stmt = select(Vendor).join(VendorDomain, VendorDomain.vendor_id == Vendor.id).where(VendorDomain.domain == domain)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_vendor(session: AsyncSession, vendor_id: int) -> Vendor | None:
    return await session.get(Vendor, vendor_id)


async def all_domains(session: AsyncSession) -> list[tuple[str, int]]:
    return [(d, v) for d, v in (await session.execute(select(VendorDomain.domain, VendorDomain.vendor_id))).all()]


async def all_contacts(session: AsyncSession) -> list[tuple[int, int, str, str]]:
    """(id, vendor id, channel, address) of every contact."""
    stmt = select(VendorContact.id, VendorContact.vendor_id, VendorContact.channel, VendorContact.address)
    return [(i, v, c, a) for i, v, c, a in (await session.execute(stmt)).all()]


async def all_vendors(session: AsyncSession) -> list[tuple[int, str, str, str, str, str | None]]:
    """(id, code, name, language, timezone, country) of every vendor."""
    stmt = select(Vendor.id, Vendor.code, Vendor.name, Vendor.language, Vendor.timezone, Vendor.country)
    return [(i, c, n, lang, tz, cc) for i, c, n, lang, tz, cc in (await session.execute(stmt)).all()]


def directory_fingerprint_columns() -> list[Any]:
    """Scalar sub-queries that change when a vendor, contact or domain is added or removed.

    Callers fold them into one statement with their own; an edit in place that keeps counts and
    ids is caught by the periodic full reload instead.
    """
    return [
        select(func.count()).select_from(Vendor).scalar_subquery(),
        select(func.max(Vendor.id)).scalar_subquery(),
        select(func.max(Vendor.updated_at)).scalar_subquery(),
        select(func.count()).select_from(VendorContact).scalar_subquery(),
        select(func.max(VendorContact.id)).scalar_subquery(),
        select(func.count()).select_from(VendorDomain).scalar_subquery(),
        select(func.max(VendorDomain.id)).scalar_subquery(),
    ]
