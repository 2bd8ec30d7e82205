"""Attachments (invoices, delivery notes, waybill photos) kept on disk and linked to POs as Documents.

Files are content-addressed (`<data_dir>/attachments/ab/<sha256>`): storing the same file twice, or
again after a crash before commit, writes nothing new. The type is sniffed from the bytes, never
trusted from the sender's label; oversized files are not stored (the Document says why).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import filetype  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncSession

from core.inbound import InboundAttachment
from models import Document

MAX_PER_MESSAGE = 50  # a message with more parts than this is hostile or broken: keep the first ones
_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def safe_filename(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")).strip()
    cleaned = _UNSAFE.sub("_", base).strip(" .")[:200]
    return cleaned or "attachment"


def sniff_type(data: bytes) -> str | None:
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return str(kind.mime)
    head = data[:2048]
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


class AttachmentStore:
    """Writes attachment bytes under `root`, each file once."""

    def __init__(self, root: Path, *, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def write(self, data: bytes) -> tuple[str, Path]:
        digest = hashlib.sha256(data).hexdigest()
        path = self.path_for(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # write then rename: a crash never leaves a half file under the final name
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return digest, path

    async def store(
        self,
        session: AsyncSession,
        attachments: Sequence[InboundAttachment],
        *,
        message_id: int,
        po_ids: Sequence[int],
        now: datetime,
    ) -> list[Document]:
        """One Document per (attachment, PO) -- or per attachment when no PO matched."""
        documents: list[Document] = []
        for attachment in list(attachments)[:MAX_PER_MESSAGE]:
            data = attachment.data
            size = len(data)
            if size > self.max_bytes:
                digest, sniffed = hashlib.sha256(data).hexdigest(), None
                storage = f"not stored: {size} bytes is over the {self.max_bytes} byte limit"
            else:
                digest, path = self.write(data)
                storage, sniffed = str(path), sniff_type(data)
            targets: list[int | None] = [*po_ids] or [None]
            for po_id in targets:
                doc = Document(
                    message_id=message_id,
                    po_id=po_id,
                    filename=safe_filename(attachment.filename),
                    declared_type=(attachment.content_type or "")[:200] or None,
                    sniffed_type=sniffed,
                    size=size,
                    sha256=digest,
                    storage_path=storage,
                    created_at=now,
                )
                session.add(doc)
                documents.append(doc)
        return documents
