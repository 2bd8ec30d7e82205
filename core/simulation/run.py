"""Run the follow-up engine for N days against simulated vendors, through the real reply pipeline.

The channels are replaced by the simulated vendors: each tick they read (and mark sent) what the outbox
holds for them, and their answers come back through `core.replies.pipeline.process_inbound`, exactly as
a mail poller would deliver them. Time is a FrozenClock moved forward one tick at a time.
"""

from __future__ import annotations

import heapq
import itertools
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from core.followups import jobs
from core.followups.service import FollowupContext, on_po_sent, on_vendor_answer
from core.inbound import InboundMessage, MessageKind
from core.outbox.service import claim_due, mark_sent
from core.purchase_orders import repository as po_repository
from core.replies.pipeline import PipelineContext, process_inbound
from core.simulation.vendors import FOLLOWUP_KINDS, Behaviour, Delivered, POState, SimVendor
from models import (
    Escalation,
    Message,
    MessagePO,
    OutboxItem,
    POLine,
    PurchaseOrder,
    Vendor,
    VendorContact,
    VendorDomain,
)

TICK = timedelta(minutes=15)
# spread the vendors over the world: the engine works in each one's own hours and holidays
ZONES = [
    ("Europe/Berlin", "DE"),
    ("Asia/Tokyo", "JP"),
    ("America/Sao_Paulo", "BR"),
    ("Europe/London", "GB"),
    ("America/Chicago", "US"),
    ("Asia/Shanghai", "CN"),
    ("Europe/Paris", "FR"),
]


@dataclass(slots=True)
class BehaviourReport:
    behaviour: str
    vendors: int = 0
    pos: int = 0
    followups: Counter[str] = field(default_factory=Counter)
    answers: int = 0
    auto_replies: int = 0
    bounces: int = 0
    escalations: Counter[str] = field(default_factory=Counter)
    confirmed: int = 0
    hours_to_confirm: list[float] = field(default_factory=list)
    hours_to_escalation: list[float] = field(default_factory=list)

    @staticmethod
    def median(values: list[float]) -> str:
        return f"{statistics.median(values):.0f} h" if values else "-"


async def _seed(session: AsyncSession, vendors: int, start: datetime) -> dict[str, SimVendor]:
    behaviours = list(Behaviour)
    sims: dict[str, SimVendor] = {}
    po_no = itertools.count(1)
    for i in range(vendors):
        behaviour = behaviours[i % len(behaviours)]
        tz, country = ZONES[i % len(ZONES)]
        code = f"SIM{i + 1:03d}"
        domain = f"{behaviour.value.replace('_', '-')}{i + 1}.example"
        address = f"sales@{domain}"
        vendor = Vendor(
            code=code,
            name=f"{behaviour.value.replace('_', ' ').title()} Vendor {i + 1}",
            language="en",
            timezone=tz,
            country=country,
            preferred_channel="email",
            created_at=start,
            updated_at=start,
        )
        vendor.contacts = [VendorContact(channel="email", address=address, is_primary=True, created_at=start)]
        vendor.domains = [VendorDomain(domain=domain)]
        session.add(vendor)
        await session.flush()
        sim = SimVendor(code=code, address=address, behaviour=behaviour)
        for k in range(2):
            number = f"PO-{7000 + next(po_no)}"
            promised = (start + timedelta(days=12 + 4 * k + i % 3)).date()
            po = PurchaseOrder(
                number=number,
                vendor_id=vendor.id,
                status="sent",
                order_date=start.date(),
                promised_date=promised,
                original_promised_date=promised,
                currency="EUR",
                created_at=start,
                updated_at=start,
                sent_at=start,
            )
            po.lines = [
                POLine(
                    line_no=1,
                    sku=f"SKU-{i}-{k}",
                    description="Hex bolt M8x50 zinc plated",
                    quantity_ordered=Decimal(500),
                    unit="pcs",
                    unit_price=Decimal("0.12"),
                )
            ]
            session.add(po)
            await session.flush()
            await on_po_sent(session, po, now=start)
            sim.pos[number] = POState(number=number, promised=promised, quantity=500)
        sims[address] = sim
    return sims


def _record_outbound(session: AsyncSession, item: OutboxItem, now: datetime) -> None:
    """What a real channel stores once it sent an item, so that replies and bounces thread back to the PO."""
    message = Message(
        direction="out",
        channel=item.channel,
        kind="message",
        dedupe_key=f"outbox:{item.id}",
        vendor_id=item.vendor_id,
        recipient=item.recipient,
        subject=item.kind,
        email_message_id=item.email_message_id,
        received_at=now,
        state="sent",
        created_at=now,
    )
    if item.po_id is not None:
        message.po_links = [MessagePO(po_id=item.po_id, role="match", confidence=1.0, evidence=["sent"])]
    session.add(message)


def _delivered(item: OutboxItem, at: datetime) -> Delivered:
    payload = item.payload or {}
    context = payload.get("context") or {}
    number = payload.get("po_number") or context.get("po_number")
    subject = payload.get("subject") or f"{item.kind.replace('_', ' ')} {number or ''}".strip()
    return Delivered(item.kind, number, context.get("about"), item.email_message_id, subject, at)


async def simulate(
    sessions: async_sessionmaker[AsyncSession],
    *,
    clock: FrozenClock,
    days: int,
    vendors: int,
    pipeline: PipelineContext,
    ctx: FollowupContext,
) -> list[BehaviourReport]:
    start = clock.now()
    async with sessions() as session, session.begin():
        sims = await _seed(session, vendors, start)
    inbox: list[tuple[datetime, int, InboundMessage]] = []  # vendor answers on their way to us
    seq = itertools.count()
    end = start + timedelta(days=days)
    while clock.now() < end:
        now = clock.now()
        while inbox and inbox[0][0] <= now:
            _, _, message = heapq.heappop(inbox)
            async with sessions() as session, session.begin():
                result = await process_inbound(session, message, now=now, ctx=pipeline)
                if message.kind == MessageKind.MESSAGE:
                    for number in result.applied_po_numbers:
                        po = await po_repository.get_by_number(session, number)
                        if po is not None:
                            await on_vendor_answer(session, po, now=now, message_id=result.message_id)
        await jobs.sweep(sessions, now=now, worker="simulate", ctx=ctx)
        await jobs.run_sla_sweep(sessions, now=now)
        # the simulated channels: vendors read what is due for them; the rest is marked as sent too
        for channel in ("email", "telegram"):
            async with sessions() as session, session.begin():
                items = await claim_due(session, channel=channel, worker="simulate", now=now, limit=1000)
                for item in items:
                    await mark_sent(session, item, now=now, worker="simulate")
                    _record_outbound(session, item, now)
            for item in items:
                sim = sims.get(item.recipient)
                if sim is None:
                    continue
                for at, answer in sim.receive(_delivered(item, now)):
                    heapq.heappush(inbox, (at, next(seq), answer))
        clock.advance(TICK)
    async with sessions() as session:
        return await _report(session, sims)


async def _report(session: AsyncSession, sims: dict[str, SimVendor]) -> list[BehaviourReport]:
    reports = {b.value: BehaviourReport(b.value) for b in Behaviour}
    behaviour_of_vendor: dict[int, str] = {}
    for vendor in (await session.execute(select(Vendor))).scalars():
        contact = next((s for s in sims.values() if s.code == vendor.code), None)
        if contact is not None:
            behaviour_of_vendor[vendor.id] = contact.behaviour.value
            reports[contact.behaviour.value].vendors += 1
    pos = list((await session.execute(select(PurchaseOrder))).scalars())
    first_escalation: dict[int, datetime] = {}
    for esc in (await session.execute(select(Escalation).order_by(Escalation.created_at))).scalars():
        vendor_id = esc.vendor_id
        if vendor_id in behaviour_of_vendor:
            reports[behaviour_of_vendor[vendor_id]].escalations[esc.reason] += 1
        if esc.po_id is not None:
            first_escalation.setdefault(esc.po_id, esc.created_at)
    for po in pos:
        report = reports[behaviour_of_vendor[po.vendor_id]]
        report.pos += 1
        if po.confirmed_at and po.sent_at:
            report.confirmed += 1
            report.hours_to_confirm.append((po.confirmed_at - po.sent_at).total_seconds() / 3600)
        if po.id in first_escalation and po.sent_at:
            report.hours_to_escalation.append((first_escalation[po.id] - po.sent_at).total_seconds() / 3600)
    for item in (await session.execute(select(OutboxItem).where(OutboxItem.kind.in_(FOLLOWUP_KINDS)))).scalars():
        if item.vendor_id in behaviour_of_vendor:
            reports[behaviour_of_vendor[item.vendor_id]].followups[item.kind] += 1
    for msg in (await session.execute(select(Message).where(Message.direction == "in"))).scalars():
        sim = sims.get((msg.sender or "").lower())
        behaviour = sim.behaviour.value if sim else None
        if msg.kind == "bounce":
            target = next((b for v, b in behaviour_of_vendor.items() if v == msg.vendor_id), None)
            behaviour = behaviour or target or Behaviour.BOUNCING.value
            reports[behaviour].bounces += 1
        elif behaviour is not None:
            if msg.kind == "auto_reply":
                reports[behaviour].auto_replies += 1
            else:
                reports[behaviour].answers += 1
    return list(reports.values())


def format_report(reports: list[BehaviourReport], *, days: int, start: date) -> str:
    head = (
        f"{'behaviour':<16}{'POs':>4}{'asks':>6}{'remind':>7}{'answers':>8}{'auto':>5}{'bounce':>7}"
        f"{'escal.':>7}{'confirmed':>10}{'to confirm':>11}{'to escalate':>12}  escalation reasons"
    )
    lines = [f"liaison simulate: {days} days from {start.isoformat()}, 15-minute ticks, default policy", head]
    for r in reports:
        asks = r.followups["confirm_request"] + r.followups["shipping_update_request"] + r.followups["late_notice"]
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(r.escalations.items())) or "-"
        lines.append(
            f"{r.behaviour:<16}{r.pos:>4}{asks:>6}{r.followups['reminder']:>7}{r.answers:>8}{r.auto_replies:>5}"
            f"{r.bounces:>7}{sum(r.escalations.values()):>7}{f'{r.confirmed}/{r.pos}':>10}"
            f"{r.median(r.hours_to_confirm):>11}{r.median(r.hours_to_escalation):>12}  {reasons}"
        )
    return "\n".join(lines)
