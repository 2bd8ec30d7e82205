"""Helpers for the trap tests: a tiny ERP world imported the way `liaison interpret` imports a dataset,
raw emails built byte by byte, and one call that sends a message through the live reply pipeline."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.charset import BASE64, QP, Charset
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.clock import FrozenClock
from core.inbound import Channel, InboundMessage
from core.purchase_orders.importer import import_file
from core.replies.pipeline import PipelineContext, ProcessResult, process_inbound
from core.replies.schemas import Understanding
from mail.parse import parse_email, to_inbound
from models import Message, POEvent, PurchaseOrder, VendorContact

BUYER = "anna.bauer@buyer.example"
IMPORTED_AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)

JSON = dict[str, Any]


def at(text: str) -> datetime:
    """`2026-11-20 09:30` (UTC) -> an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ----------------------------------------------------------------------------------------------
# the ERP side, in purchase_orders.json shape (FORMAT.md)


def vendor(
    code: str,
    name: str,
    *,
    emails: Sequence[str] = (),
    telegram: Sequence[int] = (),
    language: str = "en",
    timezone: str = "Europe/London",
    country: str = "GB",
) -> JSON:
    return {
        "id": code,
        "name": name,
        "emails": list(emails),
        "telegram_user_ids": list(telegram),
        "language": language,
        "timezone": timezone,
        "country": country,
    }


def line(no: int, sku: str, vendor_sku: str | None, description: str, quantity: float, unit: str = "pcs") -> JSON:
    return {
        "line": no,
        "sku": sku,
        "vendor_sku": vendor_sku,
        "description": description,
        "quantity": quantity,
        "unit": unit,
        "unit_price": 1.5,
    }


def sent_email(message_id: str, when: str, subject: str, text: str | None = None) -> JSON:
    sent: JSON = {"channel": "email", "message_id": message_id, "sent_at": at(when).isoformat(), "subject": subject}
    if text is not None:
        sent["text"] = text
    return sent


def sent_chat(user_id: int, message_id: int, when: str, text: str) -> JSON:
    return {
        "channel": "chat",
        "telegram_user_id": user_id,
        "telegram_message_id": message_id,
        "sent_at": at(when).isoformat(),
        "text": text,
    }


def po(
    number: str,
    vendor_code: str,
    lines: Sequence[JSON],
    *,
    status: str = "sent",
    order_date: str = "2026-11-10",
    promised_date: str | None = "2026-12-04",
    currency: str = "EUR",
    vendor_reference: str | None = None,
    sent: Sequence[JSON] = (),
) -> JSON:
    return {
        "number": number,
        "vendor_id": vendor_code,
        "buyer_email": BUYER,
        "order_date": order_date,
        "promised_date": promised_date,
        "status": status,
        "currency": currency,
        "vendor_reference": vendor_reference,
        "lines": list(lines),
        "sent_messages": list(sent),
    }


@dataclass(slots=True)
class World:
    """The imported vendors and POs plus the long-lived pipeline context, on the test's session."""

    session: AsyncSession
    ctx: PipelineContext

    async def email(self, raw: bytes, received: datetime) -> ProcessResult:
        inbound = to_inbound(parse_email(raw), received_at=received, raw=raw)
        return await process_inbound(self.session, inbound, now=received, ctx=self.ctx)

    async def chat(self, user_id: int, text: str, received: datetime, *, reply_to: int | None = None) -> ProcessResult:
        key = hashlib.sha256(f"{user_id}|{received.isoformat()}|{text}".encode()).hexdigest()[:16]
        inbound = InboundMessage(
            channel=Channel.TELEGRAM,
            received_at=received,
            sender=str(user_id),
            dedupe_key=f"telegram:{user_id}:{key}",
            new_text=text,
            telegram_chat_id=user_id,
            reply_to_telegram_message_id=reply_to,
            raw=text.encode(),
        )
        return await process_inbound(self.session, inbound, now=received, ctx=self.ctx)

    async def po(self, number: str) -> PurchaseOrder:
        stmt = (
            select(PurchaseOrder)
            .where(PurchaseOrder.number == number)
            .options(selectinload(PurchaseOrder.lines))
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalar_one()

    async def events_from(self, result: ProcessResult, number: str) -> list[POEvent]:
        """What this one message wrote into a PO's log."""
        found = await self.po(number)
        stmt = select(POEvent).where(POEvent.po_id == found.id, POEvent.message_id == result.message_id)
        return list((await self.session.execute(stmt)).scalars())

    async def stored(self, result: ProcessResult) -> Message:
        return (await self.session.execute(select(Message).where(Message.id == result.message_id))).scalar_one()

    async def contact(self, channel: str, address: str) -> VendorContact:
        stmt = select(VendorContact).where(VendorContact.channel == channel, VendorContact.address == address)
        return (await self.session.execute(stmt.execution_options(populate_existing=True))).scalar_one()


async def build_world(session: AsyncSession, tmp_path: Path, vendors: Sequence[JSON], pos: Sequence[JSON]) -> World:
    """Import a purchase_orders.json-shaped file through the real ERP importer, as `liaison interpret` does."""
    data = {
        "as_of": IMPORTED_AT.isoformat(),
        "buyer": {"name": "Buyer Manufacturing", "email_domain": "buyer.example"},
        "vendors": list(vendors),
        "purchase_orders": list(pos),
    }
    path = tmp_path / "purchase_orders.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    await import_file(session, path, clock=FrozenClock(IMPORTED_AT))
    return World(session, PipelineContext(secret=b"test", mail_domain="buyer.example"))


# ----------------------------------------------------------------------------------------------
# raw mail


def encoded_subject(subject: str, how: str) -> str:
    """An RFC 2047 encoded-word subject: a legacy charset, or utf-8 as `utf-8-b` / `utf-8-q`."""
    if how in ("utf-8-b", "utf-8-q"):
        charset = Charset("utf-8")
        charset.header_encoding = BASE64 if how == "utf-8-b" else QP
        return Header(subject, charset, header_name="Subject").encode()
    return Header(subject, how, header_name="Subject").encode()


def mail(
    *,
    sender: tuple[str, str],
    subject: str,
    body: str | None = None,
    html: str | None = None,
    received: datetime,
    to: str = BUYER,
    cc: str | None = None,
    charset: str = "utf-8",
    cte: str | None = None,
    subject_charset: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    headers: Sequence[tuple[str, str]] = (),
    attachments: Sequence[tuple[str, str, str, bytes]] = (),
    sender_timezone: str = "UTC",
    crlf: bool = False,
) -> bytes:
    """The bytes a mail client would put on the wire: text and/or HTML, any charset and transfer encoding."""
    msg = EmailMessage()
    msg["From"] = Address(display_name=sender[0], addr_spec=sender[1])
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    if subject_charset:
        msg.set_raw("Subject", encoded_subject(subject, subject_charset))
    else:
        msg["Subject"] = subject
    sent = (received - timedelta(seconds=40)).astimezone(ZoneInfo(sender_timezone))
    msg["Date"] = format_datetime(sent)
    digest = hashlib.sha1(f"{sender[1]}|{subject}|{body}|{html}|{received}".encode()).hexdigest()[:20]
    msg.set_raw("Message-ID", message_id or f"<{digest}@{sender[1].rpartition('@')[2]}>")
    if in_reply_to:
        msg.set_raw("In-Reply-To", in_reply_to)
    if references:
        msg.set_raw("References", "\n ".join(references))
    for name, value in headers:
        msg[name] = value
    if body is not None:
        msg.set_content(body, charset=charset, cte=cte)
        if html is not None:
            msg.add_alternative(html, subtype="html", charset=charset, cte=cte or "quoted-printable")
    elif html is not None:
        msg.set_content(html, subtype="html", charset=charset, cte=cte)
    else:
        raise ValueError("a mail needs a body or an html part")
    for filename, maintype, subtype, data in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    policy = msg.policy.clone(linesep="\r\n" if crlf else "\n")
    return msg.as_bytes(policy=policy)


def quoted(text: str) -> str:
    return "\n".join(f"> {x}" if x.strip() else ">" for x in text.split("\n"))


def matched(result: ProcessResult) -> list[str]:
    """The PO numbers the pipeline answers with (none while a human has to decide)."""
    u = understanding(result)
    return [] if u.needs_review else sorted(m.po_number for m in u.matches)


def candidates(result: ProcessResult) -> list[str]:
    return sorted(c.po_number for c in understanding(result).candidates)


def understanding(result: ProcessResult) -> Understanding:
    assert result.understanding is not None, "the pipeline stored no understanding"
    return result.understanding


def tracking(result: ProcessResult) -> list[str]:
    return [t.number for t in understanding(result).tracking]


def quantities(result: ProcessResult) -> dict[str, dict[int, float]]:
    return {po: {int(k): float(v) for k, v in q.items()} for po, q in understanding(result).quantities.items()}
