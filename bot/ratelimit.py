"""A strict rate limiter for the Bot API: one request per slot, slots 1/28 s apart, and a 429
pauses every later request until Telegram's retry_after has passed.

PTB's AIORateLimiter takes its rate slot *before* waiting out a 429, so the requests that queued
during the pause all fire at once when it ends (measured against the emulator: 36 messages in one
second right after a 429). Here the pause is checked when a slot is handed out, so requests leave
strictly spaced before and after a pause. Groups are not served by this bot, so Telegram's
per-group limit is not modelled; the per-chat limit of private chats is the outbox sender's job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

OVERALL_PER_SECOND = 28  # Telegram allows 30; the margin absorbs network jitter
MAX_RETRIES = 3
PAUSE_MARGIN = 0.1  # seconds beyond retry_after, as Telegram's own clients do


class StrictRateLimiter(BaseRateLimiter[int]):
    def __init__(self, per_second: float = OVERALL_PER_SECOND, max_retries: int = MAX_RETRIES) -> None:
        self._interval = 1.0 / per_second
        self._max_retries = max_retries
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()  # FIFO: slots go out in the order they were asked for

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def _slot(self, *, spaced: bool) -> None:
        loop = asyncio.get_running_loop()
        async with self._lock:
            while True:
                start = max(self._paused_until, self._next_slot if spaced else 0.0)
                wait = start - loop.time()
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            if spaced:
                self._next_slot = loop.time() + self._interval

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        # only requests aimed at a chat count against the message limits (getUpdates, getMe do not)
        spaced = data.get("chat_id") is not None
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            await self._slot(spaced=spaced)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                after = exc.retry_after
                seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
                until = asyncio.get_running_loop().time() + seconds + PAUSE_MARGIN
                self._paused_until = max(self._paused_until, until)
        raise AssertionError("unreachable")
