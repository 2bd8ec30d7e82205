"""Vendors on Telegram, end to end against the emulator: invite, confirm button, free text through
the reply pipeline, a multi-step flow surviving a bot restart."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.chat.invites import InviteRole, create_invite
from core.outbox.service import enqueue
from core.purchase_orders import repository as po_repository
from models import Message, POEvent, PurchaseOrder, ShipmentTracking
from tests.bot.conftest import RunningBot
from tests.factories import make_po, make_vendor

pytestmark = pytest.mark.servers


async def _queue_request(bot: RunningBot, po_id: int, chat_id: int, kind: str = "confirm_request") -> None:
    async def work(session: AsyncSession) -> None:
        po = await po_repository.get_by_id(session, po_id)
        assert po is not None
        await enqueue(
            session,
            channel="telegram",
            kind=kind,
            recipient=str(chat_id),
            dedupe_key=f"{kind}:{po_id}:{chat_id}",
            payload={"template": kind, "language": "en", "po_number": po.number, "context": {}},
            now=bot.clock.now(),
            po_id=po.id,
            vendor_id=po.vendor_id,
        )

    await bot.db(work)
    bot.wake()


def _button(msg: dict[str, Any], label_part: str) -> str:
    for b in (
        msg["message"]["reply_markup"]["inline_keyboard"][0] + msg["message"]["reply_markup"]["inline_keyboard"][-1]
    ):
        if label_part in b["text"]:
            return str(b["callback_data"])
    raise AssertionError(f"no button {label_part!r} in {msg['message'].get('reply_markup')}")


async def test_vendor_links_with_invite_and_confirms_with_a_button(bot: RunningBot, tg_user: Any) -> None:
    async def seed(session: AsyncSession) -> tuple[int, str]:
        vendor = await make_vendor(session, name="Acme Fasteners Ltd")
        po = await make_po(session, vendor, number="PO-4512")
        _, code = await create_invite(session, role=InviteRole.VENDOR, vendor_id=vendor.id, now=bot.clock.now())
        return po.id, code

    po_id, code = await bot.db(seed)
    vera = tg_user(user_id=2001)
    await vera.say(f"/start {code}")
    [welcome] = await vera.replies(1)
    assert "linked to Acme Fasteners Ltd" in welcome["message"]["text"]

    # the code is single use
    mallory = tg_user(user_id=2002, name="Mallory")
    await mallory.say(f"/start {code}")
    [refused] = await mallory.replies(1)
    assert "not valid" in refused["message"]["text"]

    await _queue_request(bot, po_id, vera.user_id)
    [request] = await vera.replies(1)
    assert "PO-4512" in request["message"]["text"]
    await vera.press(request, _button(request, "Confirm"))
    [answer] = await vera.replies(1)
    assert "PO-4512 is confirmed" in answer["message"]["text"]

    async def check(session: AsyncSession) -> None:
        po = await session.get(PurchaseOrder, po_id)
        assert po is not None
        assert po.status == "confirmed"
        events = (await session.execute(select(POEvent).where(POEvent.po_id == po_id))).scalars().all()
        [event] = [e for e in events if e.kind == "status_changed" and e.new_value == "confirmed"]
        assert event.message_id is not None
        press = await session.get(Message, event.message_id)
        assert press is not None
        assert press.channel == "telegram"
        assert press.direction == "in"
        assert press.telegram_chat_id == vera.user_id
        assert press.telegram_message_id == request["messageId"]  # the chat message whose button was pressed

    await bot.db(check)


async def test_free_text_goes_through_the_pipeline_and_is_echoed(bot: RunningBot, tg_user: Any) -> None:
    async def seed(session: AsyncSession) -> int:
        vendor = await make_vendor(session, telegram_ids=(2101,))
        po = await make_po(session, vendor, number="PO-4512", status="confirmed")
        return po.id

    po_id = await bot.db(seed)
    vera = tg_user(user_id=2101)
    await vera.say("4512 shipped today dhl 1234567890")
    [answer] = await vera.replies(1, within=8)
    text = answer["message"]["text"]
    assert "DHL" in text
    assert "1234567890" in text
    assert "Nov 20, 2026" in text  # "today" is the (frozen) receive day
    labels = [b["text"] for row in answer["message"]["reply_markup"]["inline_keyboard"] for b in row]
    assert any("Not right" in label for label in labels)

    async def check(session: AsyncSession) -> None:
        po = await session.get(PurchaseOrder, po_id)
        assert po is not None
        assert po.status == "shipped"
        numbers = (await session.execute(select(ShipmentTracking.number))).scalars().all()
        assert "1234567890" in numbers

    await bot.db(check)


async def test_a_restart_in_the_middle_of_a_flow_continues_where_it_was(bot: RunningBot, tg_user: Any) -> None:
    async def seed(session: AsyncSession) -> int:
        vendor = await make_vendor(session, telegram_ids=(2201,))
        po = await make_po(
            session,
            vendor,
            number="PO-7001",
            status="confirmed",
            lines=(("A", "A1", "Bolts", 500), ("B", "B1", "Nuts", 300)),
        )
        return po.id

    po_id = await bot.db(seed)
    vera = tg_user(user_id=2201)
    await _queue_request(bot, po_id, vera.user_id, kind="reminder")
    [reminder] = await vera.replies(1)
    await vera.press(reminder, _button(reminder, "Shipped"))
    [ask] = await vera.replies(1)
    assert "tracking number" in ask["message"]["text"]

    await bot.stop()
    await bot.start()  # a new Application, new sender: only the database remembers

    await vera.say("UPS 1Z999AA10123456784")
    [scope] = await vera.replies(1)
    assert "Did everything" in scope["message"]["text"]
    await vera.press(scope, _button(scope, "part"))
    [ask_qty] = await vera.replies(1)
    assert "1=200" in ask_qty["message"]["text"]
    await vera.say("1=200, 2=300")
    [done] = await vera.replies(1)
    assert "UPS 1Z999AA10123456784" in done["message"]["text"]

    async def check(session: AsyncSession) -> None:
        po = await po_repository.get_by_id(session, po_id)
        assert po is not None
        assert po.status == "shipped"
        shipped = {line.line_no: line.quantity_shipped for line in po.lines}
        assert shipped == {1: 200, 2: 300}

    await bot.db(check)
