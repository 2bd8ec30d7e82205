"""Shared bits for the import/export tests: fixture paths, row counts, and file variants."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Message, MessagePO, POEvent, POLine, PurchaseOrder, User, Vendor, VendorContact, VendorDomain
from tests.shared_data import REPLIES_DEV as DEV_SET

FIXTURES = Path(__file__).parent / "fixtures"
REPLIES_DEV = DEV_SET / "purchase_orders.json"

COUNTED = (PurchaseOrder, POLine, POEvent, Vendor, VendorContact, VendorDomain, User, Message, MessagePO)


async def row_counts(session: AsyncSession) -> dict[str, int]:
    return {
        model.__tablename__: int((await session.execute(select(func.count()).select_from(model))).scalar_one())
        for model in COUNTED
    }


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def write(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
