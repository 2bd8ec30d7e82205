"""One `liaison serve`-like process for the exactly-once test: the follow-up worker and the email outbox
sender side by side in one event loop (settings from LIAISON_* env), until nothing is left to do.

usage: python -m tests.followups.followup_worker_proc MAX_SECONDS
Prints one line `steps=<n> sent=<n>` (what this process did) on exit.
"""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy import func, select

from api.runtime import build_runtime
from core.clock import SystemClock
from core.followups.jobs import FollowupWorker
from core.followups.repository import CHASED
from core.settings import get_settings
from mail.smtp import SmtpOutboxWorker
from models import OutboxItem, PurchaseOrder


async def idle(rt: object, now: object) -> bool:
    sessions = rt.sessions  # type: ignore[attr-defined]
    async with sessions() as s:
        due = await s.scalar(
            select(func.count())
            .select_from(PurchaseOrder)
            .where(PurchaseOrder.next_followup_at <= now, PurchaseOrder.status.in_(CHASED))
        )
        pending = await s.scalar(
            select(func.count()).select_from(OutboxItem).where(OutboxItem.state.in_(("pending", "sending")))
        )
    return not due and not pending


async def main(max_seconds: float) -> None:
    rt = build_runtime(get_settings())
    clock = SystemClock()
    followups = FollowupWorker(rt, clock, interval=0.2)
    sender = SmtpOutboxWorker(rt, clock=clock, batch=20, idle_interval=0.1)
    steps = sent = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_seconds
    quiet = 0
    try:
        while loop.time() < deadline:
            tick = await followups.tick()
            steps += tick.sweep.steps
            handled = await sender.run_once()
            sent += handled
            if tick.sweep.steps == 0 and handled == 0:
                quiet = quiet + 1 if await idle(rt, clock.now()) else 0
                if quiet >= 3:
                    break
                await asyncio.sleep(0.1)
    finally:
        await sender.transport.close()
        await rt.close()
    print(f"steps={steps} sent={sent}")


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1])))
