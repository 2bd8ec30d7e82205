"""`liaison simulate` in small: the engine, the real pipeline and simulated vendors on a driven clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from api.cli_simulate import SIMULATION_START
from core.clock import FrozenClock
from core.followups.service import FollowupContext
from core.replies.pipeline import PipelineContext
from core.settings import Settings
from core.simulation.run import format_report, simulate
from models.db import create_engine, create_sessionmaker
from models.migrate import upgrade


# core/replies/repository.py (not ours) still calls Result.tuples(), deprecated in SQLAlchemy 2.1
@pytest.mark.filterwarnings("ignore:The Result.tuples:DeprecationWarning")
async def test_twelve_days_with_one_vendor_per_behaviour(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sim.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    settings = Settings(database_url=url, mail_from="purchasing@buyer.example", secret_key="s3cret")  # type: ignore[arg-type]
    try:
        reports = await simulate(
            create_sessionmaker(engine),
            clock=FrozenClock(SIMULATION_START),
            days=12,
            vendors=7,
            pipeline=PipelineContext.from_settings(settings),
            ctx=FollowupContext.from_settings(settings),
        )
    finally:
        await engine.dispose()
    by = {r.behaviour: r for r in reports}
    assert by["prompt"].confirmed == 2
    assert by["prompt"].followups["reminder"] == 0
    assert by["prompt"].escalations == {}
    assert by["silent"].confirmed == 0
    assert by["silent"].escalations == {"vendor_unresponsive": 2}
    assert by["silent"].followups["reminder"] == 4  # two per PO, then a human
    assert by["bouncing"].escalations == {"bounce": 2}
    assert by["out_of_office"].auto_replies >= 1
    assert by["slow"].confirmed == 2
    assert by["slow"].followups["reminder"] >= 4
    text = format_report(reports, days=12, start=SIMULATION_START.date())
    assert "partial_shipper" in text
