"""A chat answer as data (template kind + context + keyboard), rendered by the shared message renderer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardMarkup

from core.messages.renderer import render
from core.settings import Settings

MAX_TEXT = 4096  # Telegram refuses longer messages


@dataclass(slots=True)
class Reply:
    kind: str
    context: dict[str, Any] = field(default_factory=dict)
    language: str = "en"
    keyboard: InlineKeyboardMarkup | None = None
    # the PO this answer is about: the sent message is logged against it, so a reply to it threads
    po_id: int | None = None
    vendor_id: int | None = None


def render_text(kind: str, language: str | None, context: dict[str, Any], settings: Settings) -> str:
    full = {"buyer_company": settings.buyer_company, **context}
    text = render(kind, "chat", language, full).text.strip()
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
