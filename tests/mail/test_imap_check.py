"""`liaison mail check` against the real loopback servers: says which step fails."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from core.settings import get_settings
from mail.check import check_all, check_imap
from tests.mail.email_support import imap_overrides, mail_settings, smtp_overrides

pytestmark = pytest.mark.servers


def _settings(dovecot, user, smtp, **over):
    values = {**imap_overrides(dovecot, user), **smtp_overrides(smtp), **over}
    return mail_settings("sqlite+aiosqlite:///unused.db", **values)


async def test_both_connections_ok(dovecot, mailbox, smtp_capture) -> None:
    results = await check_all(_settings(dovecot, mailbox.user, smtp_capture))
    assert [r.ok for r in results] == [True, True], [r.line() for r in results]
    assert "IDLE" in results[0].detail


async def test_failures_name_their_stage(dovecot, mailbox, smtp_capture) -> None:
    bad_folder = check_imap(_settings(dovecot, mailbox.user, smtp_capture, imap_folder="Nope"))
    assert (bad_folder.ok, bad_folder.stage) == (False, "folder")
    untrusted = check_imap(_settings(dovecot, mailbox.user, smtp_capture, imap_ca_file=None))
    assert (untrusted.ok, untrusted.stage) == (False, "tls")
    closed = check_imap(_settings(dovecot, mailbox.user, smtp_capture, imap_port=1))
    assert (closed.ok, closed.stage) == (False, "connect")
    [_, smtp] = await check_all(_settings(dovecot, mailbox.user, smtp_capture, smtp_password="wrong"))
    assert (smtp.ok, smtp.stage) == (False, "auth")
    smtp_capture.stop()
    [_, down] = await check_all(_settings(dovecot, mailbox.user, smtp_capture))
    assert (down.ok, down.stage) == (False, "connect")


def test_cli_exits_1_and_names_the_failing_step(dovecot, mailbox, smtp_capture, monkeypatch) -> None:
    from api import cli

    env = {**imap_overrides(dovecot, mailbox.user), **smtp_overrides(smtp_capture), "imap_password": "wrong"}
    for key, value in env.items():
        monkeypatch.setenv(f"LIAISON_{key.upper()}", str(value))
    monkeypatch.setenv("LIAISON_MAIL_FROM", "purchasing@buyer.example")
    get_settings.cache_clear()
    try:
        cli._register_commands()
        result = CliRunner().invoke(cli.app, ["mail", "check"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "IMAP: FAILED at auth" in result.output
    assert "SMTP: ok" in result.output
