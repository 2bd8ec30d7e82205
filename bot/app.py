"""The Telegram bot: handler table, Application builder, and the worker the service runs.

Long polling by default; with LIAISON_TELEGRAM_WEBHOOK_URL the bot has no updater and the web app
mounts `TelegramService.webhook_route()`, which feeds posted updates to the same Application.
LIAISON_TELEGRAM_API_URL points the bot at another Bot API server (a local one, or the emulator).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from typing import Any

from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import handlers
from bot.context import BOT_DATA_KEY, BotServices
from bot.ratelimit import StrictRateLimiter
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
