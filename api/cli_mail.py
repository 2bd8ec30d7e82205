"""`liaison mail ...`: mail channel commands."""

from __future__ import annotations

import asyncio

import typer

from api.cli import app
from core.settings import get_settings

mail_app = typer.Typer(help="Email channel (IMAP in, SMTP out).", no_args_is_help=True)
app.add_typer(mail_app, name="mail")


@mail_app.command("check")
def mail_check() -> None:
    """Try the IMAP and SMTP connections; say precisely what fails (DNS, TCP, TLS, auth, folder)."""
    from mail.check import check_all

    results = asyncio.run(check_all(get_settings()))
    for result in results:
        typer.secho(result.line(), fg=typer.colors.GREEN if result.ok else typer.colors.RED)
    if not all(r.ok for r in results):
        raise typer.Exit(1)
