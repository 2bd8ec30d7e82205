"""CSV import: one row per PO line; a bad file is refused whole with every problem's line and column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import FrozenClock
from core.purchase_orders import repository
from core.purchase_orders.importer import ImportRefused, import_file
from tests.factories import make_vendor
from tests.purchase_orders.import_helpers import FIXTURES, row_counts


async def test_csv_rows_become_pos_with_lines(session: AsyncSession, clock: FrozenClock) -> None:
    await make_vendor(session, code="V-CSV")

    report = await import_file(session, FIXTURES / "good.csv", clock=clock)

    assert (report.pos_created, report.lines_written, report.buyers_created) == (2, 3, 1)
    po = await repository.get_by_number(session, "PO-7001")
    assert po is not None
    assert (po.status, po.buyer_email, po.promised_date) == ("sent", "anna@northwind.example", date(2026, 11, 28))
    assert [(line.line_no, line.description, line.quantity_ordered) for line in po.lines] == [
        (1, "Hex bolt M8x50 zinc plated", Decimal(500)),
        (2, "Hex nut M8, class 8", Decimal(1000)),
    ]
    other = await repository.get_by_number(session, "PO-7002")
    assert other is not None
    assert (other.currency, other.status, other.promised_date, other.vendor_reference) == (
        "USD",
        "approved",
        None,
        "SO-1234",
    )
    again = await import_file(session, FIXTURES / "good.csv", clock=clock)
    assert (again.pos_unchanged, again.events_written) == (2, 0)


async def test_five_kinds_of_error_all_reported_and_nothing_written(session: AsyncSession, clock: FrozenClock) -> None:
    await make_vendor(session, code="V-CSV")
    counts = await row_counts(session)

    with pytest.raises(ImportRefused) as refused:
        await import_file(session, FIXTURES / "bad_five.csv", clock=clock)

    assert [(p.where, p.column) for p in refused.value.problems] == [
        ("line 3", "vendor_code"),
        ("line 4", "promised_date"),
        ("line 5", "quantity"),
        ("line 6", "line"),
        ("line 7", "status"),
    ]
    text = str(refused.value)
    assert "line 3, column vendor_code: unknown vendor 'V-NOPE'" in text
    assert "line 4, column promised_date: not a date (YYYY-MM-DD): '28/11/2026'" in text
    assert "line 5, column quantity: must not be negative: '-5'" in text
    assert "line 6, column line: duplicate line 1 of PO-7101 (first on line 2)" in text
    assert "line 7, column status: unknown status 'shipped-ish'" in text
    assert await row_counts(session) == counts


async def test_missing_and_unknown_columns(session: AsyncSession, clock: FrozenClock) -> None:
    with pytest.raises(ImportRefused) as refused:
        await import_file(session, FIXTURES / "missing_column.csv", clock=clock)

    assert [str(p) for p in refused.value.problems] == [
        "line 1, column vendor: unknown column",
        "line 1, column vendor_code: missing column",
    ]


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ("PO-1,V-CSV,2026-11-02,,EURX,sent,,,1,,,Bolt,5,pcs,1", "currency", "not an ISO 4217 currency code: 'EURX'"),
        ("PO-1,V-CSV,2026-11-02,,EUR,sent,,,one,,,Bolt,5,pcs,1", "line", "not a whole number: 'one'"),
        ("PO-1,V-CSV,2026-11-02,,EUR,sent,,,1,,,Bolt,5,pcs,1.2.3", "unit_price", "not a number: '1.2.3'"),
        ("  ,V-CSV,2026-11-02,,EUR,sent,,,1,,,Bolt,5,pcs,1", "po_number", "must not be empty"),
        ("PO-1,V-CSV,2026-11-02,,EUR,sent,not-an-email,,1,,,Bolt,5,pcs,1", "buyer_email", "not an email address"),
    ],
)
async def test_wrong_values_name_their_column(
    session: AsyncSession, clock: FrozenClock, tmp_path: Path, cells: str, column: str, message: str
) -> None:
    await make_vendor(session, code="V-CSV")
    header = (FIXTURES / "good.csv").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "one.csv"
    path.write_text(f"{header}\n{cells}\n", encoding="utf-8")

    with pytest.raises(ImportRefused) as refused:
        await import_file(session, path, clock=clock)

    [problem] = refused.value.problems
    assert (problem.where, problem.column) == ("line 2", column)
    assert message in problem.message


async def test_semicolon_csv_with_bom_is_read(session: AsyncSession, clock: FrozenClock, tmp_path: Path) -> None:
    await make_vendor(session, code="V-CSV")
    text = (FIXTURES / "good.csv").read_text(encoding="utf-8").replace(",", ";").replace('"Hex nut M8; class 8"', "Nut")
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeff".encode() + text.encode())

    report = await import_file(session, path, clock=clock)

    assert report.pos_created == 2
