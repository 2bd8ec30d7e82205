"""The real bot (PTB 22 + TelegramService) against the telegram-test-api emulator, on a fresh
migrated SQLite file per test (the bot commits, so the rolled-back `session` fixture won't do)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from api.runtime import Runtime, build_runtime
from bot.sender import SenderOptions
from bot.service import TelegramService
from core.clock import FrozenClock
from core.settings import Settings
from models.migrate import upgrade
from tests.servers.telegram_emulator import TelegramEmulator

T = TypeVar("T")
SECRET = "test-secret-key"


@pytest.fixture
def bot_settings(tmp_path: Path, tg_emulator: TelegramEmulator, tg_token: str) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    upgrade(url)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        secret_key=SecretStr(SECRET),
        telegram_token=SecretStr(tg_token),
        telegram_api_url=tg_emulator.url,
        data_dir=tmp_path,
    )


@pytest.fixture
async def runtime(bot_settings: Settings) -> AsyncIterator[Runtime]:
    rt = build_runtime(bot_settings)
    yield rt
    await rt.close()


class RunningBot:
    """Start/stop the TelegramService as `liaison serve` would; restartable."""

    def __init__(self, runtime: Runtime, clock: FrozenClock, **options: Any) -> None:
        self.runtime = runtime
        self.clock = clock
        self.options = options
        self.service: TelegramService | None = None
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> TelegramService:
        self.service = TelegramService(self.runtime, self.clock, **self.options)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.service.run(self._stop))
        ready = asyncio.create_task(self.service.ready.wait())
        done, _ = await asyncio.wait({ready, self._task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if self._task.done():
                self._task.result()
            raise TimeoutError("the bot did not start")
        return self.service

    async def stop(self) -> None:
        if self._stop is not None and self._task is not None:
            self._stop.set()
            await asyncio.wait_for(self._task, timeout=15)
        self._task = None

    def wake(self) -> None:
        assert self.service is not None
        self.service.services.wake_sender.set()

    async def db(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with self.runtime.sessions() as session, session.begin():
            return await work(session)


@pytest.fixture
async def bot(runtime: Runtime, clock: FrozenClock) -> AsyncIterator[RunningBot]:
    running = RunningBot(runtime, clock, sender_options=SenderOptions(idle_poll=0.2), alert_interval=0.2)
    await running.start()
    yield running
    await running.stop()
