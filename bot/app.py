"""The Telegram bot: handler table, Application builder, and the worker the service runs.

Long polling by default; with LIAISON_TELEGRAM_WEBHOOK_URL the bot has no updater and the web app
mounts `TelegramService.webhook_route()`, which feeds posted updates to the same Application.
LIAISON_TELEGRAM_API_URL points the bot at another Bot API server (a local one, or the emulator).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from api.runtime import Runtime
from bot import handlers
from bot.context import BOT_DATA_KEY, BotServices, in_transaction
from bot.ratelimit import StrictRateLimiter
from bot.sender import OutboxSender, SenderOptions, wait_any
from core.chat.alerts import dispatch_buyer_alerts, dispatch_escalation_notices
from core.clock import Clock
from core.replies.pipeline import PipelineContext
from core.settings import Settings

log = logging.getLogger(__name__)

# PTB 22 warns on every 429 unless durations are opted into timedelta (its next major's default);
# our code reads both forms, so opt in rather than log a deprecation per throttled request.
os.environ.setdefault("PTB_TIMEDELTA", "1")

COMMANDS = [
    ("po", "Status of a PO: /po 4512"),
    ("late", "What's late"),
    ("vendor", "What a vendor said this week: /vendor Acme"),
    ("subscribe", "PO alerts in this chat"),
    ("unsubscribe", "PO alerts by email"),
    ("cancel", "Stop the current question"),
    ("help", "What I can do"),
]


def add_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The handler table: private chats only; everything else is ignored."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", handlers.on_start, filters=private))
    app.add_handler(CommandHandler("help", handlers.on_help, filters=private))
    app.add_handler(CommandHandler("cancel", handlers.on_cancel, filters=private))
    app.add_handler(
        CommandHandler(["po", "late", "vendor", "subscribe", "unsubscribe"], handlers.on_staff_command, filters=private)
    )
    app.add_handler(CallbackQueryHandler(handlers.on_button))
    app.add_handler(
        MessageHandler(
            private & ~filters.COMMAND & (filters.TEXT | filters.PHOTO | filters.Document.ALL), handlers.on_message
        )
    )
    app.add_error_handler(handlers.on_error)


def build_application(
    settings: Settings, svc: BotServices, *, webhook: bool = False
) -> Application[Any, Any, Any, Any, Any, Any]:
    if settings.telegram_token is None:
        raise ValueError("LIAISON_TELEGRAM_TOKEN is not set")
    builder = ApplicationBuilder().token(settings.telegram_token.get_secret_value()).rate_limiter(StrictRateLimiter())
    if settings.telegram_api_url:
        api = settings.telegram_api_url.rstrip("/")
        builder = builder.base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
    if webhook:
        builder = builder.updater(None)
    app = builder.build()
    app.bot_data[BOT_DATA_KEY] = svc
    add_handlers(app)
    return app


def webhook_secret(settings: Settings) -> str:
    """Telegram's secret_token (A-Z a-z 0-9 _ -) and the URL path part, derived from the service secret."""
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, b"telegram-webhook", hashlib.sha256).hexdigest()[:48]


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
