"""Inline keyboards. Every button's data is signed for the chat it is sent to (core/chat/callbacks)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.chat.callbacks import sign

# actions on a PO a vendor may take from any of our messages about it
VENDOR_ACTIONS = ("confirm", "shipped", "delayed", "problem")
LABELS = {
    "confirm": "✅ Confirm",
    "shipped": "🚚 Shipped",
    "delayed": "📅 Delayed",
    "problem": "⚠️ Problem",
    "ship_notrack": "No tracking number",
    "ship_all": "Everything shipped",
    "ship_part": "Only part of it",
    "ok": "👍 Right",
    "wrong": "✗ Not right",
    "esc_take": "🙋 Take",
    "esc_write": "✉️ Write to vendor",
    "esc_move": "↪️ Move to PO",
    "esc_resolve": "✅ Resolve",
}


def _button(secret: bytes, chat_id: int, action: str, arg: str, label: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(label or LABELS[action], callback_data=sign(secret, chat_id, action, arg))


def vendor_po(secret: bytes, chat_id: int, po_id: int) -> InlineKeyboardMarkup:
    buttons = [_button(secret, chat_id, a, str(po_id)) for a in VENDOR_ACTIONS]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:]])


def no_tracking(secret: bytes, chat_id: int, po_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(secret, chat_id, "ship_notrack", str(po_id))]])


def ship_scope(secret: bytes, chat_id: int, po_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(secret, chat_id, "ship_all", str(po_id)), _button(secret, chat_id, "ship_part", str(po_id))]]
    )


def delay_dates(
    secret: bytes, chat_id: int, po_id: int, start: date, offsets: Sequence[int] = (3, 7, 14)
) -> InlineKeyboardMarkup:
    row = []
    for days in offsets:
        day = start + timedelta(days=days)
        row.append(_button(secret, chat_id, "delay_to", f"{po_id}.{day:%Y%m%d}", f"{day:%a %d %b}"))
    return InlineKeyboardMarkup([row])


def correction(secret: bytes, chat_id: int, message_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(secret, chat_id, "ok", str(message_id)), _button(secret, chat_id, "wrong", str(message_id))]]
    )


def escalation(secret: bytes, chat_id: int, escalation_id: int, actions: Sequence[str]) -> InlineKeyboardMarkup:
    buttons = [_button(secret, chat_id, a, str(escalation_id)) for a in actions if a in LABELS]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def from_payload(
    secret: bytes,
    chat_id: int,
    names: Sequence[str],
    *,
    po_id: int | None,
    escalation_id: int | None,
    message_id: int | None,
) -> InlineKeyboardMarkup | None:
    """The keyboard an outbox payload asks for (`"buttons": [...]`), or None when it cannot be built."""
    names = [str(n) for n in names]
    if not names:
        return None
    if names == ["vendor_actions"] or set(names) <= set(VENDOR_ACTIONS):
        if po_id is None:
            return None
        if names == ["vendor_actions"]:
            return vendor_po(secret, chat_id, po_id)
        return InlineKeyboardMarkup([[_button(secret, chat_id, a, str(po_id)) for a in names]])
    if set(names) <= {"ok", "wrong"} and message_id is not None:
        return correction(secret, chat_id, message_id)
    if all(n.startswith("esc_") for n in names) and escalation_id is not None:
        return escalation(secret, chat_id, escalation_id, names)
    return None
