"""Golden .eml files: charsets, an HTML-only Outlook reply, TNEF, a DSN bounce."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from core.inbound import Channel, MessageKind
from mail.parse import parse_email, to_inbound

GOLDEN = Path(__file__).parent / "golden"


def _parse(name: str):  # type: ignore[no-untyped-def]
    return parse_email((GOLDEN / name).read_bytes())


def test_iso_2022_jp_subject_sender_and_body() -> None:
    parsed = _parse("iso2022jp.eml")
    assert parsed.subject == "注文書 PO-4512 の件"
    assert parsed.from_name == "山田太郎"
    assert parsed.new_text == "ご注文PO-4512の納期は2026年11月28日です。"
    assert parsed.date == datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def test_shift_jis_with_windows_extensions() -> None:
    parsed = _parse("shift_jis.eml")
    assert parsed.subject == "納期回答"
    assert "①番の部品" in parsed.new_text


def test_utf8_body_labelled_big5_is_read_as_utf8() -> None:
    parsed = _parse("big5_mislabelled.eml")
    assert parsed.new_text.startswith("您好！ 你今天好吗？")
    assert any("mislabelled" in d for d in parsed.defects)


def test_windows_1252_body_and_encoded_words() -> None:
    parsed = _parse("windows1252.eml")
    assert parsed.subject == "Commande 4549 – livraison prévue"
    assert parsed.from_name == "François Müller"
    assert parsed.from_address == "fm@fournisseur.example"
    assert "coût 1 250 €" in parsed.new_text


def test_html_only_outlook_reply_cuts_the_quoted_po() -> None:
    parsed = _parse("outlook_html_only.eml")
    assert parsed.new_text == "Hi Anna,\nPO 4512 confirmed, delivery 03/12.\nRegards, Gary"
    assert "2026-11-28" in parsed.quoted_text
    assert "2026-11-28" not in parsed.new_text
    assert "From: Anna Bauer <anna@northwind.example>" in parsed.quoted_text
    assert parsed.in_reply_to == "<po-4512.1@northwind.example>"
    assert parsed.references[-1] == "<po-4512.1@northwind.example>"


def test_tnef_body_and_attachment_are_unpacked() -> None:
    parsed = _parse("tnef.eml")
    assert "PO-4512 is confirmed" in parsed.new_text
    assert [(a.filename, a.data) for a in parsed.attachments] == [("order-confirmation.csv", b"po,qty\nPO-4512,500\n")]


def test_dsn_bounce_returns_the_original_message_id() -> None:
    parsed = _parse("dsn_bounce.eml")
    assert parsed.kind is MessageKind.BOUNCE
    assert parsed.bounced_message_ids == ("<po-4545.2@northwind.example>",)
    assert parsed.bounced_recipients == ("exports@puneprecision.example",)
    assert parsed.bounce_permanent is True


def test_to_inbound_dedupes_by_message_id_or_hash() -> None:
    raw = (GOLDEN / "outlook_html_only.eml").read_bytes()
    received = datetime(2026, 11, 20, 11, 1, tzinfo=UTC)
    inbound = to_inbound(parse_email(raw), received_at=received, raw=raw)
    assert inbound.channel is Channel.EMAIL
    assert inbound.sender == "sales@acme-fasteners.example"
    assert inbound.dedupe_key == "email:<html1@acme-fasteners.example>"
    headerless = b"Subject: hi\n\nno message id here\n"
    assert to_inbound(parse_email(headerless), received_at=received, raw=headerless).dedupe_key.startswith(
        "email-sha256:"
    )


def test_out_of_office_return_date() -> None:
    raw = (
        "From: Thomas <t@elektro.example>\nSubject: Abwesenheitsnotiz: PO-4606\n"
        "Date: Fri, 20 Nov 2026 10:00:52 +0100\nContent-Type: text/plain; charset=utf-8\n\n"
        "Ich bin bis einschließlich Freitag, 27.11.2026 nicht im Büro.\n"
    ).encode()
    parsed = parse_email(raw)
    assert parsed.kind is MessageKind.AUTO_REPLY
    assert parsed.auto_reply_until == date(2026, 11, 27)


def test_exchange_suppress_header_alone_is_not_an_auto_reply() -> None:
    raw = b"From: a@b.example\nSubject: RE: PO-1\nX-Auto-Response-Suppress: All\n\nConfirmed.\n"
    assert parse_email(raw).kind is MessageKind.MESSAGE
    looped = raw.replace(b"\n\n", b"\nX-MS-Exchange-Inbox-Rules-Loop: a@b.example\n\n", 1)
    assert parse_email(looped).kind is MessageKind.AUTO_REPLY
