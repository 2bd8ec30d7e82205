"""The one pipeline every channel hands an inbound vendor message to.

Inside the caller's transaction (it never commits): de-duplicate, store the message exactly as
received, decide who sent it and whether they may speak for the PO, read it, link it to its PO(s),
apply what a trusted vendor said, raise escalations for exceptions and doubt, and queue an
acknowledgement that tells the vendor what was understood.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from core.escalations.schemas import EscalationReason
from core.escalations.service import raise_escalation
from core.inbound import Channel, InboundMessage, MessageKind
from core.outbox.service import insert_once_id, item_values, new_message_id
from core.purchase_orders.events import jsonable
from core.purchase_orders.lifecycle import ExceptionFlag
from core.purchase_orders.service import Actor, set_flag
from core.replies import repository
from core.replies.apply import apply_to_po
from core.replies.interpret import Reading, read_message
from core.replies.read_model import Link, ReadModel
from core.replies.references import PONumberIndex
from core.replies.schemas import Intent, Understanding
from core.settings import Settings
from core.vendors.trust import SenderIdentity, VendorInfo, identify_sender
from models import Message, MessagePO, OutboxItem, PurchaseOrder, VendorContact

MAX_STORED_TEXT = 200_000  # chars of new/quoted text kept in columns; the raw bytes are kept whole
_HELD_POS = "liaison.pipeline.held_pos"


@dataclass(slots=True)
class ProcessResult:
    message_id: int
    duplicate: bool = False
    understanding: Understanding | None = None
    applied_po_numbers: list[str] = field(default_factory=list)
    needs_review: bool = False
    escalation_ids: list[int] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)
    # the stored row itself (None for a duplicate, and in batch mode, `defer_flush`, where only its
    # id is read back): the caller may add to it without a query
    message: Message | None = field(default=None, repr=False)


class PipelineContext:
    """Per-process state shared by every message: the in-memory read model, the reply-token secret.

    `refresh_interval` 0 (the default, for the live channels) checks for other writers' changes
    before every message with one statement; a process that is the only writer (`liaison interpret`)
    may check less often. With `defer_flush` the rows a message adds (links, events, PO changes) stay
    in the session until the caller's commit, so a batch of messages is written in a few grouped
    statements; by default they are flushed before `process_inbound` returns, for callers that query
    them in the same transaction.
    """

    def __init__(
        self,
        *,
        secret: bytes,
        mail_domain: str,
        send_acknowledgements: bool = True,
        refresh_interval: float = 0.0,
        defer_flush: bool = False,
    ) -> None:
        self.secret = secret
        self.defer_flush = defer_flush
        self.mail_domain = mail_domain
        self.send_acknowledgements = send_acknowledgements
        self.model = ReadModel(refresh_interval=refresh_interval)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        send_acknowledgements: bool = True,
        refresh_interval: float = 0.0,
        defer_flush: bool = False,
    ) -> PipelineContext:
        mail_from = settings.mail_from or "purchasing@liaison.invalid"
        return cls(
            secret=settings.secret_key.get_secret_value().encode(),
            mail_domain=mail_from.rpartition("@")[2] or "liaison.invalid",
            send_acknowledgements=send_acknowledgements,
            refresh_interval=refresh_interval,
            defer_flush=defer_flush,
        )

    @property
    def index(self) -> PONumberIndex:
        return self.model.index

    @property
    def tokens(self) -> dict[str, str]:
        return self.model.tokens

    async def refresh(self, session: AsyncSession) -> None:
        """Take in other writers' changes now, whatever the interval."""
        await self.model.refresh(session, force=True)


def _message_values(
    inbound: InboundMessage, identity: SenderIdentity, now: datetime, *, state: str, review_state: str
) -> dict[str, Any]:
    return {
        "direction": "in",
        "channel": inbound.channel.value,
        "kind": inbound.kind.value,
        "dedupe_key": inbound.dedupe_key[:600],
        "vendor_id": identity.vendor.id if identity.vendor and identity.trusted else None,
        "sender": inbound.sender[:320],
        "recipient": ", ".join(inbound.recipients)[:320] or None,
        "subject": (inbound.subject or "")[:1000],
        "body_text": inbound.new_text[:MAX_STORED_TEXT],
        "quoted_text": inbound.quoted_text[:MAX_STORED_TEXT] or None,
        "raw": inbound.raw or None,
        "email_message_id": (inbound.message_id or "")[:600] or None,
        "in_reply_to": (inbound.in_reply_to or "")[:600] or None,
        "references": " ".join(inbound.references)[:10_000] or None,
        "telegram_chat_id": inbound.telegram_chat_id,
        "telegram_message_id": inbound.telegram_message_id,
        "reply_to_telegram_message_id": inbound.reply_to_telegram_message_id,
        "received_at": inbound.received_at.astimezone(UTC),
        "state": state,
        "review_state": review_state,
        "attempts": 0,
        "created_at": now,
    }


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


# an ORM UPDATE's default ("evaluate") walks every object the session holds to find the ones it
# changed: with a batch's POs and lines held, that cost ms per statement and grew with the data.
# "fetch" asks the database for the changed ids (RETURNING) and refreshes only those.
_BY_RETURNED_IDS = "fetch"


async def _handle_bounce(
    session: AsyncSession, inbound: InboundMessage, pos: list[PurchaseOrder], *, now: datetime, message_id: int
) -> list[int]:
    escalations: list[int] = []
    reason = (inbound.new_text or "delivery failed")[:500]
    for address in inbound.bounced_recipients:
        # the first bounce is the one kept: a later one changes nothing
        await session.execute(
            update(VendorContact)
            .where(
                VendorContact.channel == "email",
                VendorContact.address == address.strip().lower(),
                VendorContact.bounced_at.is_(None),
            )
            .values(bounced_at=now, bounce_reason=reason)
            .execution_options(synchronize_session=_BY_RETURNED_IDS)
        )
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
        await session.execute(
            update(VendorContact)
            .where(VendorContact.id == identity.contact.id)
            .values(out_of_office_until=until)
            .execution_options(synchronize_session=_BY_RETURNED_IDS)
        )


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


def _disposition(
    inbound: InboundMessage, reading: Reading, vendor: VendorInfo | None, matched: bool
) -> tuple[str, str]:
    """The stored message's (state, review_state), decided before it is stored."""
    u = reading.understanding
    if inbound.kind == MessageKind.BOUNCE:
        return ("applied", "none") if matched else ("review", "pending")
    if inbound.kind == MessageKind.AUTO_REPLY:
        return "ignored", "none"
    if vendor is None:
        if u.intent != Intent.UNRELATED or reading.decision.foreign_po_numbers:
            return "review", "pending"
        return "ignored", "none"
    if u.needs_review or reading.decision.foreign_po_numbers:
        return "review", "pending"
    return ("applied" if matched else "ignored"), "none"


async def process_inbound(
    session: AsyncSession, inbound: InboundMessage, *, now: datetime, ctx: PipelineContext
) -> ProcessResult:
    result = await _process(session, inbound, now=now, ctx=ctx)
    if not ctx.defer_flush and not result.duplicate:
        await session.flush()
    return result


async def _process(
    session: AsyncSession, inbound: InboundMessage, *, now: datetime, ctx: PipelineContext
) -> ProcessResult:
    model = ctx.model
    await model.refresh(session)
    identity = await identify_sender(session, inbound, directory=model.directory)
    reading = await read_message(session, inbound, identity, model=model, secret=ctx.secret)
    u = reading.understanding
    vendor = identity.vendor if identity.trusted else None

    # the ORM rows only of POs that may change: a bounce's, or a trusted vendor's it will apply to
    matched_pos: list[PurchaseOrder] = []
    applies = vendor is not None and inbound.kind == MessageKind.MESSAGE
    applies = applies and not (u.needs_review or reading.decision.foreign_po_numbers)
    if u.matches and (inbound.kind == MessageKind.BOUNCE or applies):
        ids = [reading.pos[m.po_number].id for m in u.matches if m.po_number in reading.pos]
        matched_pos = await repository.pos_to_change(session, ids)
        if ctx.defer_flush:
            # batch mode: the session outlives many messages; holding the rows keeps them in its
            # identity map (it only holds them weakly), so the next message about a PO needs no query
            held: dict[int, PurchaseOrder] = session.sync_session.info.setdefault(_HELD_POS, {})
            held.update((po.id, po) for po in matched_pos)
    state, review_state = _disposition(inbound, reading, vendor, bool(matched_pos))

    # stored in one statement; its unique dedupe key makes a second copy a no-op (exactly once)
    values = _message_values(inbound, identity, now, state=state, review_state=review_state)
    values.update(
        intent=u.intent.value,
        confidence=u.matches[0].confidence if u.matches else 0.0,
        trusted=identity.trusted,
        understanding=understanding_json(u),
    )
    row: Message | None = None
    if ctx.defer_flush:
        # batch mode: the caller reads nothing of the row before its commit, so only the id comes back
        message_id = await repository.insert_message_id(session, values)
    else:
        row = await repository.insert_message(session, values)
        message_id = row.id if row is not None else None
    if message_id is None:
        existing = await repository.message_id_by_dedupe(session, inbound.dedupe_key[:600])
        return ProcessResult(message_id=existing or 0, duplicate=True)
    result = ProcessResult(message_id=message_id, understanding=u, needs_review=u.needs_review, message=row)

    links: list[Link] = []
    for match in u.matches:
        po_info = reading.pos.get(match.po_number)
        if po_info is not None:
            _add_link(session, ctx, message_id, po_info.id, "match", match.confidence, match.evidence)
            links.append(
                Link(
                    message_id,
                    po_info.id,
                    values["email_message_id"],
                    values["telegram_chat_id"],
                    values["telegram_message_id"],
                    "in",
                    values["received_at"],
                )
            )
    for cand in u.candidates:
        po_info = reading.pos.get(cand.po_number)
        if po_info is not None:
            _add_link(session, ctx, message_id, po_info.id, "candidate", cand.confidence, cand.evidence)
    if links:
        model.note_links(session, links)

    if inbound.kind == MessageKind.BOUNCE:
        result.escalation_ids += await _handle_bounce(session, inbound, matched_pos, now=now, message_id=message_id)
        return result

    if inbound.kind == MessageKind.AUTO_REPLY:
        # an automatic reply is no answer: it never resets reminders, it only tells us when to try again
        await _record_out_of_office(session, identity, inbound, now=now)
        return result

    if vendor is None:
        if state == "review":
            reasons = "; ".join(identity.warnings + u.review_reasons) or "unknown sender"
            esc = await raise_escalation(
                session,
                reason=EscalationReason.UNTRUSTED_SENDER,
                now=now,
                message_id=message_id,
                summary=f"message from {inbound.sender} not applied: {reasons}",
            )
            result.escalation_ids.append(esc.id)
        return result

    if u.needs_review or reading.decision.foreign_po_numbers:
        esc = await raise_escalation(
            session,
            reason=EscalationReason.NEEDS_REVIEW,
            now=now,
            message_id=message_id,
            vendor_id=vendor.id,
            summary=f"message from {vendor.name} needs a human: {'; '.join(u.review_reasons) or 'unclear'}",
        )
        result.escalation_ids.append(esc.id)
        result.needs_review = True
        if ctx.send_acknowledgements and u.needs_review:
            await _queue_reply(
                session, inbound, reading, message_id, vendor.language, vendor.id, "clarify", now, ctx, result
            )
        return result

    infos = {info.id: info for m in u.matches if (info := reading.pos.get(m.po_number)) is not None}
    for po in matched_pos:
        if po.vendor_id != vendor.id:  # decided upstream already; kept as a last guard
            continue
        outcome = await apply_to_po(session, po, u, now=now, message_id=message_id, vendor_code=vendor.code)
        result.applied_po_numbers += outcome.applied
        result.escalation_ids += [e.id for e in outcome.escalations]
        if po.id in infos:
            model.note_po(session, infos[po.id], po.status)
    if matched_pos and ctx.send_acknowledgements and u.intent != Intent.UNRELATED:
        await _queue_reply(session, inbound, reading, message_id, vendor.language, vendor.id, "ack", now, ctx, result)
    return result


def _add_link(
    session: AsyncSession,
    ctx: PipelineContext,
    message_id: int,
    po_id: int,
    role: str,
    confidence: float,
    evidence: tuple[str, ...] | list[str],
) -> None:
    values = {
        "message_id": message_id,
        "po_id": po_id,
        "role": role,
        "confidence": confidence,
        "evidence": list(evidence),
    }
    if ctx.defer_flush:
        repository.insert_later(session, MessagePO, values)
    else:
        session.add(MessagePO(**values))


async def _queue_reply(
    session: AsyncSession,
    inbound: InboundMessage,
    reading: Reading,
    message_id: int,
    language: str,
    vendor_id: int,
    template: str,
    now: datetime,
    ctx: PipelineContext,
    result: ProcessResult,
) -> None:
    if inbound.channel == Channel.EMAIL:
        recipient, email_id = inbound.sender, new_message_id(ctx.mail_domain)
    elif inbound.telegram_chat_id is not None:
        recipient, email_id = str(inbound.telegram_chat_id), None
    else:
        return
    po_id = None
    if len(reading.understanding.matches) == 1:
        po = reading.pos.get(reading.understanding.matches[0].po_number)
        po_id = po.id if po else None
    values = item_values(
        channel=inbound.channel.value,
        kind=template,
        recipient=recipient,
        dedupe_key=f"{template}:{message_id}",
        payload=_ack_payload(inbound, reading, language, template),
        now=now,
        po_id=po_id,
        vendor_id=vendor_id,
        user_id=None,
        email_message_id=email_id,
        send_after=None,
    )
    if ctx.defer_flush:
        # the key names the message stored just now, so no row holds it yet: written with the batch
        repository.insert_later(session, OutboxItem, values)
        return
    item_id = await insert_once_id(session, OutboxItem, values)
    if item_id is not None:
        result.outbox_ids.append(item_id)
