"""Database fixtures: every test runs in a transaction rolled back at its end, on SQLite and,
when LIAISON_TEST_POSTGRES_URL is set, on PostgreSQL too (a throwaway database per test session)."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.clock import FrozenClock
from models.db import create_engine
from models.migrate import upgrade

if (Path(__file__).parent / "servers" / "fixtures.py").exists():
    pytest_plugins = ["tests.servers.fixtures"]

POSTGRES_URL = os.environ.get("LIAISON_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


async def _create_pg_database(url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_admin_dsn(url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_pg_database(url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_admin_dsn(url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="liaison-test-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/test.db"
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def postgres_db_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("LIAISON_TEST_POSTGRES_URL is not set: no PostgreSQL to test against")
    name = f"liaison_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_create_pg_database(POSTGRES_URL, name))
    url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=name)
    rendered = url.render_as_string(hide_password=False)
    try:
        upgrade(rendered)
        yield rendered
    finally:
        asyncio.run(_drop_pg_database(POSTGRES_URL, name))


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated database URL, once per backend."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_db_url"))


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside an outer transaction that is rolled back: commits become savepoints."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        sess = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield sess
        finally:
            await sess.close()
            if outer.is_active:
                await outer.rollback()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
