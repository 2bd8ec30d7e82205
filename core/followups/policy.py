"""The follow-up policy, pure: from plain data about a PO and its vendor, the next action and when.

A PO that has been sent gets a confirmation request. An open question unanswered after N business
hours is chased by up to K reminders, alternating the vendor's preferred channel and the other one;
N hours after the last reminder a human is pulled in (vendor unresponsive). A confirmed PO with
nothing shipped gets a shipping-update request D days before its promised date; on the promised
date an unshipped PO is marked late and the vendor asked again. Every send falls inside the vendor's
working hours (its time zone, weekends, public holidays) and waits for an out-of-office return.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.followups.calendar import BusinessCalendar, calendar_for
from core.followups.schemas import (
    QUESTION_STEPS,
    SENDING_STEPS,
    STAGE_OF_STEP,
    Action,
    FollowupPolicy,
    POSnapshot,
    Step,
    StepRecord,
    VendorSnapshot,
)
from core.purchase_orders.lifecycle import POStatus

# statuses in which the engine writes to the vendor; shipped goods are the receiving side's business
CHASED_STATUSES = frozenset({POStatus.SENT.value, POStatus.CONFIRMED.value})
CHANNELS = ("email", "telegram")


def vendor_calendar(vendor: VendorSnapshot, policy: FollowupPolicy) -> BusinessCalendar:
    return calendar_for(
        timezone=vendor.timezone,
        country=vendor.country,
        day_start=policy.business_day_start,
        day_end=policy.business_day_end,
        workdays=policy.workdays,
    )


def reachable_channels(vendor: VendorSnapshot) -> list[str]:
    """Channels with a reachable contact, the preferred one first."""
    present = {c.channel for c in vendor.contacts if c.reachable}
    ordered = [vendor.preferred_channel, *(c for c in CHANNELS if c != vendor.preferred_channel)]
    return [c for c in ordered if c in present]


def _away_until(vendor: VendorSnapshot, at: datetime) -> datetime | None:
    """When every reachable contact is out of office at `at`, the first return; else None."""
    reachable = [c for c in vendor.contacts if c.reachable]
    if not reachable:
        return None
    returns = [c.out_of_office_until for c in reachable]
    if all(r is not None and r > at for r in returns):
        return min(r for r in returns if r is not None)
    return None


def _send_time(at: datetime, vendor: VendorSnapshot, cal: BusinessCalendar) -> datetime:
    """The first moment at or after `at` when the vendor is at work and back from any absence."""
    at = cal.next_open(at)
    back = _away_until(vendor, at)
    return cal.next_open(back) if back is not None else at


def _count(history: tuple[StepRecord, ...], step: Step) -> int:
    return sum(1 for r in history if r.step == step)


def _latest(history: tuple[StepRecord, ...], steps: frozenset[Step]) -> StepRecord | None:
    found = [r for r in history if r.step in steps]
    return max(found, key=lambda r: r.at) if found else None


def _chase(
    po: POSnapshot, vendor: VendorSnapshot, policy: FollowupPolicy, cal: BusinessCalendar, channels: list[str]
) -> Action | None:
    """A reminder, or the escalation after the last one, for the question still open."""
    question = _latest(po.history, QUESTION_STEPS)
    if question is None or po.exc_vendor_unresponsive or not channels:
        return None
    stage = STAGE_OF_STEP[question.step]
    answered_since = po.last_vendor_message_at is not None and po.last_vendor_message_at >= question.at
    if stage == "confirm":
        # a confirmation request stays open until the PO is confirmed, whatever else the vendor says
        if po.status != POStatus.SENT:
            return None
    elif answered_since:
        return None
    last_send = _latest(po.history, SENDING_STEPS)
    base = max(last_send.at if last_send else question.at, po.last_vendor_message_at or question.at)
    if po.reminders_sent < policy.max_reminders:
        number = po.reminders_sent + 1
        channel = channels[(number - 1) % len(channels)] if policy.alternate_channels else channels[0]
        due = _send_time(cal.add_business_hours(base, policy.reminder_after_business_hours), vendor, cal)
        return Action(Step.REMINDER, _count(po.history, Step.REMINDER) + 1, due, channel=channel, stage=stage)
    due = _send_time(cal.add_business_hours(base, policy.escalate_after), vendor, cal)
    return Action(Step.ESCALATE, _count(po.history, Step.ESCALATE) + 1, due, stage=stage)


def next_action(
    po: POSnapshot, vendor: VendorSnapshot, policy: FollowupPolicy, *, calendar: BusinessCalendar | None = None
) -> Action | None:
    """The next follow-up step for this PO and when it falls due, or None when there is nothing to chase."""
    if not policy.enabled or po.status not in CHASED_STATUSES or po.sent_at is None:
        return None
    cal = calendar or vendor_calendar(vendor, policy)
    channels = reachable_channels(vendor)
    preferred = channels[0] if channels else None
    candidates: list[Action] = []

    if po.status == POStatus.SENT and _count(po.history, Step.CONFIRM_REQUEST) == 0:
        due = _send_time(po.sent_at, vendor, cal)
        candidates.append(Action(Step.CONFIRM_REQUEST, 1, due, channel=preferred, stage="confirm"))

    if po.promised_date is not None and not po.exc_late:
        promised_starts = cal.start_of_day(po.promised_date)
        if po.status == POStatus.CONFIRMED:
            window = cal.start_of_day(po.promised_date - timedelta(days=policy.ship_update_days_before))
            # asked already for this date (or a close earlier one), or the vendor spoke to us inside the window
            asked = any(
                r.step == Step.SHIP_UPDATE_REQUEST and r.at >= window - timedelta(days=policy.ship_update_days_before)
                for r in po.history
            )
            spoke = po.last_vendor_message_at is not None and po.last_vendor_message_at >= window
            due = _send_time(window, vendor, cal)
            if not asked and not spoke and due < promised_starts:
                attempt = _count(po.history, Step.SHIP_UPDATE_REQUEST) + 1
                candidates.append(
                    Action(Step.SHIP_UPDATE_REQUEST, attempt, due, channel=preferred, stage="ship_update")
                )
        # the PO becomes late at the start of the vendor's working day on the promised date, whatever day
        # that is; only the notice to the vendor waits for its working hours
        late_at = cal.day_opens(po.promised_date)
        attempt = _count(po.history, Step.LATE_NOTICE) + 1
        candidates.append(
            Action(
                Step.LATE_NOTICE,
                attempt,
                late_at,
                channel=preferred,
                stage="late",
                send_at=_send_time(late_at, vendor, cal),
            )
        )

    chase = _chase(po, vendor, policy, cal, channels)
    if chase is not None:
        candidates.append(chase)

    if not channels:
        # nobody to write to: the sends cannot happen; a human is told once (late marking still goes on)
        candidates = [a for a in candidates if a.step not in SENDING_STEPS or a.step == Step.LATE_NOTICE]
        last_send = _latest(po.history, SENDING_STEPS)
        told = any(r.step == Step.NO_CONTACT and (last_send is None or r.at >= last_send.at) for r in po.history)
        if not told:
            candidates.append(Action(Step.NO_CONTACT, _count(po.history, Step.NO_CONTACT) + 1, po.sent_at))

    if not candidates:
        return None
    return min(enumerate(candidates), key=lambda pair: (pair[1].due_at, pair[0]))[1]


def due_action(
    po: POSnapshot,
    vendor: VendorSnapshot,
    policy: FollowupPolicy,
    now: datetime,
    *,
    calendar: BusinessCalendar | None = None,
) -> Action | None:
    """The action to take at `now`, or None when the next one is not due yet."""
    action = next_action(po, vendor, policy, calendar=calendar)
    return action if action is not None and action.due_at <= now else None
