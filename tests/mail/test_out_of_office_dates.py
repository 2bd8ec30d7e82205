"""The return date of an out-of-office reply, in the formats and languages vendors' auto-replies use."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mail.classify import out_of_office_until

SENT = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "until"),
    [
        ("Ich bin bis einschließlich 2027-01-02 nicht im Büro.", date(2027, 1, 2)),  # ISO stays year-month-day
        ("Ich bin bis einschließlich 17.12. nicht im Büro.", date(2026, 12, 17)),  # day and month, no year
        ("I am out of the office until the 19th of December.", date(2026, 12, 19)),
        ("Je suis absent jusqu'au 1er janvier 2027.", date(2027, 1, 1)),
        ("Estoy fuera de la oficina hasta el 4 de enero.", date(2027, 1, 4)),  # next year: the nearest January
        ("I will be back on Monday, November 30.", date(2026, 11, 30)),
        ("Thank you for your message, I was away until 20 November.", None),  # before the message: not a return
        ("I am out of the office with limited access to email.", None),
    ],
)
def test_out_of_office_return_date(text: str, until: date | None) -> None:
    assert out_of_office_until(text, subject="Out of office", sent_at=SENT) == until


def test_without_a_message_date_nothing_is_anchored() -> None:
    assert out_of_office_until("Back on 30 November.", subject="", sent_at=None) is None
