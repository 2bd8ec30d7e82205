"""JSON import (purchase_orders.json): upserts, idempotence, events, refusals with JSON paths."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import FrozenClock
from core.purchase_orders import repository
from core.purchase_orders.importer import ImportRefused, import_file
from core.purchase_orders.lifecycle import POStatus
from core.purchase_orders.service import Actor, change_status
from models import Message, MessagePO, POEvent, User, Vendor, VendorContact, VendorDomain
from tests.purchase_orders.import_helpers import FIXTURES, REPLIES_DEV, load, row_counts, write


async def test_replies_dev_twice_changes_nothing_the_second_time(session: AsyncSession, clock: FrozenClock) -> None:
    first = await import_file(session, REPLIES_DEV, clock=clock)
    assert (first.pos_created, first.vendors_created) == (46, 14)
    assert first.events_written == 46
    counts = await row_counts(session)
    clock.advance(timedelta(days=1))

    second = await import_file(session, REPLIES_DEV, clock=clock)

    assert (second.pos_created, second.pos_updated, second.pos_unchanged) == (0, 0, 46)
    assert second.events_written == second.messages_created == second.vendors_updated == 0
    assert await row_counts(session) == counts


async def test_vendors_contacts_domains_and_buyers(session: AsyncSession, clock: FrozenClock) -> None:
    await import_file(session, FIXTURES / "small.json", clock=clock)

    acme = (await session.execute(select(Vendor).where(Vendor.code == "V01"))).scalar_one()
    assert (acme.name, acme.language, acme.timezone, acme.country) == (
        "Acme Fasteners Ltd",
        "en",
        "Europe/London",
        "GB",
    )
    contacts = (await session.execute(select(VendorContact).where(VendorContact.vendor_id == acme.id))).scalars().all()
    assert {(c.channel, c.address, c.telegram_chat_id) for c in contacts} == {
        ("email", "sales@acme-fasteners.example", None),
        ("email", "dispatch@acme-fasteners.example", None),
        ("telegram", "5550101", 5550101),
    }
    assert [c.address for c in contacts if c.is_primary] == ["sales@acme-fasteners.example"]
    domains = {d.domain: d.vendor_id for d in (await session.execute(select(VendorDomain))).scalars()}
    # a webmail domain proves nothing about the vendor: never a vendor domain
    assert "gmail.com" not in domains
    assert domains["acme-fasteners.example"] == acme.id
    po = await repository.get_by_number(session, "PO-4512")
    assert po is not None
    buyer = (await session.execute(select(User).where(User.email == "anna@northwind.example"))).scalar_one()
    assert (po.buyer_id, buyer.role) == (buyer.id, "buyer")


async def test_new_po_fields_lines_and_imported_event(session: AsyncSession, clock: FrozenClock) -> None:
    await import_file(session, FIXTURES / "small.json", clock=clock)

    po = await repository.get_by_number(session, "PO-4512")
    assert po is not None
    assert (po.status, po.currency, po.order_date) == ("sent", "EUR", date(2026, 11, 2))
    assert po.promised_date == po.original_promised_date == date(2026, 11, 28)
    assert po.sent_at == datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    assert [(line.line_no, line.quantity_ordered, line.unit_price) for line in po.lines] == [
        (1, Decimal(500), Decimal("0.12")),
        (2, Decimal(1000), Decimal("0.03")),
    ]
    events = await repository.events_for(session, po.id)
    assert [(e.kind, e.actor, e.at) for e in events] == [("imported", "erp", clock.now())]


async def test_sent_messages_become_threadable_outbound_messages(session: AsyncSession, clock: FrozenClock) -> None:
    await import_file(session, FIXTURES / "small.json", clock=clock)

    po = await repository.get_by_number(session, "PO-4512")
    assert po is not None
    rows = (
        await session.execute(
            select(Message).join(MessagePO, MessagePO.message_id == Message.id).where(MessagePO.po_id == po.id)
        )
    ).scalars()
    by_key = {m.dedupe_key: m for m in rows}
    assert set(by_key) == {"out-email:<po-4512.1@northwind.example>", "out-telegram:5550101:901"}
    email = by_key["out-email:<po-4512.1@northwind.example>"]
    assert (email.direction, email.channel, email.email_message_id) == ("out", "email", "<po-4512.1@northwind.example>")
    assert email.subject == "Purchase order PO-4512"
    assert email.received_at == datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    chat = by_key["out-telegram:5550101:901"]
    assert (chat.channel, chat.telegram_chat_id, chat.telegram_message_id) == ("telegram", 5550101, 901)
    assert chat.body_text is not None
    assert "confirm the delivery date" in chat.body_text


async def test_changed_file_updates_what_changed_with_one_event_per_field(
    session: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    data = load(FIXTURES / "small.json")
    await import_file(session, write(tmp_path, "v1.json", data), clock=clock)
    changed = copy.deepcopy(data)
    po = changed["purchase_orders"][0]
    po["promised_date"] = "2026-12-05"
    po["status"] = "confirmed"
    po["vendor_reference"] = "SO-99"
    po["lines"][0]["quantity"] = 450
    po["lines"].append({"line": 3, "sku": "M8-WSH", "description": "Washer M8", "quantity": 1000, "unit_price": 0.01})
    changed["vendors"][0]["name"] = "Acme Fasteners Limited"
    clock.advance(timedelta(hours=2))

    report = await import_file(session, write(tmp_path, "v2.json", changed), clock=clock)

    assert (report.pos_updated, report.pos_unchanged, report.vendors_updated) == (1, 1, 1)
    stored = await repository.get_by_number(session, "PO-4512")
    assert stored is not None
    assert stored.status == "confirmed"
    assert stored.confirmed_at == clock.now()
    assert stored.promised_date == date(2026, 12, 5)
    assert stored.original_promised_date == date(2026, 11, 28)  # never overwritten by an import
    assert [line.quantity_ordered for line in stored.lines] == [Decimal(450), Decimal(1000), Decimal(1000)]
    events = [e for e in await repository.events_for(session, stored.id) if e.kind != "imported"]
    assert all(e.actor == "erp" and e.at == clock.now() for e in events)
    assert {(e.kind, e.field) for e in events} == {
        ("field_changed", "promised_date"),
        ("field_changed", "vendor_reference"),
        ("status_changed", "status"),
        ("line_changed", "line 1 quantity_ordered"),
        ("line_added", "line 3"),
    }
    assert report.events_written == len(events)


async def test_refused_status_change_refuses_the_whole_file(
    session: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    data = load(FIXTURES / "small.json")
    data["purchase_orders"][1]["status"] = "received"
    await import_file(session, write(tmp_path, "v1.json", data), clock=clock)
    counts = await row_counts(session)
    data["purchase_orders"][0]["promised_date"] = "2026-12-24"  # a valid change that must not land either
    data["purchase_orders"][1]["status"] = "cancelled"

    with pytest.raises(ImportRefused) as refused:
        await import_file(session, write(tmp_path, "v2.json", data), clock=clock)

    assert [str(p) for p in refused.value.problems] == [
        "purchase_orders[1].status: cannot go from received to cancelled: from received the PO may go to closed"
    ]
    assert await row_counts(session) == counts
    po = await repository.get_by_number(session, "PO-4512")
    assert po is not None
    assert po.promised_date == date(2026, 11, 28)


async def test_erp_status_behind_liaison_is_kept(session: AsyncSession, clock: FrozenClock) -> None:
    await import_file(session, FIXTURES / "small.json", clock=clock)
    po = await repository.get_by_number(session, "PO-4512")
    assert po is not None
    change_status(session, po, POStatus.SHIPPED, at=clock.now(), actor=Actor("vendor:V01"))
    await session.flush()

    report = await import_file(session, FIXTURES / "small.json", clock=clock)  # the ERP still says `sent`

    assert report.status_kept == ["PO-4512"]
    assert report.events_written == 0
    await session.refresh(po)
    assert po.status == "shipped"


async def test_bad_json_lists_every_problem_with_its_path_and_writes_nothing(
    session: AsyncSession, clock: FrozenClock
) -> None:
    counts = await row_counts(session)

    with pytest.raises(ImportRefused) as refused:
        await import_file(session, FIXTURES / "bad.json", clock=clock)

    assert [str(p) for p in refused.value.problems] == [
        "vendors[0].telegram_user_ids[0]: Input should be a valid integer",
        "vendors[0].timezone: unknown time zone: 'Mars/Olympus'",
        "purchase_orders[0].order_date: not a date (YYYY-MM-DD): '2026-13-02'",
        "purchase_orders[0].lines[0].quantity: must not be negative: -3",
        "purchase_orders[1].number: String should have at least 1 character",
        "purchase_orders[1].currency: not an ISO 4217 currency code: 'EURO'",
        "purchase_orders[1].lines[0].quantity: not a number: 'many'",
        "purchase_orders[2].sent_messages[0].sent_at: timestamp without a UTC offset: '2026-11-02T10:00:00'",
    ]
    assert "nothing written" in str(refused.value)
    assert await row_counts(session) == counts


async def test_unknown_vendor_duplicates_and_broken_json(
    session: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    data = load(FIXTURES / "small.json")
    data["purchase_orders"][1]["vendor_id"] = "V99"
    data["purchase_orders"].append(copy.deepcopy(data["purchase_orders"][0]))
    data["purchase_orders"][0]["lines"][1]["line"] = 1

    with pytest.raises(ImportRefused) as refused:
        await import_file(session, write(tmp_path, "dup.json", data), clock=clock)

    assert [str(p) for p in refused.value.problems] == [
        "purchase_orders[0].lines[1].line: duplicate line 1",
        "purchase_orders[1].vendor_id: unknown vendor 'V99'",
        "purchase_orders[2].number: duplicate PO number (also purchase_orders[0])",
    ]
    broken = tmp_path / "broken.json"
    broken.write_text('{"vendors": [', encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        await import_file(session, broken, clock=clock)
    assert str(refused.value.problems[0]).startswith("file: not valid JSON")


async def test_contact_owned_by_another_vendor_is_refused(
    session: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    data = load(FIXTURES / "small.json")
    await import_file(session, FIXTURES / "small.json", clock=clock)
    data["vendors"][1]["emails"].append("sales@acme-fasteners.example")

    with pytest.raises(ImportRefused) as refused:
        await import_file(session, write(tmp_path, "twice.json", data), clock=clock)
    assert [str(p) for p in refused.value.problems] == [
        "vendors[1].emails: sales@acme-fasteners.example is also listed for vendor V01"
    ]

    data["vendors"][0]["emails"].remove("Sales@Acme-Fasteners.example")
    with pytest.raises(ImportRefused) as refused:
        await import_file(session, write(tmp_path, "steal.json", data), clock=clock)
    assert [str(p) for p in refused.value.problems] == [
        "vendors[1].emails: sales@acme-fasteners.example already belongs to vendor V01"
    ]


async def test_removed_line_goes_unless_goods_moved(session: AsyncSession, clock: FrozenClock, tmp_path: Path) -> None:
    data = load(FIXTURES / "small.json")
    await import_file(session, FIXTURES / "small.json", clock=clock)
    del data["purchase_orders"][0]["lines"][1]

    report = await import_file(session, write(tmp_path, "fewer.json", data), clock=clock)

    po = await repository.get_by_number(session, "PO-4512")
    assert po is not None
    assert [line.line_no for line in po.lines] == [1]
    assert report.pos_updated == 1
    kinds = [(e.kind, e.field) for e in await repository.events_for(session, po.id)]
    assert ("line_removed", "line 2") in kinds
    assert (await session.execute(select(POEvent).where(POEvent.kind == "line_removed"))).scalars().all()
