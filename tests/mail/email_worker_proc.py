"""Runs one email worker in its own process, for the crash tests (settings come from LIAISON_* env).

usage: python -m tests.mail.email_worker_proc smtp|imap SECONDS
  smtp: send due outbox items until none is left (lease 1 s, so a crashed run's claim expires quickly)
  imap: ingest for SECONDS, then stop
LIAISON_TEST_CRASH_AT=after_smtp|after_fetch|before_commit makes the worker os._exit at that point.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from api.runtime import build_runtime
from core.settings import get_settings


async def main(mode: str, seconds: float) -> None:
    rt = build_runtime(get_settings())
    try:
        if mode == "smtp":
            from mail.smtp import SmtpOutboxWorker

            worker = SmtpOutboxWorker(rt, lease=timedelta(seconds=1))
            deadline = asyncio.get_running_loop().time() + seconds
            while asyncio.get_running_loop().time() < deadline:
                if await worker.run_once() == 0:
                    await asyncio.sleep(0.2)
            await worker.transport.close()
        else:
            from mail.poller import ImapIngestWorker

            stop = asyncio.Event()
            asyncio.get_running_loop().call_later(seconds, stop.set)
            await ImapIngestWorker(rt).run(stop)
    finally:
        await rt.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2])))
