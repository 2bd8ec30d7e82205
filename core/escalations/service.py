"""Escalations: pulling a human in. Raising the same open issue twice adds a note, not a duplicate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFoundError, ValidationProblem
from core.escalations import repository
from core.escalations.schemas import DEFAULT_SEVERITY, SLA, EscalationReason, EscalationState, Severity
from core.outbox.service import enqueue, insert_once, new_message_id
from core.purchase_orders import repository as po_repository
from core.purchase_orders.events import record_event
from core.purchase_orders.service import Actor, set_field
from models import Escalation, EscalationNote, MessagePO, OutboxItem, PurchaseOrder, Vendor, VendorContact


def open_key(reason: EscalationReason, *, po_id: int | None, message_id: int | None) -> str:
    if po_id is not None:
        return f"{reason.value}:po:{po_id}"
    return f"{reason.value}:msg:{message_id}"


async def raise_escalation(
    session: AsyncSession,
    *,
    reason: EscalationReason,
    now: datetime,
    summary: str,
    po: PurchaseOrder | None = None,
    message_id: int | None = None,
    vendor_id: int | None = None,
    severity: Severity | None = None,
    actor: str = "system",
) -> Escalation:
    """Open an escalation, or add to the open one for the same PO (or message) and reason."""
    key = open_key(reason, po_id=po.id if po else None, message_id=message_id)
    severity = severity or DEFAULT_SEVERITY[reason]
    # the new escalation first, in one statement: the unique open key turns it into nothing when one
    # is open already (then that one gets a note), with no look-up before and no flush of the session
    escalation = await insert_once(
        session,
        Escalation,
        {
            "po_id": po.id if po else None,
            "message_id": message_id,
            "vendor_id": vendor_id if vendor_id is not None else (po.vendor_id if po else None),
            "reason": reason.value,
            "severity": severity.value,
            "state": EscalationState.OPEN.value,
            "summary": summary,
            "open_key": key,
            "level": 0,
            "sla_due_at": now + SLA[severity],
            "created_at": now,
            "updated_at": now,
        },
    )
    if escalation is None:
        existing = await session.scalar(select(Escalation).where(Escalation.open_key == key))
        if existing is None:  # resolved between the two statements: the key is free again
            return await raise_escalation(
                session,
                reason=reason,
                now=now,
                summary=summary,
                po=po,
                message_id=message_id,
                vendor_id=vendor_id,
                severity=severity,
                actor=actor,
            )
        session.add(EscalationNote(escalation_id=existing.id, author=actor, at=now, text=summary))
        existing.updated_at = now
        if message_id is not None and existing.message_id is None:
            existing.message_id = message_id
        return existing
    if po is not None:
        record_event(
            session,
            po,
            kind="escalated",
            field="escalation",
            old=None,
            new={"id": escalation.id, "reason": reason.value, "severity": severity.value},
            at=now,
            actor=actor,
            message_id=message_id,
            note=summary,
        )
    return escalation


# --- operations people do on escalations (CLI, bot, dashboard) -----------------------------------


def _user_actor(user_id: int | None) -> str:
    return f"user:{user_id}" if user_id is not None else "system"


async def get_escalation(session: AsyncSession, escalation_id: int, *, with_notes: bool = True) -> Escalation:
    escalation = await repository.get(session, escalation_id, with_notes=with_notes)
    if escalation is None:
        raise NotFoundError(f"no escalation {escalation_id}")
    return escalation


async def list_escalations(
    session: AsyncSession,
    *,
    states: Sequence[str] | None = None,
    assignee_id: int | None = None,
    po_id: int | None = None,
    limit: int = 100,
) -> list[Escalation]:
    """Unresolved escalations by default, the earliest SLA first."""
    return await repository.list_escalations(
        session, states=states or repository.ACTIVE_STATES, assignee_id=assignee_id, po_id=po_id, limit=limit
    )


async def _active(session: AsyncSession, escalation_id: int) -> Escalation:
    escalation = await get_escalation(session, escalation_id, with_notes=False)
    if escalation.state == EscalationState.RESOLVED:
        raise ValidationProblem(f"escalation {escalation_id} is already resolved")
    return escalation


def add_note(session: AsyncSession, escalation: Escalation, *, author: str, text: str, now: datetime) -> EscalationNote:
    note = EscalationNote(escalation_id=escalation.id, author=author, at=now, text=text[:20_000])
    session.add(note)
    escalation.updated_at = now
    return note


async def _po_event(
    session: AsyncSession,
    escalation: Escalation,
    *,
    kind: str,
    now: datetime,
    actor: str,
    new: object = None,
    note: str | None = None,
    po: PurchaseOrder | None = None,
) -> None:
    po = po or (await repository.get_po(session, escalation.po_id) if escalation.po_id is not None else None)
    if po is None:
        return
    record_event(
        session,
        po,
        kind=kind,
        field="escalation",
        old=None,
        new={"id": escalation.id, **(new if isinstance(new, dict) else {})},
        at=now,
        actor=actor,
        message_id=escalation.message_id,
        note=note,
    )


async def take(session: AsyncSession, escalation_id: int, *, user_id: int, now: datetime) -> Escalation:
    """`user_id` works on it from now on."""
    escalation = await _active(session, escalation_id)
    if await repository.get_user(session, user_id) is None:
        raise NotFoundError(f"no user {user_id}")
    actor = _user_actor(user_id)
    escalation.assignee_id = user_id
    escalation.state = EscalationState.IN_PROGRESS.value
    add_note(session, escalation, author=actor, text="taken", now=now)
    await _po_event(session, escalation, kind="escalation_taken", now=now, actor=actor, new={"assignee_id": user_id})
    await session.flush()
    return escalation


async def reassign(
    session: AsyncSession, escalation_id: int, *, to_user_id: int, by_user_id: int | None, now: datetime
) -> Escalation:
    escalation = await _active(session, escalation_id)
    if await repository.get_user(session, to_user_id) is None:
        raise NotFoundError(f"no user {to_user_id}")
    actor = _user_actor(by_user_id)
    old = escalation.assignee_id
    escalation.assignee_id = to_user_id
    add_note(session, escalation, author=actor, text=f"reassigned from {old} to {to_user_id}", now=now)
    await _po_event(
        session, escalation, kind="escalation_reassigned", now=now, actor=actor, new={"from": old, "to": to_user_id}
    )
    await session.flush()
    return escalation


def _reachable(contact: VendorContact) -> bool:
    return contact.bounced_at is None and (contact.channel != "telegram" or contact.telegram_chat_id is not None)


async def _reply_route(
    session: AsyncSession, escalation: Escalation, vendor: Vendor | None, channel: str | None
) -> tuple[str, str, dict[str, Any]]:
    """Channel, recipient and threading for a reply: the escalated message's own thread when there is one."""
    message = await repository.get_message(session, escalation.message_id) if escalation.message_id else None
    if message is not None and message.direction == "in" and (channel is None or channel == message.channel):
        if message.channel == "email" and message.sender:
            threading: dict[str, Any] = {}
            if message.email_message_id:
                refs = (message.references or "").split()
                threading = {"in_reply_to": message.email_message_id, "references": [*refs, message.email_message_id]}
                if message.subject:
                    subject = message.subject
                    threading["subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
            return "email", message.sender, threading
        if message.channel == "telegram" and message.telegram_chat_id is not None:
            extra = {"reply_to_telegram_message_id": message.telegram_message_id} if message.telegram_message_id else {}
            return "telegram", str(message.telegram_chat_id), extra
    if vendor is None:
        raise ValidationProblem("this escalation has no vendor to write to")
    contacts = [c for c in await repository.contacts_of(session, vendor.id) if _reachable(c)]
    order = [channel] if channel else [vendor.preferred_channel, "email", "telegram"]
    for wanted in order:
        for contact in sorted(contacts, key=lambda c: (not c.is_primary, c.id)):
            if contact.channel == wanted:
                recipient = str(contact.telegram_chat_id) if wanted == "telegram" else contact.address
                return wanted, recipient, {}
    raise ValidationProblem(f"{vendor.name} has no reachable contact" + (f" on {channel}" if channel else ""))


async def reply_to_vendor(
    session: AsyncSession,
    escalation_id: int,
    *,
    text: str,
    by_user_id: int | None,
    now: datetime,
    channel: str | None = None,
    buyer_company: str = "Liaison",
    message_id_domain: str = "liaison.invalid",
) -> OutboxItem:
    """Write to the vendor through Liaison (queued in the outbox, kind `agent_message`); waits on the vendor."""
    body = text.strip()
    if not body:
        raise ValidationProblem("the reply is empty")
    escalation = await _active(session, escalation_id)
    po = await repository.get_po(session, escalation.po_id) if escalation.po_id is not None else None
    vendor_id = escalation.vendor_id or (po.vendor_id if po else None)
    vendor = await session.get(Vendor, vendor_id) if vendor_id is not None else None
    route_channel, recipient, threading = await _reply_route(session, escalation, vendor, channel)
    actor = _user_actor(by_user_id)
    agent = await repository.get_user(session, by_user_id) if by_user_id is not None else None
    note = add_note(session, escalation, author=actor, text=f"to the vendor ({route_channel}): {body}", now=now)
    await session.flush()
    payload: dict[str, Any] = {
        "template": "agent_message",
        "language": vendor.language if vendor else "en",
        "po_number": po.number if po else None,
        "context": {
            "body": body,
            "po_number": po.number if po else None,
            "agent_name": agent.name if agent else None,
            "buyer_company": buyer_company,
        },
        **threading,
    }
    item = await enqueue(
        session,
        channel=route_channel,
        kind="agent_message",
        recipient=recipient,
        dedupe_key=f"agent_message:{escalation.id}:{note.id}",
        payload=payload,
        now=now,
        po_id=po.id if po else None,
        vendor_id=vendor.id if vendor else None,
        user_id=by_user_id,
        email_message_id=new_message_id(message_id_domain) if route_channel == "email" else None,
    )
    if item is None:  # the key holds a fresh note id: a clash means a bug, not a duplicate request
        raise ValidationProblem("the reply could not be queued")
    escalation.state = EscalationState.WAITING_ON_VENDOR.value
    if escalation.assignee_id is None and by_user_id is not None:
        escalation.assignee_id = by_user_id
    await _po_event(
        session,
        escalation,
        kind="escalation_replied",
        now=now,
        actor=actor,
        new={"outbox_id": item.id, "channel": route_channel},
        note=body[:500],
        po=po,
    )
    return item


async def move_message(
    session: AsyncSession, escalation_id: int, *, to_po_number: str, by_user_id: int | None, now: datetime
) -> PurchaseOrder:
    """Correct a wrong match: the escalated message is about `to_po_number`, not the PO(s) it was linked to."""
    escalation = await _active(session, escalation_id)
    if escalation.message_id is None:
        raise ValidationProblem(f"escalation {escalation_id} is not about a message")
    target = await po_repository.get_by_number(session, to_po_number)
    if target is None:
        raise NotFoundError(f"no purchase order {to_po_number}")
    actor = _user_actor(by_user_id)
    links = await repository.links_of_message(session, escalation.message_id)
    for link in links:
        if link.po_id == target.id:
            continue
        old_po = await repository.get_po(session, link.po_id)
        await session.delete(link)
        if old_po is not None:
            record_event(
                session,
                old_po,
                kind="message_unlinked",
                field="message",
                old=escalation.message_id,
                new=None,
                at=now,
                actor=actor,
                message_id=escalation.message_id,
                note=f"moved to {target.number}",
            )
    existing = next((link for link in links if link.po_id == target.id), None)
    if existing is None:
        session.add(
            MessagePO(message_id=escalation.message_id, po_id=target.id, role="match", confidence=1.0, evidence=[actor])
        )
    else:
        existing.role, existing.confidence, existing.evidence = "match", 1.0, [actor]
    record_event(
        session,
        target,
        kind="message_linked",
        field="message",
        old=None,
        new=escalation.message_id,
        at=now,
        actor=actor,
        message_id=escalation.message_id,
        note="moved here by hand",
    )
    add_note(session, escalation, author=actor, text=f"message moved to {target.number}", now=now)
    escalation.po_id = target.id
    escalation.vendor_id = escalation.vendor_id or target.vendor_id
    await session.flush()
    return target


async def correct_date(
    session: AsyncSession, escalation_id: int, *, eta: date, by_user_id: int | None, now: datetime
) -> PurchaseOrder:
    """Correct the date read from the vendor's message: set the PO's ETA, naming the message."""
    escalation = await _active(session, escalation_id)
    po = await repository.get_po(session, escalation.po_id) if escalation.po_id is not None else None
    if po is None:
        raise ValidationProblem(f"escalation {escalation_id} is not about a purchase order")
    actor = _user_actor(by_user_id)
    set_field(session, po, "eta", eta, at=now, actor=Actor(actor, escalation.message_id), note="corrected by hand")
    add_note(session, escalation, author=actor, text=f"ETA of {po.number} set to {eta.isoformat()}", now=now)
    await session.flush()
    return po


async def resolve(
    session: AsyncSession, escalation_id: int, *, note: str, by_user_id: int | None, now: datetime
) -> Escalation:
    escalation = await _active(session, escalation_id)
    _close(session, escalation, note=note, actor=_user_actor(by_user_id), now=now)
    await _po_event(session, escalation, kind="escalation_resolved", now=now, actor=_user_actor(by_user_id), note=note)
    await session.flush()
    return escalation


def _close(session: AsyncSession, escalation: Escalation, *, note: str, actor: str, now: datetime) -> None:
    escalation.state = EscalationState.RESOLVED.value
    escalation.open_key = None  # frees the key: the same problem later opens a new escalation
    escalation.resolved_at = now
    escalation.resolution_note = note
    add_note(session, escalation, author=actor, text=f"resolved: {note}", now=now)


async def resolve_open(
    session: AsyncSession, *, reason: EscalationReason, po: PurchaseOrder, now: datetime, note: str, actor: str
) -> Escalation | None:
    """Resolve the open escalation for this PO and reason, if any (e.g. the unresponsive vendor answered)."""
    escalation = await repository.by_open_key(session, open_key(reason, po_id=po.id, message_id=None))
    if escalation is None:
        return None
    _close(session, escalation, note=note, actor=actor, now=now)
    await _po_event(session, escalation, kind="escalation_resolved", now=now, actor=actor, note=note, po=po)
    return escalation


async def vendor_answered(session: AsyncSession, po: PurchaseOrder, *, now: datetime, message_id: int | None) -> int:
    """Escalations of this PO waiting on the vendor are back with their people; returns how many."""
    waiting = await repository.list_escalations(session, states=(EscalationState.WAITING_ON_VENDOR.value,), po_id=po.id)
    for escalation in waiting:
        escalation.state = EscalationState.IN_PROGRESS.value
        add_note(session, escalation, author="system", text=f"the vendor answered (message {message_id})", now=now)
    return len(waiting)
