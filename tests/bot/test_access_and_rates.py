"""Who sees what (buyers, strangers, vendor A vs vendor B) and the send rates under a burst."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import button_secret
from core.chat.callbacks import sign
from core.outbox.service import enqueue
from models import BuyerAlert, OutboxItem, POEvent, PurchaseOrder, User
from tests.bot.conftest import RunningBot
from tests.factories import make_po, make_user, make_vendor

pytestmark = pytest.mark.servers


async def test_buyer_gets_status_and_a_stranger_gets_nothing(bot: RunningBot, tg_user: Any) -> None:
    async def seed(session: AsyncSession) -> None:
        vendor = await make_vendor(session, name="Acme Fasteners Ltd")
        await make_po(session, vendor, number="PO-4512", status="confirmed")
        buyer = await make_user(session, name="Bea")
        buyer.telegram_user_id = buyer.telegram_chat_id = 3001

    await bot.db(seed)
    bea, stranger = tg_user(user_id=3001, name="Bea"), tg_user(user_id=3002, name="Eve")
    await bea.say("where is PO 4512?")
    [answer] = await bea.replies(1)
    assert "PO-4512" in answer["message"]["text"]
    assert "confirmed" in answer["message"]["text"]
    assert "Acme" in answer["message"]["text"]

    for probe in ("where is PO 4512?", "/po 4512", "/late", "/start"):
        await stranger.say(probe)
        [reply] = await stranger.replies(1)
        text = reply["message"]["text"]
        assert "4512" not in text
        assert "Acme" not in text
        assert "confirmed" not in text
        assert "invitation" in text


async def test_vendor_a_cannot_see_or_change_vendor_b_po(bot: RunningBot, tg_user: Any) -> None:
    async def seed(session: AsyncSession) -> tuple[int, int]:
        a = await make_vendor(session, name="Alpha Parts", telegram_ids=(4001,))
        b = await make_vendor(session, name="Bravo Steel", telegram_ids=(4002,))
        po_a = await make_po(session, a, number="PO-5001")
        po_b = await make_po(session, b, number="PO-5002")
        return po_a.id, po_b.id

    _, po_b = await bot.db(seed)
    alice = tg_user(user_id=4001, name="Alice")
    secret = button_secret(bot.runtime.settings)

    # by text: a status question or a claim about B's PO changes nothing and shows nothing
    for text in ("where is PO 5002?", "/po 5002", "PO-5002 shipped today dhl 1234567890"):
        await alice.say(text)
        replies = await alice.replies(1, within=3)
        for reply in replies:
            assert "Bravo" not in reply["message"]["text"]
            assert "5002" not in reply["message"]["text"]

    # by button: take a real message, forge its data
    bravo_chat = 4002
    forged = [
        sign(secret, alice.user_id, "confirm", str(po_b)),  # signed for Alice's chat, but B's PO
        sign(secret, bravo_chat, "confirm", str(po_b)),  # B's genuine button replayed in Alice's chat
        f"confirm|{po_b}|AAAAAAAAAAAAAAAA",  # unsigned
        f"shipped|{po_b}",  # malformed
    ]
    await alice.say("/help")
    [bot_msg] = await alice.replies(1)
    for data in forged:
        await alice.press(bot_msg, data)
    await asyncio.sleep(0.5)
    for reply in await alice.replies(4, within=1):
        assert "5002" not in reply["message"]["text"]
        assert "Bravo" not in reply["message"]["text"]

    async def check(session: AsyncSession) -> None:
        po = await session.get(PurchaseOrder, po_b)
        assert po is not None
        assert po.status == "sent"
        assert po.eta is None
        assert await session.scalar(select(func.count()).select_from(POEvent).where(POEvent.po_id == po_b)) == 0

    await bot.db(check)


async def test_alerts_arriving_together_become_one_digest(bot: RunningBot, tg_user: Any) -> None:
    async def seed(session: AsyncSession) -> None:
        vendor = await make_vendor(session)
        po = await make_po(session, vendor, number="PO-6001")
        buyer = await make_user(session)
        buyer.telegram_user_id = buyer.telegram_chat_id = 5001
        buyer.alert_channel = "telegram"
        await session.flush()
        for i in range(3):
            session.add(
                BuyerAlert(
                    user_id=buyer.id,
                    po_id=po.id,
                    kind="eta_changed",
                    text=f"new ETA #{i}",
                    created_at=bot.clock.now() - timedelta(minutes=5),
                )
            )

    await bot.db(seed)
    buyer = tg_user(user_id=5001)
    [digest] = await buyer.replies(1)
    text = digest["message"]["text"]
    assert "3 updates" in text
    assert all(f"new ETA #{i}" in text for i in range(3))
    assert await buyer.replies(1, within=0.6) == []

    async def check(session: AsyncSession) -> None:
        pending = await session.scalar(
            select(func.count()).select_from(BuyerAlert).where(BuyerAlert.delivered_at.is_(None))
        )
        assert pending == 0
        assert (await session.execute(select(User.alert_channel))).scalar() == "telegram"

    await bot.db(check)


async def test_a_thousand_reminders_respect_telegram_rates_and_a_429(bot: RunningBot, tg_user: Any) -> None:
    chats = [9000 + i for i in range(40)]
    sim = tg_user(user_id=chats[0])
    await sim.inject429(count=1, retry_after=1)

    async def seed(session: AsyncSession) -> None:
        for n in range(1000):
            chat = chats[n % len(chats)]
            await enqueue(
                session,
                channel="telegram",
                kind="reminder",
                recipient=str(chat),
                dedupe_key=f"burst:{n}",
                payload={"template": "reminder", "language": "en", "po_number": f"PO-{n}", "context": {}},
                now=bot.clock.now(),
            )

    await bot.db(seed)
    started = time.monotonic()
    bot.wake()

    async def sent_count(session: AsyncSession) -> int:
        return int(
            await session.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.state == "sent")) or 0
        )

    for _ in range(180):  # the sender has no completion event: poll the outbox
        if await bot.db(sent_count) == 1000:
            break
        await asyncio.sleep(0.5)
    elapsed = time.monotonic() - started
    assert await bot.db(sent_count) == 1000

    log = [e for e in await sim.send_log() if e["method"] == "sendMessage"]
    ok = [e for e in log if e["status"] == 200]
    throttled = [e for e in log if e["status"] == 429]
    assert len(ok) == 1000
    assert len(throttled) == 1
    assert {e["chat_id"] for e in ok} == set(chats)

    times = sorted(e["t"] for e in log)
    lo = 0
    worst = 0
    for hi, t in enumerate(times):  # sliding one-second window over the arrivals at the server
        while times[lo] <= t - 1000:
            lo += 1
        worst = max(worst, hi - lo + 1)
    assert worst <= 30, f"{worst} messages within one second"

    per_chat: dict[int, list[int]] = defaultdict(list)
    for e in log:
        per_chat[e["chat_id"]].append(e["t"])
    gaps = [b - a for ts in per_chat.values() for a, b in zip(sorted(ts), sorted(ts)[1:], strict=False)]
    assert min(gaps) >= 1000, f"two messages to one chat {min(gaps)} ms apart"

    # the 429 was honoured: nothing reached the server until retry_after had passed
    t429 = throttled[0]["t"]
    after = [e["t"] for e in log if e["t"] > t429]
    assert min(after) - t429 >= 1000
    print(
        f"1000 reminders to {len(chats)} chats in {elapsed:.1f} s; busiest second {worst}; min chat gap {min(gaps)} ms"
    )
