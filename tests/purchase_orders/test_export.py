"""Exports: stable order, exact numbers, same bytes whatever the insertion order or database backend."""

from __future__ import annotations

import copy
import io
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import FrozenClock
from core.purchase_orders import exporter, repository
from core.purchase_orders.importer import import_file
from core.purchase_orders.lifecycle import ExceptionFlag
from core.purchase_orders.service import Actor, confirm, record_shipment, set_flag
from tests.purchase_orders.import_helpers import FIXTURES, REPLIES_DEV, load, row_counts, write

GOLDEN = FIXTURES / "replies-dev.export.json"


async def export(session: AsyncSession, fmt: str) -> str:
    out = io.StringIO()
    await (exporter.write_csv if fmt == "csv" else exporter.write_json)(session, out)
    return out.getvalue()


async def test_importing_twice_gives_byte_identical_exports(session: AsyncSession, clock: FrozenClock) -> None:
    await import_file(session, REPLIES_DEV, clock=clock)
    first = (await export(session, "json"), await export(session, "csv"))
    clock.advance(timedelta(days=3))
    await import_file(session, REPLIES_DEV, clock=clock)

    assert (await export(session, "json"), await export(session, "csv")) == first
    # the same bytes on every backend: compared with a file written once
    assert first[0] == GOLDEN.read_text(encoding="utf-8")


async def test_export_does_not_depend_on_insertion_order(
    session: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    data = load(REPLIES_DEV)
    backwards = copy.deepcopy(data)
    backwards["vendors"].reverse()
    backwards["purchase_orders"].reverse()
    for po in backwards["purchase_orders"]:
        po["lines"].reverse()

    await import_file(session, write(tmp_path, "backwards.json", backwards), clock=clock)

    assert await export(session, "json") == GOLDEN.read_text(encoding="utf-8")


async def test_export_carries_quantities_flags_and_tracking(session: AsyncSession, clock: FrozenClock) -> None:
    await import_file(session, FIXTURES / "small.json", clock=clock)
    po = await repository.get_by_number(session, "PO-4512")
    assert po is not None
    vendor = Actor("vendor:V01")
    confirm(session, po, at=clock.now(), actor=vendor, quantities={1: Decimal(450)}, delivery_date=date(2026, 12, 1))
    # two shipments stored in the "wrong" order: the export sorts them by content, not by id
    record_shipment(
        session,
        po,
        at=clock.now(),
        actor=vendor,
        carrier="UPS",
        tracking_numbers=[("1Z999", None)],
        ship_date=date(2026, 11, 25),
        quantities={2: Decimal(1000)},
    )
    record_shipment(
        session,
        po,
        at=clock.now(),
        actor=vendor,
        carrier="DHL",
        tracking_numbers=[("9876543210", None)],
        ship_date=date(2026, 11, 21),
        quantities={1: Decimal(450)},
    )
    set_flag(session, po, ExceptionFlag.QUANTITY_DISCREPANCY, True, at=clock.now(), actor=vendor)
    await session.flush()

    exported = json.loads(await export(session, "json"))["purchase_orders"]
    first = exported[0]
    assert [p["number"] for p in exported] == ["PO-4512", "PO-4513"]
    assert (first["status"], first["eta"], first["original_promised_date"]) == ("shipped", "2026-12-01", "2026-11-28")
    assert first["exceptions"] == ["quantity_discrepancy"]
    assert first["exc_quantity_discrepancy"] is True
    assert [(line["quantity"], line["quantity_confirmed"], line["quantity_shipped"]) for line in first["lines"]] == [
        ("500", "450", "450"),
        ("1000", "1000", "1000"),
    ]
    assert [(s["carrier"], [t["number"] for t in s["tracking_numbers"]]) for s in first["shipments"]] == [
        ("DHL", ["9876543210"]),
        ("UPS", ["1Z999"]),
    ]
    csv_text = await export(session, "csv")
    header, row = csv_text.splitlines()[:2]
    assert "exc_quantity_discrepancy" in header.split(",")
    assert row.endswith(",DHL;UPS,1Z999;9876543210")


async def test_csv_export_imports_back_without_changes(
    session: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    await import_file(session, REPLIES_DEV, clock=clock)
    path = tmp_path / "export.csv"
    path.write_text(await export(session, "csv"), encoding="utf-8")
    counts = await row_counts(session)

    report = await import_file(session, path, clock=clock)

    assert (report.pos_unchanged, report.pos_updated, report.events_written) == (46, 0, 0)
    assert await row_counts(session) == counts
