"""Reading one inbound message: which PO(s), what the vendor said, which dates, tracking and quantities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.inbound import Channel, InboundMessage, MessageKind
from core.replies import repository
from core.replies.dates import extract_dates
from core.replies.intent import classify_intent
from core.replies.matching import MatchDecision, MatchInputs, POInfo, decide
from core.replies.quantities import LineRef, extract_quantities
from core.replies.read_model import ReadModel
from core.replies.references import POReference, find_po_references
from core.replies.schemas import ExtractedDates, Intent, POMatch, Understanding
from core.replies.tokens import po_token_from_addresses
from core.replies.tracking import extract_tracking
from core.vendors.trust import SenderIdentity

CONVERSATION_RECENT = timedelta(days=3)
CONVERSATION_WIDE = timedelta(days=14)
# intents whose message dates are never the order's arrival or dispatch
UNDATED_INTENTS = frozenset(
    {Intent.CANCELLED, Intent.CHANGE_REQUEST, Intent.INVOICE, Intent.AUTO_REPLY, Intent.BOUNCE, Intent.UNRELATED}
)
_SUBJECT_PREFIX = re.compile(
    r"^\s*((re|aw|fw|fwd|wg|tr|rv|r|sv|vs|antw|odp|ynt|答复|回复|転送)\s*(\[\d+\])?\s*:\s*)+", re.I
)


@dataclass(slots=True)
class Reading:
    """The understanding plus what it was built from, for the pipeline to act on."""

    understanding: Understanding
    decision: MatchDecision
    pos: dict[str, POInfo] = field(default_factory=dict)
    intent_signals: tuple[str, ...] = ()


def clean_subject(subject: str) -> str:
    return _SUBJECT_PREFIX.sub("", subject or "")[:500]


async def _thread_evidence(
    session: AsyncSession, message: InboundMessage, *, model: ReadModel, secret: bytes
) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    token = po_token_from_addresses(list(message.recipients), secret)
    if token is not None and token in model.tokens:
        for po in (await model.pos_by_numbers(session, [model.tokens[token]])).values():
            found.append((po.id, "reply_token"))
    ids = [i for i in (message.in_reply_to, *reversed(message.references)) if i]
    for po_id in model.po_ids_for_email_ids(session, list(dict.fromkeys(ids))):
        found.append((po_id, "thread"))
    if message.telegram_chat_id is not None and message.reply_to_telegram_message_id is not None:
        for po_id in model.po_ids_for_telegram_message(
            session, message.telegram_chat_id, message.reply_to_telegram_message_id
        ):
            found.append((po_id, "telegram_reply"))
    return found


def _segment_about(text: str, po_number: str, refs: list[POReference]) -> str:
    """The part of a several-PO message about one PO: from the line naming it to the line naming another.

    "PO-4536: complete; PO-4579: partial, 100 pcs" must not give PO-4536 the 100 pcs.
    """
    own = [r.span[0] for r in refs if r.po_number == po_number]
    if not own:
        return text
    others = sorted(r.span[0] for r in refs if r.po_number != po_number)
    parts: list[str] = []
    for start in own:
        begin = text.rfind("\n", 0, start) + 1
        later = [o for o in others if o > start]
        end = text.rfind("\n", start, later[0]) if later else len(text)
        if later and end <= start:
            end = later[0]
        parts.append(text[begin:end])
    return "\n".join(parts)


async def _bounce_pos(session: AsyncSession, message: InboundMessage, model: ReadModel) -> list[POInfo]:
    ids = list(dict.fromkeys(message.bounced_message_ids))
    po_ids = model.po_ids_for_email_ids(session, ids)
    return list((await model.pos_by_ids(session, po_ids)).values())


async def read_message(
    session: AsyncSession,
    message: InboundMessage,
    identity: SenderIdentity,
    *,
    model: ReadModel,
    secret: bytes,
) -> Reading:
    """Read `message` against the in-memory read model (refreshed by the caller)."""
    index = model.index
    vendor = identity.vendor if identity.trusted else None
    language = vendor.language if vendor else None
    country = vendor.country if vendor else None
    tz = vendor.timezone if vendor else "UTC"
    text = message.new_text or ""
    if message.forwarded_text:
        text = f"{text}\n\n{message.forwarded_text}"
    subject = clean_subject(message.subject)

    if message.kind == MessageKind.BOUNCE:
        pos = await _bounce_pos(session, message, model)
        understanding = Understanding(
            intent=Intent.BOUNCE,
            intent_confidence=0.99,
            matches=[POMatch(p.number, 0.97, ("returned message",)) for p in pos],
            trusted=True,
        )
        return Reading(understanding, MatchDecision(matches=understanding.matches), {p.number: p for p in pos})

    text_refs = find_po_references(text, index)
    subject_refs = find_po_references(subject, index)
    exclude = {r.matched_text for r in [*text_refs, *subject_refs]}
    tracking, carrier = extract_tracking(text, exclude=exclude)
    dates = extract_dates(text, received_at=message.received_at, timezone=tz, country=country, language=language)
    intent = classify_intent(
        text,
        subject=subject,
        language=language,
        kind=message.kind,
        has_tracking=bool(tracking),
        has_date=dates.eta is not None or dates.ship_date is not None,
    )
    if intent.intent in UNDATED_INTENTS:
        # a date in an invoice, a cancellation, a newsletter or a change request is not the order's date
        dates = ExtractedDates()
    else:
        dates = extract_dates(
            text,
            received_at=message.received_at,
            timezone=tz,
            country=country,
            language=language,
            intent_hint=intent.intent.value,
        )

    thread = await _thread_evidence(session, message, model=model, secret=secret)
    if thread and intent.intent is Intent.CONFIRMED and dates.eta is None:
        # "yep, on track" to "is PO-4527 still on track for delivery on 4 Dec?": agreeing to our
        # question states the date it asked about
        asked = await repository.text_replied_to(
            session,
            chat_id=message.telegram_chat_id,
            telegram_message_id=message.reply_to_telegram_message_id,
            email_message_ids=[i for i in (message.in_reply_to,) if i],
        )
        if asked:
            implied = extract_dates(
                asked,
                received_at=message.received_at,
                timezone=tz,
                country=country,
                language=language,
                intent_hint=Intent.CONFIRMED.value,
            )
            if implied.eta is not None:
                dates = ExtractedDates(eta=implied.eta, ship_date=dates.ship_date)
    conversation_ids: list[int] = []
    wide_ids: list[int] = []
    if message.channel == Channel.TELEGRAM and message.telegram_chat_id is not None:
        chat, at = message.telegram_chat_id, message.received_at
        wide_ids = model.recent_conversation_po_ids(session, chat, since=at - CONVERSATION_WIDE, before=at)
        if wide_ids:
            conversation_ids = model.recent_conversation_po_ids(
                session, chat, since=at - CONVERSATION_RECENT, before=at
            )
    by_id = await model.pos_by_ids(session, [i for i, _ in thread] + wide_ids)
    by_number = await model.pos_by_numbers(session, [r.po_number for r in [*text_refs, *subject_refs]])
    open_pos = await model.vendor_open_pos(session, vendor.id) if vendor else []

    def resolved(refs: list[POReference]) -> list[tuple[POReference, POInfo]]:
        return [(r, by_number[r.po_number]) for r in refs if r.po_number in by_number]

    inputs = MatchInputs(
        sender_vendor_id=vendor.id if vendor else None,
        text=text,
        subject=subject,
        thread=[(by_id[i], kind) for i, kind in thread if i in by_id],
        text_refs=resolved(text_refs),
        subject_refs=resolved(subject_refs),
        conversation=[by_id[i] for i in conversation_ids if i in by_id],
        conversation_wide=[by_id[i] for i in wide_ids if i in by_id],
        vendor_open_pos=open_pos,
    )
    decision = decide(inputs, intent.intent)
    named = {m.po_number for m in (*decision.matches, *decision.candidates)}
    known = {p.number: p for p in (*by_id.values(), *by_number.values(), *open_pos) if p.number in named}

    quantities: dict[str, dict[int, float]] = {}
    # "we confirm, but can only supply 800 of line 1": read as a change, it still confirms a quantity
    confirms_too = intent.intent is Intent.CHANGE_REQUEST and Intent.CONFIRMED in intent.alternatives
    quantity_hint = Intent.CONFIRMED.value if confirms_too else intent.intent.value
    if decision.matches and intent.intent in (Intent.SHIPPED, Intent.CONFIRMED, Intent.DELAYED, Intent.CHANGE_REQUEST):
        for match in decision.matches:
            po = known.get(match.po_number)
            if po is None:
                continue
            refs = [
                LineRef(li.line_no, li.sku, li.vendor_sku, li.description, li.quantity_ordered, li.unit)
                for li in po.lines
            ]
            segment = _segment_about(text, match.po_number, text_refs) if len(decision.matches) > 1 else text
            found = extract_quantities(segment, refs, language=language, intent_hint=quantity_hint)
            if found:
                quantities[match.po_number] = dict(found)

    understanding = Understanding(
        intent=intent.intent,
        intent_confidence=intent.confidence,
        matches=decision.matches,
        candidates=decision.candidates,
        needs_review=decision.needs_review,
        review_reasons=list(decision.reasons),
        eta=dates.eta,
        ship_date=dates.ship_date,
        tracking=tracking,
        carrier=carrier,
        quantities=quantities,
        trusted=identity.trusted,
    )
    return Reading(understanding, decision, known, intent.signals)
