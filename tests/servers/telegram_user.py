"""A simulated Telegram user (a vendor) talking to a bot through the emulator's client API.

The bot under test talks to the emulator's Bot API (`TelegramEmulator.bot_base_url`,
tests/servers/telegram_emulator.py); this
user sends it messages, commands, button presses and files, and reads what the bot answered.
Everything is scoped to one bot token, so tests using different tokens never see each other.
All methods are async: the bot usually runs in the same event loop as the test.
"""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

import httpx

BOT_ID = 666  # the emulator's getMe id


JSON = dict[str, Any]


class FakeUser:
    """One Telegram user in a private chat with the bot (chat id == user id)."""

    def __init__(
        self,
        api: str,
        token: str,
        *,
        user_id: int = 1001,
        name: str = "Vendor Vera",
        username: str | None = "vera",
        language_code: str | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.token = token
        self.h = client or httpx.AsyncClient(base_url=api, timeout=10)
        self.user: JSON = {"id": user_id, "is_bot": False, "first_name": name}
        self.chat: JSON = {"id": user_id, "type": "private", "first_name": name}
        if username:
            self.user["username"] = self.chat["username"] = username
        if language_code:
            self.user["language_code"] = language_code

    @property
    def user_id(self) -> int:
        return int(self.user["id"])

    async def _post(self, path: str, payload: JSON) -> Any:
        r = await self.h.post(path, json=payload)
        r.raise_for_status()
        return r.json()["result"]

    def _message(self, **fields: Any) -> JSON:
        return {"botToken": self.token, "date": int(time.time()), "from": self.user, "chat": self.chat, **fields}

    async def say(self, text: str) -> None:
        """Send a text message; a leading "/word" is sent as a bot command."""
        if text.startswith("/"):
            cmd = text.split()[0]
            entities = [{"type": "bot_command", "offset": 0, "length": len(cmd)}]
            await self._post("/sendCommand", self._message(text=text, entities=entities))
        else:
            await self._post("/sendMessage", self._message(text=text))

    async def reply_to(self, bot_msg: JSON, text: str) -> None:
        """Answer one of the bot's messages with Telegram's "reply" (reply_to_message set)."""
        await self._post("/sendMessage", self._message(text=text, reply_to_message=self._as_message(bot_msg)))

    async def send_document(
        self, content: bytes, file_name: str, mime_type: str = "application/octet-stream", caption: str = ""
    ) -> JSON:
        """Send a file (the bot can get_file() and download it); returns the Document dict."""
        doc: JSON = await self._post(
            "/userFile",
            {"name": file_name, "mime_type": mime_type, "content_base64": base64.b64encode(content).decode()},
        )
        fields: JSON = {"document": doc}
        if caption:
            fields["caption"] = caption
        await self._post("/sendMessage", self._message(**fields))
        return doc

    def _as_message(self, bot_msg: JSON) -> JSON:
        m = bot_msg["message"]
        out: JSON = {
            "message_id": bot_msg["messageId"],
            "date": int(bot_msg.get("time", time.time() * 1000) // 1000),
            "chat": self.chat,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Test First name", "username": "TestNameBot"},
        }
        for key in ("text", "caption", "reply_markup"):
            if m.get(key) is not None:
                out[key] = m[key]
        return out

    async def press(self, bot_msg: JSON, callback_data: str) -> None:
        """Tap an inline button of `bot_msg` (an item returned by replies())."""
        await self._post(
            "/sendCallback",
            {
                "botToken": self.token,
                "from": self.user,
                "message": self._as_message(bot_msg),
                "data": callback_data,
                "chat_instance": str(self.chat["id"]),
            },
        )

    @staticmethod
    def buttons(bot_msg: JSON) -> list[JSON]:
        """The inline buttons of a bot message, row after row."""
        markup = bot_msg["message"].get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    async def replies(self, want: int = 1, within: float = 5.0) -> list[JSON]:
        """Wait for `want` messages the bot sent to this chat that were not read yet.

        Each item: {"messageId", "time" (ms), "message": {"chat_id", "text", "reply_markup", ...}}.
        Returns what arrived (possibly fewer) once `within` seconds have passed.
        """
        got: list[JSON] = []
        end = time.monotonic() + within
        while True:
            got += await self._post("/getUpdates", {"token": self.token, "chatId": self.chat["id"]})
            if len(got) >= want or time.monotonic() >= end:
                return got
            await asyncio.sleep(0.02)

    async def history(self) -> list[JSON]:
        """Everything this bot token sent and received (all chats), oldest first."""
        result: list[JSON] = await self._post("/getUpdatesHistory", {"token": self.token})
        return result

    async def reset(self) -> None:
        """Forget this token's messages, updates, webhook, injected errors and logs."""
        await self._post("/reset", {"token": self.token})

    async def inject429(self, count: int = 1, retry_after: int = 1) -> None:
        """The bot's next `count` send* calls answer HTTP 429 with `retry_after` seconds."""
        await self._post("/inject429", {"token": self.token, "count": count, "retry_after": retry_after})

    async def inject_error(self, error_code: int, description: str, count: int = 1) -> None:
        """E.g. inject_error(403, "Forbidden: bot was blocked by the user")."""
        await self._post(
            "/injectError",
            {"token": self.token, "count": count, "error_code": error_code, "description": description},
        )

    async def send_log(self) -> list[JSON]:
        """Every send* call of this bot: {"method", "chat_id", "t" (unix ms), "status" (200/429/...)}."""
        result: list[JSON] = await self._post("/sendLog", {"token": self.token})
        return result

    async def callback_answers(self) -> list[JSON]:
        """Every answerCallbackQuery of this bot (the form fields it sent)."""
        result: list[JSON] = await self._post("/callbackAnswers", {"token": self.token})
        return result

    async def aclose(self) -> None:
        await self.h.aclose()
