"""Start and stop the test servers' processes: free ports, readiness by TCP connect, stop by PID.

Every server a fixture starts is a child of the pytest process that dies with it (PR_SET_PDEATHSIG),
so a killed test run leaves nothing listening.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

HOST = "127.0.0.1"
DEPS_HINT = "run scripts/test-deps.sh to install the test servers"
_PR_SET_PDEATHSIG = 1


class ServerStartError(RuntimeError):
    """A test server did not come up; the message says why and holds the tail of its log."""


def free_port() -> int:
    """A port nobody listens on now. aiosmtpd cannot take port 0 (it probes the port it was given)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def port_open(port: int, host: str = HOST) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def require_binary(name: str) -> str:
    """The binary's path, or a failure that tells how to install it (never a silent skip)."""
    path = shutil.which(name)
    if path is None:
        raise ServerStartError(f"`{name}` is not installed: {DEPS_HINT}")
    return path


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: SIGTERM it when the pytest process goes away.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(
    argv: Sequence[str], *, log: Path, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a server in its own process group, stdout and stderr to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=None if env is None else {**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def wait_port(port: int, proc: subprocess.Popen[bytes], what: str, logs: Sequence[Path], timeout: float = 15.0) -> None:
    """Wait until `port` accepts connections; fail early with the logs if the process exits."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if port_open(port):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    stop(proc)
    detail = "\n".join(f"--- {p}:\n{tail(p)}" for p in logs)
    state = f"exited with code {proc.returncode}" if proc.returncode else f"did not open port {port}"
    raise ServerStartError(f"{what} {state}\n{detail}")


def stop(proc: subprocess.Popen[bytes], grace: float = 0.5) -> None:
    """SIGTERM the server's process group, SIGKILL whatever is left after `grace` seconds.

    The group holds only what this server forked (it was started with its own session).
    Dovecot's master takes 1-3 s to shut down cleanly; tests do not need the clean shutdown.
    """
    if proc.poll() is None:
        _signal_group(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(grace)
    _signal_group(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.wait(5)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
