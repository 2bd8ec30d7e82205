"""SQL for vendors and their contacts."""

from __future__ import annotations

from sqlalchemy import select
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
