"""The FastAPI composition root: builds the runtime, checks the schema, and starts what is configured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from api.routes.setup import install_web
from api.runtime import Runtime, build_runtime, ensure_migrated
from api.workers import WorkerGroup, configured_workers
from core.settings import Settings, get_settings


def create_app(
    settings: Settings | None = None, *, runtime: Runtime | None = None, start_workers: bool = False
) -> FastAPI:
    """The web app; with `start_workers` (as `liaison serve` does) also the mail, Telegram and follow-up workers."""
    settings = settings or get_settings()
    rt = runtime or build_runtime(settings)  # no connection yet: the lifespan checks the schema first
    workers = configured_workers(rt) if start_workers else []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_migrated(rt.engine)
        app.state.runtime = rt
        group = WorkerGroup(workers)
        group.start()
        try:
            yield
        finally:
            await group.close()
            if runtime is None:
                await rt.close()

    app = FastAPI(title="Liaison", version="0.1.0", lifespan=lifespan)
    install_web(app)  # REST /api/v1, dashboard pages, static files, error handlers
    for worker in workers:
        app.router.routes.extend(worker.routes)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        rt: Runtime = app.state.runtime
        async with rt.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return {"status": "ok", "database": "ok"}

    return app
