"""Simulated vendors: each reads what Liaison sent it and answers (or not) the way its behaviour says."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from core.inbound import Channel, InboundMessage, MessageKind

FOLLOWUP_KINDS = ("confirm_request", "reminder", "shipping_update_request", "late_notice")


class Behaviour(StrEnum):
    PROMPT = "prompt"
    SLOW = "slow"
    SILENT = "silent"
    OUT_OF_OFFICE = "out_of_office"
    BOUNCING = "bouncing"
    DELAYING = "delaying"
    PARTIAL = "partial_shipper"


@dataclass(frozen=True, slots=True)
class Delivered:
    """An outbox item as the vendor receives it."""

    kind: str
    po_number: str | None
    about: str | None
    email_message_id: str | None
    subject: str
    at: datetime


@dataclass(slots=True)
class POState:
    number: str
    promised: date
    quantity: int
    confirmed: bool = False
    shipped: bool = False
    delayed: bool = False
    asks_seen: int = 0


@dataclass(slots=True)
class SimVendor:
    code: str
    address: str
    behaviour: Behaviour
    pos: dict[str, POState] = field(default_factory=dict)
    away_until: datetime | None = None
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _message(self, at: datetime, text: str, got: Delivered, **extra: object) -> InboundMessage:
        n = next(self._seq)
        message_id = f"<sim.{self.code}.{n}@{self.address.split('@')[1]}>"
        subject = got.subject if got.subject.lower().startswith("re:") else f"Re: {got.subject}"
        return InboundMessage(
            channel=Channel.EMAIL,
            received_at=at,
            sender=self.address,
            dedupe_key=f"email:{message_id}",
            new_text=text,
            subject=subject,
            message_id=message_id,
            in_reply_to=got.email_message_id,
            references=(got.email_message_id,) if got.email_message_id else (),
            **extra,  # type: ignore[arg-type]
        )

    def _answer(self, po: POState, got: Delivered, at: datetime) -> InboundMessage | None:
        """The substantive answer to a follow-up, or None when there is nothing to say."""
        shipping = got.kind in ("shipping_update_request", "late_notice") or got.about == "shipping"
        if not po.confirmed and not shipping:
            po.confirmed = True
            text = f"Hello, we confirm PO {po.number}. Delivery on {po.promised:%d %B %Y}. Best regards"
            return self._message(at, text, got)
        if po.shipped:
            return None
        if self.behaviour == Behaviour.DELAYING and not po.delayed:
            po.delayed = True
            new = po.promised + timedelta(days=7)
            text = f"Sorry, PO {po.number} is delayed. New delivery date: {new:%d %B %Y}."
            return self._message(at, text, got)
        po.shipped = True
        if self.behaviour == Behaviour.PARTIAL:
            part = po.quantity * 2 // 5
            text = (
                f"PO {po.number}: we shipped {part} pcs today via DHL, tracking 1234567890. "
                f"The remaining {po.quantity - part} pcs will follow next week."
            )
            return self._message(at, text, got)
        text = f"PO {po.number} shipped today via DHL, tracking number 1234567890."
        return self._message(at, text, got)

    def receive(self, got: Delivered) -> list[tuple[datetime, InboundMessage]]:
        """What the vendor sends back, and when it arrives."""
        po = self.pos.get(got.po_number or "")
        if got.kind not in (*FOLLOWUP_KINDS, "agent_message") or po is None:
            return []  # acknowledgements and the like need no answer
        at = got.at
        b = self.behaviour
        if b == Behaviour.SILENT:
            return []
        if b == Behaviour.BOUNCING:
            n = next(self._seq)
            bounce = InboundMessage(
                channel=Channel.EMAIL,
                received_at=at + timedelta(minutes=2),
                sender="mailer-daemon@mx.example",
                dedupe_key=f"email:<bounce.{self.code}.{n}@mx.example>",
                new_text=f"Delivery to {self.address} failed permanently: 550 5.1.1 user unknown",
                subject="Undelivered Mail Returned to Sender",
                message_id=f"<bounce.{self.code}.{n}@mx.example>",
                kind=MessageKind.BOUNCE,
                bounced_message_ids=(got.email_message_id,) if got.email_message_id else (),
                bounced_recipients=(self.address,),
            )
            return [(at + timedelta(minutes=2), bounce)]
        if b == Behaviour.OUT_OF_OFFICE:
            if self.away_until is None:
                self.away_until = at + timedelta(days=8)
            if at < self.away_until:
                auto = self._message(
                    at + timedelta(minutes=1),
                    f"I am out of the office until {self.away_until:%d %B %Y} with limited access to email.",
                    got,
                    kind=MessageKind.AUTO_REPLY,
                    auto_reply_until=self.away_until.date(),
                )
                return [(at + timedelta(minutes=1), auto)]
        if b == Behaviour.SLOW:
            po.asks_seen += 1
            if got.kind != "reminder" or po.asks_seen < 3:
                return []  # answers only once chased twice
            po.asks_seen = 0
            at += timedelta(hours=20)
        else:
            at += timedelta(hours=2)
        answer = self._answer(po, got, at)
        return [(at, answer)] if answer is not None else []
