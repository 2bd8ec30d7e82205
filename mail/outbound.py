"""Build the MIME message for an email outbox item: rendered text + HTML, threading, reply token.

Every header value that came from a vendor (their Message-IDs, their subject) is cleaned of line
breaks and capped before it goes into a header, so a hostile reply cannot inject headers into ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.escalations.schemas import EscalationReason, Severity
from core.escalations.service import raise_escalation
from core.messages import MessageRenderer, Rendered, default_renderer
from core.outbox.service import OutboxState, mark_failed, mark_sent
from core.purchase_orders.lifecycle import ExceptionFlag
from core.purchase_orders.repository import get_by_id
from core.purchase_orders.service import Actor, set_flag
from core.replies.tokens import reply_address
from models import Message, MessagePO, OutboxItem, VendorContact

# human-written mail is not marked automatic: the vendor's auto-responders may answer it
HUMAN_KINDS = frozenset({"agent_message"})
MAX_REFERENCES = 20  # RFC 5322 lets References grow; long threads only need the recent tail
_MSGID = re.compile(r"<[^<>\s]{1,500}>")


class OutboundBuildError(ValueError):
    """The item cannot become an email (no template, bad payload): retrying will not help."""


@dataclass(frozen=True, slots=True)
class OutboundIdentity:
    """Who Liaison writes as: the From address, the display name, and the key that signs reply tokens."""

    mail_from: str
    display_name: str | None
    secret: bytes


def _clean_header(value: str, limit: int = 900) -> str:
    return " ".join(str(value).split())[:limit]


def _message_ids(values: Any) -> list[str]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple):
        return []
    found: list[str] = []
    for value in values:
        for msgid in _MSGID.findall(str(value)):
            if msgid not in found:
                found.append(msgid)
    return found


def threading_headers(payload: dict[str, Any]) -> tuple[str | None, list[str]]:
    """(In-Reply-To, References) continuing the vendor's thread: References ends with the parent."""
    parent = _message_ids(payload.get("in_reply_to"))
    references = _message_ids(payload.get("references"))
    in_reply_to = parent[0] if parent else None
    if in_reply_to is not None:
        references = [r for r in references if r != in_reply_to] + [in_reply_to]
    return in_reply_to, references[-MAX_REFERENCES:]


def is_automatic(item: OutboxItem) -> bool:
    flag = item.payload.get("automatic")
    return bool(flag) if isinstance(flag, bool) else item.kind not in HUMAN_KINDS


def render_item(
    item: OutboxItem, *, renderer: MessageRenderer | None = None, defaults: dict[str, Any] | None = None
) -> Rendered:
    payload = item.payload or {}
    kind = str(payload.get("template") or item.kind)
    context = dict(defaults or {})
    raw_context = payload.get("context")
    if isinstance(raw_context, dict):
        context.update(raw_context)
    try:
        return (renderer or default_renderer()).render(kind, "email", payload.get("language"), context)
    except Exception as exc:  # a missing template or context key is a bug in the queuer, not a network blip
        raise OutboundBuildError(f"cannot render {kind!r}: {type(exc).__name__}: {exc}") from exc


def build_email(item: OutboxItem, rendered: Rendered, *, identity: OutboundIdentity, now: datetime) -> EmailMessage:
    """The message exactly as it will be sent (and stored): its Message-ID is the item's, fixed at queue time."""
    if not item.email_message_id:
        raise OutboundBuildError("outbox item has no Message-ID")
    payload = item.payload or {}
    msg = EmailMessage(policy=SMTP)
    msg["From"] = (
        formataddr((identity.display_name, identity.mail_from)) if identity.display_name else identity.mail_from
    )
    msg["To"] = _clean_header(item.recipient, 320)
    subject = payload.get("subject") or rendered.subject or ""
    msg["Subject"] = _clean_header(subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = item.email_message_id
    in_reply_to, references = threading_headers(payload)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    po_number = payload.get("po_number")
    if isinstance(po_number, str) and po_number:
        msg["Reply-To"] = reply_address(identity.mail_from, po_number, identity.secret)
    if is_automatic(item):
        # RFC 3834: tells auto-responders (and well-behaved vendors' systems) not to answer in kind
        msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.text)
    if rendered.html:
        msg.add_alternative(rendered.html, subtype="html")
    return msg


# --- delivery bookkeeping: the outbound Message row doubles as the "handed over" marker --------------

OUT_DEDUPE_PREFIX = "email-out:"


class SendState:
    """States of the outbound Message row (Message.state) while and after it is handed to SMTP."""

    HANDING_OVER = "sending"  # committed before SMTP DATA: outcome unknown if we find it after a crash
    SENT = "sent"
    SENT_UNVERIFIED = "sent_unverified"  # crashed mid-handover, assumed delivered (never sent twice)
    NOT_SENT = "not_sent"  # the server refused it: safe to try again


async def find_handover(session: AsyncSession, item: OutboxItem) -> Message | None:
    if not item.email_message_id:
        return None
    return await session.scalar(select(Message).where(Message.dedupe_key == OUT_DEDUPE_PREFIX + item.email_message_id))


async def record_handover(
    session: AsyncSession, item: OutboxItem, msg: EmailMessage, rendered: Rendered, raw: bytes, *, now: datetime
) -> Message:
    """Write (or re-arm) the outbound Message row in state HANDING_OVER; the caller commits before DATA."""
    row = await find_handover(session, item)
    if row is None:
        row = Message(
            direction="out",
            channel="email",
            kind="message",
            dedupe_key=OUT_DEDUPE_PREFIX + str(item.email_message_id),
            vendor_id=item.vendor_id,
            sender=str(msg["From"] or ""),
            recipient=item.recipient,
            subject=str(msg["Subject"] or "")[:1000],
            body_text=rendered.text,
            raw=raw,
            email_message_id=item.email_message_id,
            in_reply_to=str(msg["In-Reply-To"]) if msg["In-Reply-To"] else None,
            references=str(msg["References"]) if msg["References"] else None,
            received_at=now,
            state=SendState.HANDING_OVER,
            review_state="none",
            attempts=0,
            created_at=now,
        )
        session.add(row)
        await session.flush()
        if item.po_id is not None:
            # replies thread to this row through its Message-ID, and from it to the PO
            session.add(MessagePO(message_id=row.id, po_id=item.po_id, role="match", confidence=1.0))
    else:
        row.raw = raw
        row.body_text = rendered.text
        row.state = SendState.HANDING_OVER
    row.attempts = (row.attempts or 0) + 1
    await session.flush()
    return row


async def record_sent(
    session: AsyncSession,
    item: OutboxItem,
    *,
    now: datetime,
    worker: str,
    state: str = SendState.SENT,
) -> bool:
    """Mark the item sent and its Message row delivered; False if another worker took the item over."""
    row = await find_handover(session, item)
    if not await mark_sent(session, item, now=now, worker=worker):
        return False
    if row is not None:
        row.state = state
        row.received_at = now
        item.sent_message_id = row.id
        await session.execute(update(OutboxItem).where(OutboxItem.id == item.id).values(sent_message_id=row.id))
    return True


async def record_failure(
    session: AsyncSession,
    item: OutboxItem,
    *,
    now: datetime,
    worker: str,
    error: str,
    permanent: bool,
    refused_recipient: bool = False,
) -> str:
    """Schedule a retry or fail for good; a final failure escalates the PO, a refused address marks the contact."""
    row = await find_handover(session, item)
    if row is not None and row.state == SendState.HANDING_OVER:
        row.state = SendState.NOT_SENT
        row.error = error[:2000]
    state = await mark_failed(session, item, now=now, worker=worker, error=error, permanent=permanent)
    if state != OutboxState.FAILED:
        return state
    po = await get_by_id(session, item.po_id) if item.po_id is not None else None
    if refused_recipient:
        contact = await session.scalar(
            select(VendorContact).where(
                VendorContact.channel == "email", VendorContact.address == item.recipient.lower()
            )
        )
        if contact is not None:
            contact.bounced_at = now
            contact.bounce_reason = error[:500]
        if po is not None:
            set_flag(session, po, ExceptionFlag.CONTACT_BOUNCED, True, at=now, actor=Actor("mail"), note=error[:500])
    if po is not None or row is not None:
        await raise_escalation(
            session,
            reason=EscalationReason.DELIVERY_FAILED,
            now=now,
            summary=f"{item.kind} to {item.recipient} could not be delivered: {error}"[:1000],
            po=po,
            message_id=row.id if row is not None else None,
            vendor_id=item.vendor_id,
            actor="mail",
        )
    return state


async def record_uncertain(session: AsyncSession, item: OutboxItem, *, now: datetime, worker: str) -> bool:
    """A crash hit between handing the mail to SMTP and recording the outcome, and nothing can tell us
    which way it went: count it as sent (the vendor never gets it twice) and ask a person to check."""
    if not await record_sent(session, item, now=now, worker=worker, state=SendState.SENT_UNVERIFIED):
        return False
    po = await get_by_id(session, item.po_id) if item.po_id is not None else None
    row = await find_handover(session, item)
    await raise_escalation(
        session,
        reason=EscalationReason.NEEDS_REVIEW,
        now=now,
        summary=(
            f"{item.kind} {item.email_message_id} to {item.recipient} was being handed to the mail server when "
            "Liaison stopped; it was most likely delivered and is not sent again. Check if the vendor says otherwise."
        ),
        po=po,
        message_id=row.id if row is not None else None,
        vendor_id=item.vendor_id,
        severity=Severity.LOW,
        actor="mail",
    )
    return True
