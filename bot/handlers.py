"""Telegram handlers: map the update, make one core call in one transaction, render the answer.

Who the chat is decides everything: an unknown chat gets the same polite explanation whatever it
sends (never PO data); a vendor's words go through the same reply pipeline as email; buyers and
agents get answers. Answers are sent after the transaction commits.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import agent, flows, staff
from bot.context import BotServices, services
from bot.mapping import to_inbound
from bot.replies import Reply, render_text
from core.chat import repository, state
from core.chat.callbacks import verify
from core.chat.identity import ChatIdentity, ChatRole, identify
from core.chat.invites import LinkRefusal, consume_invite
from core.chat.messages import record_outbound
from core.inbound import InboundAttachment
from core.replies.pipeline import ProcessResult, process_inbound

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
VENDOR_BUTTONS = frozenset(
    {"confirm", "shipped", "delayed", "problem", "ship_notrack", "ship_all", "ship_part", "delay_to", "ok", "wrong"}
)
# buttons that answer one step of a flow: once pressed, they go, so nobody presses them twice
STEP_BUTTONS = frozenset({"ship_notrack", "ship_all", "ship_part", "delay_to", "ok", "wrong"})


async def send_reply(bot: Bot, svc: BotServices, chat_id: int, reply: Reply) -> Message:
    text = render_text(reply.kind, reply.language, reply.context, svc.settings)
    sent = await bot.send_message(chat_id, text, reply_markup=reply.keyboard)
    if reply.po_id is not None:
        # logged against its PO, so the vendor's "reply" to this message threads to it
        po_id, vendor_id = reply.po_id, reply.vendor_id

        async def log_sent(session: AsyncSession) -> None:
            await record_outbound(
                session,
                chat_id=chat_id,
                telegram_message_id=sent.message_id,
                text=text,
                now=svc.clock.now(),
                po_id=po_id,
                vendor_id=vendor_id,
            )

        await svc.transaction(log_sent)
    return sent


def _private(update: Update) -> tuple[int, int] | None:
    """(chat id, user id) of a private chat; groups and channels are not served at all."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != "private" or user.is_bot:
        return None
    return chat.id, user.id


def _unknown(who: ChatIdentity) -> Reply:
    return Reply("unknown_user", {}, "en")


async def on_start(update: Update, context: Context) -> None:
    ids = _private(update)
    if ids is None or update.effective_user is None:
        return
    chat_id, user_id = ids
    svc = services(context)
    code = context.args[0] if context.args else None
    now = svc.clock.now()
    name = update.effective_user.full_name[:200]

    async def unit(session: AsyncSession) -> Reply:
        if code:
            linked = await consume_invite(
                session,
                code,
                telegram_user_id=user_id,
                telegram_chat_id=chat_id,
                telegram_name=name,
                now=now,
            )
            if isinstance(linked, LinkRefusal):
                return Reply("link_failed", {"reason": linked.value})
            who = await identify(session, user_id)
            if who.user is not None:
                who.user.alert_channel = "telegram"  # they linked Telegram to hear from us there
            return Reply("linked", {"role": linked.role.value, "name": linked.display_name}, who.language)
        return await _greeting(session, await identify(session, user_id))

    await send_reply(context.bot, svc, chat_id, await svc.transaction(unit))


async def _greeting(session: AsyncSession, who: ChatIdentity) -> Reply:
    if who.role == ChatRole.VENDOR and who.vendor is not None:
        return Reply("vendor_help", {"vendor": who.vendor.name}, who.language)
    if who.staff:
        return Reply("buyer_help", {}, who.language)
    return _unknown(who)


async def on_help(update: Update, context: Context) -> None:
    ids = _private(update)
    if ids is None:
        return
    svc = services(context)

    async def unit(session: AsyncSession) -> Reply:
        return await _greeting(session, await identify(session, ids[1]))

    await send_reply(context.bot, svc, ids[0], await svc.transaction(unit))


async def on_cancel(update: Update, context: Context) -> None:
    ids = _private(update)
    if ids is None:
        return
    svc = services(context)

    async def unit(session: AsyncSession) -> Reply:
        who = await identify(session, ids[1])
        if who.role == ChatRole.UNKNOWN:
            return _unknown(who)
        current = await state.load(session, ids[0])
        await state.clear(session, ids[0], now=svc.clock.now())
        return Reply("flow_cancelled" if current.active else "nothing_to_cancel", {}, who.language)

    await send_reply(context.bot, svc, ids[0], await svc.transaction(unit))


async def on_staff_command(update: Update, context: Context) -> None:
    """/po, /late, /vendor, /subscribe, /unsubscribe."""
    ids = _private(update)
    message = update.effective_message
    if ids is None or message is None or not message.text:
        return
    name = message.text.split()[0].lstrip("/").split("@")[0].lower()
    svc = services(context)
    args = list(context.args or [])

    async def unit(session: AsyncSession) -> Reply:
        who = await identify(session, ids[1])
        if who.role == ChatRole.VENDOR and who.vendor is not None:
            return Reply("vendor_help", {"vendor": who.vendor.name}, who.language)
        if not who.staff:
            return _unknown(who)
        return await staff.command(session, who, name, args, now=svc.clock.now())

    await send_reply(context.bot, svc, ids[0], await svc.transaction(unit))


async def on_message(update: Update, context: Context) -> None:
    """Text, photos and documents."""
    ids = _private(update)
    message = update.effective_message
    if ids is None or message is None:
        return
    chat_id, user_id = ids
    svc = services(context)
    now = svc.clock.now()
    text = (message.text or message.caption or "")[:4096]
    attachments: tuple[InboundAttachment, ...] = ()
    if message.document is not None or message.photo:
        # files are fetched only for vendors, and outside the transaction (a download can be slow)
        async def role(session: AsyncSession) -> ChatRole:
            return (await identify(session, user_id)).role

        if await svc.transaction(role) == ChatRole.VENDOR:
            attachments = await _attachments(message, svc)

    async def unit(session: AsyncSession) -> Reply | None:
        who = await identify(session, user_id)
        if who.role == ChatRole.UNKNOWN:
            return _unknown(who)
        current = await state.load(session, chat_id)
        if who.staff:
            if current.active and (current.flow or "").startswith("esc_") and message.text:
                return await agent.on_flow_text(session, who, current, message.text, chat_id=chat_id, now=now)
            return await staff.answer(session, who, text, now=now) if text else Reply("buyer_help", {}, who.language)
        if current.active and current.po_id is not None and message.text:
            reply = await flows.on_vendor_flow_text(
                session,
                who,
                current,
                message.text,
                chat_id=chat_id,
                user_id=user_id,
                telegram_message_id=message.message_id,
                secret=svc.secret,
                now=now,
            )
            if reply is not None:
                return reply
        inbound = to_inbound(message, received_at=now, attachments=attachments, bot_id=context.bot.id)
        result = await process_inbound(session, inbound, now=now, ctx=svc.pipeline)
        return await _after_pipeline(session, who, chat_id, result, now=now)

    reply = await svc.transaction(unit)
    if reply is not None:
        await send_reply(context.bot, svc, chat_id, reply)
    svc.wake_sender.set()


async def _after_pipeline(
    session: AsyncSession, who: ChatIdentity, chat_id: int, result: ProcessResult, *, now: datetime
) -> Reply | None:
    """The pipeline queued its answer in the outbox: add the one-tap correction to it, or answer here."""
    if result.duplicate:
        return None
    assert who.vendor is not None
    owned = list(result.applied_po_numbers)  # the pipeline applies to the sender's own POs only
    answered = False
    for item in await repository.outbox_items(session, result.outbox_ids):
        if item.channel != "telegram" or item.recipient != str(chat_id):
            continue
        answered = True
        if item.kind == "ack":
            payload = dict(item.payload)
            context = dict(payload.get("context") or {})
            # never echo a PO number that is not this vendor's own, whatever the text said
            context["po_numbers"] = owned
            context["correction"] = True
            payload["context"] = context
            payload["buttons"] = ["ok", "wrong"]
            payload["message_id"] = result.message_id
            item.payload = payload
    if len(owned) == 1:
        pos = await repository.pos_by_numbers(session, owned)
        if len(pos) == 1 and pos[0].vendor_id == who.vendor.id:
            current = await state.load(session, chat_id)
            current.po_id = pos[0].id
            await state.save(session, chat_id, current, now=now)
    if answered:
        return None
    return Reply("vendor_not_understood", {"review": result.needs_review}, who.language)


async def _attachments(message: Message, svc: BotServices) -> tuple[InboundAttachment, ...]:
    """Download a photo or document the vendor sent, within the size cap; failures are logged, not fatal."""
    limit = svc.settings.attachment_max_bytes
    if message.document is not None:
        doc = message.document
        name, mime, size, file_id = doc.file_name or "document", doc.mime_type, doc.file_size, doc.file_id
    elif message.photo:
        photo = message.photo[-1]  # the largest size
        name, mime, size, file_id = f"photo-{message.message_id}.jpg", "image/jpeg", photo.file_size, photo.file_id
    else:
        return ()
    if size is not None and size > limit:
        log.warning("attachment %s of %s bytes over the %s byte cap: not downloaded", name, size, limit)
        return ()
    try:
        data = bytes(await (await message.get_bot().get_file(file_id)).download_as_bytearray())
    except TelegramError as exc:
        log.warning("could not download attachment %s: %s", name, exc)
        return ()
    if len(data) > limit:
        return ()
    return (InboundAttachment(filename=name[:255], content_type=mime or "application/octet-stream", data=data),)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    ids = _private(update)
    message = query.message
    if ids is None or message is None:
        await query.answer()
        return
    chat_id, user_id = ids
    svc = services(context)
    data = verify(svc.secret, chat_id, query.data)
    if data is None:
        log.warning("refused unsigned or foreign button data from user %s", user_id)
        await query.answer("This button is not valid.")
        return
    now = svc.clock.now()
    press = flows.PressContext(chat_id, user_id, query.id, message.message_id)

    async def unit(session: AsyncSession) -> Reply | None:
        who = await identify(session, user_id)
        if who.role == ChatRole.VENDOR and data.action in VENDOR_BUTTONS:
            return await flows.on_vendor_button(session, who, data, press, secret=svc.secret, now=now)
        if who.role == ChatRole.AGENT and data.action in agent.ACTIONS:
            return await agent.on_button(session, who, data, chat_id=chat_id, now=now)
        if who.role == ChatRole.UNKNOWN:
            return _unknown(who)
        return Reply("nothing_to_cancel", {}, who.language)

    reply = await svc.transaction(unit)
    await query.answer()
    if data.action in STEP_BUTTONS:
        try:
            await context.bot.edit_message_reply_markup(chat_id, message.message_id, reply_markup=None)
        except TelegramError as exc:  # an old message may not be editable any more; the press still counted
            log.info("could not remove the keyboard of message %s: %s", message.message_id, exc)
    if reply is not None:
        await send_reply(context.bot, svc, chat_id, reply)
    svc.wake_sender.set()


async def on_error(update: object, context: Context) -> None:
    log.error("error while handling a Telegram update", exc_info=context.error)
    if isinstance(update, Update) and (ids := _private(update)) is not None:
        try:
            await send_reply(context.bot, services(context), ids[0], Reply("error"))
        except TelegramError:
            log.exception("could not tell the chat about the error")
