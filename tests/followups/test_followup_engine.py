"""The engine on a database and a driven clock: each step queues once, answers reset, escalation after the last."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.alerts import service as alerts
from core.clock import FrozenClock
from core.followups import repository
from core.followups.jobs import step_po
from core.followups.service import (
    FollowupContext,
    on_po_sent,
    on_vendor_answer,
    set_default_policy,
    set_vendor_overrides,
)
from models import BuyerAlert, Escalation, FollowupAttempt, OutboxItem, POEvent, PurchaseOrder, VendorContact
from tests.factories import make_po, make_user, make_vendor

CTX = FollowupContext(buyer_company="Buyer GmbH", message_id_domain="buyer.example")
MON = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)  # Monday, 10:00 in London


async def drive(session: AsyncSession, now: datetime, worker: str = "w1") -> list[str]:
    """One sweep at `now` inside the test's transaction: claim what is due, step each PO."""
    taken: list[str] = []
    for po_id in await repository.claim_due(session, now=now, worker=worker, limit=100, lease=timedelta(minutes=5)):
        taken += [s.value for s in await step_po(session, po_id, now=now, worker=worker, ctx=CTX)]
    await session.flush()
    return taken


async def outbox(session: AsyncSession, po_id: int) -> list[OutboxItem]:
    rows = await session.execute(select(OutboxItem).where(OutboxItem.po_id == po_id).order_by(OutboxItem.id))
    return list(rows.scalars())


async def setup(session: AsyncSession) -> tuple[PurchaseOrder, FrozenClock]:
    vendor = await make_vendor(session, emails=("sales@acme.example",), telegram_ids=(777,))
    tg = (
        await session.execute(
            select(VendorContact).where(VendorContact.channel == "telegram", VendorContact.vendor_id == vendor.id)
        )
    ).scalar_one()
    tg.telegram_chat_id = 777
    buyer = await make_user(session)
    po = await make_po(session, vendor, promised_date=date(2026, 12, 4))
    po.buyer_id = buyer.id
    clock = FrozenClock(MON)
    await on_po_sent(session, po, now=clock.now())
    await session.flush()
    return po, clock


async def test_confirm_remind_remind_escalate_then_the_answer_resets(session: AsyncSession) -> None:
    po, clock = await setup(session)
    assert po.next_followup_at == MON
    assert await drive(session, clock.now()) == ["confirm_request"]
    assert await drive(session, clock.now()) == []  # nothing twice
    clock.set(datetime(2026, 11, 18, 9, 59, tzinfo=UTC))
    assert await drive(session, clock.now()) == []  # not yet: 16 working hours end Wednesday 10:00
    clock.set(datetime(2026, 11, 18, 10, 0, tzinfo=UTC))
    assert await drive(session, clock.now()) == ["reminder"]
    clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    assert await drive(session, clock.now()) == ["reminder"]
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    assert await drive(session, clock.now()) == ["escalate_unresponsive"]

    items = await outbox(session, po.id)
    assert [(i.kind, i.channel, i.dedupe_key) for i in items] == [
        ("confirm_request", "email", f"followup:{po.id}:confirm_request:1"),
        ("reminder", "email", f"followup:{po.id}:reminder:1"),
        ("reminder", "telegram", f"followup:{po.id}:reminder:2"),
    ]
    assert items[0].recipient == "sales@acme.example"
    assert items[2].recipient == "777"
    assert items[1].payload["in_reply_to"] == items[0].email_message_id  # reminders thread under the request
    assert items[0].payload["template"] == "confirm_request"
    assert items[0].payload["context"]["po"]["number"] == po.number
    assert po.exc_vendor_unresponsive
    assert po.followup_stage == "unresponsive"
    escalation = (await session.execute(select(Escalation).where(Escalation.po_id == po.id))).scalar_one()
    assert escalation.reason == "vendor_unresponsive"
    assert escalation.state == "open"

    clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    await on_vendor_answer(session, po, now=clock.now(), message_id=None)
    assert not po.exc_vendor_unresponsive
    assert po.reminders_sent == 0
    assert escalation.state == "resolved"
    # still unconfirmed: the chase starts again 16 working hours after the answer, with fresh attempt numbers
    assert po.next_followup_at == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    clock.set(po.next_followup_at)
    assert await drive(session, clock.now()) == ["reminder"]
    assert (await outbox(session, po.id))[-1].dedupe_key == f"followup:{po.id}:reminder:3"
    kinds = [e.kind for e in (await session.execute(select(POEvent).where(POEvent.po_id == po.id))).scalars()]
    assert kinds.count("followup") == 5
    assert "escalated" in kinds
    assert "exception_cleared" in kinds


async def test_confirmed_po_is_asked_for_shipping_then_marked_late(session: AsyncSession) -> None:
    po, clock = await setup(session)
    await drive(session, clock.now())
    po.status = "confirmed"
    await on_vendor_answer(session, po, now=clock.now() + timedelta(hours=1), message_id=None)
    assert po.next_followup_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 3 days before 4 Dec, London morning
    clock.set(po.next_followup_at)
    assert await drive(session, clock.now()) == ["shipping_update_request"]
    await on_vendor_answer(session, po, now=clock.now() + timedelta(hours=2), message_id=None)
    clock.set(datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    assert await drive(session, clock.now()) == ["late_notice"]
    assert po.exc_late
    last = (await outbox(session, po.id))[-1]
    assert last.kind == "late_notice"
    assert last.payload["context"]["about"] == "shipping"
    # the buyer hears of it, batched: nothing before the window, one digest after
    await alerts.collect(session, now=clock.now())  # first run sets the checkpoint
    assert await session.scalar(select(func.count()).select_from(BuyerAlert)) == 0


async def test_out_of_office_postpones_and_holiday_skips(session: AsyncSession) -> None:
    vendor = await make_vendor(session, timezone="America/Sao_Paulo", country="BR")
    po = await make_po(session, vendor, promised_date=date(2026, 12, 18))
    contact = (await session.execute(select(VendorContact).where(VendorContact.vendor_id == vendor.id))).scalar_one()
    # sent on Friday 20 Nov, a Brazilian public holiday: the request waits for Monday 09:00 in São Paulo
    await on_po_sent(session, po, now=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    assert po.next_followup_at == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    await drive(session, po.next_followup_at)
    reminder_due = po.next_followup_at
    assert reminder_due == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    contact.out_of_office_until = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    await on_vendor_answer(session, po, now=datetime(2026, 11, 23, 12, 5, tzinfo=UTC), message_id=None)
    assert po.next_followup_at == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # back Monday, 09:00 local
    assert await drive(session, datetime(2026, 11, 27, 12, 0, tzinfo=UTC)) == []


async def test_claims_keep_two_workers_apart(session: AsyncSession) -> None:
    po, clock = await setup(session)
    ids_a = await repository.claim_due(session, now=clock.now(), worker="a", limit=10, lease=timedelta(minutes=5))
    ids_b = await repository.claim_due(session, now=clock.now(), worker="b", limit=10, lease=timedelta(minutes=5))
    assert po.id in ids_a
    assert po.id not in ids_b
    assert await step_po(session, po.id, now=clock.now(), worker="b", ctx=CTX) == []
    assert [s.value for s in await step_po(session, po.id, now=clock.now(), worker="a", ctx=CTX)] == ["confirm_request"]
    count = await session.scalar(
        select(func.count()).select_from(FollowupAttempt).where(FollowupAttempt.po_id == po.id)
    )
    assert count == 1


async def test_admin_policy_and_vendor_overrides(session: AsyncSession) -> None:
    po, clock = await setup(session)
    await set_default_policy(session, {"max_reminders": 0}, now=clock.now(), actor="user:1")
    vendor = po.vendor if "vendor" in po.__dict__ else None
    assert vendor is None or vendor.id == po.vendor_id
    await drive(session, clock.now())
    from core.followups.service import plan

    p = await plan(session, po)
    assert p.action is not None
    assert p.action.step.value == "escalate_unresponsive"
    policy = await set_vendor_overrides(session, p.vendor, {"max_reminders": 3}, now=clock.now())
    assert policy.max_reminders == 3
    assert p.vendor.followup_overrides == {"max_reminders": 3}
    p = await plan(session, po)
    assert p.action is not None
    assert p.action.step.value == "reminder"
