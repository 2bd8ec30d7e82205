"""FastAPI dependencies: one database session per request, the clock, who is calling, and page rendering.

The route owns the transaction: it commits at its end; a request that raises is rolled back when the
session closes. Services only flush.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession

from api import auth
from api.errors import ApiError
from api.runtime import Runtime
from core.clock import Clock, SystemClock
from core.settings import Settings
from models import ApiToken, User

AGENT_ROLES = frozenset({"agent", "lead", "admin"})
# flash messages come by key in the redirect's query string: never free text a link could forge
FLASH = {
    "taken": "You took the escalation.",
    "resolved": "Escalation resolved.",
    "replied": "Your message to the vendor is queued.",
    "moved": "The message was moved.",
    "eta": "The ETA was corrected.",
    "status": "Status changed.",
    "logged_out": "You are logged out.",
}
_bearer = HTTPBearer(auto_error=False, description="An API token from `liaison tokens create`.")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_settings_dep(request: Request) -> Settings:
    return get_runtime(request).settings


def get_clock(request: Request) -> Clock:
    """The app's clock: `app.state.clock` when set (tests, simulations), else the system clock."""
    clock: Clock | None = getattr(request.app.state, "clock", None)
    return clock or SystemClock()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_runtime(request).sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


# --- the API: bearer tokens -----------------------------------------------------------------------


async def require_token(
    session: SessionDep,
    clock: ClockDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiToken:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "an API token is required (Authorization: Bearer <token>)")
    token = await auth.token_for(session, credentials.credentials)
    if token is None:
        raise ApiError(401, "the API token is unknown or revoked")
    now = clock.now()
    # written with the request's own commit; at most once a minute so reads stay reads
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
    return token


TokenDep = Annotated[ApiToken, Depends(require_token)]


# --- the dashboard: session cookie, users, CSRF ----------------------------------------------------


class LoginRequired(Exception):
    """Raised by page dependencies when nobody is logged in; answered with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@lru_cache(maxsize=8)
def _signer(secret: str) -> auth.SessionSigner:
    return auth.SessionSigner(secret)


def session_signer(request: Request) -> auth.SessionSigner:
    return _signer(get_runtime(request).settings.secret_key.get_secret_value())


def read_web_session(request: Request) -> auth.WebSession | None:
    return session_signer(request).loads(request.cookies.get(auth.SESSION_COOKIE))


def set_session_cookie(request: Request, response: Response, web_session: auth.WebSession) -> None:
    secure = get_runtime(request).settings.public_url.startswith("https://")
    response.set_cookie(
        auth.SESSION_COOKIE,
        session_signer(request).dumps(web_session),
        max_age=auth.SESSION_MAX_AGE,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )


@dataclass(frozen=True, slots=True)
class Viewer:
    """The logged-in person as pages see them (a plain value, not the ORM row)."""

    id: int
    name: str
    email: str
    role: str
    csrf: str

    @property
    def can_work_escalations(self) -> bool:
        return self.role in AGENT_ROLES

    @property
    def actor(self) -> str:
        return f"user:{self.id}"


async def current_viewer(request: Request, session: SessionDep) -> Viewer:
    web = read_web_session(request)
    user = await session.get(User, web.user_id) if web is not None and web.user_id is not None else None
    if web is None or user is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    return Viewer(id=user.id, name=user.name or user.email or "", email=user.email or "", role=user.role, csrf=web.csrf)


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def check_csrf(viewer: Viewer, submitted: str) -> None:
    if not auth.csrf_ok(auth.WebSession(viewer.id, viewer.csrf), submitted):
        raise ApiError(403, "the form has expired or did not come from this site; reload the page and try again")


def require_agent(viewer: Viewer) -> None:
    if not viewer.can_work_escalations:
        raise ApiError(403, "only agents, leads and admins work on escalations")


# --- rendering --------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _templates(directory: str) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=True,  # every page: vendor text is hostile until proven otherwise
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def templates_for(request: Request) -> Jinja2Templates:
    return _templates(str(Path(get_runtime(request).settings.templates_dir)))


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    viewer: Viewer | None,
    status_code: int = 200,
) -> HTMLResponse:
    settings = get_runtime(request).settings
    page_context = {
        "viewer": viewer,
        "company": settings.buyer_company,
        "flash": FLASH.get(request.query_params.get("msg", "")),
    }
    response: HTMLResponse = templates_for(request).TemplateResponse(
        request, template, {**page_context, **context}, status_code=status_code
    )
    return response


async def render_error_page(request: Request, status_code: int, message: str) -> Response:
    web = read_web_session(request)
    viewer = None
    if web is not None and web.user_id is not None:
        async with get_runtime(request).sessions() as session:
            user = await session.get(User, web.user_id)
            if user is not None:
                viewer = Viewer(user.id, user.name or "", user.email or "", user.role, web.csrf)
    return render(
        request,
        "dashboard/error.html",
        {"status_code": status_code, "message": message},
        viewer=viewer,
        status_code=status_code,
    )
