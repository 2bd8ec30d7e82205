"""Ledger commands: import, export, po show."""

from __future__ import annotations

import typer

from api.cli import app

po_app = typer.Typer(help="Look at purchase orders.", no_args_is_help=True)
app.add_typer(po_app, name="po")
