"""What every handler needs, built once per process and kept in the Application's bot_data."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import CallbackContext

from core.clock import Clock
from core.replies.pipeline import PipelineContext
from core.settings import Settings

BOT_DATA_KEY = "liaison"


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
