"""Locale-aware formatting for message templates: dates, numbers and money the way the reader writes them.

Outbox payloads are JSON, so values arrive as ISO text ("2026-12-03"), numbers as text or floats;
every filter accepts those as well as real `date`/`Decimal` values, and returns the input unchanged
(as text) when it cannot be read rather than failing a whole message over one odd value.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_currency, format_decimal


def to_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def to_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


class Formatter:
    """The template filters for one locale (bound once per locale, so templates need not pass it)."""

    def __init__(self, locale: Locale, timezone: str = "UTC") -> None:
        self.locale = locale
        self.timezone = timezone

    def date(self, value: Any, fmt: str = "medium") -> str:
        """`medium` -> "3 Dec 2026" / "03.12.2026"; `long` -> "3 December 2026"; `short_day` -> "3 Dec"."""
        d = to_date(value)
        if d is None:
            return "" if value is None else str(value)
        if fmt == "short_day":
            return str(format_skeleton("MMMd", d, locale=self.locale))
        if fmt == "weekday":
            return str(format_skeleton("MMMMEEEEd", d, locale=self.locale))
        return str(format_date(d, format=fmt, locale=self.locale))

    def datetime(self, value: Any, fmt: str = "medium", timezone: str | None = None) -> str:
        dt = to_datetime(value)
        if dt is None:
            return "" if value is None else str(value)
        try:
            tz = ZoneInfo(timezone or self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            tz = ZoneInfo("UTC")
        return str(format_datetime(dt, format=fmt, tzinfo=tz, locale=self.locale))

    def number(self, value: Any) -> str:
        n = to_decimal(value)
        if n is None:
            return "" if value is None else str(value)
        # quantities like 500.000 come from NUMERIC columns: show what matters, not storage scale
        return str(format_decimal(n.normalize() if n == n.to_integral() else n, locale=self.locale))

    def money(self, value: Any, currency: str = "EUR") -> str:
        n = to_decimal(value)
        if n is None:
            return "" if value is None else str(value)
        try:
            return str(format_currency(n, currency, locale=self.locale))
        except (ValueError, KeyError):
            return f"{format_decimal(n, locale=self.locale)} {currency}"

    def filters(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "datetime": self.datetime,
            "number": self.number,
            "money": self.money,
        }
