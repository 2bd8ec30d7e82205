"""`liaison simulate` and `liaison followups policy`: the follow-up engine's commands."""

from __future__ import annotations

import asyncio
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import typer

from api.cli import app, run_with_runtime
from api.runtime import Runtime
from core.clock import FrozenClock, SystemClock
from core.followups.service import FollowupContext, default_policy, set_default_policy
from core.replies.pipeline import PipelineContext
from core.settings import get_settings
from core.simulation.run import format_report, simulate
from models.db import create_engine, create_sessionmaker
from models.migrate import upgrade

followups_app = typer.Typer(help="The follow-up engine's settings.", no_args_is_help=True)
app.add_typer(followups_app, name="followups")

# a Monday morning in November: weekends, and holidays in Brazil, Japan and the US, fall inside 30 days
SIMULATION_START = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)


@app.command("simulate")
def simulate_cmd(
    days: int = typer.Option(30, min=1, max=365, help="Simulated days."),
    vendors: int = typer.Option(14, min=1, max=2000, help="Simulated vendors (behaviours assigned in turn)."),
) -> None:
    """Run the follow-up engine on synthetic vendors (prompt, slow, silent, out of office, bouncing, delaying,
    partial shipper) on a driven clock, through the real reply pipeline, in a throwaway database."""

    async def go(url: str) -> str:
        engine = create_engine(url)
        try:
            settings = get_settings()
            clock = FrozenClock(SIMULATION_START)
            reports = await simulate(
                create_sessionmaker(engine),
                clock=clock,
                days=days,
                vendors=vendors,
                pipeline=PipelineContext.from_settings(settings),
                ctx=FollowupContext.from_settings(settings),
            )
            return format_report(reports, days=days, start=SIMULATION_START.date())
        finally:
            await engine.dispose()

    with tempfile.TemporaryDirectory(prefix="liaison-simulate-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'simulate.db'}"
        upgrade(url)
        typer.echo(asyncio.run(go(url)))


@followups_app.command("policy")
def policy_cmd(
    set_: list[str] = typer.Option(None, "--set", help="key=value (JSON value), e.g. --set max_reminders=3."),
    reset: bool = typer.Option(False, "--reset", help="Back to the built-in defaults first."),
    by: str = typer.Option("admin", help="Who changes it (recorded)."),
) -> None:
    """Show the follow-up policy defaults, or change them (admin)."""
    changes: dict[str, object] = {}
    for pair in set_ or []:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise typer.BadParameter(f"expected key=value, got {pair!r}")
        try:
            changes[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            changes[key.strip()] = raw

    async def work(rt: Runtime) -> str:
        async with rt.sessions() as session, session.begin():
            if changes or reset:
                policy = await set_default_policy(session, changes, now=SystemClock().now(), actor=by, replace=reset)
            else:
                policy = await default_policy(session)
            return json.dumps(policy.model_dump(mode="json"), indent=2)

    typer.echo(run_with_runtime(work))
