"""Helpers for the email channel's integration tests: a committed SQLite database per test (copied
from one migrated template), runtimes pointed at the loopback servers, and seed data."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from api.runtime import Runtime, build_runtime
from core.outbox.service import enqueue, new_message_id
from core.settings import Settings
from models import OutboxItem, PurchaseOrder, Vendor
from models.migrate import upgrade
from tests.factories import make_po, make_vendor

MAIL_FROM = "purchasing@buyer.example"
SECRET = "test-secret-key"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def migrated_template() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="liaison-mail-") as tmp:
        path = Path(tmp) / "template.db"
        upgrade(f"sqlite+aiosqlite:///{path}")
        yield path


@pytest.fixture
def db_url(migrated_template: Path, tmp_path: Path) -> str:
    """A fresh migrated SQLite file for this test: real commits, visible to other processes."""
    path = tmp_path / "liaison.db"
    shutil.copy(migrated_template, path)
    return f"sqlite+aiosqlite:///{path}"


def mail_settings(db_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "secret_key": SECRET,
        "mail_from": MAIL_FROM,
        "buyer_company": "Buyer GmbH",
    }
    values.update(overrides)
    return Settings(**values)


def smtp_overrides(server: Any) -> dict[str, Any]:
    return {
        "smtp_host": server.host,
        "smtp_port": server.port,
        "smtp_user": server.user,
        "smtp_password": server.password,
        "smtp_security": "starttls",
        "smtp_ca_file": server.cert,
    }


def imap_overrides(dovecot: Any, user: str, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "imap_host": dovecot.host,
        "imap_port": dovecot.port_imap,
        "imap_user": user,
        "imap_password": dovecot.password,
        "imap_security": "starttls",
        "imap_ca_file": dovecot.cert,
    }
    values.update(extra)
    return values


def runtime_for(settings: Settings) -> Runtime:
    return build_runtime(settings)


async def seed_po(
    rt: Runtime, *, email: str = "sales@acme.example", language: str = "en", number: str | None = None
) -> tuple[Vendor, PurchaseOrder]:
    async with rt.sessions() as session, session.begin():
        vendor = await make_vendor(session, emails=(email,), language=language)
        po = await make_po(session, vendor, number=number)
    return vendor, po


async def queue_email(
    rt: Runtime,
    *,
    po: PurchaseOrder | None,
    vendor: Vendor | None,
    recipient: str,
    kind: str = "confirm_request",
    context: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    now: datetime = T0,
) -> OutboxItem:
    payload: dict[str, Any] = {
        "template": kind,
        "language": vendor.language if vendor else "en",
        "context": context if context is not None else {"po": {"number": po.number if po else "PO-1"}},
    }
    if po is not None:
        payload["po_number"] = po.number
    payload.update(extra or {})
    async with rt.sessions() as session, session.begin():
        item = await enqueue(
            session,
            channel="email",
            kind=kind,
            recipient=recipient,
            dedupe_key=f"test:{new_message_id('x')}",
            payload=payload,
            now=now,
            po_id=po.id if po else None,
            vendor_id=vendor.id if vendor else None,
            email_message_id=new_message_id("buyer.example"),
        )
    assert item is not None
    return item
