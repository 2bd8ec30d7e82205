"""Dashboard pages: login, CSRF, roles, and what the pages show, asserted on parsed HTML."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from tests.api.conftest import Web, csrf_from


def html(text: str) -> HTMLParser:
    return HTMLParser(text)


def texts(tree: HTMLParser, selector: str) -> list[str]:
    return [node.text(strip=True) for node in tree.css(selector)]


async def test_pages_need_a_login(web: Web) -> None:
    for path in ("/", "/pos", "/pos/PO-1001", "/escalations", "/vendors"):
        response = await web.client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")


async def test_login_wrong_password_then_right(web: Web) -> None:
    wrong = await web.login(web.seeded.agent_email, "not the password")
    assert wrong.status_code == 401
    assert "Wrong email or password" in html(wrong.text).css_first("p.error").text()
    unknown = await web.login("nobody@x.example", "whatever-long")
    assert unknown.status_code == 401
    right = await web.login(web.seeded.agent_email)
    assert right.status_code == 303
    assert right.headers["location"] == "/"
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert (await web.client.get("/")).status_code == 200


async def test_login_without_csrf_is_refused(web: Web) -> None:
    await web.client.get("/login")
    response = await web.client.post(
        "/login", data={"email": web.seeded.agent_email, "password": "correct horse battery", "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert (await web.client.get("/")).status_code == 303  # still logged out


async def test_login_never_redirects_off_site(web: Web) -> None:
    page = await web.client.get("/login", params={"next": "//evil.example/x"})
    assert html(page.text).css_first("input[name=next]").attributes["value"] == "/"


async def test_a_forged_cookie_is_ignored(web: Web) -> None:
    web.client.cookies.set("liaison_session", "eyJ1aWQiOjF9.forged.signature")
    assert (await web.client.get("/")).status_code == 303


async def test_overview_counts(web: Web) -> None:
    await web.login(web.seeded.buyer_email)
    tree = html((await web.client.get("/")).text)
    counts = {node.attributes["id"]: node.text(strip=True) for node in tree.css("ul.tiles .n")}
    assert counts == {
        "count-open": "3",
        "count-late": "1",
        "count-awaiting": "1",
        "count-exceptions": "1",
        "count-escalations": "2",
    }
    assert texts(tree, "section.card table tbody tr td:first-child a")[-1] == "PO-1001"


async def test_po_list_filters_and_search(web: Web) -> None:
    await web.login(web.seeded.buyer_email)

    async def listed(**params: str) -> list[str]:
        response = await web.client.get("/pos", params=params)
        assert response.status_code == 200, response.text
        return sorted(texts(html(response.text), "table.pos tbody tr td:first-child > a"))

    assert await listed() == ["PO-1001", "PO-1002", "PO-1003", "PO-1004"]
    assert await listed(view="late") == ["PO-1001"]
    assert await listed(view="awaiting") == ["PO-1001"]
    assert await listed(vendor="BOLT") == ["PO-1003", "PO-1004"]
    assert await listed(q="1002") == ["PO-1002"]
    assert await listed(mine="true") == ["PO-1001"]
    assert await listed(status="closed") == ["PO-1004"]
    assert await listed(exception="late") == ["PO-1001"]
    assert (await web.client.get("/pos", params={"status": "bogus"})).status_code == 422


async def test_po_detail_shows_lines_tracking_and_the_vendor_message_escaped(web: Web) -> None:
    await web.login(web.seeded.buyer_email)
    shipped = html((await web.client.get("/pos/PO-1003")).text)
    link = shipped.css_first("td.tracking a")
    assert link.text() == "1234567890"
    assert link.attributes["href"].startswith("https://www.dhl.com/")
    assert len(shipped.css("section.card table tbody tr")) >= 2

    response = await web.client.get("/pos/PO-1001")
    assert "<script>alert" not in response.text  # vendor text is escaped
    tree = html(response.text)
    message = tree.css_first("ol.timeline article.message")
    assert "will ship next week" in message.css_first("div.body").text()
    quoted = message.css_first("details.quoted")
    assert "open" not in quoted.attributes  # the quoted part starts collapsed
    assert "please confirm PO-1001" in quoted.text()
    assert "delayed" in message.css_first("dl.understood").text()
    assert (await web.client.get("/pos/PO-404")).status_code == 404


async def test_po_status_form(web: Web) -> None:
    await web.login(web.seeded.buyer_email)
    page = await web.client.get("/pos/PO-1002")
    csrf = csrf_from(page.text)
    illegal = await web.client.post("/pos/PO-1002/status", data={"status": "draft", "csrf_token": csrf})
    assert illegal.status_code == 409
    assert "from confirmed the PO may go to" in html(illegal.text).css_first("p.error").text()
    ok = await web.client.post("/pos/PO-1002/status", data={"status": "on_hold", "csrf_token": csrf, "note": "wait"})
    assert ok.status_code == 303
    detail = html((await web.client.get(ok.headers["location"])).text)
    assert detail.css_first("p.flash").text() == "Status changed."
    assert detail.css_first("h1 .badge").text() == "on hold"


async def test_agent_takes_and_resolves_with_forms(web: Web) -> None:
    await web.login(web.seeded.agent_email)
    esc = web.seeded.escalation_id
    queue = html((await web.client.get("/escalations")).text)
    card = queue.css_first(f"#esc-{esc}")
    assert card.attributes["data-state"] == "open"
    csrf = csrf_from(queue.html or "")

    no_csrf = await web.client.post(f"/escalations/{esc}/take", data={"csrf_token": "nope"})
    assert no_csrf.status_code == 403
    taken = await web.client.post(f"/escalations/{esc}/take", data={"csrf_token": csrf})
    assert taken.status_code == 303
    queue = html((await web.client.get(taken.headers["location"])).text)
    card = queue.css_first(f"#esc-{esc}")
    assert card.attributes["data-state"] == "in_progress"
    assert "Ada Agent" in card.css_first(".esc-meta").text()
    assert card.css_first("button.take") is None

    empty_note = await web.client.post(f"/escalations/{esc}/resolve", data={"csrf_token": csrf, "note": " "})
    assert empty_note.status_code == 422
    resolved = await web.client.post(
        f"/escalations/{esc}/resolve", data={"csrf_token": csrf, "note": "phoned: ships Monday"}
    )
    assert resolved.status_code == 303
    queue = html((await web.client.get("/escalations")).text)
    assert queue.css_first(f"#esc-{esc}") is None
    done = html((await web.client.get("/escalations?scope=resolved")).text)
    assert "phoned: ships Monday" in done.css_first(f"#esc-{esc} .resolution").text()
    again = await web.client.post(f"/escalations/{esc}/resolve", data={"csrf_token": csrf, "note": "x"})
    assert again.status_code == 409


async def test_agent_moves_a_message_corrects_eta_and_writes_to_the_vendor(web: Web) -> None:
    await web.login(web.seeded.agent_email)
    esc = web.seeded.escalation_id
    csrf = csrf_from((await web.client.get("/escalations")).text)
    moved = await web.client.post(f"/escalations/{esc}/move", data={"csrf_token": csrf, "po_number": "PO-1002"})
    assert moved.status_code == 303
    detail = html((await web.client.get("/pos/PO-1002")).text)
    assert "will ship next week" in detail.css_first("article.message div.body").text()
    eta = await web.client.post(f"/escalations/{esc}/eta", data={"csrf_token": csrf, "eta": "2026-12-01"})
    assert eta.status_code == 303
    replied = await web.client.post(
        f"/escalations/{esc}/reply", data={"csrf_token": csrf, "text": "Please send the date."}
    )
    assert replied.status_code == 303
    queue = html((await web.client.get("/escalations")).text)
    assert queue.css_first(f"#esc-{esc}").attributes["data-state"] == "waiting_on_vendor"
    missing_po = await web.client.post(f"/escalations/{esc}/move", data={"csrf_token": csrf, "po_number": "PO-404"})
    assert missing_po.status_code == 404


async def test_a_buyer_sees_the_queue_but_cannot_act(web: Web) -> None:
    await web.login(web.seeded.buyer_email)
    page = await web.client.get("/escalations")
    assert html(page.text).css_first("div.actions") is None
    csrf = csrf_from(page.text)
    response = await web.client.post(f"/escalations/{web.seeded.escalation_id}/take", data={"csrf_token": csrf})
    assert response.status_code == 403


async def test_vendor_scorecards_page(web: Web) -> None:
    await web.login(web.seeded.buyer_email)
    tree = html((await web.client.get("/vendors")).text)
    acme = tree.css_first("#vendor-ACME")
    cells = [td.text(strip=True) for td in acme.css("td")]
    assert cells[1] == "2"
    assert cells[2].startswith("50%")
    assert tree.css_first("#vendor-BOLT") is not None


async def test_logout(web: Web) -> None:
    await web.login(web.seeded.buyer_email)
    csrf = csrf_from((await web.client.get("/")).text)
    out = await web.client.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 303
    assert (await web.client.get("/")).status_code == 303
