"""Import benchmark: 100,000 generated POs into a fresh SQLite database through `liaison import`'s code path.

Usage: .venv/bin/python bench/import.py [--data DIR] [--pos N] [--reimport]

The dataset comes from shared/eval/make_large.py (generated once into DIR, default /tmp/liaison-large, and
reused). Prints POs/s and peak RSS; targets: >= 2,000 POs/s and < 500 MB on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.cli_ledger import progress_bar, run_import  # noqa: E402
from api.runtime import build_runtime  # noqa: E402
from core.settings import Settings  # noqa: E402
from models.migrate import upgrade  # noqa: E402

MAKE_LARGE = ROOT.parent / "shared" / "eval" / "make_large.py"
TARGET_POS_PER_S = 2_000
TARGET_RSS_MB = 500


def dataset(data: Path, pos: int) -> Path:
    path = data / "purchase_orders.json"
    if not path.exists():
        print(f"generating {pos} POs into {data} (once; ~15 s) ...", file=sys.stderr)
        args = [sys.executable, str(MAKE_LARGE), "--out", str(data)]
        if pos != 100_000:
            args += ["--pos", str(pos), "--vendors", str(max(10, pos // 50)), "--messages", str(max(10, pos // 5))]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


async def timed_import(url: str, path: Path, show: bool) -> tuple[float, int]:
    rt = build_runtime(Settings(database_url=url))
    try:
        with progress_bar(show) as progress:
            start = time.perf_counter()
            report = await run_import(rt, path, progress=progress)
            elapsed = time.perf_counter() - start
    finally:
        await rt.close()
    print(report.summary(), file=sys.stderr)
    return elapsed, report.pos_created + report.pos_updated + report.pos_unchanged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/liaison-large"))
    parser.add_argument("--pos", type=int, default=100_000)
    parser.add_argument("--reimport", action="store_true", help="also time a second import of the same file")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    path = dataset(args.data, args.pos)
    with tempfile.TemporaryDirectory(prefix="liaison-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        upgrade(url)
        show = not args.quiet and sys.stderr.isatty()
        runs = [("first import", *asyncio.run(timed_import(url, path, show)))]
        if args.reimport:
            runs.append(("re-import (unchanged)", *asyncio.run(timed_import(url, path, show))))
    print(f"file: {path} ({path.stat().st_size / 1e6:.0f} MB)")
    for name, elapsed, count in runs:
        print(f"{name}: {count} POs in {elapsed:.1f} s = {count / elapsed:,.0f} POs/s (target >= {TARGET_POS_PER_S:,})")
    print(f"peak RSS: {peak_rss_mb():.0f} MB (target < {TARGET_RSS_MB})")


if __name__ == "__main__":
    main()
