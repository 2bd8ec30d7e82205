"""Pure pieces of the chat channel: button signatures, buyer questions, flow answers."""

from __future__ import annotations

from datetime import date

from bot.flows import parse_tracking
from core.chat.callbacks import MAX_CALLBACK_BYTES, sign, verify
from core.chat.queries import LateQuestion, POQuestion, VendorQuestion, parse_question, po_number_candidates

SECRET = b"k" * 32


def test_button_data_verifies_only_for_its_chat_and_unchanged() -> None:
    data = sign(SECRET, 1001, "delay_to", f"{2**31}.{date(2026, 12, 3):%Y%m%d}")
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    ok = verify(SECRET, 1001, data)
    assert ok is not None
    assert ok.action == "delay_to"
    assert verify(SECRET, 1002, data) is None  # replayed in another chat
    assert verify(SECRET, 1001, data.replace("delay_to", "confirm")) is None  # tampered
    assert verify(b"x" * 32, 1001, data) is None
    for junk in ("", "confirm|1", "a|b|c|d", "x" * 500, None):
        assert verify(SECRET, 1001, junk) is None


def test_buyer_questions() -> None:
    assert parse_question("where is PO 4512?") == POQuestion(("4512",))
    assert parse_question("status 4512") == POQuestion(("4512",))
    assert parse_question("what's late?") == LateQuestion()
    assert parse_question("anything from Acme this week?") == VendorQuestion("Acme", "week")
    assert parse_question("hello") is None
    assert parse_question("x" * 100_000) is None
    assert po_number_candidates("4512") == ["4512", "PO-4512", "PO4512"]


def test_tracking_answer() -> None:
    assert parse_tracking("DHL 1234567890") == ("DHL", "1234567890")
    assert parse_tracking("ups 1Z999AA10123456784")[1] == "1Z999AA10123456784"
    assert parse_tracking("no idea") == (None, None)
