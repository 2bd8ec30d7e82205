"""REST for ERPs: list, read, upsert purchase orders, report receipts and move POs through the lifecycle."""

from __future__ import annotations

import asyncio
import json
import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ClockDep, SessionDep, TokenDep
from api.errors import ApiError
from api.views import PODetail, POSummary, po_detail, po_summary
from core.purchase_orders import queries, repository
from core.purchase_orders.importer import import_file
from core.purchase_orders.lifecycle import ExceptionFlag, POStatus
from core.purchase_orders.schemas import Quantity
from core.purchase_orders.service import Actor, change_status, record_receipt
from models import PurchaseOrder

router = APIRouter(prefix="/api/v1/purchase-orders", tags=["purchase orders"])

MAX_UPSERT_BYTES = 20 * 1024 * 1024  # bigger files go through `liaison import`
ERP = Actor("erp")


class POList(BaseModel):
    items: list[POSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class ReceiptLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line: int = Field(ge=1, le=100_000)
    quantity: Quantity


class ReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[ReceiptLine] = Field(min_length=1, max_length=10_000)


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: POStatus
    note: str | None = Field(default=None, max_length=2_000)


class UpsertResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    lines_written: int
    vendors_created: int
    vendors_updated: int
    events_written: int
    status_kept: list[str] = Field(description="POs whose ERP status was behind what vendors already told Liaison.")
    warnings: list[str]


def _csv(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


async def _po_or_404(session: SessionDep, number: str, *, for_update: bool = False) -> PurchaseOrder:
    po = await repository.get_by_number(session, number, for_update=for_update)
    if po is None:
        raise ApiError(404, f"no purchase order {number}")
    return po


@router.get("", response_model=POList, summary="List purchase orders")
async def list_purchase_orders(
    session: SessionDep,
    clock: ClockDep,
    _token: TokenDep,
    status: Annotated[list[str] | None, Query(description="One or more statuses, repeated or comma-separated.")] = None,
    vendor: Annotated[str | None, Query(max_length=64, description="Vendor code.")] = None,
    late: Annotated[bool | None, Query(description="Only late (true) or not late (false) POs.")] = None,
    exception: Annotated[
        str | None, Query(description=f"`any`, or one of {', '.join(f.value for f in ExceptionFlag)}.")
    ] = None,
    updated_since: Annotated[datetime | None, Query(description="ISO 8601 with a UTC offset.")] = None,
    open_only: Annotated[bool, Query(alias="open", description="Only POs Liaison still follows up.")] = False,
    q: Annotated[str | None, Query(max_length=64, description="Part of the PO number or vendor reference.")] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> POList:
    if updated_since is not None and updated_since.tzinfo is None:
        raise ApiError(422, "updated_since needs a UTC offset", [{"where": "query.updated_since"}])
    try:
        statuses = tuple(POStatus(s.lower()) for s in _csv(status))
    except ValueError:
        allowed = ", ".join(s.value for s in POStatus)
        raise ApiError(422, f"unknown status (one of {allowed})", [{"where": "query.status"}]) from None
    flt = queries.POFilter(
        statuses=statuses,
        open_only=open_only,
        vendor_code=vendor,
        late=late,
        exception=exception,
        updated_since=updated_since,
        search=q,
    )
    now = clock.now()
    page = await queries.list_pos(session, flt, today=now.date(), limit=limit, cursor=cursor)
    await session.commit()  # the token's last_used_at
    return POList(items=[po_summary(po, today=now.date()) for po in page.items], next_cursor=page.next_cursor)


@router.get("/{number}", response_model=PODetail, summary="One purchase order with lines, shipments and timeline")
async def get_purchase_order(number: str, session: SessionDep, clock: ClockDep, _token: TokenDep) -> PODetail:
    po = await _po_or_404(session, number)
    detail = await po_detail(session, po, now=clock.now())
    await session.commit()
    return detail


def _normalise_upsert(body: bytes) -> dict[str, Any]:
    """Accept the import file shape, a list of POs, or one PO; give back the import file shape."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ApiError(422, "the body is not valid JSON", [{"where": "body", "message": str(exc)[:200]}]) from None
    if isinstance(data, list):
        return {"purchase_orders": data}
    if isinstance(data, dict) and ("purchase_orders" in data or "vendors" in data):
        return data
    if isinstance(data, dict) and "number" in data:
        return {"purchase_orders": [data]}
    raise ApiError(
        422, "expected {vendors: [...], purchase_orders: [...]}, a list of purchase orders, or one purchase order"
    )


def _write_request_file(path: Path, body: bytes) -> None:
    path.write_text(json.dumps(_normalise_upsert(body)))


@router.post(
    "",
    response_model=UpsertResult,
    summary="Create or update purchase orders (the import JSON shape)",
    description="All or nothing: any problem refuses the whole request (422) and lists every problem found.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", "description": "purchase_orders.json"}}},
        }
    },
)
async def upsert_purchase_orders(
    request: Request, session: SessionDep, clock: ClockDep, _token: TokenDep
) -> UpsertResult:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPSERT_BYTES:
        raise ApiError(413, f"the body is larger than {MAX_UPSERT_BYTES} bytes; use `liaison import` for big files")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPSERT_BYTES:
            raise ApiError(413, f"the body is larger than {MAX_UPSERT_BYTES} bytes; use `liaison import` for big files")
    # the importer reads a file (streamed, so `liaison import` handles 100 MB); the API reuses it whole,
    # checks and all, rather than keeping a second validation path
    with tempfile.TemporaryDirectory(prefix="liaison-upsert-") as tmp:
        path = Path(tmp) / "request.json"
        await asyncio.to_thread(_write_request_file, path, bytes(body))
        report = await import_file(session, path, clock=clock, fmt="json")
    await session.commit()
    return UpsertResult(
        created=report.pos_created,
        updated=report.pos_updated,
        unchanged=report.pos_unchanged,
        lines_written=report.lines_written,
        vendors_created=report.vendors_created,
        vendors_updated=report.vendors_updated,
        events_written=report.events_written,
        status_kept=report.status_kept,
        warnings=report.warnings,
    )


@router.post("/{number}/receipts", response_model=PODetail, summary="Goods received, per line")
async def post_receipt(
    number: str, receipt: ReceiptIn, session: SessionDep, clock: ClockDep, _token: TokenDep
) -> PODetail:
    po = await _po_or_404(session, number, for_update=True)
    quantities: dict[int, Decimal] = {}
    for item in receipt.lines:
        quantities[item.line] = quantities.get(item.line, Decimal(0)) + item.quantity
    now = clock.now()
    record_receipt(session, po, quantities, at=now, actor=ERP)
    await session.flush()
    detail = await po_detail(session, po, now=now)
    await session.commit()
    return detail


@router.post("/{number}/status", response_model=PODetail, summary="Move a PO through its lifecycle")
async def post_status(
    number: str, change: StatusIn, session: SessionDep, clock: ClockDep, _token: TokenDep
) -> PODetail:
    po = await _po_or_404(session, number, for_update=True)
    now = clock.now()
    change_status(session, po, change.status, at=now, actor=ERP, note=change.note)
    await session.flush()
    detail = await po_detail(session, po, now=now)
    await session.commit()
    return detail
