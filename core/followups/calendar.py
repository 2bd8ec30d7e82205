"""Business time in a vendor's own time zone: working days, working hours, public holidays.

Outside the working hours are the vendor's quiet hours: nothing is sent then. Public holidays come
from the `holidays` package for the vendor's country; a country it does not know has none.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

# far enough to cover any run of holidays plus weekends; a calendar with no working day at all stops here
_MAX_SCAN_DAYS = 60


@lru_cache(maxsize=512)
def _country_holidays(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(country.upper(), years=year).keys())
    except (NotImplementedError, KeyError):
        return frozenset()


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Working time for one vendor. `extra_holidays` adds days off beyond the country's public holidays."""

    timezone: str = "UTC"
    country: str | None = None
    day_start: time = time(9, 0)
    day_end: time = time(17, 0)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    extra_holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.day_end <= self.day_start:
            raise ValueError("the working day must end after it starts")

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)

    def is_holiday(self, day: date) -> bool:
        if day in self.extra_holidays:
            return True
        return bool(self.country) and day in _country_holidays(str(self.country), day.year)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and not self.is_holiday(day)

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.zone)

    def _at(self, day: date, moment: time) -> datetime:
        # wall-clock time in the vendor's zone, as UTC; a DST gap just shifts by the zone's rules
        return datetime.combine(day, moment, tzinfo=self.zone).astimezone(UTC)

    def day_opens(self, day: date) -> datetime:
        return self._at(day, self.day_start)

    def day_closes(self, day: date) -> datetime:
        return self._at(day, self.day_end)

    def is_open(self, at: datetime) -> bool:
        day = self.local(at).date()
        return self.is_business_day(day) and self.day_opens(day) <= at < self.day_closes(day)

    def next_open(self, at: datetime) -> datetime:
        """The earliest moment at or after `at` inside working hours."""
        day = self.local(at).date()
        for offset in range(_MAX_SCAN_DAYS):
            current = day + timedelta(days=offset)
            if not self.is_business_day(current):
                continue
            opens, closes = self.day_opens(current), self.day_closes(current)
            if at < opens:
                return opens
            if at < closes:
                return at
        return at  # no working day in sight: do not hold the follow-up forever

    def start_of_day(self, day: date) -> datetime:
        """Midnight of `day` in the vendor's zone, as UTC."""
        return self._at(day, time(0, 0))

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """`hours` of working time after `start`, counted only inside working hours."""
        remaining = timedelta(hours=hours)
        at = self.next_open(start)
        for _ in range(_MAX_SCAN_DAYS * 4):
            closes = self.day_closes(self.local(at).date())
            left_today = closes - at
            if remaining <= left_today:
                return at + remaining
            remaining -= left_today
            at = self.next_open(closes)
        return at + remaining


def calendar_for(
    *,
    timezone: str,
    country: str | None,
    day_start: time = time(9, 0),
    day_end: time = time(17, 0),
    workdays: Collection[int] = (0, 1, 2, 3, 4),
    extra_holidays: Collection[date] = (),
) -> BusinessCalendar:
    return BusinessCalendar(
        timezone=timezone,
        country=country,
        day_start=day_start,
        day_end=day_end,
        workdays=frozenset(workdays),
        extra_holidays=frozenset(extra_holidays),
    )
