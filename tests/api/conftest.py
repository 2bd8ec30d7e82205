"""The app over a fresh migrated SQLite file per test (real commits, as in production), a frozen clock,
an httpx client on the ASGI app, and a small seeded ledger."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from api import auth
from api.app import create_app
from api.runtime import Runtime, build_runtime
from core.clock import FrozenClock
from core.settings import Settings
from models.migrate import upgrade
from tests.api.seed import Seeded, seed_ledger

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def migrated_template() -> Iterator[Path]:
    """One migrated database per test session; each test copies it (a copy is far cheaper than migrating)."""
    with tempfile.TemporaryDirectory(prefix="liaison-api-") as tmp:
        path = Path(tmp) / "template.db"
        upgrade(f"sqlite+aiosqlite:///{path}")
        yield path


@dataclass
class Web:
    app: FastAPI
    runtime: Runtime
    clock: FrozenClock
    client: httpx.AsyncClient
    seeded: Seeded
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        page = await self.client.get("/login")
        csrf = csrf_from(page.text)
        return await self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": csrf, "next": "/"}
        )


def csrf_from(html: str) -> str:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    node = HTMLParser(html).css_first("input[name=csrf_token]")
    assert node is not None, "the page has no CSRF field"
    return str(node.attributes["value"])


def make_settings(db: Path, tmp: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{db}",
        secret_key=SecretStr("test-secret-key-for-signing"),
        public_url="http://testserver",
        data_dir=tmp / "var",
        buyer_company="Buyer GmbH",
    )


@pytest.fixture
async def web(migrated_template: Path, tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Web]:
    db = tmp_path / "liaison.db"
    shutil.copyfile(migrated_template, db)
    settings = make_settings(db, tmp_path)
    runtime = build_runtime(settings)
    seeded = await seed_ledger(runtime, clock, password=PASSWORD)
    async with runtime.sessions() as session:
        _row, token = await auth.create_token(session, name="ERP", now=clock.now())
        await session.commit()
    app = create_app(settings, runtime=runtime)
    app.state.clock = clock
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Web(app=app, runtime=runtime, clock=clock, client=client, seeded=seeded, token=token)
    await runtime.close()
