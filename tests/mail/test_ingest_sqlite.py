"""The SQLite driver adapter ingest runs on (models/db.py): one thread trip per statement, same results."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from models import db


@pytest.fixture
async def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    eng = db.create_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    async with eng.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    yield eng
    await eng.dispose()


async def test_results_larger_than_the_prefetch_are_read_whole(engine) -> None:  # type: ignore[no-untyped-def]
    n = db.PREFETCH_ROWS * 2 + 7
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": str(i)} for i in range(n)])
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).all()
        assert [r[0] for r in rows] == [str(i) for i in range(n)]
        streamed = [r[0] async for r in await conn.stream(text("SELECT v FROM t ORDER BY id"))]
        assert streamed == [str(i) for i in range(n)]
        partial = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).fetchmany(3)
        assert [r[0] for r in partial] == ["0", "1", "2"]


async def test_rollback_undoes_and_commit_keeps(engine) -> None:  # type: ignore[no-untyped-def]
    sessions = db.create_sessionmaker(engine)
    async with sessions() as session:
        async with session.begin():
            await session.execute(text("INSERT INTO t (v) VALUES ('kept')"))

        async def insert_then_fail() -> None:
            async with session.begin():
                await session.execute(text("INSERT INTO t (v) VALUES ('undone')"))
                raise RuntimeError

        with pytest.raises(RuntimeError):
            await insert_then_fail()
        async with session.begin():
            values = (await session.execute(text("SELECT v FROM t"))).scalars().all()
    assert values == ["kept"]


async def test_a_transaction_sees_one_snapshot(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # BEGIN is still sent before the first read: another connection's later commit stays invisible
    other = db.create_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    try:
        async with engine.connect() as reader, reader.begin():
            assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar() == 0
            async with other.begin() as writer:
                await writer.execute(text("INSERT INTO t (v) VALUES ('x')"))
            assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar() == 0
    finally:
        await other.dispose()
