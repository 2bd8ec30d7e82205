"""The Telegram worker `liaison serve` runs: the bot (long polling, or fed by the webhook route),
the outbox sender, and the alert/escalation dispatcher, all in the service's event loop."""

from __future__ import annotations

import asyncio
import hmac
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from api.runtime import Runtime
from bot.app import COMMANDS, build_application, webhook_secret
from bot.context import BotServices, in_transaction
from bot.sender import OutboxSender, SenderOptions, wait_any
from core.chat.alerts import dispatch_buyer_alerts, dispatch_escalation_notices
from core.clock import Clock
from core.replies.pipeline import PipelineContext

log = logging.getLogger(__name__)


class TelegramService:
    """The Telegram worker for `liaison serve`: the bot (polling, or fed by the webhook route), the
    outbox sender, and the alert/escalation dispatcher."""

    def __init__(
        self,
        runtime: Runtime,
        clock: Clock,
        *,
        pipeline: PipelineContext | None = None,
        sender_options: SenderOptions = SenderOptions(),
        alert_interval: float = 5.0,
        webhook_requires_secret_header: bool = True,
    ) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.clock = clock
        self.services = BotServices.build(runtime.sessions, clock, self.settings, pipeline)
        self.sender_options = sender_options
        self.alert_interval = alert_interval
        self.webhook_requires_secret_header = webhook_requires_secret_header
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self.ready = asyncio.Event()

    @property
    def webhook_mode(self) -> bool:
        return bool(self.settings.telegram_webhook_url)

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set; a failed start (server unreachable) is retried with backoff."""
        backoff = 1.0
        while not stop.is_set():
            try:
                await self._run_once(stop)
                return
            except InvalidToken:
                log.error("the Telegram token was refused; the Telegram channel stays off")
                return
            except (TelegramError, OSError):
                log.exception("Telegram bot stopped; restarting in %.0f s", backoff)
                await wait_any(stop, None, backoff)
                backoff = min(backoff * 2, 300.0)

    async def _run_once(self, stop: asyncio.Event) -> None:
        app = build_application(self.settings, self.services, webhook=self.webhook_mode)
        self.application = app
        async with app:  # initialize() / shutdown(): getMe, HTTP pools, rate limiter
            await self._register_commands(app)
            if self.webhook_mode:
                await app.bot.set_webhook(
                    self.webhook_url(),
                    secret_token=webhook_secret(self.settings) if self.webhook_requires_secret_header else None,
                    allowed_updates=["message", "callback_query"],
                )
            else:
                assert app.updater is not None
                await app.bot.delete_webhook()
                await app.updater.start_polling(poll_interval=0.0, timeout=30, allowed_updates=None)
            await app.start()
            sender = OutboxSender(
                self.runtime.sessions,
                app.bot,
                self.clock,
                self.settings,
                self.services.secret,
                options=self.sender_options,
            )
            tasks = [
                asyncio.create_task(sender.run(stop, self.services.wake_sender), name="telegram-sender"),
                asyncio.create_task(self._dispatch_alerts(stop), name="telegram-alerts"),
            ]
            self.ready.set()
            log.info("Telegram bot @%s running (%s)", app.bot.username, "webhook" if self.webhook_mode else "polling")
            try:
                await stop.wait()
            finally:
                self.ready.clear()
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                if app.updater is not None and app.updater.running:
                    await app.updater.stop()
                await app.stop()
                self.application = None

    async def _register_commands(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        try:
            await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
        except TelegramError as exc:  # a nicety: the bot works without its command menu
            log.warning("could not register the bot's commands: %s", exc)

    async def _dispatch_alerts(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                queued = await in_transaction(self.runtime.sessions, self._dispatch_once)
                if queued:
                    self.services.wake_sender.set()
            except Exception:
                log.exception("dispatching Telegram alerts failed")
            await wait_any(stop, None, self.alert_interval)

    async def _dispatch_once(self, session: AsyncSession) -> int:
        now = self.clock.now()
        queued = await dispatch_buyer_alerts(session, now=now)
        return queued + await dispatch_escalation_notices(session, now=now, lookback=timedelta(hours=24))

    # -- webhook mode -------------------------------------------------------------------------

    def webhook_path(self) -> str:
        return f"/telegram/webhook/{webhook_secret(self.settings)}"

    def webhook_url(self) -> str:
        base = (self.settings.telegram_webhook_url or "").rstrip("/")
        return base if base.endswith(self.webhook_path()) else base + self.webhook_path()

    def webhook_route(self) -> Route:
        """A Starlette route (mount it on the FastAPI app: `app.router.routes.append(...)`)."""
        return Route(self.webhook_path(), self._on_webhook, methods=["POST"])

    async def _on_webhook(self, request: Request) -> Response:
        if self.webhook_requires_secret_header:
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(given, webhook_secret(self.settings)):
                return Response(status_code=403)
        app = self.application
        if app is None or not app.running:
            return Response(status_code=503)  # Telegram retries later
        body = await request.body()
        if len(body) > 1_000_000:
            return Response(status_code=413)
        try:
            update = Update.de_json(await request.json(), app.bot)
        except (ValueError, TypeError, KeyError):
            return Response(status_code=400)
        await app.update_queue.put(update)
        return Response(status_code=200)
