"""REST: tokens, filters, cursor paging, detail, upsert through the importer, receipts and status changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from api import auth
from tests.api.conftest import Web

API = "/api/v1/purchase-orders"


def numbers(body: dict[str, Any]) -> list[str]:
    return [item["number"] for item in body["items"]]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer lia_not-a-real-token"}, {"Authorization": "Basic eDp5"}]
)
async def test_every_api_route_wants_a_valid_token(web: Web, headers: dict[str, str]) -> None:
    for method, path in [
        ("GET", API),
        ("GET", f"{API}/PO-1001"),
        ("POST", API),
        ("POST", f"{API}/PO-1001/status"),
        ("GET", "/api/v1/escalations"),
        ("GET", "/api/v1/vendors/ACME/scorecard"),
    ]:
        response = await web.client.request(method, path, headers=headers, json={})
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]
        assert set(response.json()) == {"error", "details"}


async def test_a_revoked_token_stops_working(web: Web) -> None:
    assert (await web.client.get(API, headers=web.auth)).status_code == 200
    async with web.runtime.sessions() as session:
        [row] = await auth.list_tokens(session)
        assert row.last_used_at == web.clock.now()
        assert row.token_hash == auth.hash_token(web.token)  # only the hash is stored
        assert web.token.startswith(row.prefix)
        assert len(row.prefix) < len(web.token)
        await auth.revoke_token(session, row.id, now=web.clock.now())
        await session.commit()
    assert (await web.client.get(API, headers=web.auth)).status_code == 401


async def test_openapi_documents_the_api(web: Web) -> None:
    spec = (await web.client.get("/openapi.json")).json()
    for path in (
        API,
        f"{API}/{{number}}",
        f"{API}/{{number}}/receipts",
        "/api/v1/escalations/{escalation_id}/take",
        "/api/v1/vendors/{code}/scorecard",
    ):
        assert path in spec["paths"]
    assert "/login" not in spec["paths"]  # pages stay out of the API docs
    assert (await web.client.get("/docs")).status_code == 200


async def test_filters(web: Web) -> None:
    async def get(**params: Any) -> list[str]:
        response = await web.client.get(API, headers=web.auth, params=params)
        assert response.status_code == 200, response.text
        return sorted(numbers(response.json()))

    assert await get() == ["PO-1001", "PO-1002", "PO-1003", "PO-1004"]
    assert await get(status="sent,confirmed") == ["PO-1001", "PO-1002"]
    assert await get(status=["shipped", "closed"]) == ["PO-1003", "PO-1004"]
    assert await get(vendor="BOLT") == ["PO-1003", "PO-1004"]
    assert await get(late="true") == ["PO-1001"]
    assert await get(late="false") == ["PO-1002", "PO-1003", "PO-1004"]
    assert await get(exception="late") == ["PO-1001"]
    assert await get(exception="any") == ["PO-1001"]
    assert await get(open="true") == ["PO-1001", "PO-1002", "PO-1003"]
    assert await get(q="1003") == ["PO-1003"]
    assert await get(q="bn-7") == ["PO-1004"]  # vendor reference, any case
    assert await get(q="%") == []  # a LIKE wildcard is taken literally
    assert await get(updated_since="2026-11-18T09:00:00+00:00") == ["PO-1001", "PO-1003", "PO-1004"]


async def test_bad_filters_are_422_with_the_reason(web: Web) -> None:
    for params in (
        {"status": "shippd"},
        {"exception": "bogus"},
        {"updated_since": "2026-11-18T09:00:00"},
        {"cursor": "garbage"},
        {"limit": "0"},
    ):
        response = await web.client.get(API, headers=web.auth, params=params)
        assert response.status_code == 422, params
        assert response.json()["error"]


async def test_cursor_pages_are_stable_and_complete(web: Web) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 1}
        if cursor:
            params["cursor"] = cursor
        body = (await web.client.get(API, headers=web.auth, params=params)).json()
        seen += numbers(body)
        cursor = body["next_cursor"]
        if cursor is None:
            break
        if len(seen) == 2:
            # a change between pages: the changed PO comes again later, nothing is skipped
            web.clock.advance(timedelta(minutes=1))
            status = await web.client.post(f"{API}/PO-1002/status", headers=web.auth, json={"status": "on_hold"})
            assert status.status_code == 200
    assert sorted(set(seen)) == ["PO-1001", "PO-1002", "PO-1003", "PO-1004"]
    assert seen[:2] == ["PO-1002", "PO-1003"]  # oldest change first
    assert seen[-1] == "PO-1002"  # changed after its page: seen again at the end, nothing skipped


async def test_detail_has_lines_shipments_tracking_and_timeline(web: Web) -> None:
    body = (await web.client.get(f"{API}/PO-1003", headers=web.auth)).json()
    assert body["po"]["status"] == "shipped"
    assert body["po"]["eta"] == "2026-11-24"
    assert [(line["line_no"], line["quantity_ordered"], line["quantity_shipped"]) for line in body["lines"]] == [
        (1, "100", "100"),
        (2, "40", "40"),
    ]
    [shipment] = body["shipments"]
    assert shipment["tracking"][0]["number"] == "1234567890"
    assert shipment["tracking"][0]["url"].startswith("https://www.dhl.com/")
    kinds = [entry["event"]["kind"] for entry in body["timeline"] if entry["event"]]
    assert "shipment_recorded" in kinds
    assert "status_changed" in kinds

    late = (await web.client.get(f"{API}/PO-1001", headers=web.auth)).json()
    assert late["po"]["late"] is True
    [message] = [entry["message"] for entry in late["timeline"] if entry["message"]]
    assert message["understood"]["candidates"] == ["PO-1001"]
    assert late["escalations"][0]["reason"] == "needs_review"

    missing = await web.client.get(f"{API}/PO-9999", headers=web.auth)
    assert missing.status_code == 404
    assert missing.json() == {"error": "no purchase order PO-9999", "details": []}


def new_po(number: str, **extra: Any) -> dict[str, Any]:
    return {
        "number": number,
        "vendor_id": "ACME",
        "status": "sent",
        "promised_date": "2026-12-15",
        "lines": [{"line": 1, "sku": "A-1", "description": "Washer", "quantity": "250", "unit_price": "0.05"}],
        **extra,
    }


async def test_upsert_one_many_and_the_file_shape(web: Web) -> None:
    one = await web.client.post(API, headers=web.auth, json=new_po("PO-2001"))
    assert one.status_code == 200, one.text
    assert one.json()["created"] == 1
    many = await web.client.post(
        API, headers=web.auth, json=[new_po("PO-2002"), new_po("PO-2001", promised_date="2026-12-20")]
    )
    assert many.status_code == 200, many.text
    assert (many.json()["created"], many.json()["updated"]) == (1, 1)
    shaped = await web.client.post(
        API,
        headers=web.auth,
        json={
            "vendors": [{"id": "NEWV", "name": "New Vendor", "emails": ["x@newv.example"]}],
            "purchase_orders": [new_po("PO-2003", vendor_id="NEWV")],
        },
    )
    assert shaped.status_code == 200, shaped.text
    assert shaped.json()["vendors_created"] == 1
    detail = (await web.client.get(f"{API}/PO-2001", headers=web.auth)).json()
    assert detail["po"]["promised_date"] == "2026-12-20"
    assert detail["lines"][0]["quantity_ordered"] == "250"


async def test_upsert_refuses_whole_and_lists_every_problem(web: Web) -> None:
    bad = [
        new_po("PO-3001"),
        new_po("PO-3002", status="shippd"),
        new_po("PO-3003", vendor_id="NOPE"),
        {**new_po("PO-3004"), "lines": [{"line": 1, "quantity": "-3"}]},
    ]
    response = await web.client.post(API, headers=web.auth, json=bad)
    assert response.status_code == 422, response.text
    body = response.json()
    assert "refused" in body["error"]
    wheres = " ".join(f"{d['where']} {d['field']} {d['message']}" for d in body["details"])
    assert "purchase_orders[1]" in wheres
    assert "status" in wheres
    assert "purchase_orders[3]" in wheres
    assert "negative" in wheres
    assert "NOPE" in wheres
    assert (await web.client.get(f"{API}/PO-3001", headers=web.auth)).status_code == 404  # nothing written

    for raw, content_type in ((b"{not json", "application/json"), (b'"a string"', "application/json")):
        response = await web.client.post(API, headers={**web.auth, "Content-Type": content_type}, content=raw)
        assert response.status_code == 422
        assert response.json()["error"]


async def test_receipts_move_the_po_to_received(web: Web) -> None:
    url = f"{API}/PO-1003/receipts"
    partial = await web.client.post(url, headers=web.auth, json={"lines": [{"line": 1, "quantity": "100"}]})
    assert partial.status_code == 200, partial.text
    assert partial.json()["po"]["status"] == "partially_received"
    full = await web.client.post(url, headers=web.auth, json={"lines": [{"line": 2, "quantity": 40}]})
    assert full.json()["po"]["status"] == "received"
    assert [line["quantity_received"] for line in full.json()["lines"]] == ["100", "40"]

    unknown_line = await web.client.post(url, headers=web.auth, json={"lines": [{"line": 7, "quantity": "1"}]})
    assert unknown_line.status_code == 422
    assert "line 7" in unknown_line.json()["error"]
    negative = await web.client.post(url, headers=web.auth, json={"lines": [{"line": 1, "quantity": "-1"}]})
    assert negative.status_code == 422
    assert negative.json()["details"]


async def test_status_transitions_and_illegal_ones(web: Web) -> None:
    url = f"{API}/PO-1004/status"
    illegal = await web.client.post(url, headers=web.auth, json={"status": "sent"})
    assert illegal.status_code == 409
    body = illegal.json()
    assert "final" in body["error"]
    assert body["details"] == [{"current": "closed", "target": "sent", "reason": "a closed PO is final"}]

    held = await web.client.post(
        f"{API}/PO-1001/status", headers=web.auth, json={"status": "on_hold", "note": "credit check"}
    )
    assert held.status_code == 200
    assert held.json()["po"]["status"] == "on_hold"
    wrong_resume = await web.client.post(f"{API}/PO-1001/status", headers=web.auth, json={"status": "confirmed"})
    assert wrong_resume.status_code == 409
    assert "held from (sent)" in wrong_resume.json()["details"][0]["reason"]

    unknown = await web.client.post(url, headers=web.auth, json={"status": "teleported"})
    assert unknown.status_code == 422
