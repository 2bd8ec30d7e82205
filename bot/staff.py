"""Answers for buyers and agents: PO status, what's late, what a vendor said; alert subscription.

Only linked staff reach these functions (the handler checks the chat's identity first), so an
unknown chat never gets PO data whatever it asks.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.replies import Reply
from core.chat import queries
from core.chat.identity import ChatIdentity, ChatRole
from core.chat.queries import LateQuestion, POQuestion, VendorQuestion


async def answer(session: AsyncSession, who: ChatIdentity, text: str, *, now: datetime) -> Reply:
    assert who.user is not None
    question = queries.parse_question(text)
    language = who.language
    if isinstance(question, POQuestion):
        pos, missing = await queries.find_pos(session, question.numbers)
        views = [await queries.po_view(session, po) for po in pos]
        return Reply("po_status", {"pos": views, "missing": missing, "timezone": who.user.timezone}, language)
    if isinstance(question, LateQuestion):
        view = await queries.late_view(session, today=now.date(), user=who.user, agent=who.role == ChatRole.AGENT)
        return Reply("late_list", view, language)
    if isinstance(question, VendorQuestion):
        view = await queries.vendor_news_view(session, question, now=now)
        return Reply("vendor_news", {**view, "timezone": who.user.timezone}, language)
    return Reply("buyer_help", {}, language)


async def command(session: AsyncSession, who: ChatIdentity, name: str, args: list[str], *, now: datetime) -> Reply:
    """/po, /late, /vendor, /subscribe, /unsubscribe (the text after the command is the question)."""
    assert who.user is not None
    rest = " ".join(args)[: queries.MAX_QUESTION_CHARS]
    if name == "po":
        if not rest:
            return Reply("buyer_help", {}, who.language)
        return await answer(session, who, f"PO {rest}" if rest[:1].isdigit() else rest, now=now)
    if name == "late":
        return await answer(session, who, "late", now=now)
    if name == "vendor":
        if not rest:
            return Reply("buyer_help", {}, who.language)
        view = await queries.vendor_news_view(session, VendorQuestion(rest, "week"), now=now)
        return Reply("vendor_news", {**view, "timezone": who.user.timezone}, who.language)
    if name == "subscribe":
        who.user.alert_channel = "telegram"
        return Reply("subscribed", {}, who.language)
    if name == "unsubscribe":
        who.user.alert_channel = "email"
        return Reply("unsubscribed", {}, who.language)
    return Reply("buyer_help", {}, who.language)
