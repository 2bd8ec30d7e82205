"""REST for the escalation queue: what is open, by SLA, and taking or resolving one on a person's behalf."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import user_by_email
from api.deps import ClockDep, SessionDep, TokenDep
from api.errors import ApiError, ConflictError
from api.views import EscalationView, escalation_views
from core.escalations import service
from core.escalations.repository import ACTIVE_STATES
from core.escalations.schemas import EscalationState
from models import Escalation

router = APIRouter(prefix="/api/v1/escalations", tags=["escalations"])


class TakeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: str = Field(max_length=320, description="Email of the Liaison user who takes it.")


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=20_000)
    user: str | None = Field(default=None, max_length=320, description="Email of the user resolving it, if any.")


async def _user_id(session: AsyncSession, email: str | None) -> int | None:
    if email is None:
        return None
    user = await user_by_email(session, email)
    if user is None:
        raise ApiError(422, f"no Liaison user with the email {email!r}", [{"where": "body.user"}])
    return user.id


async def _still_open(session: AsyncSession, escalation_id: int) -> Escalation:
    escalation = await service.get_escalation(session, escalation_id, with_notes=False)
    if escalation.state == EscalationState.RESOLVED.value:
        raise ConflictError(f"escalation {escalation_id} is already resolved")
    return escalation


@router.get("", response_model=list[EscalationView], summary="The queue: unresolved escalations, earliest SLA first")
async def list_escalations(
    session: SessionDep,
    clock: ClockDep,
    _token: TokenDep,
    state: Annotated[list[EscalationState] | None, Query(description="Default: every unresolved state.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EscalationView]:
    states = [s.value for s in state] if state else list(ACTIVE_STATES)
    rows = await service.list_escalations(session, states=states, limit=limit)
    views = await escalation_views(session, rows, now=clock.now())
    await session.commit()
    return views


@router.post("/{escalation_id}/take", response_model=EscalationView, summary="A person takes the escalation")
async def take(
    escalation_id: int, body: TakeIn, session: SessionDep, clock: ClockDep, _token: TokenDep
) -> EscalationView:
    await _still_open(session, escalation_id)
    user_id = await _user_id(session, body.user)
    assert user_id is not None
    escalation = await service.take(session, escalation_id, user_id=user_id, now=clock.now())
    [view] = await escalation_views(session, [escalation], now=clock.now())
    await session.commit()
    return view


@router.post("/{escalation_id}/resolve", response_model=EscalationView, summary="Resolve with a note")
async def resolve(
    escalation_id: int, body: ResolveIn, session: SessionDep, clock: ClockDep, _token: TokenDep
) -> EscalationView:
    await _still_open(session, escalation_id)
    user_id = await _user_id(session, body.user)
    escalation = await service.resolve(session, escalation_id, note=body.note, by_user_id=user_id, now=clock.now())
    [view] = await escalation_views(session, [escalation], now=clock.now())
    await session.commit()
    return view
