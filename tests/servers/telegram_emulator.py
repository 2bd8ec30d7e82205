"""telegram-test-api (Node) with the python-telegram-bot 22 shim, on a free loopback port.

The shim (telegram/server-ptb.js) fixes what PTB 22 cannot parse, adds long polling, and adds
test-only routes: reset, error injection (429 and others), a log of every send*, files.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import processes

TG_DIR = Path(__file__).parent / "telegram"


@dataclass
class TelegramEmulator:
    """The running emulator.

    PTB: ApplicationBuilder().token(t).base_url(emu.bot_base_url).base_file_url(emu.file_base_url).
    """

    url: str
    port: int
    log: Path
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def bot_base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def stop(self) -> None:
        if self._proc is not None:
            processes.stop(self._proc)
            self._proc = None


def start_emulator() -> TelegramEmulator:
    node = processes.require_binary("node")
    if not (TG_DIR / "node_modules" / "telegram-test-api").is_dir():
        raise processes.ServerStartError(f"telegram-test-api is not installed in {TG_DIR}: {processes.DEPS_HINT}")
    port = processes.free_port()
    log = Path(tempfile.mkstemp(prefix="liaison-tg-emulator-", suffix=".log")[1])
    proc = processes.spawn([node, "server-ptb.js"], log=log, cwd=TG_DIR, env={"TG_PORT": str(port)})
    processes.wait_port(port, proc, "telegram-test-api", [log])
    return TelegramEmulator(url=f"http://{processes.HOST}:{port}", port=port, log=log, _proc=proc)
