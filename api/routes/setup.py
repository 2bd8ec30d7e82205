"""Puts the web side on the app: REST routers, dashboard pages, static files and error handlers."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from api.deps import LoginRequired
from api.errors import install_error_handlers
from api.routes import api_escalations, api_purchase_orders, api_vendors, pages, pages_escalations, pages_login
from api.routes.pages_login import login_redirect

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def install_web(app: FastAPI) -> None:
    install_error_handlers(app)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(exc.next_path)

    for module in (api_purchase_orders, api_escalations, api_vendors, pages_login, pages, pages_escalations):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
