"""The one pipeline every channel hands an inbound vendor message to.

Inside the caller's transaction (it never commits): de-duplicate, store the message exactly as
received, decide who sent it and whether they may speak for the PO, read it, link it to its PO(s),
apply what a trusted vendor said, raise escalations for exceptions and doubt, and queue an
acknowledgement that tells the vendor what was understood.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.escalations.schemas import EscalationReason
from core.escalations.service import raise_escalation
from core.inbound import Channel, InboundMessage, MessageKind
from core.outbox.service import enqueue, new_message_id
from core.purchase_orders import repository as po_repository
from core.purchase_orders.events import jsonable
from core.purchase_orders.lifecycle import ExceptionFlag
from core.purchase_orders.service import Actor, set_flag
from core.replies import repository
from core.replies.apply import apply_to_po
from core.replies.interpret import Reading, read_message
from core.replies.references import PONumberIndex
from core.replies.schemas import Intent, Understanding
from core.replies.tokens import po_token
from core.settings import Settings
from core.vendors import repository as vendor_repository
from core.vendors.trust import DomainDirectory, SenderIdentity, identify_sender
from models import Message, MessagePO, PurchaseOrder

MAX_STORED_TEXT = 200_000  # chars of new/quoted text kept in columns; the raw bytes are kept whole


@dataclass(slots=True)
class ProcessResult:
    message_id: int
    duplicate: bool = False
    understanding: Understanding | None = None
    applied_po_numbers: list[str] = field(default_factory=list)
    needs_review: bool = False
    escalation_ids: list[int] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)


class PipelineContext:
    """Per-process state shared by every message: PO-number index, reply tokens, vendor domains."""

    def __init__(self, *, secret: bytes, mail_domain: str, send_acknowledgements: bool = True) -> None:
        self.secret = secret
        self.mail_domain = mail_domain
        self.send_acknowledgements = send_acknowledgements
        self.index = PONumberIndex()
        self.tokens: dict[str, str] = {}
        self.directory = DomainDirectory()
        self._max_po_id = 0
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, *, send_acknowledgements: bool = True) -> PipelineContext:
        mail_from = settings.mail_from or "purchasing@liaison.invalid"
        return cls(
            secret=settings.secret_key.get_secret_value().encode(),
            mail_domain=mail_from.rpartition("@")[2] or "liaison.invalid",
            send_acknowledgements=send_acknowledgements,
        )

    async def refresh(self, session: AsyncSession) -> None:
        """Add POs created since the last look (cheap: one indexed range query)."""
        async with self._lock:
            for po_id, number, vendor_ref in await repository.new_po_numbers(session, self._max_po_id):
                self.index.add(number)
                self.tokens[po_token(number)] = number
                if vendor_ref:
                    self.index.add_vendor_reference(number, vendor_ref)
                self._max_po_id = max(self._max_po_id, po_id)


def _message_row(inbound: InboundMessage, identity: SenderIdentity, now: datetime) -> Message:
    return Message(
        direction="in",
        channel=inbound.channel.value,
        kind=inbound.kind.value,
        dedupe_key=inbound.dedupe_key[:600],
        vendor_id=identity.vendor.id if identity.vendor and identity.trusted else None,
        sender=inbound.sender[:320],
        recipient=", ".join(inbound.recipients)[:320] or None,
        subject=(inbound.subject or "")[:1000],
        body_text=inbound.new_text[:MAX_STORED_TEXT],
        quoted_text=inbound.quoted_text[:MAX_STORED_TEXT] or None,
        raw=inbound.raw or None,
        email_message_id=(inbound.message_id or "")[:600] or None,
        in_reply_to=(inbound.in_reply_to or "")[:600] or None,
        references=" ".join(inbound.references)[:10_000] or None,
        telegram_chat_id=inbound.telegram_chat_id,
        telegram_message_id=inbound.telegram_message_id,
        reply_to_telegram_message_id=inbound.reply_to_telegram_message_id,
        received_at=inbound.received_at.astimezone(UTC),
        state="received",
        review_state="none",
        created_at=now,
    )


def understanding_json(u: Understanding) -> dict[str, Any]:
    return {
        "intent": u.intent.value,
        "intent_confidence": round(u.intent_confidence, 3),
        "po_numbers": [m.po_number for m in u.matches] if not u.needs_review else [],
        "matches": [{"po": m.po_number, "confidence": m.confidence, "evidence": list(m.evidence)} for m in u.matches],
        "candidates": [
            {"po": m.po_number, "confidence": m.confidence, "evidence": list(m.evidence)} for m in u.candidates
        ],
        "needs_review": u.needs_review,
        "review_reasons": u.review_reasons,
        "eta": jsonable(u.eta),
        "ship_date": jsonable(u.ship_date),
        "tracking_numbers": [t.number for t in u.tracking],
        "carrier": u.carrier.value if u.carrier else None,
        "quantities": {po: {str(k): v for k, v in q.items()} for po, q in u.quantities.items()},
        "trusted": u.trusted,
    }


async def _handle_bounce(
    session: AsyncSession, inbound: InboundMessage, pos: list[PurchaseOrder], *, now: datetime, message_id: int
) -> list[int]:
    escalations: list[int] = []
    for address in inbound.bounced_recipients:
        contact = await vendor_repository.contact_by_address(session, "email", address.strip().lower())
        if contact is not None and contact.bounced_at is None:
            contact.bounced_at = now
            contact.bounce_reason = (inbound.new_text or "delivery failed")[:500]
    for po in pos:
        set_flag(session, po, ExceptionFlag.CONTACT_BOUNCED, True, at=now, actor=Actor("system", message_id))
        esc = await raise_escalation(
            session,
            reason=EscalationReason.BOUNCE,
            now=now,
            po=po,
            message_id=message_id,
            summary=f"{po.number}: our message to the vendor bounced ({', '.join(inbound.bounced_recipients) or '?'})",
        )
        escalations.append(esc.id)
    return escalations


async def _record_out_of_office(
    session: AsyncSession, identity: SenderIdentity, inbound: InboundMessage, *, now: datetime
) -> None:
    if identity.contact is None or inbound.auto_reply_until is None:
        return
    until = datetime.combine(inbound.auto_reply_until, datetime.min.time(), tzinfo=UTC)
    if until > now:
        identity.contact.out_of_office_until = until


def _ack_payload(inbound: InboundMessage, reading: Reading, language: str, template: str) -> dict[str, Any]:
    u = reading.understanding
    payload: dict[str, Any] = {
        "template": template,
        "language": language,
        "po_number": u.matches[0].po_number if len(u.matches) == 1 else None,
        "context": {
            **understanding_json(u),
            "candidates": [m.po_number for m in u.candidates][:10],
            "vendor_text": inbound.new_text[:500],
        },
    }
    if inbound.channel == Channel.EMAIL:
        subject = inbound.subject or ""
        payload["subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}".strip()
        payload["in_reply_to"] = inbound.message_id
        payload["references"] = [*inbound.references, *([inbound.message_id] if inbound.message_id else [])][-20:]
    else:
        payload["reply_to_telegram_message_id"] = inbound.telegram_message_id
    return payload


async def process_inbound(
    session: AsyncSession, inbound: InboundMessage, *, now: datetime, ctx: PipelineContext
) -> ProcessResult:
    existing = await repository.message_id_by_dedupe(session, inbound.dedupe_key[:600])
    if existing is not None:
        return ProcessResult(message_id=existing, duplicate=True)
    await ctx.refresh(session)
    identity = await identify_sender(session, inbound, directory=ctx.directory)
    row = _message_row(inbound, identity, now)
    session.add(row)
    await session.flush()

    reading = await read_message(session, inbound, identity, index=ctx.index, tokens=ctx.tokens, secret=ctx.secret)
    u = reading.understanding
    row.intent = u.intent.value
    row.confidence = u.matches[0].confidence if u.matches else 0.0
    row.trusted = identity.trusted
    row.understanding = understanding_json(u)
    result = ProcessResult(message_id=row.id, understanding=u, needs_review=u.needs_review)

    for match in u.matches:
        po_info = reading.pos.get(match.po_number)
        if po_info is not None:
            session.add(
                MessagePO(
                    message_id=row.id,
                    po_id=po_info.id,
                    role="match",
                    confidence=match.confidence,
                    evidence=list(match.evidence),
                )
            )
    for cand in u.candidates:
        po_info = reading.pos.get(cand.po_number)
        if po_info is not None:
            session.add(
                MessagePO(
                    message_id=row.id,
                    po_id=po_info.id,
                    role="candidate",
                    confidence=cand.confidence,
                    evidence=list(cand.evidence),
                )
            )

    matched_pos = await po_repository.list_by_numbers(session, [m.po_number for m in u.matches])
    if inbound.kind == MessageKind.BOUNCE:
        result.escalation_ids += await _handle_bounce(session, inbound, matched_pos, now=now, message_id=row.id)
        row.state = "applied" if matched_pos else "review"
        if not matched_pos:
            row.review_state = "pending"
        return result

    vendor = identity.vendor if identity.trusted else None
    if inbound.kind == MessageKind.AUTO_REPLY:
        # an automatic reply is no answer: it never resets reminders, it only tells us when to try again
        await _record_out_of_office(session, identity, inbound, now=now)
        row.state = "ignored"
        return result

    if vendor is None:
        row.state = "review" if (u.intent != Intent.UNRELATED or reading.decision.foreign_po_numbers) else "ignored"
        if row.state == "review":
            row.review_state = "pending"
            reasons = "; ".join(identity.warnings + u.review_reasons) or "unknown sender"
            esc = await raise_escalation(
                session,
                reason=EscalationReason.UNTRUSTED_SENDER,
                now=now,
                message_id=row.id,
                summary=f"message from {inbound.sender} not applied: {reasons}",
            )
            result.escalation_ids.append(esc.id)
        return result

    if u.needs_review or reading.decision.foreign_po_numbers:
        row.state = "review"
        row.review_state = "pending"
        esc = await raise_escalation(
            session,
            reason=EscalationReason.NEEDS_REVIEW,
            now=now,
            message_id=row.id,
            vendor_id=vendor.id,
            summary=f"message from {vendor.name} needs a human: {'; '.join(u.review_reasons) or 'unclear'}",
        )
        result.escalation_ids.append(esc.id)
        result.needs_review = True
        if ctx.send_acknowledgements and u.needs_review:
            await _queue_reply(session, inbound, reading, row, vendor.language, vendor.id, "clarify", now, ctx, result)
        return result

    for po in matched_pos:
        if po.vendor_id != vendor.id:  # decided upstream already; kept as a last guard
            continue
        outcome = await apply_to_po(session, po, u, now=now, message_id=row.id, vendor_code=vendor.code)
        result.applied_po_numbers += outcome.applied
        result.escalation_ids += [e.id for e in outcome.escalations]
    row.state = "applied" if matched_pos else "ignored"
    if matched_pos and ctx.send_acknowledgements and u.intent != Intent.UNRELATED:
        await _queue_reply(session, inbound, reading, row, vendor.language, vendor.id, "ack", now, ctx, result)
    return result


async def _queue_reply(
    session: AsyncSession,
    inbound: InboundMessage,
    reading: Reading,
    row: Message,
    language: str,
    vendor_id: int,
    template: str,
    now: datetime,
    ctx: PipelineContext,
    result: ProcessResult,
) -> None:
    if inbound.channel == Channel.EMAIL:
        recipient, message_id = inbound.sender, new_message_id(ctx.mail_domain)
    elif inbound.telegram_chat_id is not None:
        recipient, message_id = str(inbound.telegram_chat_id), None
    else:
        return
    po_id = None
    if len(reading.understanding.matches) == 1:
        po = reading.pos.get(reading.understanding.matches[0].po_number)
        po_id = po.id if po else None
    item = await enqueue(
        session,
        channel=inbound.channel.value,
        kind=template,
        recipient=recipient,
        dedupe_key=f"{template}:{row.id}",
        payload=_ack_payload(inbound, reading, language, template),
        now=now,
        po_id=po_id,
        vendor_id=vendor_id,
        email_message_id=message_id,
    )
    if item is not None:
        result.outbox_ids.append(item.id)
