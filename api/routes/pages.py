"""Dashboard pages for buyers: overview, PO list and search, PO detail, vendor scorecards."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import ClockDep, SessionDep, ViewerDep, check_csrf, render
from api.errors import ApiError
from api.views import Overview, ScorecardRow, escalation_views, po_detail, po_summary
from core.escalations import service as escalation_service
from core.kpis.scorecard import vendor_scorecard
from core.purchase_orders import queries, repository
from core.purchase_orders.lifecycle import ExceptionFlag, POStatus
from core.purchase_orders.service import Actor, change_status

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


@router.get("/")
async def overview(request: Request, session: SessionDep, clock: ClockDep, viewer: ViewerDep) -> Response:
    now = clock.now()
    counts = await queries.overview_counts(session, now=now)
    urgent = await escalation_service.list_escalations(session, limit=5)
    late = await queries.list_pos(session, queries.POFilter(late=True), today=now.date(), limit=10, newest_first=True)
    model = Overview(
        counts=counts,
        escalations=await escalation_views(session, urgent, now=now, with_messages=False),
        late=[po_summary(po, today=now.date()) for po in late.items],
    )
    return render(request, "dashboard/overview.html", {"overview": model, "now": now}, viewer=viewer)


@router.get("/pos")
async def po_list(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    vendor: Annotated[str | None, Query(max_length=64)] = None,
    view: Annotated[str | None, Query(max_length=20)] = None,
    exception: Annotated[str | None, Query(max_length=40)] = None,
    mine: bool = False,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    now = clock.now()
    statuses: tuple[POStatus, ...] = ()
    if status:
        try:
            statuses = (POStatus(status),)
        except ValueError:
            raise ApiError(422, f"unknown status {status!r}") from None
    flt = queries.POFilter(
        # "awaiting confirmation" is a status filter with a name people use
        statuses=(POStatus.SENT,) if view == "awaiting" and not statuses else statuses,
        open_only=view == "open",
        vendor_code=vendor or None,
        buyer_id=viewer.id if mine else None,
        late=True if view == "late" else None,
        exception=exception or ("any" if view == "exceptions" else None),
        search=q,
    )
    page = await queries.list_pos(session, flt, today=now.date(), limit=PAGE_SIZE, cursor=cursor, newest_first=True)
    total = await queries.count_pos(session, flt, today=now.date())
    params = {
        k: v for k, v in {"q": q, "status": status, "vendor": vendor, "view": view, "exception": exception}.items() if v
    }
    if mine:
        params["mine"] = "true"
    next_url = f"/pos?{urlencode({**params, 'cursor': page.next_cursor})}" if page.next_cursor else None
    vendors = [(v.code, v.name) for v in await queries.vendors(session)]
    return render(
        request,
        "dashboard/po_list.html",
        {
            "pos": [po_summary(po, today=now.date()) for po in page.items],
            "total": total,
            "filters": {
                "q": q or "",
                "status": status or "",
                "vendor": vendor or "",
                "view": view or "",
                "exception": exception or "",
                "mine": mine,
            },
            "statuses": [s.value for s in POStatus],
            "exceptions": [f.value for f in ExceptionFlag],
            "vendors": vendors,
            "next_url": next_url,
            "first_page_url": f"/pos?{urlencode(params)}" if cursor else None,
        },
        viewer=viewer,
    )


@router.get("/pos/{number}")
async def po_page(number: str, request: Request, session: SessionDep, clock: ClockDep, viewer: ViewerDep) -> Response:
    po = await repository.get_by_number(session, number)
    if po is None:
        raise ApiError(404, f"No purchase order {number}.")
    detail = await po_detail(session, po, now=clock.now())
    return render(request, "dashboard/po_detail.html", {"detail": detail}, viewer=viewer)


@router.post("/pos/{number}/status")
async def po_status(
    number: str,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    status: Annotated[POStatus, Form()],
    csrf_token: Annotated[str, Form(max_length=200)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(viewer, csrf_token)
    po = await repository.get_by_number(session, number, for_update=True)
    if po is None:
        raise ApiError(404, f"No purchase order {number}.")
    change_status(session, po, status, at=clock.now(), actor=Actor(viewer.actor), note=note.strip() or None)
    await session.commit()
    return RedirectResponse(f"/pos/{po.number}?msg=status", status_code=303)


@router.get("/vendors")
async def vendor_scorecards(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    days: Annotated[int, Query(ge=1, le=3660)] = 90,
) -> Response:
    now = clock.now()
    rows = [
        ScorecardRow(await vendor_scorecard(session, vendor, now=now, window=timedelta(days=days)))
        for vendor in await queries.vendors(session)
    ]
    return render(request, "dashboard/vendors.html", {"rows": rows, "days": days}, viewer=viewer)
