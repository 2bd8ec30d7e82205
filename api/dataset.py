"""Reading a labelled vendor-reply dataset (../shared/eval/FORMAT.md) into inbound messages."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from core.inbound import Channel, InboundMessage
from mail.parse import parse_email, to_inbound

MAX_EML_BYTES = 30 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class DatasetMessage:
    id: str
    inbound: InboundMessage


def _received_at(record: dict[str, Any]) -> datetime:
    value = datetime.fromisoformat(str(record["received_at"]).replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"message {record.get('id')}: received_at has no time zone")
    return value


def _chat(record: dict[str, Any]) -> InboundMessage:
    user_id = int(record["telegram_user_id"])
    reply_to = record.get("reply_to_telegram_message_id")
    return InboundMessage(
        channel=Channel.TELEGRAM,
        received_at=_received_at(record),
        sender=str(user_id),
        dedupe_key=f"telegram:{user_id}:{record['id']}",
        new_text=str(record.get("text") or ""),
        telegram_chat_id=user_id,
        reply_to_telegram_message_id=int(reply_to) if reply_to is not None else None,
        raw=json.dumps(record, ensure_ascii=False).encode(),
    )


class _EmlFiles:
    """Opens a message's .eml file, refusing any path that leaves the dataset folder.

    The folder a file sits in is resolved once (symlinks and `..` followed), not per message; the
    file itself is opened without following a symlink, so no link can lead outside either.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._folders: dict[Path, bool] = {}

    def read(self, relative: str, message_id: object) -> bytes:
        path = self.root / relative
        inside = self._folders.get(path.parent)
        if inside is None:
            folder = path.parent.resolve()
            inside = self._folders[path.parent] = folder == self.root or self.root in folder.parents
        if not inside or path.name in ("", ".", ".."):
            raise ValueError(f"message {message_id}: eml path leaves the dataset folder")
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ValueError(f"message {message_id}: eml path is a symbolic link") from exc
            raise
        with os.fdopen(fd, "rb") as handle:
            return handle.read(MAX_EML_BYTES + 1)


def _email(files: _EmlFiles, record: dict[str, Any]) -> InboundMessage:
    raw = files.read(str(record["eml"]), record.get("id"))
    return to_inbound(parse_email(raw), received_at=_received_at(record), raw=raw)


def read_messages(root: Path) -> Iterator[DatasetMessage]:
    files = _EmlFiles(root)
    with (root / "messages.jsonl").open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                inbound = _chat(record) if record.get("channel") == "chat" else _email(files, record)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"messages.jsonl line {line_no}: {exc}") from exc
            yield DatasetMessage(str(record["id"]), inbound)
