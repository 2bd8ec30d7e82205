"""The Telegram outbox worker: claims due telegram items, renders them, sends them within
Telegram's limits, and records the outcome.

Limits: the bot's rate limiter (bot/ratelimit.py) spaces every request to at most 30 per second overall
and waits out a 429 for the whole bot; this worker adds the per-chat limit (one message per
second per chat) by giving each chat its own sequential lane. Lanes of different chats run side by
side, so one busy chat never holds up the others. Outcomes are written in small batches by one
writer, so a thousand sends do not make a thousand transactions fight for the database.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from jinja2 import TemplateError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, ReplyParameters
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError

from bot import keyboards
from bot.context import in_transaction
from bot.replies import render_text
from core.chat import repository
from core.chat.messages import record_outbound
from core.clock import Clock
from core.messages.renderer import TemplateMissingError
from core.outbox.service import RETRY_DELAYS, claim_due, mark_failed, mark_sent
from core.settings import Settings
from models import OutboxItem

log = logging.getLogger(__name__)

CHANNEL = "telegram"
# vendor-facing kinds that carry the PO action buttons unless the payload says otherwise
VENDOR_PROMPTS = frozenset({"po_sent", "confirm_request", "reminder", "shipping_update_request", "question"})


@dataclass(slots=True)
class Outcome:
    item: OutboxItem
    chat_id: int | None
    text: str = ""
    telegram_message_id: int | None = None
    error: str | None = None
    permanent: bool = False
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class SenderOptions:
    per_chat_interval: float = 1.05  # seconds between two sends to one chat (Telegram: about 1/s)
    concurrency: int = 8  # requests in flight at once; the rate limiter does the spacing
    batch: int = 300  # items claimed at a time
    idle_poll: float = 2.0  # seconds between looks at an empty outbox (a wake event cuts it short)
    lease: timedelta = timedelta(minutes=15)
    flush_every: float = 0.25  # seconds between outcome writes


class OutboxSender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bot: Bot,
        clock: Clock,
        settings: Settings,
        secret: bytes,
        *,
        options: SenderOptions = SenderOptions(),
        worker: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.bot = bot
        self.clock = clock
        self.settings = settings
        self.secret = secret
        self.options = options
        self.worker = worker or f"telegram:{socket.gethostname()}:{os.getpid()}"
        self._next_ok: dict[int, float] = {}  # chat id -> monotonic time of its next allowed send
        self._sem = asyncio.Semaphore(options.concurrency)

    async def run(self, stop: asyncio.Event, wake: asyncio.Event | None = None) -> None:
        wake = wake or asyncio.Event()
        backoff = 1.0
        while not stop.is_set():
            try:
                sent = await self.send_due()
                backoff = 1.0
            except (InvalidToken, asyncio.CancelledError):
                raise
            except Exception:
                log.exception("telegram sender failed; retrying in %.0f s", backoff)
                sent = 0
                await wait_any(stop, None, backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            if sent == 0:
                await wait_any(stop, wake, self.options.idle_poll)
                wake.clear()

    async def send_due(self) -> int:
        """Claim what is due and send it all; returns how many items were handled."""

        async def claim(session: AsyncSession) -> list[OutboxItem]:
            return await claim_due(
                session,
                channel=CHANNEL,
                worker=self.worker,
                now=self.clock.now(),
                limit=self.options.batch,
                lease=self.options.lease,
            )

        items = await in_transaction(self.sessions, claim)
        if not items:
            return 0
        lanes: dict[int | None, list[OutboxItem]] = defaultdict(list)
        for item in items:
            lanes[_chat_id(item.recipient)].append(item)
        results: list[Outcome] = []
        done = asyncio.Event()
        writer = asyncio.create_task(self._writer(results, done))
        try:
            await asyncio.gather(*(self._lane(chat_id, lane, results) for chat_id, lane in lanes.items()))
        finally:
            done.set()
            await writer
        self._prune()
        return len(items)

    async def _lane(self, chat_id: int | None, items: list[OutboxItem], results: list[Outcome]) -> None:
        if chat_id is None:
            results += [Outcome(i, None, error="recipient is not a Telegram chat id", permanent=True) for i in items]
            return
        for index, item in enumerate(items):
            wait = self._next_ok.get(chat_id, 0.0) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            async with self._sem:
                outcome = await self._send(chat_id, item)
            # measured from when Telegram answered, so the next request cannot arrive early
            self._next_ok[chat_id] = time.monotonic() + self.options.per_chat_interval
            results.append(outcome)
            if outcome.retry_after is not None:
                # the chat is being throttled: the rest of its lane waits as long as Telegram asked
                rest = items[index + 1 :]
                results += [
                    Outcome(i, chat_id, error="deferred after 429", retry_after=outcome.retry_after) for i in rest
                ]
                return

    async def _send(self, chat_id: int, item: OutboxItem) -> Outcome:
        payload: dict[str, Any] = dict(item.payload or {})
        try:
            text = self._render(item, payload)
        except (TemplateMissingError, TemplateError, ValueError, TypeError) as exc:
            log.error("outbox item %s cannot be rendered: %s", item.id, exc)
            return Outcome(item, chat_id, error=f"render: {exc}", permanent=True)
        keyboard = keyboards.from_payload(
            self.secret,
            chat_id,
            self._buttons(item, payload),
            po_id=item.po_id,
            escalation_id=_int(payload.get("escalation_id")),
            message_id=_int(payload.get("message_id")),
        )
        reply_to = _int(payload.get("reply_to_telegram_message_id"))
        try:
            sent = await self.bot.send_message(
                chat_id,
                text,
                reply_markup=keyboard,
                reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None,
            )
        except RetryAfter as exc:
            delay = exc.retry_after
            seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
            return Outcome(item, chat_id, error=str(exc), retry_after=seconds)
        except (Forbidden, BadRequest) as exc:  # blocked by the user, chat gone, malformed: retrying will not help
            return Outcome(item, chat_id, error=f"{type(exc).__name__}: {exc}", permanent=True)
        except TelegramError as exc:  # network trouble, timeouts, server errors
            return Outcome(item, chat_id, error=f"{type(exc).__name__}: {exc}")
        return Outcome(item, chat_id, text=text, telegram_message_id=sent.message_id)

    def _render(self, item: OutboxItem, payload: dict[str, Any]) -> str:
        context = dict(payload.get("context") or {})
        context.setdefault("po_number", payload.get("po_number"))
        kind = str(payload.get("template") or item.kind)
        return render_text(kind, str(payload.get("language") or "en"), context, self.settings)

    @staticmethod
    def _buttons(item: OutboxItem, payload: dict[str, Any]) -> list[str]:
        if "buttons" in payload:
            buttons = payload["buttons"]
            return [str(b) for b in buttons] if isinstance(buttons, list) else []
        if item.kind in VENDOR_PROMPTS and item.po_id is not None and item.vendor_id is not None:
            return ["vendor_actions"]
        return []

    async def _writer(self, results: list[Outcome], done: asyncio.Event) -> None:
        while True:
            finished = done.is_set()
            if results:
                batch = results[:]
                del results[: len(batch)]
                await self._write(batch)
            if finished:
                if results:
                    continue
                return
            await wait_any(done, None, self.options.flush_every)

    async def _write(self, batch: list[Outcome]) -> None:
        await in_transaction(self.sessions, lambda session: self._write_in(session, batch))

    async def _write_in(self, session: AsyncSession, batch: list[Outcome]) -> None:
        now = self.clock.now()
        for outcome in batch:
            item = outcome.item
            if outcome.telegram_message_id is not None and outcome.chat_id is not None:
                if not await mark_sent(session, item, now=now, worker=self.worker):
                    log.warning("outbox item %s was taken over by another worker after sending", item.id)
                message = await record_outbound(
                    session,
                    chat_id=outcome.chat_id,
                    telegram_message_id=outcome.telegram_message_id,
                    text=outcome.text,
                    now=now,
                    po_id=item.po_id,
                    vendor_id=item.vendor_id,
                )
                await repository.link_sent_message(session, item.id, message.id)
                continue
            delays: tuple[timedelta, ...] = RETRY_DELAYS
            if outcome.retry_after is not None:
                # honour what Telegram asked for rather than the generic backoff
                delays = (timedelta(seconds=outcome.retry_after),) * len(RETRY_DELAYS)
            state = await mark_failed(
                session,
                item,
                now=now,
                worker=self.worker,
                error=outcome.error or "unknown error",
                permanent=outcome.permanent,
                retry_delays=delays,
            )
            log.log(
                logging.ERROR if state == "failed" else logging.INFO,
                "telegram outbox item %s to %s: %s (%s)",
                item.id,
                item.recipient,
                outcome.error,
                state,
            )

    def _prune(self) -> None:
        now = time.monotonic()
        if len(self._next_ok) > 10_000:
            self._next_ok = {c: t for c, t in self._next_ok.items() if t > now}


def _chat_id(recipient: str) -> int | None:
    try:
        return int(recipient.strip())
    except (ValueError, AttributeError):
        return None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


async def wait_any(stop: asyncio.Event, wake: asyncio.Event | None, seconds: float) -> None:
    """Sleep up to `seconds`, returning early when `stop` (or `wake`) is set."""
    events = [stop] if wake is None else [stop, wake]
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
