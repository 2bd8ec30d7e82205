"""Acceptance on the development set: `liaison interpret` end to end, scored by the dataset's own scorer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.shared_data import DATA, REPLIES_DEV

TARGETS = {
    "match_accuracy": 0.95,
    "intent_accuracy": 0.92,
    "eta_accuracy": 0.90,
    "ship_date_accuracy": 0.90,
    "tracking_f1": 0.97,
    "carrier_accuracy": 0.95,
    "quantities_accuracy": 0.85,
}
MAX_WRONG_MATCH_RATE = 0.01


def test_dev_set_meets_every_target(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    liaison = Path(sys.executable).with_name("liaison")
    run = subprocess.run(
        [str(liaison), "interpret", str(REPLIES_DEV), "--out", str(answers)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    scored = subprocess.run(
        [sys.executable, str(DATA / "score.py"), str(REPLIES_DEV / "expected.jsonl"), str(answers), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(scored.stdout)
    print(figures)
    assert figures["answered"] == figures["messages"] == 122
    assert figures["wrong_match_rate"] <= MAX_WRONG_MATCH_RATE, figures
    for name, target in TARGETS.items():
        assert figures[name] >= target, (name, figures)
