"""`liaison interpret DATASET`: run a labelled dataset through the live reply pipeline, send nothing."""

from __future__ import annotations

import asyncio
import gc
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import aiosqlite
import typer
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql.compiler import InsertmanyvaluesSentinelOpts

from api.cli import app, fail
from api.dataset import read_messages
from core.purchase_orders.importer import import_path
from core.replies.pipeline import PipelineContext, ProcessResult, process_inbound, understanding_json
from core.settings import get_settings
from models import Message
from models.db import create_engine, create_sessionmaker
from models.migrate import upgrade

BATCH = 50  # messages per transaction: commits are the cost that batching removes
# the throwaway database has no other writer: the read model need not look for changes per message
REFRESH_INTERVAL = 1.0


def batch_inserts_with_returning(engine: AsyncEngine) -> None:
    """Let the ORM write a flush's new rows of one table in one multi-row INSERT on SQLite.

    SQLAlchemy sends one INSERT per row when it needs the new ids back from SQLite, because SQLite
    does not promise RETURNING's row order. An INTEGER PRIMARY KEY table hands out ids in VALUES
    order (max(rowid) + 1 per row, under the write lock), which SQLAlchemy can then use to pair ids
    with objects ("implicit sentinel", as it does on PostgreSQL). A batch's events, links and
    shipment rows go from hundreds of statements to a few.
    """
    dialect = engine.sync_engine.dialect
    if dialect.name == "sqlite":
        dialect.insertmanyvalues_implicit_sentinel = InsertmanyvaluesSentinelOpts.AUTOINCREMENT


class _InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection that runs each call at once in the calling thread.

    aiosqlite hands every cursor call (create, execute, fetch, close: four per statement) to its
    worker thread and wakes the event loop for the answer; for `liaison interpret`, one task alone on
    a throwaway database, those hops cost more than the statements. Nothing else runs on the loop, so
    blocking it for a statement's duration takes nothing from anyone. Never use it for the service.
    """

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        # SQLAlchemy's isolation-level setter queues its function on `_tx` and awaits the future
        self._tx = _InlineQueue()  # type: ignore[assignment]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> aiosqlite.Connection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:  # no worker thread to start
        return self._connect().__await__()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class _InlineQueue:
    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as aiosqlite's worker does
            if future is not None:
                future.set_exception(exc)
            return
        if future is not None:
            future.set_result(result)


def _interpret_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # a throwaway database rebuilt from the dataset on every run: losing it in a crash loses nothing,
    # so commits need not wait for the disk (the service keeps WAL + synchronous=NORMAL)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=MEMORY")
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def interpret_engine(path: str) -> AsyncEngine:
    """The engine of `liaison interpret`'s throwaway SQLite database: same dialect and models as the
    service, statements run in the event loop's thread, no durability asked of the disk."""

    async def connect() -> aiosqlite.Connection:
        return await _InlineConnection(lambda: sqlite3.connect(path, check_same_thread=False))

    engine = create_engine(f"sqlite+aiosqlite:///{path}", async_creator=connect)
    event.listen(engine.sync_engine, "connect", _interpret_pragmas)
    return engine


def _answer(message_id: str, understanding: dict[str, Any] | None) -> dict[str, Any]:
    u = understanding or {}
    return {
        "id": message_id,
        "po_numbers": u.get("po_numbers", []),
        "intent": u.get("intent"),
        "eta": u.get("eta"),
        "ship_date": u.get("ship_date"),
        "tracking_numbers": u.get("tracking_numbers", []),
        "carrier": u.get("carrier"),
        "quantities": u.get("quantities", {}),
    }


@dataclass(slots=True)
class InterpretStats:
    """Seconds of the two phases, loading the dataset's POs (into the database and the pipeline's
    in-memory read model) and reading its messages: wall clock, and
    CPU of the whole process (the database thread included), which other load on the machine does
    not inflate."""

    import_seconds: float = 0.0
    messages_seconds: float = 0.0
    import_cpu: float = 0.0
    messages_cpu: float = 0.0


async def interpret_dataset(root: Path, out: TextIO, stats: InterpretStats | None = None) -> int:
    stats = stats if stats is not None else InterpretStats()
    started, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="liaison-interpret-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/interpret.db"
        await asyncio.to_thread(upgrade, url)
        engine = interpret_engine(f"{tmp}/interpret.db")
        batch_inserts_with_returning(engine)
        sessions = create_sessionmaker(engine)
        try:
            async with sessions() as session, session.begin():
                await import_path(session, root / "purchase_orders.json", quiet=True)
            ctx = PipelineContext.from_settings(get_settings(), refresh_interval=REFRESH_INTERVAL, defer_flush=True)
            async with sessions() as session, session.begin():
                # part of loading the POs: the pipeline's index of them, every vendor's open POs at once
                await ctx.refresh(session)
                await ctx.model.preload_open_pos(session)
            stats.import_seconds, stats.import_cpu = time.perf_counter() - started, time.process_time() - cpu
            started, cpu = time.perf_counter(), time.process_time()
            with _fewer_collections():
                count = await _interpret_messages(sessions, ctx, root, out)
            stats.messages_seconds, stats.messages_cpu = time.perf_counter() - started, time.process_time() - cpu
            return count
        finally:
            await engine.dispose()


async def _interpret_messages(
    sessions: async_sessionmaker[AsyncSession], ctx: PipelineContext, root: Path, out: TextIO
) -> int:
    count = 0
    batch: list[tuple[str, ProcessResult]] = []
    session = sessions()
    try:
        await session.begin()
        for item in read_messages(root):
            inbound = item.inbound
            result = await process_inbound(session, inbound, now=inbound.received_at, ctx=ctx)
            batch.append((item.id, result))
            if len(batch) >= BATCH:
                await _flush(session, batch, out)
                count += len(batch)
                batch = []
                await session.begin()
        await _flush(session, batch, out)
        count += len(batch)
    finally:
        await session.close()
    return count


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the garbage collector's cycle search less often while messages are read.

    Each message makes thousands of short-lived objects (parsed MIME, ORM rows, statements), so the
    default thresholds start a collection every few hundred allocations, and each older-generation
    pass walks every live object: the imported POs, the session's rows, the read model. That was ~8%
    of the CPU. Cycles are still collected, in bigger and rarer passes; memory stays bounded.
    """
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()  # what exists now (imported POs, caches, modules) lives to the end: never walk it again
    gc.set_threshold(50_000, 50, 1_000)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


async def _flush(session: Any, batch: list[tuple[str, ProcessResult]], out: TextIO) -> None:
    await session.commit()
    for dataset_id, result in batch:
        if result.understanding is not None:
            # exactly what was stored in the message's understanding column
            understanding: dict[str, Any] | None = understanding_json(result.understanding)
        else:  # a duplicate: the answer given the first time
            stored = await session.get(Message, result.message_id)
            understanding = stored.understanding if stored else None
        out.write(json.dumps(_answer(dataset_id, understanding), ensure_ascii=False))
        out.write("\n")
    await session.commit()


@app.command()
def interpret(
    dataset: Path = typer.Argument(..., help="Dataset folder: purchase_orders.json, messages.jsonl, eml/."),
    out: Path = typer.Option(None, "--out", help="Write answers here instead of standard output."),
) -> None:
    """Read every message of a labelled dataset through the live pipeline and print one JSON answer each.

    The dataset's vendors and POs are loaded into a throwaway database; nothing is sent anywhere.
    """
    for name in ("purchase_orders.json", "messages.jsonl"):
        if not (dataset / name).is_file():
            fail(f"{dataset} has no {name}")
    handle = out.open("w", encoding="utf-8") if out else sys.stdout
    stats = InterpretStats()
    try:
        count = asyncio.run(interpret_dataset(dataset, handle, stats))
    except ValueError as exc:
        fail(str(exc))
    finally:
        if out:
            handle.close()
    typer.echo(f"{count} messages interpreted", err=True)
    rate = count / stats.messages_seconds if stats.messages_seconds else 0.0
    typer.echo(
        f"import {stats.import_seconds:.2f} s, messages {stats.messages_seconds:.2f} s ({rate:.1f} messages/s); "
        f"cpu: import {stats.import_cpu:.2f} s, messages {stats.messages_cpu:.2f} s",
        err=True,
    )
