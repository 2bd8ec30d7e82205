"""Escalations: raised at once on an exception, worked by people (take, reassign, reply, move, correct, resolve),
raised a level past their SLA; each step lands in the PO's event log. Buyer alerts batch into digests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.alerts import service as alerts
from core.clock import FrozenClock
from core.errors import NotFoundError, ValidationProblem
from core.escalations import service
from core.escalations.schemas import EscalationReason
from core.escalations.sla import sla_sweep
from core.purchase_orders.service import Actor, set_field
from models import BuyerAlert, Message, MessagePO, OutboxItem, POEvent, PurchaseOrder
from tests.factories import make_po, make_user, make_vendor


async def events(session: AsyncSession, po: PurchaseOrder) -> list[str]:
    await session.flush()
    rows = await session.execute(select(POEvent.kind).where(POEvent.po_id == po.id).order_by(POEvent.id))
    return list(rows.scalars())


async def inbound(session: AsyncSession, vendor_id: int, at: datetime) -> Message:
    msg = Message(
        direction="in",
        channel="email",
        dedupe_key=f"email:<m{at.timestamp()}@acme.example>",
        vendor_id=vendor_id,
        sender="sales@acme.example",
        subject="PO update",
        email_message_id=f"<m{at.timestamp()}@acme.example>",
        received_at=at,
        created_at=at,
    )
    session.add(msg)
    await session.flush()
    return msg


async def test_exception_escalates_at_once_and_passes_its_sla(session: AsyncSession, clock: FrozenClock) -> None:
    lead = await make_user(session, role="lead", name="Lea")
    buyer = await make_user(session, name="Bob")
    buyer.lead_id = lead.id
    vendor = await make_vendor(session)
    po = await make_po(session, vendor)
    po.buyer_id = buyer.id
    msg = await inbound(session, vendor.id, clock.now())
    esc = await service.raise_escalation(
        session,
        reason=EscalationReason.DATE_LATER_THAN_PROMISED,
        now=clock.now(),
        summary="vendor now says 12 Dec, promised 28 Nov",
        po=po,
        message_id=msg.id,
    )
    assert esc.state == "open"
    assert esc.severity == "high"
    assert esc.sla_due_at == clock.now() + timedelta(hours=8)
    assert "escalated" in await events(session, po)
    # raising the same thing again adds a note, not a second escalation
    again = await service.raise_escalation(
        session, reason=EscalationReason.DATE_LATER_THAN_PROMISED, now=clock.now(), summary="and again", po=po
    )
    assert again.id == esc.id

    assert await sla_sweep(session, now=clock.advance(timedelta(hours=7))) == 0
    assert await sla_sweep(session, now=clock.advance(timedelta(hours=2))) == 1
    assert esc.level == 1
    assert esc.assignee_id == lead.id
    assert esc.sla_due_at == clock.now() + timedelta(hours=8)
    assert await sla_sweep(session, now=clock.now()) == 0  # once per SLA period
    assert "escalation_overdue" in await events(session, po)
    alert = (await session.execute(select(BuyerAlert).where(BuyerAlert.user_id == lead.id))).scalar_one()
    assert alert.kind == "escalation_overdue"


async def test_people_work_an_escalation(session: AsyncSession, clock: FrozenClock) -> None:
    agent = await make_user(session, role="agent", name="Ada")
    other = await make_user(session, role="agent", name="Otto")
    vendor = await make_vendor(session, emails=("sales@acme.example",))
    wrong = await make_po(session, vendor)
    right = await make_po(session, vendor)
    msg = await inbound(session, vendor.id, clock.now())
    session.add(MessagePO(message_id=msg.id, po_id=wrong.id, role="candidate", confidence=0.6))
    esc = await service.raise_escalation(
        session,
        reason=EscalationReason.NEEDS_REVIEW,
        now=clock.now(),
        summary="not sure which PO",
        po=wrong,
        message_id=msg.id,
    )

    listed = await service.list_escalations(session)
    assert esc.id in [e.id for e in listed]
    await service.take(session, esc.id, user_id=agent.id, now=clock.now())
    assert (esc.state, esc.assignee_id) == ("in_progress", agent.id)
    await service.reassign(session, esc.id, to_user_id=other.id, by_user_id=agent.id, now=clock.now())
    assert esc.assignee_id == other.id

    item = await service.reply_to_vendor(
        session,
        esc.id,
        text="Which PO is this about?",
        by_user_id=other.id,
        now=clock.now(),
        message_id_domain="buyer.example",
    )
    assert (item.kind, item.channel, item.recipient) == ("agent_message", "email", "sales@acme.example")
    assert item.payload["in_reply_to"] == msg.email_message_id
    assert item.payload["context"]["body"] == "Which PO is this about?"
    assert esc.state == "waiting_on_vendor"
    assert await service.vendor_answered(session, wrong, now=clock.now(), message_id=None) == 1
    assert esc.state == "in_progress"

    await service.move_message(session, esc.id, to_po_number=right.number, by_user_id=other.id, now=clock.now())
    links = (await session.execute(select(MessagePO).where(MessagePO.message_id == msg.id))).scalars().all()
    assert [(link.po_id, link.role) for link in links] == [(right.id, "match")]
    assert "message_unlinked" in await events(session, wrong)
    assert "message_linked" in await events(session, right)

    await service.correct_date(session, esc.id, eta=date(2026, 12, 9), by_user_id=other.id, now=clock.now())
    assert right.eta == date(2026, 12, 9)

    await service.resolve(session, esc.id, note="moved and dated", by_user_id=other.id, now=clock.now())
    shown = await service.get_escalation(session, esc.id)
    assert (shown.state, shown.open_key, shown.resolution_note) == ("resolved", None, "moved and dated")
    assert [n.text for n in shown.notes][-1] == "resolved: moved and dated"
    assert {
        "escalation_taken",
        "escalation_reassigned",
        "escalation_replied",
        "field_changed",
        "escalation_resolved",
    } <= set(await events(session, right)) | set(await events(session, wrong))
    with pytest.raises(ValidationProblem):
        await service.resolve(session, esc.id, note="twice", by_user_id=other.id, now=clock.now())
    with pytest.raises(NotFoundError):
        await service.get_escalation(session, 999_999)


async def test_buyer_alerts_are_batched_into_one_digest_per_window(session: AsyncSession, clock: FrozenClock) -> None:
    buyer = await make_user(session, email="bob@buyer.example")
    vendor = await make_vendor(session)
    pos = [await make_po(session, vendor) for _ in range(3)]
    await alerts.collect(session, now=clock.now())  # the first run only sets the checkpoint
    for i, po in enumerate(pos):
        po.buyer_id = buyer.id
        set_field(session, po, "eta", date(2026, 12, 10 + i), at=clock.now(), actor=Actor("vendor:x"))
    await session.flush()
    assert await alerts.collect(session, now=clock.now()) == 3
    assert await alerts.collect(session, now=clock.now()) == 0  # the checkpoint moved on
    assert await alerts.send_digests(session, now=clock.advance(timedelta(minutes=5))) == 0  # inside the window
    assert await alerts.send_digests(session, now=clock.advance(timedelta(minutes=11))) == 1
    digest = (await session.execute(select(OutboxItem).where(OutboxItem.kind == "buyer_digest"))).scalars().all()
    assert len(digest) == 1
    assert digest[0].recipient == "bob@buyer.example"
    assert digest[0].payload["context"]["count"] == 3
    assert await alerts.pending_for(session, buyer.id) == []
    assert await alerts.send_digests(session, now=clock.advance(timedelta(hours=1))) == 0


async def test_reply_needs_a_reachable_contact(session: AsyncSession, clock: FrozenClock) -> None:
    vendor = await make_vendor(session)
    po = await make_po(session, vendor)
    for contact in await service.repository.contacts_of(session, vendor.id):
        contact.bounced_at = clock.now()
    esc = await service.raise_escalation(
        session, reason=EscalationReason.BOUNCE, now=clock.now(), summary="bounced", po=po
    )
    with pytest.raises(ValidationProblem, match="no reachable contact"):
        await service.reply_to_vendor(session, esc.id, text="hello?", by_user_id=None, now=clock.now())
    _ = datetime.now(UTC)
