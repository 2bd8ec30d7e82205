"""End to end through `process_inbound` on both backends: what a message changes, and what it must not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.inbound import Channel, InboundMessage, MessageKind
from core.purchase_orders.lifecycle import POStatus
from core.purchase_orders.service import Actor, change_status
from core.replies import repository
from core.replies.pipeline import PipelineContext, ProcessResult, process_inbound
from models import Escalation, Message, MessagePO, OutboxItem, POEvent, PurchaseOrder, Vendor, VendorContact
from tests.factories import make_po, make_vendor

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
OUR_MESSAGE_ID = "<liaison.0001@buyer.example>"


def context(*, batch: bool = False) -> PipelineContext:
    return PipelineContext(secret=b"test", mail_domain="buyer.example", defer_flush=batch)


def email(sender: str, text: str, *, key: str, subject: str = "", **extra: object) -> InboundMessage:
    return InboundMessage(
        channel=Channel.EMAIL,
        received_at=NOW,
        sender=sender,
        dedupe_key=f"email:{key}",
        new_text=text,
        subject=subject,
        message_id=f"<{key}@vendor.example>",
        **extra,  # type: ignore[arg-type]
    )


async def reload(session: AsyncSession, po: PurchaseOrder) -> PurchaseOrder:
    stmt = select(PurchaseOrder).where(PurchaseOrder.id == po.id).execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one()


async def contact(session: AsyncSession, address: str) -> VendorContact:
    stmt = select(VendorContact).where(VendorContact.address == address).execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one()


async def count(session: AsyncSession, model: type, *where: object) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


async def events_of(session: AsyncSession, result: ProcessResult) -> list[POEvent]:
    stmt = select(POEvent).where(POEvent.message_id == result.message_id)
    return list((await session.execute(stmt)).scalars())


async def acme(session: AsyncSession) -> tuple[Vendor, PurchaseOrder]:
    vendor = await make_vendor(session, emails=("sales@acme.example",))
    po = await make_po(session, vendor, number="PO-4512")
    return vendor, po


async def test_a_trusted_confirmation_confirms_the_po_names_the_message_and_queues_an_ack(
    session: AsyncSession,
) -> None:
    _vendor, po = await acme(session)

    result = await process_inbound(
        session, email("sales@acme.example", "We confirm PO-4512.", key="c1"), now=NOW, ctx=context()
    )

    assert (await reload(session, po)).status == POStatus.CONFIRMED
    assert "status_changed" in {e.kind for e in await events_of(session, result)}
    assert result.applied_po_numbers == ["PO-4512"]
    acks = list((await session.execute(select(OutboxItem).where(OutboxItem.kind == "ack"))).scalars())
    assert [(a.recipient, a.po_id, a.payload["in_reply_to"]) for a in acks] == [
        ("sales@acme.example", po.id, "<c1@vendor.example>")
    ]


async def test_the_same_message_twice_is_applied_once(session: AsyncSession) -> None:
    _vendor, po = await acme(session)
    ctx = context()
    message = email("sales@acme.example", "We confirm PO-4512.", key="dup")

    first = await process_inbound(session, message, now=NOW, ctx=ctx)
    again = await process_inbound(session, message, now=NOW + timedelta(minutes=5), ctx=ctx)

    assert (again.duplicate, again.message_id) == (True, first.message_id)
    assert await count(session, POEvent, POEvent.po_id == po.id, POEvent.kind == "status_changed") == 1
    assert await count(session, OutboxItem) == 1
    assert await count(session, Message) == 1


async def test_a_stranger_changes_nothing_and_is_escalated(session: AsyncSession) -> None:
    _vendor, po = await acme(session)

    result = await process_inbound(
        session, email("someone@gmail.com", "PO-4512 has shipped today.", key="s1"), now=NOW, ctx=context()
    )

    assert (await reload(session, po)).status == POStatus.SENT
    assert await events_of(session, result) == []
    escalations = list((await session.execute(select(Escalation))).scalars())
    assert [(e.reason, e.message_id) for e in escalations] == [("untrusted_sender", result.message_id)]
    assert await count(session, OutboxItem) == 0


async def test_a_bounce_marks_the_contact_flags_the_po_and_escalates(session: AsyncSession) -> None:
    vendor, po = await acme(session)
    sent = Message(
        direction="out",
        channel="email",
        kind="message",
        dedupe_key="out:1",
        vendor_id=vendor.id,
        email_message_id=OUR_MESSAGE_ID,
        received_at=NOW - timedelta(days=1),
        state="applied",
        review_state="none",
        created_at=NOW - timedelta(days=1),
    )
    session.add(sent)
    await session.flush()
    session.add(MessagePO(message_id=sent.id, po_id=po.id, role="match", confidence=1.0))
    await session.flush()
    bounce = InboundMessage(
        channel=Channel.EMAIL,
        received_at=NOW,
        sender="mailer-daemon@buyer.example",
        dedupe_key="email:bounce1",
        new_text="550 5.1.1 user unknown",
        kind=MessageKind.BOUNCE,
        bounced_message_ids=(OUR_MESSAGE_ID,),
        bounced_recipients=("sales@acme.example",),
    )

    result = await process_inbound(session, bounce, now=NOW, ctx=context())

    assert (await contact(session, "sales@acme.example")).bounced_at == NOW
    assert (await reload(session, po)).exc_contact_bounced is True
    escalations = list((await session.execute(select(Escalation))).scalars())
    assert [(e.reason, e.po_id) for e in escalations] == [("bounce", po.id)]
    assert result.escalation_ids == [escalations[0].id]


async def test_an_out_of_office_reply_records_the_return_date_and_applies_nothing(session: AsyncSession) -> None:
    _vendor, po = await acme(session)
    away = email(
        "sales@acme.example",
        "I am out of the office until 30 November.",
        key="ooo1",
        subject="Automatic reply: PO-4512",
        kind=MessageKind.AUTO_REPLY,
        auto_reply_until=date(2026, 11, 30),
    )

    result = await process_inbound(session, away, now=NOW, ctx=context())

    assert (await contact(session, "sales@acme.example")).out_of_office_until == datetime(2026, 11, 30, tzinfo=UTC)
    assert (await reload(session, po)).status == POStatus.SENT
    assert result.applied_po_numbers == []
    assert (await session.get(Message, result.message_id)).state == "ignored"  # type: ignore[union-attr]
    assert await count(session, OutboxItem) == 0


# --- the in-memory read model stays as current as the database -------------------------------------


async def test_a_po_added_after_the_first_message_is_seen(session: AsyncSession) -> None:
    vendor, _po = await acme(session)
    ctx = context()
    await process_inbound(session, email("sales@acme.example", "Hello, noted.", key="n1"), now=NOW, ctx=ctx)
    second = await make_po(session, vendor, number="PO-4600")

    result = await process_inbound(
        session, email("sales@acme.example", "We confirm PO-4600.", key="n2"), now=NOW, ctx=ctx
    )

    assert result.applied_po_numbers == [second.number]


async def test_the_only_open_po_is_never_taken_from_a_list_missing_a_newer_po(session: AsyncSession) -> None:
    vendor, _po = await acme(session)
    ctx = context()
    first = await process_inbound(
        session, email("sales@acme.example", "Your order will ship tomorrow.", key="o1"), now=NOW, ctx=ctx
    )
    assert first.understanding is not None
    assert [m.po_number for m in first.understanding.matches] == ["PO-4512"]
    await make_po(session, vendor, number="PO-4601")

    second = await process_inbound(
        session, email("sales@acme.example", "Your order will ship tomorrow.", key="o2"), now=NOW, ctx=ctx
    )

    assert second.understanding is not None
    assert second.understanding.matches == []
    assert second.needs_review


async def test_a_po_closed_by_another_writer_no_longer_counts_as_open(session: AsyncSession) -> None:
    vendor, po = await acme(session)
    other = await make_po(session, vendor, number="PO-4700")
    ctx = context()
    await process_inbound(session, email("sales@acme.example", "Hello, noted.", key="x1"), now=NOW, ctx=ctx)
    change_status(session, await reload(session, other), POStatus.CANCELLED, at=NOW, actor=Actor("user:1"))
    await session.flush()

    result = await process_inbound(
        session, email("sales@acme.example", "Your order will ship tomorrow.", key="x2"), now=NOW, ctx=ctx
    )

    assert result.understanding is not None
    assert [m.po_number for m in result.understanding.matches] == [po.number]


@pytest.mark.parametrize("batch", [False, True], ids=["flush", "batch"])
async def test_a_reply_to_the_vendors_own_earlier_message_follows_its_thread(
    session: AsyncSession, batch: bool
) -> None:
    vendor, po = await acme(session)
    await make_po(session, vendor, number="PO-4800")
    ctx = context(batch=batch)
    await process_inbound(session, email("sales@acme.example", "We confirm PO-4512.", key="t1"), now=NOW, ctx=ctx)

    result = await process_inbound(
        session,
        email("sales@acme.example", "It has shipped today.", key="t2", in_reply_to="<t1@vendor.example>"),
        now=NOW + timedelta(hours=1),
        ctx=ctx,
    )

    assert result.applied_po_numbers == [po.number]
    if batch:
        await session.flush()
    assert (await reload(session, po)).status == POStatus.SHIPPED


async def test_a_rolled_back_message_leaves_no_thread_behind(session: AsyncSession) -> None:
    vendor, _po = await acme(session)
    await make_po(session, vendor, number="PO-4900")
    ctx = context(batch=True)
    savepoint = await session.begin_nested()
    await process_inbound(session, email("sales@acme.example", "We confirm PO-4512.", key="r1"), now=NOW, ctx=ctx)
    await savepoint.rollback()

    result = await process_inbound(
        session,
        email("sales@acme.example", "It has shipped today.", key="r2", in_reply_to="<r1@vendor.example>"),
        now=NOW,
        ctx=ctx,
    )

    assert result.applied_po_numbers == []


async def test_an_answer_resets_reminders_clears_unresponsive_and_asks_the_sweep_to_replan(
    session: AsyncSession,
) -> None:
    _vendor, po = await acme(session)
    po.reminders_sent, po.exc_vendor_unresponsive, po.followup_stage = 2, True, "unresponsive"
    po.next_followup_at = NOW + timedelta(days=3)
    await session.flush()

    await process_inbound(
        session,
        email("sales@acme.example", "PO-4512 confirmed, sorry for the delay.", key="a1"),
        now=NOW,
        ctx=context(),
    )

    po = await reload(session, po)
    assert (po.reminders_sent, po.exc_vendor_unresponsive, po.followup_stage) == (0, False, None)
    assert po.next_followup_at == NOW
    assert po.last_vendor_message_at == NOW


@pytest.mark.parametrize("batch", [False, True], ids=["flush", "batch"])
async def test_the_read_model_reads_back_other_writers_changes_but_not_its_own(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch, batch: bool
) -> None:
    _vendor, po = await acme(session)
    ctx = context(batch=batch)
    await process_inbound(session, email("sales@acme.example", "Hello, noted.", key="r0"), now=NOW, ctx=ctx)
    await session.commit()
    reloaded: list[int] = []
    original = repository.pos_by_ids

    async def counting(session: AsyncSession, ids: object) -> object:
        reloaded.extend(ids)  # type: ignore[call-overload]
        return await original(session, ids)  # type: ignore[arg-type]

    monkeypatch.setattr(repository, "pos_by_ids", counting)

    # the pipeline confirms the PO and notes it: the next refresh need not read it back
    await process_inbound(session, email("sales@acme.example", "We confirm PO-4512.", key="r1"), now=NOW, ctx=ctx)
    await session.commit()
    await ctx.model.refresh(session, force=True)
    assert reloaded == []
    assert (await ctx.model.pos_by_ids(session, [po.id]))[po.id].status == POStatus.CONFIRMED

    # someone else (an agent, the ERP, another process) holds it: the refresh reads it again
    held = await reload(session, po)
    change_status(session, held, POStatus.ON_HOLD, at=NOW, actor=Actor("user:1"))
    await session.commit()
    await ctx.model.refresh(session, force=True)
    assert reloaded == [po.id]
    assert (await ctx.model.pos_by_ids(session, [po.id]))[po.id].status == POStatus.ON_HOLD
