"""The pieces every entry point builds the same way: engine, sessions, and the schema check."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.errors import DatabaseNotMigratedError
from core.settings import Settings
from models.db import create_engine, create_sessionmaker
from models.migrate import current_revision, head_revision


@dataclass(slots=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    async def close(self) -> None:
        await self.engine.dispose()


def build_runtime(settings: Settings) -> Runtime:
    engine = create_engine(settings.database_url)
    return Runtime(settings=settings, engine=engine, sessions=create_sessionmaker(engine))


async def ensure_migrated(engine: AsyncEngine) -> None:
    """Refuse to run on a database whose schema is not the one this code expects."""
    try:
        current = await current_revision(engine)
    except Exception as exc:  # an unreachable server says so plainly, not as a migration problem
        raise DatabaseNotMigratedError(f"cannot open the database: {exc}") from exc
    head = head_revision()
    if current != head:
        state = "has no Liaison schema yet" if current is None else f"is at revision {current}, code expects {head}"
        raise DatabaseNotMigratedError(f"the database {state}; run `liaison db upgrade` first")
