"""A throw-away Dovecot 2.3 (IMAP + LMTP) on loopback, in its own directory with free ports.

Any user name logs in with the password "secret" and gets its own empty Maildir (static
passdb/userdb), so each test can use a fresh mailbox and nothing needs cleaning.
"""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from imapclient import IMAPClient

from tests.servers import processes

PASSWORD = "secret"
MAIL_UID = MAIL_GID = 5000  # Dovecot refuses uid 0 for mail; 5000 needs no /etc/passwd entry

_CONF = """\
# Generated for one test session; reads nothing from /etc/dovecot.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = dovecot-test-{port_imap}
protocols = imap lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
# failed logins answer in ~0.5 s instead of 2-15 s (failure delay + per-IP penalty)
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
mail_location = maildir:~/Maildir
mail_fsync = never
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port_imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port_imaps}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {port_lmtp}
  }}
}}
protocol imap {{
  # default 10 per user+IP; parallel tests all come from 127.0.0.1
  mail_max_userip_connections = 100
}}
"""

_EX_NOUSER = 68  # doveadm kick: the user had no session
_APPENDUID = re.compile(rb"APPENDUID (\d+) (\d+)")
_UIDVALIDITY = re.compile(r"uidvalidity=(\d+)")

Tls = Literal["plain", "starttls", "implicit"]


@dataclass
class Dovecot:
    """A running Dovecot. Ports are on `host`; `root` holds the config, logs and mail."""

    host: str
    port_imap: int
    port_imaps: int
    port_lmtp: int
    root: Path
    cert: str
    key: str
    password: str = PASSWORD
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def conf(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log(self) -> Path:
        return self.root / "dovecot.log"

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def mail_dir(self, user: str) -> Path:
        return self.root / "mail" / user

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts the session's self-signed certificate."""
        return ssl.create_default_context(cafile=self.cert)

    def connect(self, user: str, *, tls: Tls = "plain", password: str | None = None) -> IMAPClient:
        """An IMAPClient logged in as `user` (the caller logs out)."""
        if tls == "implicit":
            c = IMAPClient(self.host, port=self.port_imaps, ssl=True, ssl_context=self.ssl_context(), timeout=10)
        else:
            c = IMAPClient(self.host, port=self.port_imap, ssl=False, timeout=10)
            if tls == "starttls":
                c.starttls(self.ssl_context())
        c.login(user, self.password if password is None else password)
        return c

    def append(self, user: str, raw: bytes, folder: str = "INBOX", flags: tuple[bytes, ...] = ()) -> int:
        """Put a raw RFC 5322 message (CRLF line ends) in `user`'s folder; returns its UID."""
        c = self.connect(user)
        try:
            if folder.upper() != "INBOX" and not c.folder_exists(folder):
                c.create_folder(folder)
            resp = c.append(folder, raw, flags=flags)
        finally:
            c.logout()
        m = _APPENDUID.search(resp)
        if m is None:
            raise RuntimeError(f"APPEND answered without APPENDUID: {resp!r}")
        return int(m.group(2))

    def doveadm(self, *args: str, stdin: bytes | None = None, ok_codes: tuple[int, ...] = (0,)) -> str:
        """Run `doveadm -c <this config> ARGS...`; returns stdout, raises with stderr on failure."""
        r = subprocess.run(["doveadm", "-c", str(self.conf), *args], input=stdin, capture_output=True, check=False)
        if r.returncode not in ok_codes:
            raise RuntimeError(f"doveadm {' '.join(args)} failed ({r.returncode}): {r.stderr.decode(errors='replace')}")
        return r.stdout.decode(errors="replace")

    def uidvalidity(self, user: str, folder: str = "INBOX") -> int:
        out = self.doveadm("mailbox", "status", "-u", user, "uidvalidity", folder)
        m = _UIDVALIDITY.search(out)
        if m is None:
            raise RuntimeError(f"no uidvalidity in doveadm output: {out!r}")
        return int(m.group(1))

    def reset_mailbox(self, user: str) -> None:
        """Drop `user`'s sessions and delete all their mail: the next login sees empty folders
        with a NEW UIDVALIDITY (how a real server looks after its mail store was rebuilt)."""
        mail = self.mail_dir(user)
        old = self.uidvalidity(user) if (mail / "Maildir").exists() else None
        self.doveadm("kick", user, ok_codes=(0, _EX_NOUSER))
        shutil.rmtree(mail, ignore_errors=True)
        if old is not None:
            self._seed_uidvalidity(mail / "Maildir", old + 1)

    def _seed_uidvalidity(self, maildir: Path, at_least: int) -> None:
        # Dovecot takes a new mailbox's UIDVALIDITY from the current second, or from the
        # `dovecot-uidvalidity` counter in the mail root if it is higher: without the seed a
        # reset within the same second as the mailbox's creation would reuse the old value.
        maildir.mkdir(parents=True)
        (maildir / "dovecot-uidvalidity").write_text(f"{at_least - 1:08x}")
        (maildir / f"dovecot-uidvalidity.{at_least - 1:08x}").touch()
        for path in (maildir.parent, maildir, *maildir.iterdir()):
            os.chown(path, MAIL_UID, MAIL_GID)

    def stop(self) -> None:
        if self._proc is not None:
            processes.stop(self._proc)
            self._proc = None


def start_dovecot(cert: str, key: str) -> Dovecot:
    """Start Dovecot in a fresh directory on free ports; stop it with `.stop()`."""
    binary = processes.require_binary("dovecot")
    if not Path("/usr/lib/dovecot/lmtp").exists():
        raise processes.ServerStartError(f"Dovecot's LMTP server is not installed: {processes.DEPS_HINT}")
    # Not under pytest's tmp_path: that is mode 0700, and Dovecot's unprivileged processes
    # (dovecot, dovenull, uid 5000) must traverse every directory on the way.
    root = Path(tempfile.mkdtemp(prefix="liaison-dovecot-"))
    root.chmod(0o755)
    (root / "mail").mkdir()
    os.chown(root / "mail", MAIL_UID, MAIL_GID)
    dv = Dovecot(
        host=processes.HOST,
        port_imap=processes.free_port(),
        port_imaps=processes.free_port(),
        port_lmtp=processes.free_port(),
        root=root,
        cert=cert,
        key=key,
    )
    dv.conf.write_text(
        _CONF.format(
            root=root,
            cert=cert,
            key=key,
            password=PASSWORD,
            uid=MAIL_UID,
            gid=MAIL_GID,
            port_imap=dv.port_imap,
            port_imaps=dv.port_imaps,
            port_lmtp=dv.port_lmtp,
        )
    )
    stdout = root / "stdout.log"
    # -F: the master stays in the foreground, so the PID we hold is the master's
    dv._proc = processes.spawn([binary, "-F", "-c", str(dv.conf)], log=stdout)
    try:
        for port in (dv.port_imap, dv.port_lmtp):
            processes.wait_port(port, dv._proc, "dovecot", [stdout, dv.log])
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return dv
