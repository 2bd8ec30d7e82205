"""Multi-step chat flows keep their place in the database (ChatState), so a restart resumes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.chat import repository
from models import ChatState


@dataclass(slots=True)
class FlowState:
    flow: str | None = None
    step: str | None = None
    po_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.flow is not None


async def load(session: AsyncSession, chat_id: int) -> FlowState:
    row = await repository.chat_state(session, chat_id)
    if row is None:
        return FlowState()
    return FlowState(row.flow, row.step, row.po_id, dict(row.data or {}))


async def save(session: AsyncSession, chat_id: int, state: FlowState, *, now: datetime) -> None:
    row = await repository.chat_state(session, chat_id)
    if row is None:
        row = ChatState(telegram_chat_id=chat_id)
        session.add(row)
    row.flow, row.step, row.po_id = state.flow, state.step, state.po_id
    row.data = dict(state.data)  # a new object, so the JSON column sees the change
    row.updated_at = now
    await session.flush()


async def start(
    session: AsyncSession, chat_id: int, *, flow: str, step: str, po_id: int | None, now: datetime, **data: Any
) -> FlowState:
    state = FlowState(flow, step, po_id, data)
    await save(session, chat_id, state, now=now)
    return state


async def clear(session: AsyncSession, chat_id: int, *, now: datetime, keep_po: bool = True) -> None:
    """End any flow; the PO the chat last talked about stays, so a bare "shipped" still has a subject."""
    current = await load(session, chat_id)
    await save(session, chat_id, FlowState(po_id=current.po_id if keep_po else None), now=now)
