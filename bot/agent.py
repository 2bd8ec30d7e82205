"""Agents work escalations from the chat: take, write to the vendor through Liaison, move the
message to another PO, resolve with a note. The actions are the dashboard's core operations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.replies import Reply
from core.chat import state
from core.chat.callbacks import ButtonData
from core.chat.identity import ChatIdentity
from core.errors import LiaisonError
from core.escalations import service as escalations

ACTIONS = frozenset({"esc_take", "esc_write", "esc_move", "esc_resolve"})
_ASK = {"esc_write": "esc_ask_text", "esc_move": "esc_ask_po", "esc_resolve": "esc_ask_note"}


async def on_button(
    session: AsyncSession, who: ChatIdentity, data: ButtonData, *, chat_id: int, now: datetime
) -> Reply:
    assert who.user is not None
    try:
        escalation_id = int(data.arg)
        if data.action == "esc_take":
            await escalations.take(session, escalation_id, user_id=who.user.id, now=now)
            return Reply("esc_done", {"action": "take", "id": escalation_id}, who.language)
        await escalations.get_escalation(session, escalation_id, with_notes=False)  # exists, or NotFoundError
    except (ValueError, LiaisonError) as exc:
        return Reply("esc_failed", {"error": str(exc)[:300]}, who.language)
    await state.start(session, chat_id, flow=data.action, step="text", po_id=None, now=now, escalation_id=escalation_id)
    return Reply(_ASK[data.action], {"id": escalation_id}, who.language)


async def on_flow_text(
    session: AsyncSession, who: ChatIdentity, current: state.FlowState, text: str, *, chat_id: int, now: datetime
) -> Reply:
    assert who.user is not None
    escalation_id = int(current.data.get("escalation_id", 0))
    await state.clear(session, chat_id, now=now, keep_po=False)
    try:
        async with session.begin_nested():  # a refused action leaves nothing half-done
            if current.flow == "esc_write":
                await escalations.reply_to_vendor(session, escalation_id, text=text, by_user_id=who.user.id, now=now)
                action = "write"
            elif current.flow == "esc_move":
                po = await escalations.move_message(
                    session, escalation_id, to_po_number=text.strip()[:64], by_user_id=who.user.id, now=now
                )
                return Reply("esc_done", {"action": "move", "id": escalation_id, "po_number": po.number}, who.language)
            else:
                await escalations.resolve(session, escalation_id, note=text[:2000], by_user_id=who.user.id, now=now)
                action = "resolve"
    except LiaisonError as exc:
        return Reply("esc_failed", {"error": str(exc)[:300]}, who.language)
    return Reply("esc_done", {"action": action, "id": escalation_id}, who.language)
