"""The pure policy and the vendor's business calendar, on fixed instants (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from core.followups.calendar import calendar_for
from core.followups.policy import due_action, next_action
from core.followups.schemas import ContactSnapshot, FollowupPolicy, POSnapshot, Step, StepRecord, VendorSnapshot

UTCZ = UTC
# Friday 2026-11-20 09:00 UTC: 18:00 in Tokyo (closed), 06:00 in São Paulo on a public holiday, 10:00 in Berlin
FRI = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
POLICY = FollowupPolicy()

TOKYO = calendar_for(timezone="Asia/Tokyo", country="JP")
SAO_PAULO = calendar_for(timezone="America/Sao_Paulo", country="BR")
BERLIN = calendar_for(timezone="Europe/Berlin", country="DE")


def vendor(
    tz: str = "Europe/London",
    country: str = "GB",
    *,
    telegram: bool = False,
    ooo: datetime | None = None,
    email_ok: bool = True,
) -> VendorSnapshot:
    contacts = [ContactSnapshot("email", email_ok, ooo)]
    if telegram:
        contacts.append(ContactSnapshot("telegram", True, ooo))
    return VendorSnapshot(timezone=tz, country=country, preferred_channel="email", contacts=tuple(contacts))


def po(**kw: object) -> POSnapshot:
    base: dict[str, object] = {
        "status": "sent",
        "sent_at": FRI,
        "promised_date": date(2026, 12, 18),
        "last_vendor_message_at": None,
        "reminders_sent": 0,
        "exc_late": False,
        "exc_vendor_unresponsive": False,
        "history": (),
    }
    base.update(kw)
    return POSnapshot(**base)  # type: ignore[arg-type]


# --- calendar -------------------------------------------------------------------------------------------


def test_tokyo_after_hours_friday_waits_past_the_weekend_and_a_public_holiday() -> None:
    # Monday 2026-11-23 is Labour Thanksgiving Day in Japan: the next working moment is Tuesday 09:00 JST
    assert TOKYO.next_open(FRI) == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def test_sao_paulo_on_a_national_holiday_waits_for_monday() -> None:
    # 2026-11-20 is the National Day of Zumbi and Black Awareness in Brazil; 09:00 BRT is 12:00 UTC
    assert SAO_PAULO.is_holiday(date(2026, 11, 20))
    assert SAO_PAULO.next_open(FRI) == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_berlin_is_open_now() -> None:
    assert BERLIN.is_open(FRI)
    assert BERLIN.next_open(FRI) == FRI


def test_christmas_in_germany_is_skipped() -> None:
    eve = datetime(2026, 12, 24, 16, 30, tzinfo=UTC)  # 17:30 Berlin, closed; 25th and 26th are holidays, 27th Sunday
    assert BERLIN.next_open(eve) == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)


def test_business_hours_are_counted_inside_the_working_day_only() -> None:
    start = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # Tuesday 09:00 JST
    assert TOKYO.add_business_hours(start, 16) == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # Wednesday 17:00 JST
    assert TOKYO.add_business_hours(start, 17) == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # Thursday 10:00 JST


def test_unknown_country_has_no_holidays_and_unknown_zone_is_utc() -> None:
    cal = calendar_for(timezone="Mars/Olympus", country="ZZ")
    assert cal.next_open(FRI) == FRI


def test_custom_working_hours() -> None:
    cal = calendar_for(timezone="UTC", country=None, day_start=time(7), day_end=time(12), workdays=(0, 1, 2, 3))
    assert cal.next_open(FRI) == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Friday is not a workday here


# --- policy ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "country", "expected"),
    [
        ("Asia/Tokyo", "JP", datetime(2026, 11, 24, 0, 0, tzinfo=UTC)),
        ("America/Sao_Paulo", "BR", datetime(2026, 11, 23, 12, 0, tzinfo=UTC)),
        ("Europe/Berlin", "DE", FRI),
    ],
    ids=["tokyo", "sao-paulo", "berlin"],
)
def test_confirmation_request_falls_in_the_vendors_working_hours(tz: str, country: str, expected: datetime) -> None:
    action = next_action(po(), vendor(tz, country), POLICY)
    assert action is not None
    assert (action.step, action.attempt, action.channel, action.due_at) == (Step.CONFIRM_REQUEST, 1, "email", expected)


def test_reminders_alternate_channels_then_escalate() -> None:
    v = vendor("Europe/London", "GB", telegram=True)
    asked = StepRecord(Step.CONFIRM_REQUEST, 1, FRI)
    first = next_action(po(history=(asked,)), v, POLICY)
    # 16 working hours after Friday 09:00 London end at Monday's close; the send waits for Tuesday 09:00
    assert first is not None
    assert first.step == Step.REMINDER
    assert first.channel == "email"
    assert first.due_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    second = next_action(po(history=(asked, StepRecord(Step.REMINDER, 1, first.due_at)), reminders_sent=1), v, POLICY)
    assert second is not None
    assert (second.step, second.attempt, second.channel) == (Step.REMINDER, 2, "telegram")
    history = (asked, StepRecord(Step.REMINDER, 1, first.due_at), StepRecord(Step.REMINDER, 2, second.due_at))
    last = next_action(po(history=history, reminders_sent=2), v, POLICY)
    assert last is not None
    assert last.step == Step.ESCALATE
    assert last.due_at > second.due_at
    # once escalated the chase stops; only the late marking on the promised date is left
    after = next_action(po(history=history, reminders_sent=2, exc_vendor_unresponsive=True), v, POLICY)
    assert after is not None
    assert after.step == Step.LATE_NOTICE


def test_a_vendor_answer_restarts_the_clock() -> None:
    v = vendor()
    answer = FRI + timedelta(days=3, hours=5)  # Monday 14:00 UTC
    history = (StepRecord(Step.CONFIRM_REQUEST, 1, FRI), StepRecord(Step.REMINDER, 1, FRI + timedelta(days=3)))
    action = next_action(po(history=history, reminders_sent=0, last_vendor_message_at=answer), v, POLICY)
    assert action is not None
    assert action.step == Step.REMINDER
    assert action.attempt == 2
    assert action.due_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # 3 h Monday, 8 h Tuesday, 5 h Wednesday


def test_confirmed_po_gets_a_shipping_update_request_days_before_the_promised_date() -> None:
    confirmed = po(
        status="confirmed",
        history=(StepRecord(Step.CONFIRM_REQUEST, 1, FRI),),
        last_vendor_message_at=FRI + timedelta(hours=2),
    )
    action = next_action(confirmed, vendor(), POLICY)
    assert action is not None
    assert action.step == Step.SHIP_UPDATE_REQUEST
    assert action.due_at == datetime(2026, 12, 15, 9, 0, tzinfo=UTC)  # 3 days before 18 Dec, at 09:00 London


def test_on_the_promised_date_an_unshipped_po_becomes_late() -> None:
    asked = StepRecord(Step.SHIP_UPDATE_REQUEST, 1, datetime(2026, 12, 15, 9, 0, tzinfo=UTC))
    confirmed = po(
        status="confirmed",
        last_vendor_message_at=datetime(2026, 12, 15, 10, tzinfo=UTC),
        history=(StepRecord(Step.CONFIRM_REQUEST, 1, FRI), asked),
    )
    action = next_action(confirmed, vendor(), POLICY)
    assert action is not None
    assert action.step == Step.LATE_NOTICE
    assert action.due_at == datetime(2026, 12, 18, 9, 0, tzinfo=UTC)
    assert next_action(po(status="shipped"), vendor(), POLICY) is None


def test_late_on_a_weekend_marks_at_once_but_sends_on_monday() -> None:
    answered = datetime(2026, 12, 16, 10, tzinfo=UTC)
    weekend = po(
        status="confirmed",
        promised_date=date(2026, 12, 19),
        last_vendor_message_at=answered,
        history=(
            StepRecord(Step.CONFIRM_REQUEST, 1, FRI),
            StepRecord(Step.SHIP_UPDATE_REQUEST, 1, datetime(2026, 12, 16, 9, tzinfo=UTC)),
        ),
    )
    action = next_action(weekend, vendor(), POLICY)
    assert action is not None
    assert action.step == Step.LATE_NOTICE
    assert action.due_at == datetime(2026, 12, 19, 9, 0, tzinfo=UTC)
    assert action.send_at == datetime(2026, 12, 21, 9, 0, tzinfo=UTC)


def test_out_of_office_postpones_a_reminder_until_the_return() -> None:
    back = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # returns Monday 30 Nov
    history = (StepRecord(Step.CONFIRM_REQUEST, 1, FRI),)
    present = next_action(po(history=history), vendor(), POLICY)
    away = next_action(po(history=history), vendor(ooo=back), POLICY)
    assert present is not None
    assert away is not None
    assert present.due_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert away.due_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_no_reachable_contact_tells_a_human_once() -> None:
    v = vendor(email_ok=False)
    action = next_action(po(), v, POLICY)
    assert action is not None
    assert action.step == Step.NO_CONTACT
    told = po(history=(StepRecord(Step.NO_CONTACT, 1, FRI),))
    later = next_action(told, v, POLICY)
    assert later is not None
    assert later.step == Step.LATE_NOTICE
    assert later.channel is None


def test_due_action_respects_now_and_overrides() -> None:
    v = vendor("Asia/Tokyo", "JP")
    assert due_action(po(), v, POLICY, FRI) is None
    assert due_action(po(), v, POLICY, datetime(2026, 11, 24, 0, 0, tzinfo=UTC)) is not None
    patient = POLICY.merged({"reminder_after_business_hours": 40, "max_reminders": 0})
    history = (StepRecord(Step.CONFIRM_REQUEST, 1, datetime(2026, 11, 24, 0, 0, tzinfo=UTC)),)
    action = next_action(po(history=history), v, patient)
    assert action is not None
    assert action.step == Step.ESCALATE
    # 40 working hours end at Monday's close in Tokyo; sent Tuesday 09:00 JST
    assert action.due_at == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert next_action(po(), v, POLICY.merged({"enabled": False})) is None


def test_policy_validation() -> None:
    with pytest.raises(ValueError, match="business_day_end"):
        FollowupPolicy(business_day_start=time(18), business_day_end=time(9))
    with pytest.raises(ValueError, match="extra"):
        POLICY.merged({"reminder_hours": 3})
