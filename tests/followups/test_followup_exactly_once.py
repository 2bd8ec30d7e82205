"""Three `liaison serve` processes (web app, follow-up worker and email sender each) over the same 2,000 due
follow-ups on one PostgreSQL: every follow-up reaches the recording SMTP server exactly once."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from models import AppSetting, FollowupAttempt, OutboxItem, PurchaseOrder, Vendor, VendorContact
from models.db import create_engine
from models.migrate import upgrade

pytestmark = [pytest.mark.postgres, pytest.mark.servers]

ROOT = Path(__file__).resolve().parents[2]
POS = 2_000
PROCESSES = 3
SUBJECT_PO = re.compile(r"PO-X\d+")


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    dsn = make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def fresh_pg(postgres_url: str) -> object:
    name = f"liaison_followups_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(postgres_url, f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_url).set(drivername="postgresql+asyncpg", database=name)
    rendered = url.render_as_string(hide_password=False)
    try:
        upgrade(rendered)
        yield rendered
    finally:
        asyncio.run(_admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _seed(url: str, now: datetime) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            # always at work, no holidays: the test must not depend on the hour or the day it runs
            await conn.execute(
                insert(AppSetting).values(
                    key="followup_policy",
                    value={
                        "workdays": [0, 1, 2, 3, 4, 5, 6],
                        "business_day_start": "00:00:00",
                        "business_day_end": "23:59:59",
                    },
                    updated_at=now,
                )
            )
            vendors = [
                {
                    "code": f"V{i}",
                    "name": f"Vendor {i}",
                    "language": "en",
                    "timezone": "UTC",
                    "country": None,
                    "preferred_channel": "email",
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(20)
            ]
            vendor_ids = list((await conn.execute(insert(Vendor).returning(Vendor.id), vendors)).scalars())
            await conn.execute(
                insert(VendorContact),
                [
                    {
                        "vendor_id": v,
                        "channel": "email",
                        "address": f"sales@v{v}.example",
                        "is_primary": True,
                        "created_at": now,
                    }
                    for v in vendor_ids
                ],
            )
            sent = now - timedelta(hours=1)
            await conn.execute(
                insert(PurchaseOrder),
                [
                    {
                        "number": f"PO-X{n:05d}",
                        "vendor_id": vendor_ids[n % len(vendor_ids)],
                        "status": "sent",
                        "currency": "EUR",
                        "promised_date": date.today() + timedelta(days=60),
                        "sent_at": sent,
                        "next_followup_at": sent,
                        "followup_stage": "confirm",
                        "reminders_sent": 0,
                        "created_at": sent,
                        "updated_at": sent,
                    }
                    for n in range(POS)
                ],
            )
    finally:
        await engine.dispose()


async def _counts(url: str) -> tuple[int, int, int, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            attempts = await conn.scalar(select(func.count()).select_from(FollowupAttempt))
            distinct_pos = await conn.scalar(select(func.count(func.distinct(FollowupAttempt.po_id))))
            outbox = await conn.scalar(select(func.count()).select_from(OutboxItem))
            sent = await conn.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.state == "sent"))
        return int(attempts or 0), int(distinct_pos or 0), int(outbox or 0), int(sent or 0)
    finally:
        await engine.dispose()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _senders(url: str) -> Counter[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(select(OutboxItem.claimed_by, func.count()).group_by(OutboxItem.claimed_by))
            ).all()
        return Counter({str(worker): int(n) for worker, n in rows})
    finally:
        await engine.dispose()


def test_three_liaison_serve_processes_send_each_followup_exactly_once(fresh_pg: str, smtp_capture: object) -> None:
    now = datetime.now(UTC)
    asyncio.run(_seed(fresh_pg, now))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    env.update(
        {
            "LIAISON_DATABASE_URL": fresh_pg,
            "LIAISON_SECRET_KEY": "test-secret-key",
            "LIAISON_MAIL_FROM": "purchasing@buyer.example",
            "LIAISON_BUYER_COMPANY": "Buyer GmbH",
            "LIAISON_SMTP_HOST": smtp_capture.host,  # type: ignore[attr-defined]
            "LIAISON_SMTP_PORT": str(smtp_capture.port),  # type: ignore[attr-defined]
            "LIAISON_SMTP_USER": smtp_capture.user,  # type: ignore[attr-defined]
            "LIAISON_SMTP_PASSWORD": smtp_capture.password,  # type: ignore[attr-defined]
            "LIAISON_SMTP_SECURITY": "starttls",
            "LIAISON_SMTP_CA_FILE": str(smtp_capture.cert),  # type: ignore[attr-defined]
            "LIAISON_FOLLOWUP_INTERVAL": "0.2",
        }
    )
    liaison = Path(sys.executable).with_name("liaison")
    procs = [
        subprocess.Popen(
            [str(liaison), "serve", "--port", str(_free_port())],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(PROCESSES)
    ]
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if _counts_sync(fresh_pg)[3] >= POS and len(smtp_capture.messages) >= POS:  # type: ignore[attr-defined]
                time.sleep(2)  # anything sent twice would arrive now
                break
            for proc in procs:
                assert proc.poll() is None, proc.stderr.read().decode()[-3000:]  # type: ignore[union-attr]
            time.sleep(0.5)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()

    attempts, distinct_pos, outbox, sent = _counts_sync(fresh_pg)
    assert (attempts, distinct_pos, outbox, sent) == (POS, POS, POS, POS)
    messages = smtp_capture.messages  # type: ignore[attr-defined]
    per_po = Counter(SUBJECT_PO.search(str(m.message["Subject"])).group(0) for m in messages)  # type: ignore[union-attr]
    assert len(messages) == POS
    assert len(per_po) == POS
    assert set(per_po.values()) == {1}
    assert len({m.message["Message-ID"] for m in messages}) == POS
    # the work was shared: several processes sent some of it
    senders = asyncio.run(_senders(fresh_pg))
    assert sum(senders.values()) == POS
    assert len(senders) >= 2, senders


def _counts_sync(url: str) -> tuple[int, int, int, int]:
    return asyncio.run(_counts(url))
