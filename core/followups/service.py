"""Follow-up operations: the policy in force, (re)scheduling a PO, and taking one due step.

The pipeline calls `on_vendor_answer`, the importer `on_po_sent`; the sweep (jobs.py) calls
`take_step` under its claim. Services never commit: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ValidationProblem
from core.escalations.schemas import EscalationReason
from core.escalations.service import raise_escalation, resolve_open
from core.followups import repository
from core.followups.policy import next_action
from core.followups.schemas import (
    POLICY_SETTING_KEY,
    QUESTION_STEPS,
    STAGE_OF_STEP,
    Action,
    ContactSnapshot,
    FollowupPolicy,
    POSnapshot,
    Step,
    StepRecord,
    VendorSnapshot,
)
from core.outbox.service import enqueue, new_message_id
from core.purchase_orders.events import record_event
from core.purchase_orders.lifecycle import ExceptionFlag
from core.purchase_orders.service import Actor, set_flag
from core.settings import Settings
from models import AppSetting, FollowupAttempt, PurchaseOrder, Vendor, VendorContact

FOLLOWUP_ACTOR = Actor("followup")

# the template each sending step renders with (templates/messages/<channel>/<name>.*)
TEMPLATE_OF_STEP = {
    Step.CONFIRM_REQUEST: "confirm_request",
    Step.SHIP_UPDATE_REQUEST: "shipping_update_request",
    Step.LATE_NOTICE: "reminder",
    Step.REMINDER: "reminder",
}


@dataclass(frozen=True, slots=True)
class FollowupContext:
    """Per-process constants a follow-up message needs."""

    buyer_company: str = "Liaison"
    message_id_domain: str = "liaison.invalid"

    @classmethod
    def from_settings(cls, settings: Settings) -> FollowupContext:
        domain = (settings.mail_from or "").rpartition("@")[2].strip(" >") or "liaison.invalid"
        return cls(buyer_company=settings.buyer_company, message_id_domain=domain)


# --- the policy in force --------------------------------------------------------------------------


async def default_policy(session: AsyncSession) -> FollowupPolicy:
    """The admin-set defaults (AppSetting `followup_policy`) over the built-in ones."""
    row = await repository.get_setting(session, POLICY_SETTING_KEY)
    if row is None or not isinstance(row.value, dict):
        return FollowupPolicy()
    try:
        return FollowupPolicy.model_validate(row.value)
    except ValidationError:
        return FollowupPolicy()  # a bad stored value must not stop every follow-up; set_default_policy validates


async def policy_for(session: AsyncSession, vendor: Vendor, *, base: FollowupPolicy | None = None) -> FollowupPolicy:
    base = base or await default_policy(session)
    try:
        return base.merged(vendor.followup_overrides)
    except ValidationError:
        return base


def _validated(values: dict[str, Any]) -> FollowupPolicy:
    try:
        return FollowupPolicy.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'policy'}: {e['msg']}" for e in exc.errors())
        raise ValidationProblem(f"invalid follow-up policy: {problems}") from exc


async def set_default_policy(
    session: AsyncSession, changes: dict[str, Any], *, now: datetime, actor: str, replace: bool = False
) -> FollowupPolicy:
    """Change the defaults (admin): `changes` are merged into the stored ones unless `replace`."""
    row = await repository.get_setting(session, POLICY_SETTING_KEY)
    stored = row.value if row is not None and isinstance(row.value, dict) and not replace else {}
    policy = _validated({**stored, **changes})
    value = policy.model_dump(mode="json", exclude_defaults=True)
    if row is None:
        session.add(AppSetting(key=POLICY_SETTING_KEY, value=value, updated_at=now, updated_by=actor))
    else:
        row.value = value
        row.updated_at = now
        row.updated_by = actor
    await session.flush()
    return policy


async def set_vendor_overrides(
    session: AsyncSession, vendor: Vendor, overrides: dict[str, Any] | None, *, now: datetime
) -> FollowupPolicy:
    """Replace a vendor's overrides (None clears them); returns the vendor's policy in force."""
    base = await default_policy(session)
    merged = _validated({**base.model_dump(), **(overrides or {})})
    vendor.followup_overrides = {
        k: v for k, v in merged.model_dump(mode="json").items() if k in (overrides or {})
    } or None
    vendor.updated_at = now
    await session.flush()
    return merged


# --- snapshots for the pure policy ------------------------------------------------------------------


def contact_snapshot(contact: VendorContact) -> ContactSnapshot:
    reachable = contact.bounced_at is None and (contact.channel != "telegram" or contact.telegram_chat_id is not None)
    return ContactSnapshot(contact.channel, reachable, contact.out_of_office_until)


def vendor_snapshot(vendor: Vendor, contacts: list[VendorContact]) -> VendorSnapshot:
    return VendorSnapshot(
        timezone=vendor.timezone or "UTC",
        country=vendor.country,
        preferred_channel=vendor.preferred_channel or "email",
        contacts=tuple(contact_snapshot(c) for c in contacts),
    )


def po_snapshot(po: PurchaseOrder, history: tuple[StepRecord, ...]) -> POSnapshot:
    return POSnapshot(
        status=po.status,
        sent_at=po.sent_at,
        promised_date=po.promised_date,
        last_vendor_message_at=po.last_vendor_message_at,
        reminders_sent=po.reminders_sent or 0,
        exc_late=bool(po.exc_late),
        exc_vendor_unresponsive=bool(po.exc_vendor_unresponsive),
        history=history,
    )


@dataclass(slots=True)
class Plan:
    action: Action | None
    vendor: Vendor
    contacts: list[VendorContact]
    policy: FollowupPolicy
    history: tuple[StepRecord, ...] = ()

    def after(self, po: PurchaseOrder, done: Action, *, at: datetime) -> Plan:
        """The plan once `done` was taken at `at`: the same reads, the policy asked again (no new queries)."""
        history = (*self.history, StepRecord(done.step, done.attempt, at))
        action = next_action(po_snapshot(po, history), vendor_snapshot(self.vendor, self.contacts), self.policy)
        return Plan(action, self.vendor, self.contacts, self.policy, history)


async def plan(session: AsyncSession, po: PurchaseOrder, *, base: FollowupPolicy | None = None) -> Plan:
    """Read what the policy needs about `po` and ask it for the next action."""
    vendor = await session.get(Vendor, po.vendor_id)
    if vendor is None:
        raise ValidationProblem(f"{po.number} has no vendor")
    contacts = await repository.contacts_for(session, vendor.id)
    policy = await policy_for(session, vendor, base=base)
    history = await repository.history_for(session, po.id)
    action = next_action(po_snapshot(po, history), vendor_snapshot(vendor, contacts), policy)
    return Plan(action, vendor, contacts, policy, history)


def _apply_schedule(po: PurchaseOrder, action: Action | None) -> None:
    po.next_followup_at = action.due_at if action is not None else None
    if po.exc_vendor_unresponsive:
        po.followup_stage = "unresponsive"


async def schedule(
    session: AsyncSession, po: PurchaseOrder, *, now: datetime, base: FollowupPolicy | None = None
) -> Action | None:
    """Recompute when this PO next needs a follow-up (PurchaseOrder.next_followup_at); returns the action."""
    del now  # the policy's due times depend on the PO's own dates, not on when we ask
    result = await plan(session, po, base=base)
    _apply_schedule(po, result.action)
    return result.action


async def on_po_sent(session: AsyncSession, po: PurchaseOrder, *, now: datetime) -> Action | None:
    """The PO went to the vendor: start asking for its confirmation."""
    if po.sent_at is None:
        po.sent_at = now
    po.reminders_sent = 0
    po.followup_stage = "confirm"
    return await schedule(session, po, now=now)


async def note_vendor_answer(
    session: AsyncSession, po: PurchaseOrder, *, now: datetime, message_id: int | None
) -> None:
    """What the reply pipeline does per answer: reminders start over, an unresponsive flag and its
    escalation go, and the PO is due for re-planning, which the sweep does under its claim (cheap here)."""
    await _clear_after_answer(session, po, now=now, message_id=message_id)
    po.next_followup_at = now


async def on_vendor_answer(
    session: AsyncSession, po: PurchaseOrder, *, now: datetime, message_id: int | None
) -> Action | None:
    """The vendor spoke about this PO: reminders start over, an unresponsive flag and its escalation go."""
    await _clear_after_answer(session, po, now=now, message_id=message_id)
    return await schedule(session, po, now=now)


async def _clear_after_answer(
    session: AsyncSession, po: PurchaseOrder, *, now: datetime, message_id: int | None
) -> None:
    if po.last_vendor_message_at is None or po.last_vendor_message_at < now:
        po.last_vendor_message_at = now
    po.reminders_sent = 0
    actor = Actor("followup", message_id)
    if po.exc_vendor_unresponsive:
        set_flag(session, po, ExceptionFlag.VENDOR_UNRESPONSIVE, False, at=now, actor=actor, note="the vendor answered")
        await resolve_open(
            session,
            reason=EscalationReason.VENDOR_UNRESPONSIVE,
            po=po,
            now=now,
            note=f"the vendor answered (message {message_id})" if message_id else "the vendor answered",
            actor="followup",
        )
    if po.followup_stage == "unresponsive":
        po.followup_stage = None


# --- taking a step ------------------------------------------------------------------------------------


def _pick_contact(contacts: list[VendorContact], channel: str, now: datetime) -> VendorContact | None:
    usable = [c for c in contacts if c.channel == channel and contact_snapshot(c).reachable]
    # someone at their desk first, then the primary contact, then the oldest
    usable.sort(key=lambda c: (bool(c.out_of_office_until and c.out_of_office_until > now), not c.is_primary, c.id))
    return usable[0] if usable else None


def _recipient(contact: VendorContact) -> str:
    if contact.channel == "telegram":
        return str(contact.telegram_chat_id)
    return contact.address


async def _queue_message(
    session: AsyncSession,
    po: PurchaseOrder,
    plan_: Plan,
    action: Action,
    *,
    now: datetime,
    ctx: FollowupContext,
) -> int | None:
    if action.channel is None:
        return None
    contact = _pick_contact(plan_.contacts, action.channel, now)
    if contact is None:
        return None
    about = "shipping" if action.stage in ("ship_update", "late") else "confirmation"
    payload: dict[str, Any] = {
        "template": TEMPLATE_OF_STEP[action.step],
        "language": plan_.vendor.language or "en",
        "po_number": po.number,
        "context": {
            "po": {
                "number": po.number,
                "sent_at": po.sent_at.isoformat() if po.sent_at else None,
                "promised_date": po.promised_date.isoformat() if po.promised_date else None,
            },
            "about": about,
            "late": action.step == Step.LATE_NOTICE,
            "reminder_number": (po.reminders_sent or 0) + 1 if action.step == Step.REMINDER else None,
            "buyer_company": ctx.buyer_company,
            "contact_name": contact.name,
        },
    }
    email_message_id = None
    if action.channel == "email":
        thread = await repository.thread_message_ids(session, po.id)
        if thread:
            payload["in_reply_to"] = thread[-1]
            payload["references"] = thread
        email_message_id = new_message_id(ctx.message_id_domain)
    item = await enqueue(
        session,
        channel=action.channel,
        kind=action.step.value,
        recipient=_recipient(contact),
        dedupe_key=f"followup:{po.id}:{action.step.value}:{action.attempt}",
        payload=payload,
        now=now,
        po_id=po.id,
        vendor_id=plan_.vendor.id,
        email_message_id=email_message_id,
        send_after=action.send_at if action.send_at and action.send_at > now else None,
    )
    return item.id if item is not None else None


async def take_step(
    session: AsyncSession, po: PurchaseOrder, plan_: Plan, *, now: datetime, ctx: FollowupContext
) -> bool:
    """Do `plan_.action` for `po` once: record the attempt (unique per PO, step and attempt number), queue the
    message, apply its effects. False when the attempt was already recorded (another process did it)."""
    action = plan_.action
    if action is None:
        return False
    attempt = FollowupAttempt(
        po_id=po.id, step=action.step.value, attempt=action.attempt, channel=action.channel, at=now
    )
    try:
        async with session.begin_nested():
            session.add(attempt)
            await session.flush()
    except IntegrityError:
        return False

    attempt.outbox_id = await _queue_message(session, po, plan_, action, now=now, ctx=ctx)
    if action.step in QUESTION_STEPS:
        po.reminders_sent = 0
        po.followup_stage = STAGE_OF_STEP[action.step]
    elif action.step == Step.REMINDER:
        po.reminders_sent = (po.reminders_sent or 0) + 1

    if action.step == Step.LATE_NOTICE:
        set_flag(
            session,
            po,
            ExceptionFlag.LATE,
            True,
            at=now,
            actor=FOLLOWUP_ACTOR,
            note="promised date reached, not shipped",
        )
    elif action.step == Step.ESCALATE:
        set_flag(session, po, ExceptionFlag.VENDOR_UNRESPONSIVE, True, at=now, actor=FOLLOWUP_ACTOR)
        what = {"confirm": "the confirmation request", "ship_update": "the shipping-update request"}.get(
            action.stage or "", "the late-delivery notice"
        )
        await raise_escalation(
            session,
            reason=EscalationReason.VENDOR_UNRESPONSIVE,
            now=now,
            summary=f"{plan_.vendor.name} has not answered {what} for {po.number} "
            f"after {po.reminders_sent} reminder(s).",
            po=po,
            actor="followup",
        )
        po.followup_stage = "unresponsive"
    elif action.step == Step.NO_CONTACT:
        await raise_escalation(
            session,
            reason=EscalationReason.BOUNCE,
            now=now,
            summary=f"No reachable contact at {plan_.vendor.name} for {po.number}: follow-ups cannot be sent.",
            po=po,
            actor="followup",
        )

    record_event(
        session,
        po,
        kind="followup",
        field=action.step.value,
        old=None,
        new={"attempt": action.attempt, "channel": action.channel, "outbox_id": attempt.outbox_id},
        at=now,
        actor=FOLLOWUP_ACTOR.name,
    )
    return True
