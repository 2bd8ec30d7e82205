"""Reading a labelled vendor-reply dataset (../shared/eval/FORMAT.md) into inbound messages."""

from __future__ import annotations

import json
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


def _email(root: Path, record: dict[str, Any]) -> InboundMessage:
    path = (root / str(record["eml"])).resolve()
    if root not in path.parents:
        raise ValueError(f"message {record.get('id')}: eml path leaves the dataset folder")
    with path.open("rb") as handle:
        raw = handle.read(MAX_EML_BYTES + 1)
    return to_inbound(parse_email(raw), received_at=_received_at(record), raw=raw)


def read_messages(root: Path) -> Iterator[DatasetMessage]:
    root = root.resolve()
    with (root / "messages.jsonl").open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                inbound = _chat(record) if record.get("channel") == "chat" else _email(root, record)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"messages.jsonl line {line_no}: {exc}") from exc
            yield DatasetMessage(str(record["id"]), inbound)
