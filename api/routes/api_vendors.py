"""REST for vendor scorecards."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ClockDep, SessionDep, TokenDep
from api.errors import ApiError
from core.kpis.scorecard import Scorecard, vendor_scorecard
from core.purchase_orders import repository

router = APIRouter(prefix="/api/v1/vendors", tags=["vendors"])


@router.get("/{code}/scorecard", response_model=Scorecard, summary="A vendor's scorecard from the event log")
async def scorecard(
    code: str,
    session: SessionDep,
    clock: ClockDep,
    _token: TokenDep,
    days: Annotated[int, Query(ge=1, le=3660, description="Window: POs sent in the last N days.")] = 90,
) -> Scorecard:
    vendor = await repository.vendor_by_code(session, code)
    if vendor is None:
        raise ApiError(404, f"no vendor {code}")
    card = await vendor_scorecard(session, vendor, now=clock.now(), window=timedelta(days=days))
    await session.commit()
    return card
