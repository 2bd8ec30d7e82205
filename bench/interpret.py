"""`liaison interpret` at scale: make_large.py datasets of 10,000 and 100,000 POs with 20,000 messages.

usage: .venv/bin/python -m bench.interpret [--sizes 10000 100000] [--messages 20000] [--data /tmp/...]

Each dataset is generated once (cached under --data) with one vendor per 50 POs, as in make_large's
default world. The real CLI runs as a subprocess; it reports the import time of the POs (printed
apart) and the time of the message loop, from which messages/s is taken. Peak RSS is the child's
own (wait4). Targets (issue 3): >= 300 messages/s on one core, the per-message cost at 100k POs
within 20% of that at 10k, peak RSS < 1 GB.

This machine's speed drifts by 10-25% from one minute to the next (a shared VM), so each size runs
--repeat times, the sizes interleaved; every run is printed, and the figures compared with the
targets are each size's fastest run (as timeit does: slower runs measure the neighbours) with the
median beside it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAKE_LARGE = ROOT.parent / "shared" / "eval" / "make_large.py"
if not MAKE_LARGE.exists():
    MAKE_LARGE = Path("/work/shared/eval/make_large.py")
POS_PER_VENDOR = 50
_TIMING = re.compile(r"import ([\d.]+) s, messages ([\d.]+) s .*cpu: import ([\d.]+) s, messages ([\d.]+) s")


@dataclass(frozen=True, slots=True)
class Run:
    pos: int
    messages: int
    import_seconds: float
    messages_seconds: float
    messages_cpu: float
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        return self.messages / self.messages_seconds

    @property
    def ms_per_message(self) -> float:
        return 1000 * self.messages_seconds / self.messages

    @property
    def cpu_rate(self) -> float:
        """Messages per CPU second: what one core does, whatever else the machine runs."""
        return self.messages / self.messages_cpu

    @property
    def cpu_ms_per_message(self) -> float:
        return 1000 * self.messages_cpu / self.messages


def dataset(data: Path, pos: int, messages: int) -> Path:
    out = data / f"pos{pos}-msg{messages}"
    if not (out / "expected.jsonl").exists():
        vendors = max(1, pos // POS_PER_VENDOR)
        print(f"generating {out} ({pos} POs, {vendors} vendors, {messages} messages) ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(MAKE_LARGE),
                "--pos",
                str(pos),
                "--vendors",
                str(vendors),
                "--messages",
                str(messages),
                "--out",
                str(out),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return out


def run_interpret(folder: Path, pos: int, answers: Path) -> Run:
    liaison = Path(sys.executable).with_name("liaison")
    started = time.perf_counter()
    child = subprocess.Popen(
        [str(liaison), "interpret", str(folder), "--out", str(answers)],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    err = child.stderr.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"liaison interpret failed ({child.returncode}):\n{err}")
    found = _TIMING.search(err)
    if found is None:
        raise SystemExit(f"no timing line in the CLI's output:\n{err}")
    count = sum(1 for line in answers.read_text(encoding="utf-8").splitlines() if line.strip())
    print(f"  ran in {time.perf_counter() - started:.1f} s wall", flush=True)
    return Run(pos, count, float(found[1]), float(found[2]), float(found[4]), usage.ru_maxrss / 1024)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "liaison-bench-interpret")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size, interleaved")
    args = ap.parse_args()

    folders = {pos: dataset(args.data, pos, args.messages) for pos in args.sizes}
    runs: dict[int, list[Run]] = {pos: [] for pos in args.sizes}
    for attempt in range(1, args.repeat + 1):
        for pos, folder in folders.items():
            print(f"[{attempt}/{args.repeat}] liaison interpret {folder}", flush=True)
            run = run_interpret(folder, pos, args.data / f"answers-{pos}.jsonl")
            runs[pos].append(run)
            print(
                f"{pos:>7} POs: import {run.import_seconds:.1f} s (not counted); "
                f"{run.messages} messages in {run.messages_seconds:.1f} s = {run.rate:.0f} messages/s "
                f"({run.ms_per_message:.2f} ms each); CPU {run.messages_cpu:.1f} s = {run.cpu_rate:.0f} messages/s "
                f"per core ({run.cpu_ms_per_message:.2f} ms each); peak RSS {run.peak_rss_mb:.0f} MB",
                flush=True,
            )
    print("summary (fastest run of each size; median in brackets):")
    best: dict[int, Run] = {}
    for pos, done in runs.items():
        best[pos] = min(done, key=lambda r: r.messages_cpu)
        median_rate = statistics.median(r.cpu_rate for r in done)
        print(
            f"{pos:>7} POs: {best[pos].cpu_rate:.0f} messages/s per core ({median_rate:.0f}), "
            f"{best[pos].cpu_ms_per_message:.2f} ms each; peak RSS {max(r.peak_rss_mb for r in done):.0f} MB "
            "(targets >= 300 messages/s, < 1024 MB)"
        )
    if len(best) >= 2:
        small, large = best[min(best)], best[max(best)]
        median_ratio = statistics.median(r.messages_cpu for r in runs[large.pos]) / statistics.median(
            r.messages_cpu for r in runs[small.pos]
        )
        ratio = large.cpu_ms_per_message / small.cpu_ms_per_message
        print(f"per-message cost {large.pos} / {small.pos} POs: CPU {ratio:.2f} ({median_ratio:.2f}) (target <= 1.20)")


if __name__ == "__main__":
    main()
