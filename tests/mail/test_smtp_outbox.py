"""The SMTP outbox sender against a real aiosmtpd server (STARTTLS + AUTH) on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.replies.tokens import po_token_from_addresses, token_matches
from mail.smtp import SmtpOutboxWorker
from models import Escalation, Message, MessagePO, OutboxItem, PurchaseOrder, VendorContact
from tests.mail.email_support import (
    SECRET,
    T0,
    db_url,  # noqa: F401  (fixture)
    mail_settings,
    migrated_template,  # noqa: F401  (fixture)
    queue_email,
    runtime_for,
    seed_po,
    smtp_overrides,
)
from tests.servers.smtp import PERM_550, TEMP_451

pytestmark = pytest.mark.servers
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def rt(db_url, smtp_capture):  # noqa: F811
    runtime = runtime_for(mail_settings(db_url, **smtp_overrides(smtp_capture)))
    yield runtime
    await runtime.close()


async def _item(rt, item_id: int) -> OutboxItem:
    async with rt.sessions() as s:
        return (await s.execute(select(OutboxItem).where(OutboxItem.id == item_id))).scalar_one()


async def test_ack_goes_out_threaded_with_reply_token(rt, smtp_capture) -> None:
    vendor, po = await seed_po(rt, language="de")
    item = await queue_email(
        rt,
        po=po,
        vendor=vendor,
        recipient="sales@acme.example",
        kind="ack",
        context={
            "facts": [
                {
                    "po_number": po.number,
                    "intent": "shipped",
                    "carrier": "DHL",
                    "tracking": ["1234567890"],
                    "eta": "2026-12-03",
                }
            ]
        },
        extra={"in_reply_to": "<v2@acme.example>", "references": ["<v1@acme.example>"], "subject": "Re: PO status"},
    )
    clock = FrozenClock(T0)
    worker = SmtpOutboxWorker(rt, clock=clock)
    assert await worker.run_once() == 1
    [got] = smtp_capture.messages
    msg = got.message
    assert got.authenticated
    assert got.rcpt_tos == ["sales@acme.example"]
    assert msg["Message-ID"] == item.email_message_id
    assert msg["In-Reply-To"] == "<v2@acme.example>"
    assert msg["References"].split() == ["<v1@acme.example>", "<v2@acme.example>"]
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Subject"] == "Re: PO status"
    token = po_token_from_addresses([str(msg["Reply-To"])], SECRET.encode())
    assert token is not None
    assert token_matches(po.number, token)
    text = msg.get_body(("plain",)).get_content()
    assert "versandt mit DHL 1234567890, Ankunft am 3. Dez." in text
    assert msg.get_body(("html",)) is not None

    sent = await _item(rt, item.id)
    assert sent.state == "sent"
    assert sent.sent_message_id is not None
    async with rt.sessions() as s:
        row = await s.get(Message, sent.sent_message_id)
        assert row is not None
        assert row.direction == "out"
        assert row.state == "sent"
        assert row.email_message_id == item.email_message_id
        assert row.raw
        assert item.email_message_id.encode() in row.raw
        link = await s.scalar(select(MessagePO).where(MessagePO.message_id == row.id))
        assert link is not None
        assert link.po_id == po.id


async def test_agent_message_is_not_marked_automatic(rt, smtp_capture) -> None:
    vendor, po = await seed_po(rt)
    await queue_email(
        rt,
        po=po,
        vendor=vendor,
        recipient="sales@acme.example",
        kind="agent_message",
        context={"body": "Hi,\nplease call me.", "agent_name": "Bob", "po_number": po.number},
    )
    await SmtpOutboxWorker(rt, clock=FrozenClock(T0)).run_once()
    [got] = smtp_capture.messages
    assert got.message["Auto-Submitted"] is None
    assert "please call me." in got.message.get_body(("plain",)).get_content()


async def test_smtp_down_retries_with_backoff_and_delivers_when_back(rt, smtp_capture) -> None:
    vendor, po = await seed_po(rt)
    item = await queue_email(rt, po=po, vendor=vendor, recipient="sales@acme.example")
    clock = FrozenClock(T0)
    worker = SmtpOutboxWorker(rt, clock=clock)
    smtp_capture.stop()
    assert await worker.run_once() == 1
    pending = await _item(rt, item.id)
    assert pending.state == "pending"
    assert pending.attempts == 1
    assert pending.next_attempt_at == T0 + timedelta(seconds=30)
    assert "connect" in (pending.last_error or "")
    assert await worker.run_once() == 0  # not due yet
    smtp_capture.start()
    clock.advance(timedelta(seconds=31))
    assert await worker.run_once() == 1
    assert len(smtp_capture.messages) == 1
    assert (await _item(rt, item.id)).state == "sent"


async def test_temporary_4xx_is_retried(rt, smtp_capture) -> None:
    vendor, po = await seed_po(rt)
    item = await queue_email(rt, po=po, vendor=vendor, recipient="sales@acme.example")
    clock = FrozenClock(T0)
    worker = SmtpOutboxWorker(rt, clock=clock)
    smtp_capture.fail(TEMP_451, at="DATA", times=1)
    await worker.run_once()
    assert (await _item(rt, item.id)).state == "pending"
    clock.advance(timedelta(minutes=1))
    await worker.run_once()
    assert (await _item(rt, item.id)).state == "sent"
    assert len(smtp_capture.messages) == 1
    async with rt.sessions() as s:
        row = await s.scalar(select(Message).where(Message.email_message_id == item.email_message_id))
        assert row is not None
        assert row.state == "sent"
        assert row.attempts == 2


async def test_refused_recipient_fails_marks_contact_bounced_and_escalates(rt, smtp_capture) -> None:
    vendor, po = await seed_po(rt, email="gone@acme.example")
    item = await queue_email(rt, po=po, vendor=vendor, recipient="gone@acme.example")
    smtp_capture.fail(PERM_550, rcpt="gone@acme.example")
    await SmtpOutboxWorker(rt, clock=FrozenClock(T0)).run_once()
    failed = await _item(rt, item.id)
    assert failed.state == "failed"
    assert "550" in (failed.last_error or "")
    assert smtp_capture.messages == []
    async with rt.sessions() as s:
        contact = await s.scalar(select(VendorContact).where(VendorContact.address == "gone@acme.example"))
        assert contact is not None
        assert contact.bounced_at == T0
        assert "550" in (contact.bounce_reason or "")
        refreshed = await s.get(PurchaseOrder, po.id)
        assert refreshed is not None
        assert refreshed.exc_contact_bounced
        [esc] = (await s.execute(select(Escalation).where(Escalation.po_id == po.id))).scalars().all()
        assert esc.reason == "delivery_failed"


async def test_permanent_data_refusal_escalates_without_blaming_the_address(rt, smtp_capture) -> None:
    vendor, po = await seed_po(rt)
    item = await queue_email(rt, po=po, vendor=vendor, recipient="sales@acme.example")
    smtp_capture.fail("554 5.7.1 message rejected as spam", at="DATA")
    await SmtpOutboxWorker(rt, clock=FrozenClock(T0)).run_once()
    assert (await _item(rt, item.id)).state == "failed"
    async with rt.sessions() as s:
        contact = await s.scalar(select(VendorContact).where(VendorContact.address == "sales@acme.example"))
        assert contact is not None
        assert contact.bounced_at is None
        esc = await s.scalar(select(Escalation).where(Escalation.po_id == po.id))
        assert esc is not None
        assert esc.reason == "delivery_failed"
        row = await s.scalar(select(Message).where(Message.email_message_id == item.email_message_id))
        assert row is not None
        assert row.state == "not_sent"


async def test_unrenderable_item_fails_permanently(rt, smtp_capture) -> None:
    vendor, po = await seed_po(rt)
    item = await queue_email(rt, po=po, vendor=vendor, recipient="sales@acme.example", kind="no_such_template")
    await SmtpOutboxWorker(rt, clock=FrozenClock(T0)).run_once()
    failed = await _item(rt, item.id)
    assert failed.state == "failed"
    assert "no_such_template" in (failed.last_error or "")
    assert smtp_capture.messages == []


def _run_worker(env: dict[str, str], mode: str, seconds: float) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "tests.mail.email_worker_proc", mode, str(seconds)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


def _env(settings_env: dict[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    env.update(settings_env)
    env.update(extra)
    return env


async def test_crash_after_smtp_acceptance_never_sends_twice(db_url, smtp_capture) -> None:  # noqa: F811
    settings_env = {
        "LIAISON_DATABASE_URL": db_url,
        "LIAISON_SECRET_KEY": SECRET,
        "LIAISON_MAIL_FROM": "purchasing@buyer.example",
        "LIAISON_SMTP_HOST": smtp_capture.host,
        "LIAISON_SMTP_PORT": str(smtp_capture.port),
        "LIAISON_SMTP_USER": smtp_capture.user,
        "LIAISON_SMTP_PASSWORD": smtp_capture.password,
        "LIAISON_SMTP_SECURITY": "starttls",
        "LIAISON_SMTP_CA_FILE": smtp_capture.cert,
    }
    rt = runtime_for(mail_settings(db_url))
    try:
        vendor, po = await seed_po(rt)
        from datetime import UTC, datetime

        item = await queue_email(
            rt, po=po, vendor=vendor, recipient="sales@acme.example", now=datetime.now(UTC) - timedelta(seconds=5)
        )
        crashed = _run_worker(_env(settings_env, LIAISON_TEST_CRASH_AT="after_smtp"), "smtp", 10)
        assert crashed.returncode == 137, crashed.stderr.decode()
        assert len(smtp_capture.messages) == 1
        assert (await _item(rt, item.id)).state == "sending"

        restarted = _run_worker(_env(settings_env), "smtp", 3)
        assert restarted.returncode == 0, restarted.stderr.decode()
        assert len(smtp_capture.messages) == 1  # the vendor has exactly one copy
        done = await _item(rt, item.id)
        assert done.state == "sent"
        async with rt.sessions() as s:
            row = await s.scalar(select(Message).where(Message.email_message_id == item.email_message_id))
            assert row is not None
            assert row.state == "sent_unverified"
            esc = await s.scalar(select(Escalation).where(Escalation.po_id == po.id))
            assert esc is not None
            assert esc.reason == "needs_review"
            assert esc.severity == "low"
    finally:
        await rt.close()
