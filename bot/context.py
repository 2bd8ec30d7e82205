"""What every handler needs, built once per process and kept in the Application's bot_data."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import CallbackContext

from core.clock import Clock
from core.replies.pipeline import PipelineContext
from core.settings import Settings

BOT_DATA_KEY = "liaison"
T = TypeVar("T")
log = logging.getLogger(__name__)
LOCK_RETRIES = 8


async def in_transaction(sessions: async_sessionmaker[AsyncSession], work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run one unit of work in its own transaction, again from the start if SQLite says it is locked.

    SQLite refuses at once (no busy wait) when a transaction that has read tries to write after
    another connection committed; the whole unit then has to run again on fresh data. Units are
    idempotent (inbound messages de-duplicate), so a rerun is safe. PostgreSQL never gets here.
    """
    for attempt in range(LOCK_RETRIES):
        try:
            async with sessions() as session, session.begin():
                return await work(session)
        except OperationalError as exc:
            if "locked" not in str(exc.orig) or attempt == LOCK_RETRIES - 1:
                raise
            log.info("database busy, running the unit again (attempt %s)", attempt + 2)
            await asyncio.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")


def button_secret(settings: Settings) -> bytes:
    """A key of its own for button signatures, derived from the service secret."""
    return hmac.new(settings.secret_key.get_secret_value().encode(), b"telegram-buttons", hashlib.sha256).digest()


@dataclass(slots=True)
class BotServices:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    settings: Settings
    pipeline: PipelineContext
    secret: bytes
    # set after a handler queued outbox items, so the sender sends them now instead of at its next poll
    wake_sender: asyncio.Event = field(default_factory=asyncio.Event)

    async def transaction(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return await in_transaction(self.sessions, work)

    @classmethod
    def build(
        cls,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        settings: Settings,
        pipeline: PipelineContext | None = None,
    ) -> BotServices:
        return cls(
            sessions=sessions,
            clock=clock,
            settings=settings,
            pipeline=pipeline or PipelineContext.from_settings(settings),
            secret=button_secret(settings),
        )


def services(context: CallbackContext[Any, Any, Any, Any]) -> BotServices:
    return cast(BotServices, context.bot_data[BOT_DATA_KEY])
