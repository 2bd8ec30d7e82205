"""`liaison`: the command line. Each command is a thin shell over core operations."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from api.runtime import Runtime, build_runtime, ensure_migrated
from core.errors import LiaisonError
from core.settings import get_settings

T = TypeVar("T")

app = typer.Typer(
    name="liaison",
    help="Liaison keeps after vendors until every purchase order is confirmed, shipped and delivered.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def fail(message: str, code: int = 1) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def run_with_runtime(work: Callable[[Runtime], Awaitable[T]], *, check_schema: bool = True) -> T:
    """Run one async unit of CLI work against the configured database, turning domain errors into messages."""

    async def go() -> T:
        rt = build_runtime(get_settings())
        try:
            if check_schema:
                await ensure_migrated(rt.engine)
            return await work(rt)
        finally:
            await rt.close()

    try:
        return asyncio.run(go())
    except LiaisonError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create or migrate the database schema to the latest version."""
    from models.migrate import upgrade

    settings = get_settings()
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}: {_redact(settings.database_url)}")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to listen on (default LIAISON_HOST, 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default LIAISON_PORT, 8000)."),
) -> None:
    """Run the service: web API and dashboard, plus the mail, Telegram and follow-up workers when configured."""
    import uvicorn

    from api.app import create_app

    settings = get_settings()

    async def check(rt: Runtime) -> None:
        return None

    run_with_runtime(check)  # refuse early, with a clear message, on an unmigrated database
    uvicorn.run(
        create_app(settings, start_workers=True),
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
    )


def _register_commands() -> None:
    # Each module adds its commands to `app`; imported here so `liaison --help` lists them all.
    from api import (  # noqa: F401
        cli_escalations,
        cli_interpret,
        cli_ledger,
        cli_mail,
        cli_simulate,
        cli_telegram,
        cli_users,
    )


def main() -> None:
    _register_commands()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
