"""Export purchase orders as JSON or CSV, in an order and a form that depend only on the data.

POs sort by number (code point order, in Python: SQL collations differ between SQLite and PostgreSQL),
lines by number, shipments and tracking numbers by their content, never by row id or insertion time;
decimals are written exactly, normalised (`500`, not `500.000000`); nothing depends on when it was stored.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.purchase_orders.lifecycle import ExceptionFlag
from models import POLine, PurchaseOrder, Shipment, ShipmentTracking, Vendor

EXPORT_CHUNK = 1_000
EXCEPTION_COLUMNS = tuple(f"exc_{flag.value}" for flag in ExceptionFlag)


@dataclass(frozen=True, slots=True)
class LineView:
    line_no: int
    sku: str | None
    vendor_sku: str | None
    description: str
    unit: str
    unit_price: Decimal | None
    quantity_ordered: Decimal
    quantity_confirmed: Decimal | None
    quantity_shipped: Decimal
    quantity_received: Decimal


@dataclass(frozen=True, slots=True)
class ShipmentView:
    carrier: str | None
    ship_date: date | None
    eta: date | None
    tracking: tuple[tuple[str, str | None], ...]  # (number, carrier), sorted

    def sort_key(self) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
        return (
            _text(self.ship_date),
            _text(self.eta),
            self.carrier or "",
            tuple((n, c or "") for n, c in self.tracking),
        )


@dataclass(frozen=True, slots=True)
class POView:
    """One PO as exported and shown: its fields, exception flags, lines and shipments."""

    id: int
    number: str
    vendor_code: str
    vendor_name: str
    status: str
    order_date: date | None
    promised_date: date | None
    original_promised_date: date | None
    eta: date | None
    currency: str
    buyer_email: str | None
    vendor_reference: str | None
    exceptions: dict[str, bool]
    lines: tuple[LineView, ...]
    shipments: tuple[ShipmentView, ...]


_PO_COLUMNS = (
    PurchaseOrder.id,
    PurchaseOrder.number,
    PurchaseOrder.status,
    PurchaseOrder.order_date,
    PurchaseOrder.promised_date,
    PurchaseOrder.original_promised_date,
    PurchaseOrder.eta,
    PurchaseOrder.currency,
    PurchaseOrder.buyer_email,
    PurchaseOrder.vendor_reference,
    *(getattr(PurchaseOrder, column) for column in EXCEPTION_COLUMNS),
)
_LINE_COLUMNS = (
    POLine.po_id,
    POLine.line_no,
    POLine.sku,
    POLine.vendor_sku,
    POLine.description,
    POLine.unit,
    POLine.unit_price,
    POLine.quantity_ordered,
    POLine.quantity_confirmed,
    POLine.quantity_shipped,
    POLine.quantity_received,
)


def number_text(value: Decimal | None) -> str | None:
    """Exact and backend-independent: PostgreSQL returns 500.000000 where SQLite returns 500."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _text(value: date | None) -> str:
    return value.isoformat() if value else ""


async def sorted_po_ids(session: AsyncSession) -> list[int]:
    rows = (await session.execute(select(PurchaseOrder.number, PurchaseOrder.id))).all()
    return [ident for _, ident in sorted(rows)]


async def load_views(session: AsyncSession, po_ids: Sequence[int]) -> list[POView]:
    """The POs with these ids, in the order given, with lines and shipments, in four queries."""
    if not po_ids:
        return []
    # plain column rows, not ORM objects: a large export must not grow the session's identity map
    po_rows = (
        await session.execute(
            select(*_PO_COLUMNS, Vendor.code.label("vendor_code"), Vendor.name.label("vendor_name"))
            .join(Vendor, Vendor.id == PurchaseOrder.vendor_id)
            .where(PurchaseOrder.id.in_(po_ids))
        )
    ).all()
    line_rows = (await session.execute(select(*_LINE_COLUMNS).where(POLine.po_id.in_(po_ids)))).all()
    ship_rows = (
        await session.execute(
            select(Shipment.id, Shipment.po_id, Shipment.carrier, Shipment.ship_date, Shipment.eta).where(
                Shipment.po_id.in_(po_ids)
            )
        )
    ).all()
    ship_ids = [s.id for s in ship_rows]
    tracking_rows = (
        (
            await session.execute(
                select(ShipmentTracking.shipment_id, ShipmentTracking.number, ShipmentTracking.carrier).where(
                    ShipmentTracking.shipment_id.in_(ship_ids)
                )
            )
        ).all()
        if ship_ids
        else []
    )
    lines: dict[int, list[LineView]] = {}
    for line in line_rows:
        lines.setdefault(line.po_id, []).append(
            LineView(
                line_no=line.line_no,
                sku=line.sku,
                vendor_sku=line.vendor_sku,
                description=line.description,
                unit=line.unit,
                unit_price=line.unit_price,
                quantity_ordered=line.quantity_ordered,
                quantity_confirmed=line.quantity_confirmed,
                quantity_shipped=line.quantity_shipped,
                quantity_received=line.quantity_received,
            )
        )
    tracking: dict[int, list[tuple[str, str | None]]] = {}
    for t in tracking_rows:
        tracking.setdefault(t.shipment_id, []).append((t.number, t.carrier))
    shipments: dict[int, list[ShipmentView]] = {}
    for s in ship_rows:
        shipments.setdefault(s.po_id, []).append(
            ShipmentView(
                s.carrier, s.ship_date, s.eta, tuple(sorted(tracking.get(s.id, []), key=lambda t: (t[0], t[1] or "")))
            )
        )
    views: dict[int, POView] = {}
    for po in po_rows:
        views[po.id] = POView(
            id=po.id,
            number=po.number,
            vendor_code=po.vendor_code,
            vendor_name=po.vendor_name,
            status=po.status,
            order_date=po.order_date,
            promised_date=po.promised_date,
            original_promised_date=po.original_promised_date,
            eta=po.eta,
            currency=po.currency,
            buyer_email=po.buyer_email,
            vendor_reference=po.vendor_reference,
            exceptions={column: bool(getattr(po, column)) for column in EXCEPTION_COLUMNS},
            lines=tuple(sorted(lines.get(po.id, []), key=lambda line: line.line_no)),
            shipments=tuple(sorted(shipments.get(po.id, []), key=ShipmentView.sort_key)),
        )
    return [views[i] for i in po_ids if i in views]


async def iter_views(session: AsyncSession, *, chunk: int = EXPORT_CHUNK) -> AsyncIterator[POView]:
    ids = await sorted_po_ids(session)
    for start in range(0, len(ids), chunk):
        for view in await load_views(session, ids[start : start + chunk]):
            yield view


def view_to_json(view: POView) -> dict[str, Any]:
    return {
        "number": view.number,
        "vendor_id": view.vendor_code,
        "vendor_name": view.vendor_name,
        "status": view.status,
        "order_date": _text(view.order_date) or None,
        "promised_date": _text(view.promised_date) or None,
        "original_promised_date": _text(view.original_promised_date) or None,
        "eta": _text(view.eta) or None,
        "currency": view.currency,
        "buyer_email": view.buyer_email,
        "vendor_reference": view.vendor_reference,
        "exceptions": [column.removeprefix("exc_") for column, on in view.exceptions.items() if on],
        **view.exceptions,
        "lines": [
            {
                "line": line.line_no,
                "sku": line.sku,
                "vendor_sku": line.vendor_sku,
                "description": line.description,
                "unit": line.unit,
                "unit_price": number_text(line.unit_price),
                "quantity": number_text(line.quantity_ordered),
                "quantity_confirmed": number_text(line.quantity_confirmed),
                "quantity_shipped": number_text(line.quantity_shipped),
                "quantity_received": number_text(line.quantity_received),
            }
            for line in view.lines
        ],
        "shipments": [
            {
                "carrier": s.carrier,
                "ship_date": _text(s.ship_date) or None,
                "eta": _text(s.eta) or None,
                "tracking_numbers": [{"number": n, "carrier": c} for n, c in s.tracking],
            }
            for s in view.shipments
        ],
    }


async def write_json(session: AsyncSession, out: TextIO) -> int:
    """One PO per line inside a `purchase_orders` list; decimals as exact strings. Returns the PO count."""
    out.write('{"purchase_orders": [')
    count = 0
    async for view in iter_views(session):
        out.write(",\n" if count else "\n")
        out.write(json.dumps(view_to_json(view), ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


CSV_EXPORT_COLUMNS = (
    "po_number",
    "vendor_code",
    "vendor_name",
    "status",
    "order_date",
    "promised_date",
    "original_promised_date",
    "eta",
    "currency",
    "buyer_email",
    "vendor_reference",
    *EXCEPTION_COLUMNS,
    "line",
    "sku",
    "vendor_sku",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "quantity_confirmed",
    "quantity_shipped",
    "quantity_received",
    "carriers",
    "tracking_numbers",
)


def view_to_csv_rows(view: POView) -> list[list[str]]:
    """One row per line, the PO's fields repeated: the import's CSV columns plus what Liaison learned."""
    carriers = sorted({s.carrier for s in view.shipments if s.carrier})
    tracking = sorted({n for s in view.shipments for n, _ in s.tracking})
    head = [
        view.number,
        view.vendor_code,
        view.vendor_name,
        view.status,
        _text(view.order_date),
        _text(view.promised_date),
        _text(view.original_promised_date),
        _text(view.eta),
        view.currency,
        view.buyer_email or "",
        view.vendor_reference or "",
        *("true" if view.exceptions[c] else "false" for c in EXCEPTION_COLUMNS),
    ]
    return [
        [
            *head,
            str(line.line_no),
            line.sku or "",
            line.vendor_sku or "",
            line.description,
            number_text(line.quantity_ordered) or "",
            line.unit,
            number_text(line.unit_price) or "",
            number_text(line.quantity_confirmed) or "",
            number_text(line.quantity_shipped) or "",
            number_text(line.quantity_received) or "",
            ";".join(carriers),
            ";".join(tracking),
        ]
        for line in view.lines
    ]


async def write_csv(session: AsyncSession, out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_EXPORT_COLUMNS)
    count = 0
    async for view in iter_views(session):
        writer.writerows(view_to_csv_rows(view))
        count += 1
    return count
