"""Fast proofs that each test-server fixture works (tests/servers/fixtures.py)."""

from __future__ import annotations

import asyncio
import smtplib
import threading
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib
import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.servers.dovecot import Dovecot
from tests.servers.fixtures import FakeUserFactory, Mailbox
from tests.servers.smtp import PERM_550, TEMP_421, TEMP_451, CaptureHandler, LmtpDeliverHandler, SmtpServer
from tests.servers.telegram_emulator import TelegramEmulator

pytestmark = pytest.mark.servers


def po_mail(to: str, subject: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = "Vendor <sales@vendor.test>"
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = formatdate(localtime=True)
    m["Message-ID"] = make_msgid(domain="vendor.test")
    m.set_content("Your order has shipped.\n")
    return m


def crlf(m: EmailMessage) -> bytes:
    return m.as_bytes(policy=m.policy.clone(linesep="\r\n"))


# --- IMAP -------------------------------------------------------------------------------------


def test_imap_append_peek_seen_and_idle_wakes(mailbox: Mailbox) -> None:
    c = mailbox.client
    uid = mailbox.append(crlf(po_mail(mailbox.user, "PO-1001 confirmation")))
    c.noop()  # the selected session sees another connection's APPEND only after NOOP/IDLE
    assert c.search(["UNSEEN"]) == [uid]
    body = c.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
    assert b"PO-1001" in body
    assert c.search(["UNSEEN"]) == [uid], "PEEK must not set \\Seen"

    c.idle()
    timer = threading.Timer(0.1, mailbox.append, [crlf(po_mail(mailbox.user, "PO-1002 shipped"))])
    t0 = time.monotonic()
    timer.start()
    try:
        responses = c.idle_check(timeout=2)
    finally:
        c.idle_done()
        timer.join()
    assert any(r[1:2] == (b"EXISTS",) for r in responses), responses
    assert time.monotonic() - t0 < 2  # Dovecot batches notifications: ~0.5 s after the APPEND
    assert len(c.search(["UNSEEN"])) == 2


def test_reset_mailbox_gives_new_uidvalidity(dovecot: Dovecot, mailbox: Mailbox) -> None:
    mailbox.append(b"Subject: x\r\n\r\nx\r\n")
    before = dovecot.uidvalidity(mailbox.user)
    dovecot.reset_mailbox(mailbox.user)  # also kicks mailbox.client
    with dovecot.connect(mailbox.user, tls="implicit") as c:
        info = c.select_folder("INBOX")
        assert info[b"EXISTS"] == 0
        assert info[b"UIDVALIDITY"] != before


# --- SMTP -------------------------------------------------------------------------------------


async def test_smtp_starttls_auth_capture_and_failures(smtp_capture: SmtpServer[CaptureHandler]) -> None:
    s = smtp_capture
    client = aiosmtplib.SMTP(hostname=s.host, port=s.port, start_tls=False, tls_context=s.client_tls_context())
    await client.connect()
    assert "auth" not in client.esmtp_extensions  # AUTH only after STARTTLS
    await client.starttls()
    await client.ehlo()  # STARTTLS resets the ESMTP state
    await client.auth_login(s.user, s.password)
    await client.send_message(po_mail("buyer@ourco.test", "PO-7 shipped"))
    await client.quit()
    [got] = await s.handler.wait(1)
    assert got.message["Subject"] == "PO-7 shipped"
    assert got.authenticated
    assert got.rcpt_tos == ["buyer@ourco.test"]

    s.fail(TEMP_451, times=1)
    with pytest.raises(aiosmtplib.SMTPDataError) as e451:
        await s.send(po_mail("a@b.test", "x"))
    assert e451.value.code == 451
    s.fail(PERM_550, rcpt="gone@vendor.test")
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await s.send(po_mail("gone@vendor.test", "x"))
    s.fail(TEMP_421, at="MAIL")
    with pytest.raises(aiosmtplib.SMTPResponseException) as e421:
        await s.send(po_mail("a@b.test", "x"))
    assert e421.value.code == 421
    s.recover()
    with s.down(), pytest.raises(aiosmtplib.SMTPConnectError):
        await s.send(po_mail("a@b.test", "x"))
    await s.send(po_mail("a@b.test", "back up"))
    assert [m.message["Subject"] for m in s.messages] == ["PO-7 shipped", "back up"]
    assert [stage for stage, _ in s.handler.refused] == ["DATA", "RCPT", "MAIL"]


async def test_smtp_delivers_through_lmtp_to_imap(
    smtp_to_dovecot: SmtpServer[LmtpDeliverHandler], mailbox: Mailbox
) -> None:
    s = smtp_to_dovecot
    await s.send(po_mail(mailbox.user, "PO-9 delayed"))
    mailbox.client.noop()
    [uid] = mailbox.client.search(["UNSEEN"])
    env = mailbox.client.fetch([uid], ["ENVELOPE"])[uid][b"ENVELOPE"]
    assert env.subject == b"PO-9 delayed"


def test_lmtp_directly(dovecot: Dovecot, mailbox: Mailbox) -> None:
    with smtplib.LMTP(dovecot.host, dovecot.port_lmtp) as lmtp:
        lmtp.sendmail("v@vendor.test", [mailbox.user], f"To: {mailbox.user}\r\nSubject: PO-3\r\n\r\nx\r\n")
    mailbox.client.noop()
    assert len(mailbox.client.search(["UNSEEN"])) == 1


# --- Telegram ---------------------------------------------------------------------------------


def build_bot(emu: TelegramEmulator, token: str, *, rate_limited: bool = False) -> Application:  # type: ignore[type-arg]
    builder = ApplicationBuilder().token(token).base_url(emu.bot_base_url).base_file_url(emu.file_base_url)
    if rate_limited:
        # PTB's builder generics cannot express the switch to a limiter with arguments
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))  # type: ignore[arg-type]
    return builder.build()


async def test_telegram_ptb22_message_button_files(
    tg_emulator: TelegramEmulator, tg_token: str, tg_user: FakeUserFactory
) -> None:
    downloaded: list[bytes] = []

    async def on_text(update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        kb = InlineKeyboardMarkup([[InlineKeyboardButton("Confirm", callback_data="confirm:PO-42")]])
        await update.message.reply_text(f"Got {update.message.text!r}. Confirm PO-42?", reply_markup=kb)

    async def on_document(update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        assert update.message.document is not None
        f = await update.message.document.get_file()
        downloaded.append(bytes(await f.download_as_bytearray()))
        await update.message.reply_document(b"%PDF-1.4 po", filename="PO-42.pdf", caption="your PO")

    async def on_button(update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        q = update.callback_query
        assert q is not None
        assert q.data is not None
        await q.answer("noted")
        await q.edit_message_text(f"PO-42: {q.data.split(':')[0]}ed")

    app = build_bot(tg_emulator, tg_token)
    app.add_handler(MessageHandler(filters.TEXT, on_text))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(CallbackQueryHandler(on_button))
    vera = tg_user()
    async with app:
        await app.updater.start_polling(poll_interval=0.0, timeout=10)  # type: ignore[union-attr]
        await app.start()
        try:
            await vera.say("Where is PO-42?")
            [r] = await vera.replies(1)
            assert r["message"]["text"] == "Got 'Where is PO-42?'. Confirm PO-42?"
            [button] = vera.buttons(r)
            await vera.press(r, button["callback_data"])
            for _ in range(100):  # the edit happens in the bot's handler, after the press returned
                edited = [h for h in await vera.history() if h.get("messageId") == r["messageId"]]
                if edited and edited[0]["message"]["text"] == "PO-42: confirmed":
                    break
                await asyncio.sleep(0.02)
            else:
                pytest.fail(f"message not edited: {edited}")
            assert (await vera.callback_answers())[0]["text"] == "noted"

            await vera.send_document(b"invoice bytes", "invoice.pdf", "application/pdf", caption="PO-42")
            [doc] = await vera.replies(1)
            assert doc["message"]["document"]["file_name"] == "PO-42.pdf"
            assert downloaded == [b"invoice bytes"]
        finally:
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()


async def test_telegram_long_polling(tg_emulator: TelegramEmulator, tg_token: str, tg_user: FakeUserFactory) -> None:
    url = f"{tg_emulator.bot_base_url}{tg_token}/getUpdates"
    async with httpx.AsyncClient(timeout=10) as h:
        t0 = time.monotonic()
        r = await h.post(url, data={"timeout": "0.3"})
        assert r.json() == {"ok": True, "result": []}
        assert time.monotonic() - t0 >= 0.25  # held, not answered at once

        async def say_later() -> None:
            await asyncio.sleep(0.1)
            await tg_user().say("hello")

        t0 = time.monotonic()
        r, _ = await asyncio.gather(h.post(url, data={"timeout": "5"}), say_later())
        assert time.monotonic() - t0 < 1  # woken by the message, not by the timeout
        assert [u["message"]["text"] for u in r.json()["result"]] == ["hello"]


async def test_telegram_429_is_honoured_by_ptb(
    tg_emulator: TelegramEmulator, tg_token: str, tg_user: FakeUserFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22.2+ warns (PTBDeprecationWarning, an error here) on every RetryAfter unless the
    # program opts in to timedelta time periods; Liaison's bot is expected to opt in.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    vera = tg_user()
    await vera.inject429(count=1, retry_after=1)
    app = build_bot(tg_emulator, tg_token, rate_limited=True)
    async with app:
        msg = await app.bot.send_message(vera.user_id, "Your PO-42 is overdue")
    assert msg.text == "Your PO-42 is overdue"
    log = await vera.send_log()
    assert [e["status"] for e in log] == [429, 200]
    assert log[1]["t"] - log[0]["t"] >= 1000  # PTB waited retry_after before retrying
    assert {e["chat_id"] for e in log} == {vera.user_id}


# --- Browser ----------------------------------------------------------------------------------

PAGE = b"""<!doctype html><html><head><meta charset="utf-8"><title>POs</title></head><body>
<table><tr><td>PO-42</td><td id=st>awaiting vendor</td></tr></table>
<button id=confirm onclick="fetch('/api/confirm',{method:'POST'}).then(r=>r.json()).then(j=>{
  const s=document.getElementById('st'); s.textContent=j.status; s.className='ok'})">Confirm</button>
</body></html>"""


async def asgi_app(scope: dict[str, object], receive: object, send: object) -> None:
    if scope["type"] != "http":
        return
    if scope["path"] == "/api/confirm":
        body, ctype = b'{"status": "confirmed by vendor"}', b"application/json"
    else:
        body, ctype = PAGE, b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", ctype)]})  # type: ignore[operator]
    await send({"type": "http.response.body", "body": body})  # type: ignore[operator]


@pytest.mark.browser
async def test_playwright_chromium_on_uvicorn(chromium_path: str) -> None:
    import uvicorn
    from playwright.async_api import async_playwright

    from tests.servers.processes import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(asgi_app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium_path, headless=True)
            try:
                page = await browser.new_page()
                await page.goto(f"http://127.0.0.1:{port}/")
                await page.click("#confirm")
                await page.wait_for_selector("td.ok")
                assert await page.text_content("#st") == "confirmed by vendor"
            finally:
                await browser.close()
    finally:
        server.should_exit = True
        await task


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.mark.postgres
async def test_postgres_select_1(postgres_url: str) -> None:
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT 1") == 1
    finally:
        await conn.close()
