"""SQL for purchase orders lives here; services and edges call these functions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import POEvent, PurchaseOrder, Shipment, Vendor


async def get_by_number(session: AsyncSession, number: str, *, for_update: bool = False) -> PurchaseOrder | None:
    stmt = (
        select(PurchaseOrder)
        .where(PurchaseOrder.number == number)
        .options(selectinload(PurchaseOrder.lines), selectinload(PurchaseOrder.vendor))
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_by_id(session: AsyncSession, po_id: int, *, for_update: bool = False) -> PurchaseOrder | None:
    stmt = (
        select(PurchaseOrder)
        .where(PurchaseOrder.id == po_id)
        .options(selectinload(PurchaseOrder.lines), selectinload(PurchaseOrder.vendor))
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_by_numbers(session: AsyncSession, numbers: Sequence[str]) -> list[PurchaseOrder]:
    if not numbers:
        return []
    stmt = (
        select(PurchaseOrder)
        .where(PurchaseOrder.number.in_(numbers))
        .options(selectinload(PurchaseOrder.lines), selectinload(PurchaseOrder.vendor))
    )
    return list((await session.execute(stmt)).scalars())


async def events_for(session: AsyncSession, po_id: int) -> list[POEvent]:
    stmt = select(POEvent).where(POEvent.po_id == po_id).order_by(POEvent.at, POEvent.id)
    return list((await session.execute(stmt)).scalars())


async def shipments_for(session: AsyncSession, po_id: int) -> list[Shipment]:
    stmt = (
        select(Shipment)
        .where(Shipment.po_id == po_id)
        .options(selectinload(Shipment.tracking), selectinload(Shipment.lines))
        .order_by(Shipment.created_at, Shipment.id)
    )
    return list((await session.execute(stmt)).scalars())


async def vendor_by_code(session: AsyncSession, code: str) -> Vendor | None:
    return (await session.execute(select(Vendor).where(Vendor.code == code))).scalar_one_or_none()
