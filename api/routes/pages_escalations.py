"""The agents' escalation queue: every button posts a form that calls the same core operation as the bot and CLI."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ClockDep, SessionDep, SettingsDep, Viewer, ViewerDep, check_csrf, render, require_agent
from api.errors import ConflictError
from api.views import escalation_views
from core.errors import ValidationProblem
from core.escalations import service
from core.escalations.repository import ACTIVE_STATES
from core.escalations.schemas import EscalationState

router = APIRouter(include_in_schema=False)

QUEUE_LIMIT = 100
_SCOPES = ("all", "mine", "unassigned", "resolved")


def _back(escalation_id: int, flash: str) -> RedirectResponse:
    return RedirectResponse(f"/escalations?msg={flash}#esc-{escalation_id}", status_code=303)


async def _prepare(session: AsyncSession, viewer: Viewer, csrf_token: str, escalation_id: int) -> None:
    check_csrf(viewer, csrf_token)
    require_agent(viewer)
    escalation = await service.get_escalation(session, escalation_id, with_notes=False)
    if escalation.state == EscalationState.RESOLVED.value:
        raise ConflictError(f"Escalation {escalation_id} is already resolved.")


@router.get("/escalations")
async def queue(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    scope: Annotated[str, Query(max_length=20)] = "all",
) -> Response:
    now = clock.now()
    scope = scope if scope in _SCOPES else "all"
    states = [EscalationState.RESOLVED.value] if scope == "resolved" else list(ACTIVE_STATES)
    rows = await service.list_escalations(
        session, states=states, assignee_id=viewer.id if scope == "mine" else None, limit=QUEUE_LIMIT
    )
    if scope == "unassigned":
        rows = [row for row in rows if row.assignee_id is None]
    if scope == "resolved":
        rows.sort(key=lambda row: row.resolved_at or row.updated_at, reverse=True)
    views = await escalation_views(session, rows, now=now)
    return render(
        request, "dashboard/escalations.html", {"escalations": views, "scope": scope, "scopes": _SCOPES}, viewer=viewer
    )


@router.post("/escalations/{escalation_id}/take")
async def take(
    escalation_id: int,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    csrf_token: Annotated[str, Form(max_length=200)],
) -> Response:
    await _prepare(session, viewer, csrf_token, escalation_id)
    await service.take(session, escalation_id, user_id=viewer.id, now=clock.now())
    await session.commit()
    return _back(escalation_id, "taken")


@router.post("/escalations/{escalation_id}/resolve")
async def resolve(
    escalation_id: int,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    csrf_token: Annotated[str, Form(max_length=200)],
    note: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    await _prepare(session, viewer, csrf_token, escalation_id)
    if not note.strip():
        raise ValidationProblem("Say in a note how the escalation was resolved.")
    await service.resolve(session, escalation_id, note=note.strip(), by_user_id=viewer.id, now=clock.now())
    await session.commit()
    return _back(escalation_id, "resolved")


@router.post("/escalations/{escalation_id}/move")
async def move(
    escalation_id: int,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    csrf_token: Annotated[str, Form(max_length=200)],
    po_number: Annotated[str, Form(min_length=1, max_length=64)],
) -> Response:
    await _prepare(session, viewer, csrf_token, escalation_id)
    await service.move_message(
        session, escalation_id, to_po_number=po_number.strip(), by_user_id=viewer.id, now=clock.now()
    )
    await session.commit()
    return _back(escalation_id, "moved")


@router.post("/escalations/{escalation_id}/reply")
async def reply(
    escalation_id: int,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    csrf_token: Annotated[str, Form(max_length=200)],
    text: Annotated[str, Form(max_length=20_000)],
    channel: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    await _prepare(session, viewer, csrf_token, escalation_id)
    domain = (settings.mail_from or "liaison.invalid").rsplit("@", 1)[-1].strip("> ") or "liaison.invalid"
    await service.reply_to_vendor(
        session,
        escalation_id,
        text=text,
        by_user_id=viewer.id,
        now=clock.now(),
        channel=channel if channel in ("email", "telegram") else None,
        buyer_company=settings.buyer_company,
        message_id_domain=domain,
    )
    await session.commit()
    return _back(escalation_id, "replied")


@router.post("/escalations/{escalation_id}/eta")
async def correct_eta(
    escalation_id: int,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    csrf_token: Annotated[str, Form(max_length=200)],
    eta: Annotated[date, Form()],
) -> Response:
    await _prepare(session, viewer, csrf_token, escalation_id)
    await service.correct_date(session, escalation_id, eta=eta, by_user_id=viewer.id, now=clock.now())
    await session.commit()
    return _back(escalation_id, "eta")
