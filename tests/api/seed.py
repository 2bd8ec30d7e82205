"""A small ledger for web tests, built through the real services: a late PO with a vendor message under
review, a confirmed PO, a shipped PO with DHL tracking, a closed one, and people to log in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from api import auth
from api.runtime import Runtime
from core.clock import FrozenClock
from core.escalations.schemas import EscalationReason
from core.escalations.service import raise_escalation
from core.purchase_orders.lifecycle import ExceptionFlag, POStatus
from core.purchase_orders.service import Actor, change_status, confirm, record_shipment, set_flag
from models import Message, MessagePO
from tests.factories import make_po, make_user, make_vendor

VENDOR_TEXT = "Hello, the goods for PO-1001 will ship next week. <script>alert('x')</script>"
QUOTED_TEXT = "> On 2 Nov you wrote: please confirm PO-1001"


@dataclass
class Seeded:
    vendor_code: str
    other_vendor_code: str
    agent_email: str
    buyer_email: str
    agent_id: int
    buyer_id: int
    escalation_id: int
    second_escalation_id: int
    message_id: int


async def seed_ledger(runtime: Runtime, clock: FrozenClock, *, password: str) -> Seeded:
    now = clock.now()
    sent_at = now - timedelta(days=18)
    async with runtime.sessions() as session:
        acme = await make_vendor(session, code="ACME", name="Acme Fasteners Ltd", emails=("sales@acme.example",))
        bolt = await make_vendor(session, code="BOLT", name="Bolt & Nut GmbH", emails=("info@bolt.example",))
        agent = await make_user(session, role="agent", email="ada@buyer.example", name="Ada Agent")
        buyer = await make_user(session, role="buyer", email="bob@buyer.example", name="Bob Buyer")
        for user in (agent, buyer):
            await auth.set_password(session, user, auth.hash_password(password), now=now)

        vendor_actor = Actor("vendor:ACME")
        late = await make_po(session, acme, number="PO-1001", promised_date=date(2026, 11, 10))
        late.buyer_id = buyer.id
        late.sent_at = sent_at
        confirmed = await make_po(session, acme, number="PO-1002", promised_date=date(2026, 12, 5))
        confirmed.sent_at = sent_at
        confirm(session, confirmed, at=sent_at + timedelta(hours=20), actor=vendor_actor)
        shipped = await make_po(
            session,
            bolt,
            number="PO-1003",
            promised_date=date(2026, 11, 25),
            lines=(("M8", "B-8", "Hex bolt M8", 100), ("M10", "B-10", "Hex bolt M10", 40)),
        )
        shipped.sent_at = sent_at
        record_shipment(
            session,
            shipped,
            at=now - timedelta(days=2),
            actor=Actor("vendor:BOLT"),
            carrier="DHL",
            tracking_numbers=[("1234567890", "DHL")],
            ship_date=date(2026, 11, 18),
            eta=date(2026, 11, 24),
        )
        closed = await make_po(session, bolt, number="PO-1004", status="received", vendor_reference="BN-77")
        change_status(session, closed, POStatus.CLOSED, at=now - timedelta(days=1), actor=Actor("erp"))
        set_flag(session, late, ExceptionFlag.LATE, True, at=now - timedelta(days=1), actor=Actor("followup"))

        message = Message(
            direction="in",
            channel="email",
            kind="message",
            dedupe_key="email:<m1@acme.example>",
            vendor_id=acme.id,
            sender="sales@acme.example",
            subject="Re: PO-1001",
            body_text=VENDOR_TEXT,
            quoted_text=QUOTED_TEXT,
            email_message_id="<m1@acme.example>",
            received_at=now - timedelta(hours=3),
            intent="delayed",
            understanding={
                "intent": "delayed",
                "intent_confidence": 0.62,
                "matches": [],
                "candidates": [{"po": "PO-1001", "confidence": 0.7, "evidence": ["number"]}],
                "needs_review": True,
                "review_reasons": ["no date found"],
                "eta": None,
                "tracking_numbers": [],
                "carrier": None,
            },
            state="review",
            review_state="pending",
            created_at=now - timedelta(hours=3),
        )
        session.add(message)
        await session.flush()
        session.add(MessagePO(message_id=message.id, po_id=late.id, role="candidate", confidence=0.7))
        review = await raise_escalation(
            session,
            reason=EscalationReason.NEEDS_REVIEW,
            now=now - timedelta(hours=3),
            summary="Vendor reply needs a person: no date found",
            po=late,
            message_id=message.id,
        )
        unresponsive = await raise_escalation(
            session,
            reason=EscalationReason.VENDOR_UNRESPONSIVE,
            now=now - timedelta(hours=30),
            summary="No answer to three reminders",
            po=confirmed,
        )
        await session.commit()
        return Seeded(
            vendor_code="ACME",
            other_vendor_code="BOLT",
            agent_email=agent.email or "",
            buyer_email=buyer.email or "",
            agent_id=agent.id,
            buyer_id=buyer.id,
            escalation_id=review.id,
            second_escalation_id=unresponsive.id,
            message_id=message.id,
        )
