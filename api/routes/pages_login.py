"""Dashboard login and logout: email + password, a signed session cookie, CSRF on the form."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api import auth
from api.deps import SessionDep, read_web_session, render, set_session_cookie

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # only a path on this site: never an open redirect to another host
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    web = read_web_session(request) or auth.new_session(None)
    response = render(
        request, "dashboard/login.html", {"csrf": web.csrf, "next": _safe_next(next), "error": None}, viewer=None
    )
    set_session_cookie(request, response, web)
    return response


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    web = read_web_session(request)
    if not auth.csrf_ok(web, csrf_token):
        fresh = auth.new_session(None)
        response = render(
            request,
            "dashboard/login.html",
            {"csrf": fresh.csrf, "next": _safe_next(next), "error": "The form expired. Please try again."},
            viewer=None,
            status_code=403,
        )
        set_session_cookie(request, response, fresh)
        return response
    user = await auth.check_login(session, email, password)
    if user is None:
        assert web is not None
        return render(
            request,
            "dashboard/login.html",
            {"csrf": web.csrf, "next": _safe_next(next), "error": "Wrong email or password.", "email": email},
            viewer=None,
            status_code=401,
        )
    redirect = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(request, redirect, auth.new_session(user.id))
    return redirect


@router.post("/logout")
async def logout(request: Request, csrf_token: Annotated[str, Form(max_length=200)]) -> Response:
    web = read_web_session(request)
    if web is not None and auth.csrf_ok(web, csrf_token):
        response = RedirectResponse("/login?msg=logged_out", status_code=303)
        response.delete_cookie(auth.SESSION_COOKIE, path="/")
        return response
    return RedirectResponse("/", status_code=303)


def login_redirect(next_path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(next_path, safe='/')}", status_code=303)
