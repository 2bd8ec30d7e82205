"""Follow-up policy settings and the plain data the pure policy reads and returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

POLICY_SETTING_KEY = "followup_policy"


class FollowupPolicy(BaseModel):
    """How hard Liaison keeps after a vendor. Defaults below; an admin edits them (AppSetting
    `followup_policy`), and each vendor may override any of them (Vendor.followup_overrides)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    # an unanswered question is chased after this much of the vendor's working time
    reminder_after_business_hours: float = Field(default=16.0, gt=0, le=400)
    # reminders per question before a human is pulled in
    max_reminders: int = Field(default=2, ge=0, le=10)
    # after the last reminder, wait this long before escalating (None: the same as reminder_after_business_hours)
    escalate_after_business_hours: float | None = Field(default=None, gt=0, le=400)
    # ask for a shipping update this many days before the promised date when nothing has shipped
    ship_update_days_before: int = Field(default=3, ge=0, le=60)
    # the vendor's working hours, in its own time zone; outside them are its quiet hours
    business_day_start: time = time(9, 0)
    business_day_end: time = time(17, 0)
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    # reminders alternate between the preferred channel and the other one when the vendor has both
    alternate_channels: bool = True

    @field_validator("workdays")
    @classmethod
    def _valid_workdays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(d < 0 or d > 6 for d in value):
            raise ValueError("workdays are 0 (Monday) to 6 (Sunday), at least one")
        return tuple(sorted(set(value)))

    @model_validator(mode="after")
    def _day_ends_after_start(self) -> FollowupPolicy:
        if self.business_day_end <= self.business_day_start:
            raise ValueError("business_day_end must be after business_day_start")
        return self

    @property
    def escalate_after(self) -> float:
        return self.escalate_after_business_hours or self.reminder_after_business_hours

    def merged(self, overrides: dict[str, Any] | None) -> FollowupPolicy:
        """This policy with `overrides` applied, validated as a whole."""
        if not overrides:
            return self
        return FollowupPolicy.model_validate({**self.model_dump(), **overrides})


class Step(StrEnum):
    """A follow-up step; with its attempt number it is unique per PO (FollowupAttempt)."""

    CONFIRM_REQUEST = "confirm_request"
    SHIP_UPDATE_REQUEST = "shipping_update_request"
    LATE_NOTICE = "late_notice"
    REMINDER = "reminder"
    ESCALATE = "escalate_unresponsive"
    NO_CONTACT = "no_contact"


# steps that open a new question to the vendor (reminders count again from zero after one)
QUESTION_STEPS = frozenset({Step.CONFIRM_REQUEST, Step.SHIP_UPDATE_REQUEST, Step.LATE_NOTICE})
# steps that write to the vendor
SENDING_STEPS = QUESTION_STEPS | {Step.REMINDER}
# the question a stage stands for, kept in PurchaseOrder.followup_stage
STAGE_OF_STEP = {
    Step.CONFIRM_REQUEST: "confirm",
    Step.SHIP_UPDATE_REQUEST: "ship_update",
    Step.LATE_NOTICE: "late",
}


@dataclass(frozen=True, slots=True)
class StepRecord:
    step: Step
    attempt: int
    at: datetime


@dataclass(frozen=True, slots=True)
class ContactSnapshot:
    channel: str  # email | telegram
    reachable: bool  # not bounced, and for Telegram a chat exists
    out_of_office_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class POSnapshot:
    """What the policy needs to know about a PO, read from the database by the service."""

    status: str
    sent_at: datetime | None
    promised_date: date | None
    last_vendor_message_at: datetime | None
    reminders_sent: int
    exc_late: bool
    exc_vendor_unresponsive: bool
    history: tuple[StepRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class VendorSnapshot:
    timezone: str
    country: str | None
    preferred_channel: str
    contacts: tuple[ContactSnapshot, ...]


@dataclass(frozen=True, slots=True)
class Action:
    """The next thing to do for a PO: `step` number `attempt`, on `channel`, not before `due_at`."""

    step: Step
    attempt: int
    due_at: datetime
    channel: str | None = None
    # the question a reminder chases (confirm, ship_update, late)
    stage: str | None = None
    # for a late notice: the send waits for the vendor's working hours / return, the marking does not
    send_at: datetime | None = None
