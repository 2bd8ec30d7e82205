"""Ledger commands: import, export, po show."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import select

from api.cli import app, fail, run_with_runtime
from api.runtime import Runtime
from core.clock import Clock, SystemClock
from core.purchase_orders import exporter, repository
from core.purchase_orders.import_readers import FileFormat
from core.purchase_orders.import_readers import Progress as ProgressFn
from core.purchase_orders.importer import ImportReport, import_file
from models import Message, POEvent

po_app = typer.Typer(help="Look at purchase orders.", no_args_is_help=True)
app.add_typer(po_app, name="po")


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


class ImportFormat(StrEnum):
    AUTO = "auto"
    JSON = "json"
    CSV = "csv"


# ----------------------------------------------------------------------------------------------
# import


@contextlib.contextmanager
def progress_bar(enabled: bool) -> Iterator[ProgressFn | None]:
    """A progress bar on stderr, one task per phase (reading, checking, writing); None when disabled."""
    if not enabled:
        yield None
        return
    columns = (TextColumn("{task.description:>9}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield update


async def run_import(
    rt: Runtime,
    path: Path,
    *,
    dry_run: bool = False,
    fmt: FileFormat | None = None,
    progress: ProgressFn | None = None,
    clock: Clock | None = None,
) -> ImportReport:
    """`liaison import`: one transaction, committed only when the whole file went in (never on --dry-run)."""
    async with rt.sessions() as session:
        transaction = await session.begin()
        try:
            report = await import_file(session, path, clock=clock or SystemClock(), fmt=fmt, progress=progress)
        except BaseException:
            await transaction.rollback()
            raise
        if dry_run:
            await transaction.rollback()
        else:
            await transaction.commit()
        return report


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV or purchase_orders.json."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and report, write nothing."),
    fmt: ImportFormat = typer.Option(ImportFormat.AUTO, "--format", help="File format (default: from the name)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Import purchase orders (and vendors, from JSON) from the ERP; a bad file is refused whole."""
    show = not quiet and sys.stderr.isatty()
    chosen: FileFormat | None = None if fmt == ImportFormat.AUTO else ("csv" if fmt == ImportFormat.CSV else "json")
    with progress_bar(show) as progress:
        report = run_with_runtime(lambda rt: run_import(rt, file, dry_run=dry_run, fmt=chosen, progress=progress))
    typer.echo(report.summary())
    if dry_run:
        typer.echo("dry run: nothing written")


# ----------------------------------------------------------------------------------------------
# export


@contextlib.contextmanager
def _output(out: Path | None) -> Iterator[Any]:
    """stdout, or a file replaced only once the export is complete (no half-written file on failure)."""
    if out is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@app.command("export")
def export_command(
    fmt: ExportFormat = typer.Option(ExportFormat.JSON, "--format", help="json or csv."),
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help="File to write (default: stdout)."),
) -> None:
    """Export every PO with status, dates, exceptions, line quantities and tracking, ordered by PO number."""

    async def work(rt: Runtime) -> int:
        async with rt.sessions() as session:
            with _output(out) as handle:
                if fmt == ExportFormat.CSV:
                    return await exporter.write_csv(session, handle)
                return await exporter.write_json(session, handle)

    count = run_with_runtime(work)
    if out is not None:
        typer.echo(f"{count} purchase orders written to {out}", err=True)


# ----------------------------------------------------------------------------------------------
# po show


def _d(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_d(v)}" for k, v in value.items())
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _event_text(event: POEvent, subjects: dict[int, str]) -> str:
    what = event.kind.replace("_", " ")
    if event.field:
        what += f" {event.field}"
    if event.old_value is None and isinstance(event.new_value, dict):
        what += f": {_d(event.new_value)}"
    elif event.old_value is not None or event.new_value is not None:
        what += f": {_d(event.old_value)} -> {_d(event.new_value)}"
    if event.note:
        what += f" ({event.note})"
    if event.message_id is not None:
        subject = subjects.get(event.message_id)
        what += f" [message #{event.message_id}{': ' + subject if subject else ''}]"
    return what


@po_app.command("show")
def po_show(number: str = typer.Argument(..., help="The PO number, e.g. PO-4512.")) -> None:
    """Status, vendor, dates, exceptions, lines, shipments and the timeline of one PO."""

    async def work(rt: Runtime) -> None:
        async with rt.sessions() as session:
            po = await repository.get_by_number(session, number.strip())
            if po is None:
                fail(f"no purchase order numbered {number.strip()!r}")
                return
            view = (await exporter.load_views(session, [po.id]))[0]
            events = await repository.events_for(session, po.id)
            message_ids = {e.message_id for e in events if e.message_id is not None}
            subjects: dict[int, str] = {}
            if message_ids:
                rows = await session.execute(select(Message.id, Message.subject).where(Message.id.in_(message_ids)))
                subjects = {ident: subject for ident, subject in rows if subject}
            # piped output is read by people and scripts alike: wide enough not to wrap table cells
            console = Console(highlight=False) if sys.stdout.isatty() else Console(highlight=False, width=160)
            render_po(console, view, events, subjects)

    run_with_runtime(work)


def render_po(console: Console, view: exporter.POView, events: list[POEvent], subjects: dict[int, str]) -> None:
    flags = [column.removeprefix("exc_").replace("_", " ") for column, on in view.exceptions.items() if on]
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    for label, value in (
        ("PO", view.number),
        ("Status", view.status),
        ("Vendor", f"{view.vendor_name} ({view.vendor_code})"),
        ("Vendor reference", view.vendor_reference or "-"),
        ("Buyer", view.buyer_email or "-"),
        ("Order date", _d(view.order_date)),
        ("Promised", _d(view.promised_date)),
        ("Originally promised", _d(view.original_promised_date)),
        ("ETA", _d(view.eta)),
        ("Currency", view.currency),
        ("Exceptions", ", ".join(flags) if flags else "none"),
    ):
        head.add_row(label, value)
    console.print(head)

    lines = Table(title="Lines", box=box.SIMPLE_HEAD, title_justify="left")
    for name in (
        "#",
        "SKU",
        "Vendor SKU",
        "Description",
        "Ordered",
        "Confirmed",
        "Shipped",
        "Received",
        "Unit",
        "Price",
    ):
        lines.add_column(
            name, justify="right" if name in ("#", "Ordered", "Confirmed", "Shipped", "Received", "Price") else "left"
        )
    for line in view.lines:
        lines.add_row(
            str(line.line_no),
            line.sku or "-",
            line.vendor_sku or "-",
            line.description,
            exporter.number_text(line.quantity_ordered),
            exporter.number_text(line.quantity_confirmed) or "-",
            exporter.number_text(line.quantity_shipped),
            exporter.number_text(line.quantity_received),
            line.unit,
            exporter.number_text(line.unit_price) or "-",
        )
    console.print(lines)

    if view.shipments:
        shipments = Table(title="Shipments", box=box.SIMPLE_HEAD, title_justify="left")
        for name in ("Carrier", "Shipped", "ETA", "Tracking"):
            shipments.add_column(name)
        for s in view.shipments:
            tracking = ", ".join(f"{n} ({c})" if c and c != s.carrier else n for n, c in s.tracking) or "-"
            shipments.add_row(s.carrier or "-", _d(s.ship_date), _d(s.eta), tracking)
        console.print(shipments)
    else:
        console.print("Shipments: none")

    timeline = Table(title="Timeline", box=box.SIMPLE_HEAD, title_justify="left")
    for name in ("When (UTC)", "Actor", "What"):
        timeline.add_column(name)
    for event in events:
        timeline.add_row(event.at.strftime("%Y-%m-%d %H:%M"), event.actor, _event_text(event, subjects))
    console.print(timeline)
