"""The follow-up jobs: the sweep, the per-PO step, the SLA sweep and the buyer digests, and the worker
that runs them. The sweep narrows cheaply (indexed `next_followup_at <= now`); each claimed PO is then
handled in its own short transaction that asks the pure policy again at `now`, records the attempt
(unique per PO, step and attempt number) and queues the message in the outbox, so several processes
on one PostgreSQL send each follow-up once; on SQLite one process does all of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.alerts import service as alerts
from core.clock import Clock
from core.escalations.sla import sla_sweep
from core.followups import repository, service
from core.followups.schemas import FollowupPolicy, Step
from core.followups.service import FollowupContext
from core.settings import Settings

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
# a PO long overdue may have several steps due at once (request, then late); a few per visit, the rest next time
MAX_STEPS_PER_VISIT = 4


@dataclass(slots=True)
class SweepStats:
    claimed: int = 0
    steps: int = 0
    failed: int = 0
    by_step: dict[str, int] = field(default_factory=dict)

    def add(self, other: SweepStats) -> None:
        self.claimed += other.claimed
        self.steps += other.steps
        self.failed += other.failed
        for k, v in other.by_step.items():
            self.by_step[k] = self.by_step.get(k, 0) + v


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def step_po(
    session: AsyncSession,
    po_id: int,
    *,
    now: datetime,
    worker: str,
    ctx: FollowupContext,
    base: FollowupPolicy | None = None,
) -> list[Step]:
    """The per-PO step, inside the caller's transaction: re-check under the claim, act, reschedule, release."""
    po = await repository.load_claimed(session, po_id, worker=worker, now=now)
    if po is None:
        return []  # the lease ran out and someone else has it, or it was never ours
    taken: list[Step] = []
    current = await service.plan(session, po, base=base)
    for _ in range(MAX_STEPS_PER_VISIT):
        action = current.action
        if action is None or action.due_at > now:
            break
        if not await service.take_step(session, po, current, now=now, ctx=ctx):
            break  # already recorded by another process: nothing to send twice
        taken.append(action.step)
        current = current.after(po, action, at=now)
    po.next_followup_at = current.action.due_at if current.action is not None else None
    if po.exc_vendor_unresponsive:
        po.followup_stage = "unresponsive"
    po.followup_claimed_by = None
    po.followup_claimed_until = None
    return taken


async def sweep(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    worker: str,
    ctx: FollowupContext,
    batch: int = 200,
    max_batches: int = 50,
    lease: timedelta = LEASE,
) -> SweepStats:
    """Claim due POs batch by batch and step each in its own transaction."""
    stats = SweepStats()
    for _ in range(max_batches):
        async with sessions() as session, session.begin():
            base = await service.default_policy(session)
            ids = await repository.claim_due(session, now=now, worker=worker, limit=batch, lease=lease)
        if not ids:
            break
        stats.claimed += len(ids)
        for po_id in ids:
            try:
                async with sessions() as session, session.begin():
                    taken = await step_po(session, po_id, now=now, worker=worker, ctx=ctx, base=base)
            except Exception:
                # the claim stays until its lease ends: a failing PO is retried later, not in a tight loop
                log.exception("follow-up step failed for PO id %s", po_id)
                stats.failed += 1
                continue
            stats.steps += len(taken)
            for step in taken:
                stats.by_step[step.value] = stats.by_step.get(step.value, 0) + 1
        if len(ids) < batch:
            break
    return stats


async def run_sla_sweep(sessions: async_sessionmaker[AsyncSession], *, now: datetime) -> int:
    async with sessions() as session, session.begin():
        return await sla_sweep(session, now=now)


async def run_digests(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    ctx: FollowupContext,
    window: timedelta = alerts.DIGEST_WINDOW,
) -> int:
    async with sessions() as session, session.begin():
        await alerts.collect(session, now=now)
    async with sessions() as session, session.begin():
        return await alerts.send_digests(
            session, now=now, window=window, message_id_domain=ctx.message_id_domain, buyer_company=ctx.buyer_company
        )


class WorkerRuntime(Protocol):
    """What the worker needs of api.runtime.Runtime (core does not import the edge)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...


@dataclass(slots=True)
class TickResult:
    sweep: SweepStats
    sla_raised: int
    digests: int


class FollowupWorker:
    """Runs the follow-up sweep every `interval` seconds, plus the SLA sweep and the buyer digests.

    Built from a Runtime (engine, sessions, settings) and a clock; `run(stop)` loops until `stop` is set
    and survives transient errors (database restarts) with a growing pause.
    """

    def __init__(
        self,
        runtime: WorkerRuntime,
        clock: Clock,
        *,
        interval: float = 30.0,
        digest_window: timedelta = alerts.DIGEST_WINDOW,
        name: str | None = None,
    ) -> None:
        self.sessions = runtime.sessions
        self.clock = clock
        self.interval = interval
        self.digest_window = digest_window
        self.name = name or worker_name()
        self.ctx = FollowupContext.from_settings(runtime.settings)

    async def tick(self) -> TickResult:
        now = self.clock.now()
        stats = await sweep(self.sessions, now=now, worker=self.name, ctx=self.ctx)
        raised = await run_sla_sweep(self.sessions, now=now)
        digests = await run_digests(self.sessions, now=now, ctx=self.ctx, window=self.digest_window)
        if stats.steps or stats.failed or raised or digests:
            log.info(
                "follow-ups: %d step(s) %s, %d failed, %d escalation(s) past SLA, %d digest(s)",
                stats.steps,
                stats.by_step,
                stats.failed,
                raised,
                digests,
            )
        return TickResult(stats, raised, digests)

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                await self.tick()
                failures = 0
                pause = self.interval
            except Exception:
                failures += 1
                pause = min(self.interval * 2**failures, 600.0)
                log.exception("follow-up worker tick failed (%d in a row); next try in %.0f s", failures, pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)
