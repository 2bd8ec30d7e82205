"""Writing to a PO's append-only event log."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import POEvent, PurchaseOrder


def jsonable(value: Any) -> Any:
    """Event values are JSON: dates as ISO text, decimals as text (exact), enums as their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


def record_event(
    session: AsyncSession,
    po: PurchaseOrder,
    *,
    kind: str,
    at: datetime,
    actor: str,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    message_id: int | None = None,
    note: str | None = None,
) -> POEvent:
    event = POEvent(
        po_id=po.id,
        at=at,
        kind=kind,
        field=field,
        old_value=jsonable(old),
        new_value=jsonable(new),
        actor=actor,
        message_id=message_id,
        note=note,
    )
    session.add(event)
    return event
