"""Engine and session factory; the edge owns each transaction (one session per unit of work)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite
from aiosqlite.context import contextmanager as aiosqlite_result
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

# Rows read in the same trip to the driver thread as the statement; a bigger result (a streamed
# export) is read on in further trips, so memory stays bounded.
PREFETCH_ROWS = 500


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # WAL lets the dashboard read while ingest writes; busy_timeout rides out short write locks
    # instead of failing at once; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # The driver's own implicit BEGIN comes late (first write) and breaks SAVEPOINTs; we emit
    # BEGIN ourselves so a transaction covers its reads too (SQLAlchemy's documented pysqlite fix).
    dbapi_connection.isolation_level = None


# --- aiosqlite with one thread trip per statement -----------------------------------------------
# aiosqlite runs every call in the connection's thread and waits for the answer: SQLAlchemy's
# adapter makes four such trips per SELECT (cursor, execute, fetchall, close) and a rollback on every
# pool check-in, ~80 us each, which was most of a statement's cost (a simple SELECT: ~500 us, of
# which SQLite itself ~1 us). Here the statement and its first rows come back in one trip, and what
# touches no database page (making or closing a cursor, rolling back with no transaction open) runs
# inline: the sqlite3 module is built thread-safe and SQLAlchemy uses a connection from one task at a
# time. Statements still run in the thread, so a busy wait on another writer never blocks the loop.


def _execute_and_prefetch(
    cursor: sqlite3.Cursor, sql: str, parameters: Any, many: bool
) -> tuple[list[Any], bool] | None:
    if many:
        cursor.executemany(sql, parameters)
    else:
        cursor.execute(sql, parameters)
    if cursor.description is None:
        return None
    rows = cursor.fetchmany(PREFETCH_ROWS)
    return rows, len(rows) < PREFETCH_ROWS


class _PrefetchCursor(aiosqlite.Cursor):
    def __init__(self, conn: aiosqlite.Connection, cursor: sqlite3.Cursor) -> None:
        super().__init__(conn, cursor)
        self._rows: list[Any] = []
        self._exhausted = True

    async def _run(self, sql: str, parameters: Any, *, many: bool) -> None:
        got = await self._execute(_execute_and_prefetch, self._cursor, sql, parameters, many)  # type: ignore[no-untyped-call]
        self._rows, self._exhausted = got if got is not None else ([], True)

    async def execute(self, sql: str, parameters: Any = None) -> aiosqlite.Cursor:
        await self._run(sql, () if parameters is None else parameters, many=False)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> aiosqlite.Cursor:
        await self._run(sql, parameters, many=True)
        return self

    async def fetchone(self) -> Any:
        if self._rows:
            return self._rows.pop(0)
        return None if self._exhausted else await super().fetchone()

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        want = size if size is not None else self.arraysize
        rows, self._rows = self._rows[:want], self._rows[want:]
        if len(rows) < want and not self._exhausted:
            rows += await super().fetchmany(want - len(rows))
        return rows

    async def fetchall(self) -> Sequence[Any]:
        rows, self._rows = self._rows, []
        if not self._exhausted:
            rows += await super().fetchall()
            self._exhausted = True
        return rows

    async def close(self) -> None:
        self._rows, self._exhausted = [], True
        self._cursor.close()


class _PrefetchConnection(aiosqlite.Connection):
    @aiosqlite_result  # awaitable and `async with`, like aiosqlite's own
    async def cursor(self) -> aiosqlite.Cursor:
        return _PrefetchCursor(self, self._conn.cursor())

    async def rollback(self) -> None:
        # the pool rolls back every connection it takes back, most of them already committed
        if self._conn.in_transaction:
            await super().rollback()


def _sqlite_file(url: str) -> str | None:
    """The database file of a plain sqlite+aiosqlite URL; None for anything this adapter leaves alone."""
    parsed = make_url(url)
    if parsed.drivername != "sqlite+aiosqlite" or parsed.query or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return parsed.database


async def _connect_prefetching(path: str) -> aiosqlite.Connection:
    # as SQLAlchemy's own aiosqlite connect for a file database: usable from the pool's tasks
    conn = _PrefetchConnection(partial(sqlite3.connect, path, check_same_thread=False), 64)
    conn._thread.daemon = True  # as SQLAlchemy does: an unclosed connection never holds up exit
    return await conn


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = _sqlite_file(url)
        if path is not None and "async_creator" not in kwargs and "creator" not in kwargs:
            kwargs["async_creator"] = partial(_connect_prefetching, path)
        engine = create_async_engine(url, **kwargs)
        sync_engine: Engine = engine.sync_engine
        event.listen(sync_engine, "connect", _sqlite_pragmas)
        event.listen(sync_engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
