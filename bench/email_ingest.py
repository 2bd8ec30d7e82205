"""Email ingest end to end: N vendor replies appended to a real Dovecot are fetched over IMAP, parsed,
matched, applied and acknowledged (ack queued in the outbox) by ImapIngestWorker on SQLite.

usage: .venv/bin/python -m bench.email_ingest [--messages 5000] [--data /tmp/liaison-bench-large]
Prints messages/s and peak RSS. Needs dovecot (scripts/test-deps.sh). Target: >= 100 messages/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

# runnable as `python bench/email_ingest.py` from the repo root: the test servers live in tests/
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
MAKE_LARGE = ROOT.parent / "shared" / "eval" / "make_large.py"
if not MAKE_LARGE.exists():
    MAKE_LARGE = Path("/work/shared/eval/make_large.py")


def dataset(out: Path, pos: int, vendors: int, messages: int) -> Path:
    if not (out / "messages.jsonl").exists():
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
        )
    return out


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "liaison-bench-email")
    args = ap.parse_args()

    from api.runtime import build_runtime
    from core.clock import FrozenClock
    from core.purchase_orders.importer import import_path
    from core.settings import Settings
    from mail.poller import ImapIngestWorker
    from models import MailboxCheckpoint, Message, OutboxItem
    from models.migrate import upgrade
    from tests.servers.certs import make_self_signed
    from tests.servers.dovecot import start_dovecot

    data = dataset(args.data, pos=5000, vendors=200, messages=max(7100, int(args.messages * 1.45)))
    rows = [json.loads(line) for line in (data / "messages.jsonl").read_text().splitlines() if line.strip()]
    emails = [r for r in rows if r.get("channel") == "email" and r.get("eml")][: args.messages]
    raws = [(data / r["eml"]).read_bytes() for r in emails]
    latest = max(datetime.fromisoformat(r["received_at"]) for r in emails)
    print(f"{len(raws)} email replies from {data}")

    work = Path(tempfile.mkdtemp(prefix="liaison-bench-"))
    work.chmod(0o755)  # noqa: ASYNC240  (Dovecot's unprivileged processes must reach it)
    cert = make_self_signed(work)
    dovecot = start_dovecot(cert.cert, cert.key)
    url = f"sqlite+aiosqlite:///{work}/bench.db"
    try:
        await asyncio.to_thread(upgrade, url)
        user = "bench@example.test"
        settings = Settings(
            database_url=url,
            data_dir=work / "var",
            secret_key="bench-secret",
            mail_from="purchasing@buyer.example",
            imap_host=dovecot.host,
            imap_port=dovecot.port_imap,
            imap_user=user,
            imap_password=dovecot.password,
            imap_security="none",
        )
        rt = build_runtime(settings)
        clock = FrozenClock(latest)
        t = time.perf_counter()
        async with rt.sessions() as session, session.begin():
            await import_path(session, data / "purchase_orders.json", clock=clock)
        print(f"ledger imported in {time.perf_counter() - t:.1f} s")

        t = time.perf_counter()
        client = dovecot.connect(user)
        for start in range(0, len(raws), 500):
            client.multiappend("INBOX", raws[start : start + 500])
        client.logout()
        print(f"{len(raws)} messages appended to Dovecot in {time.perf_counter() - t:.1f} s")

        stop = asyncio.Event()
        worker = ImapIngestWorker(rt, clock=clock)
        t0, cpu0 = time.perf_counter(), time.process_time()
        task = asyncio.create_task(worker.run(stop))
        while True:
            await asyncio.sleep(0.25)
            async with rt.sessions() as session:
                last = await session.scalar(select(MailboxCheckpoint.last_uid)) or 0
            if last >= len(raws) or task.done():
                break
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        stop.set()
        await task
        async with rt.sessions() as session:
            states = dict((await session.execute(select(Message.state, func.count()).group_by(Message.state))).all())
            acks = await session.scalar(select(func.count()).select_from(OutboxItem))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rate = worker.stats.fetched / elapsed
        print(f"ingested {worker.stats.fetched} messages in {elapsed:.1f} s: {rate:.0f} messages/s")
        # CPU of all this process's threads: steadier than wall time on a shared machine
        print(f"CPU {cpu:.1f} s ({1000 * cpu / max(worker.stats.fetched, 1):.1f} ms per message)")
        print(f"message states: {states}; outbox items queued: {acks}; failed: {worker.stats.failed}")
        print(f"peak RSS: {peak_mb:.0f} MB")
        await rt.close()
    finally:
        dovecot.stop()
        shutil.rmtree(dovecot.root, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
