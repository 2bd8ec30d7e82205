"""The background workers `liaison serve` runs beside the web app, chosen by what is configured."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.routing import BaseRoute

from api.runtime import Runtime
from core.clock import Clock, SystemClock

log = logging.getLogger("liaison.workers")


@dataclass(frozen=True, slots=True)
class Worker:
    name: str
    run: Callable[[asyncio.Event], Awaitable[None]]
    routes: tuple[BaseRoute, ...] = ()


def configured_workers(runtime: Runtime, clock: Clock | None = None) -> list[Worker]:
    """Follow-ups always; email when IMAP/SMTP are set; Telegram when a bot token is set.

    A worker may bring web routes (the Telegram webhook), which the app mounts before it serves.
    """
    from core.followups.jobs import FollowupWorker

    clock = clock or SystemClock()
    settings = runtime.settings
    workers = [Worker("followups", FollowupWorker(runtime, clock, interval=settings.followup_interval).run)]
    if settings.smtp_host and settings.mail_from:
        from mail.smtp import SmtpOutboxWorker

        workers.append(Worker("smtp-outbox", SmtpOutboxWorker(runtime, clock=clock).run))
    if settings.imap_host:
        from mail.poller import ImapIngestWorker

        workers.append(Worker("imap-ingest", ImapIngestWorker(runtime, clock=clock).run))
    if settings.telegram_enabled:
        from bot.service import TelegramService

        telegram = TelegramService(runtime, clock)
        routes = (telegram.webhook_route(),) if settings.telegram_webhook_url else ()
        workers.append(Worker("telegram", telegram.run, routes))
    return workers


class WorkerGroup:
    """Runs workers as tasks until stopped; a worker that crashes is logged and restarted with a pause."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers
        self.stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def _supervise(self, worker: Worker) -> None:
        pause = 1.0
        while not self.stop.is_set():
            try:
                await worker.run(self.stop)
                return
            except Exception:
                log.exception("worker %s crashed; restarting in %.0f s", worker.name, pause)
                try:
                    await asyncio.wait_for(self.stop.wait(), timeout=pause)
                except TimeoutError:
                    pause = min(pause * 2, 60.0)

    def start(self) -> None:
        for worker in self.workers:
            log.info("starting worker %s", worker.name)
            self._tasks.append(asyncio.create_task(self._supervise(worker), name=f"worker:{worker.name}"))

    async def close(self, grace: float = 10.0) -> None:
        self.stop.set()
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(self._tasks, timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
