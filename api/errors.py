"""Errors at the HTTP edge: one JSON shape `{"error": ..., "details": [...]}` for the API, a page for people.

Domain errors (core/errors.py) map to status codes here, so routes just let them propagate.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import (
    IllegalTransitionError,
    LiaisonError,
    NotFoundError,
    PermissionDeniedError,
    ValidationProblem,
)
from core.purchase_orders.importer import ImportRefused

_MAX_DETAILS = 500


class ApiError(Exception):
    """An error a route raises on purpose, with its status code and optional details."""

    def __init__(self, status_code: int, error: str, details: list[Any] | None = None) -> None:
        super().__init__(error)
        self.status_code = status_code
        self.error = error
        self.details = details or []


class ConflictError(ApiError):
    def __init__(self, error: str, details: list[Any] | None = None) -> None:
        super().__init__(409, error, details)


def error_body(error: str, details: list[Any] | None = None) -> dict[str, Any]:
    return {"error": error, "details": (details or [])[:_MAX_DETAILS]}


def domain_status(exc: LiaisonError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, IllegalTransitionError):
        return 409
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, ValidationProblem | ImportRefused):
        return 422
    return 400


def _details(exc: LiaisonError) -> list[Any]:
    if isinstance(exc, ImportRefused):
        details: list[Any] = [
            {"where": p.where, "field": p.column, "message": p.message} for p in exc.problems[:_MAX_DETAILS]
        ]
        if exc.total > len(details):
            details.append({"where": "file", "field": None, "message": f"... and {exc.total - len(details)} more"})
        return details
    if isinstance(exc, IllegalTransitionError):
        return [{"current": exc.current, "target": exc.target, "reason": exc.reason}]
    return []


def _summary(exc: LiaisonError) -> str:
    if isinstance(exc, ImportRefused):
        return f"import refused, nothing written ({exc.total} problem{'s' if exc.total != 1 else ''})"
    return str(exc)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _page(request: Request, status_code: int, message: str) -> Response:
    # imported here: the page renderer needs templates, the API path must not
    from api.deps import render_error_page

    return await render_error_page(request, status_code, message)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        if _wants_json(request):
            return JSONResponse(error_body(exc.error, exc.details), status_code=exc.status_code)
        return await _page(request, exc.status_code, exc.error)

    @app.exception_handler(LiaisonError)
    async def domain_error(request: Request, exc: LiaisonError) -> Response:
        status = domain_status(exc)
        if _wants_json(request):
            return JSONResponse(error_body(_summary(exc), _details(exc)), status_code=status)
        return await _page(request, status, _summary(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {"where": ".".join(str(part) for part in err.get("loc", ())), "message": str(err.get("msg", ""))}
            for err in exc.errors()
        ]
        if _wants_json(request):
            return JSONResponse(error_body("the request is not valid", details), status_code=422)
        return await _page(request, 422, "; ".join(f"{d['where']}: {d['message']}" for d in details[:10]))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers) if exc.headers else None
        if _wants_json(request) or request.url.path in ("/docs", "/openapi.json"):
            return JSONResponse(error_body(str(exc.detail)), status_code=exc.status_code, headers=headers)
        return await _page(request, exc.status_code, str(exc.detail))
