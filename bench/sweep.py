"""Time the follow-up sweep over 10k and 100k open POs on a temp SQLite file.

"Time per sweep" = finding the due POs (indexed next_followup_at <= now) plus processing the due ones
(claim, re-check the policy, record the attempt, queue the outbox message, reschedule), one transaction
per PO. Most POs are not due: their next follow-up is spread over the coming two weeks, as in a
steady state; --due-fraction of them are due now. The default, 0.02%, is about what falls due in one
30-second sweep interval when each PO takes ~4 steps over ~2 weeks (100k x 4 x 30 s / 14 days = ~10),
doubled; the per-due-PO column lets you extrapolate to a backlog.

usage: .venv/bin/python bench/sweep.py [--sizes 10000 100000] [--due-fraction 0.0002]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select

from core.followups.calendar import calendar_for
from core.followups.jobs import sweep
from core.followups.service import FollowupContext
from models import PurchaseOrder, Vendor, VendorContact
from models.db import create_engine, create_sessionmaker
from models.migrate import upgrade

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)  # a Wednesday morning in London
VENDORS = 2_000
CTX = FollowupContext(buyer_company="Bench", message_id_domain="bench.example")


async def add_vendors(engine: object) -> list[int]:
    async with engine.begin() as conn:  # type: ignore[attr-defined]
        rows = [
            {
                "code": f"V{i:05d}",
                "name": f"Vendor {i}",
                "language": "en",
                "timezone": "Europe/London",
                "country": "GB",
                "preferred_channel": "email",
                "active": True,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for i in range(VENDORS)
        ]
        ids = list((await conn.execute(insert(Vendor).returning(Vendor.id), rows)).scalars())
        await conn.execute(
            insert(VendorContact),
            [
                {
                    "vendor_id": v,
                    "channel": "email",
                    "address": f"sales@v{v}.example",
                    "is_primary": True,
                    "created_at": NOW,
                }
                for v in ids
            ],
        )
    return ids


async def add_pos(engine: object, vendor_ids: list[int], start: int, count: int, due_fraction: float) -> int:
    rng = random.Random(start)
    due = 0
    rows = []
    for n in range(start, start + count):
        is_due = rng.random() < due_fraction
        due += is_due
        sent = NOW - timedelta(hours=1) if is_due else NOW - timedelta(days=rng.randint(1, 10))
        rows.append(
            {
                "number": f"PO-{n:07d}",
                "vendor_id": vendor_ids[n % len(vendor_ids)],
                "status": "sent" if is_due or n % 3 else "confirmed",
                "currency": "EUR",
                "promised_date": date(2026, 12, 1) + timedelta(days=rng.randint(0, 60)),
                "sent_at": sent,
                "next_followup_at": sent if is_due else NOW + timedelta(minutes=rng.randint(1, 14 * 24 * 60)),
                "followup_stage": "confirm",
                "reminders_sent": 0,
                "created_at": sent,
                "updated_at": sent,
            }
        )
    async with engine.begin() as conn:  # type: ignore[attr-defined]
        for i in range(0, len(rows), 5_000):
            await conn.execute(insert(PurchaseOrder), rows[i : i + 5_000])
    return due


async def main(sizes: list[int], due_fraction: float, repeats: int) -> None:
    with tempfile.TemporaryDirectory(prefix="liaison-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await asyncio.to_thread(upgrade, url)  # alembic runs its own event loop
        engine = create_engine(url)
        sessions = create_sessionmaker(engine)
        vendor_ids = await add_vendors(engine)
        have = 0
        # warm-up outside the timing: the holiday tables, imports and the first statements of each kind
        calendar_for(timezone="Europe/London", country="GB").is_holiday(NOW.date())
        await sweep(sessions, now=NOW - timedelta(days=30), worker="warm", ctx=CTX)
        print(f"follow-up sweep on SQLite (WAL), {VENDORS} vendors, due fraction {due_fraction:.2%}")
        print(
            f"{'open POs':>9} {'due':>5} {'sweep (due processed)':>22} {'per due PO':>11} {'empty sweep (median)':>21}"
        )
        for size in sizes:
            due = await add_pos(engine, vendor_ids, have, size - have, due_fraction)
            have = size
            async with sessions() as s:
                due_now = await s.scalar(
                    select(func.count()).select_from(PurchaseOrder).where(PurchaseOrder.next_followup_at <= NOW)
                )
            t0 = time.perf_counter()
            stats = await sweep(sessions, now=NOW, worker="bench", ctx=CTX)
            full = time.perf_counter() - t0
            empties = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                again = await sweep(sessions, now=NOW, worker="bench", ctx=CTX)
                empties.append(time.perf_counter() - t0)
                assert again.steps == 0
            per = full / max(stats.steps, 1)
            print(
                f"{size:>9,} {due_now or 0:>5} {full * 1000:>19.0f} ms {per * 1000:>8.1f} ms "
                f"{statistics.median(empties) * 1000:>18.1f} ms   steps={stats.steps} new due={due}"
            )
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--due-fraction", type=float, default=0.0002)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.sizes, args.due_fraction, args.repeats))
