"""Signed button data: a button press is only believed when its data was signed for this very chat.

Telegram hands callback data back verbatim from the client, so anyone can forge it. Each button
carries `action|arg|sig` where `sig` is an HMAC over the chat id, action and argument; a press
whose signature does not verify is refused before anything is looked up. Ownership of the PO is
still re-checked on every press (the signature proves we offered the button, not that the PO is
still the vendor's).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback_data
_SIG_BYTES = 12  # 96 bits: far beyond guessing within any rate limit


@dataclass(frozen=True, slots=True)
class ButtonData:
    action: str
    arg: str


def _sig(secret: bytes, chat_id: int, action: str, arg: str) -> str:
    mac = hmac.new(secret, f"{chat_id}|{action}|{arg}".encode(), hashlib.sha256).digest()[:_SIG_BYTES]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def sign(secret: bytes, chat_id: int, action: str, arg: str = "") -> str:
    if "|" in action or "|" in arg:
        raise ValueError("button action and argument may not contain '|'")
    data = f"{action}|{arg}|{_sig(secret, chat_id, action, arg)}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data too long ({len(data)} bytes): {action}|{arg}")
    return data


def verify(secret: bytes, chat_id: int, data: str | None) -> ButtonData | None:
    """The button's action and argument, or None for anything not signed by us for this chat."""
    if not data or len(data) > MAX_CALLBACK_BYTES:
        return None
    parts = data.split("|")
    if len(parts) != 3:
        return None
    action, arg, sig = parts
    if not hmac.compare_digest(sig, _sig(secret, chat_id, action, arg)):
        return None
    return ButtonData(action, arg)
