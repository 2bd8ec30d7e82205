"""A real headless Chromium against the app served by uvicorn on loopback: log in, open the escalation queue,
take and resolve an escalation. Screenshots go to /tmp/liaison-screens for a person to look at."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
import uvicorn

from api.app import create_app
from tests.api.conftest import PASSWORD, Web

pytestmark = pytest.mark.browser

SCREENS = Path("/tmp/liaison-screens")


async def test_agent_takes_and_resolves_in_a_browser(web: Web, chromium_path: str) -> None:
    from playwright.async_api import async_playwright

    app = create_app(web.runtime.settings, runtime=web.runtime)
    app.state.clock = web.clock
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    base = f"http://127.0.0.1:{port}"
    await asyncio.to_thread(SCREENS.mkdir, parents=True, exist_ok=True)
    esc = web.seeded.escalation_id
    try:
        while not server.started:  # noqa: ASYNC110 (uvicorn offers no start event to wait on)
            await asyncio.sleep(0.01)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium_path, headless=True)
            try:
                page = await browser.new_page(viewport={"width": 1200, "height": 900})
                await page.goto(f"{base}/escalations")
                assert "/login" in page.url  # sent to log in first, and back after
                await page.fill("input[name=email]", web.seeded.agent_email)
                await page.fill("input[name=password]", PASSWORD)
                await page.click("button[type=submit]")
                await page.wait_for_url(f"{base}/escalations")
                card = page.locator(f"#esc-{esc}")
                assert await card.get_attribute("data-state") == "open"
                await page.screenshot(path=str(SCREENS / "queue.png"), full_page=True)

                await card.locator("button.take").click()
                await page.wait_for_selector(f"#esc-{esc}[data-state=in_progress]")
                assert await page.locator("p.flash").inner_text() == "You took the escalation."
                card = page.locator(f"#esc-{esc}")
                await card.locator("details.quoted summary").click()  # the quoted part opens on demand
                await page.screenshot(path=str(SCREENS / "taken.png"), full_page=True)

                await card.locator("input[name=note]").fill("Phoned Acme: ships Monday")
                await card.locator("button.resolve").click()
                await page.wait_for_selector("p.flash")
                assert await page.locator("p.flash").inner_text() == "Escalation resolved."
                assert await page.locator(f"#esc-{esc}").count() == 0

                await page.goto(f"{base}/pos/PO-1001")
                timeline = await page.locator("ol.timeline").inner_text()
                assert "Escalation resolved" in timeline
                await page.screenshot(path=str(SCREENS / "po.png"), full_page=True)
                await page.goto(f"{base}/")
                await page.screenshot(path=str(SCREENS / "overview.png"), full_page=True)
                await page.set_viewport_size({"width": 390, "height": 800})
                await page.goto(f"{base}/escalations?scope=all")
                await page.screenshot(path=str(SCREENS / "queue-phone.png"), full_page=True)
            finally:
                await browser.close()
    finally:
        server.should_exit = True
        await serving
