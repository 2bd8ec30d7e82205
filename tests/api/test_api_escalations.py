"""REST for the escalation queue and vendor scorecards."""

from __future__ import annotations

from datetime import timedelta

from api.views import describe_event
from core.kpis.scorecard import vendor_scorecard
from core.purchase_orders import repository
from core.purchase_orders.events import record_event
from tests.api.conftest import Web

API = "/api/v1/escalations"


async def test_queue_is_ordered_by_sla(web: Web) -> None:
    body = (await web.client.get(API, headers=web.auth)).json()
    assert [e["id"] for e in body] == [web.seeded.second_escalation_id, web.seeded.escalation_id]
    assert body[0]["overdue"] is True
    assert body[1]["overdue"] is False
    assert body[1]["message"]["new_text"].startswith("Hello, the goods")


async def test_take_then_resolve_then_resolve_again(web: Web) -> None:
    esc = web.seeded.escalation_id
    taken = await web.client.post(f"{API}/{esc}/take", headers=web.auth, json={"user": "ADA@buyer.example"})
    assert taken.status_code == 200, taken.text
    assert (taken.json()["state"], taken.json()["assignee_name"]) == ("in_progress", "Ada Agent")

    resolved = await web.client.post(
        f"{API}/{esc}/resolve", headers=web.auth, json={"note": "called them", "user": "ada@buyer.example"}
    )
    assert resolved.status_code == 200
    assert resolved.json()["state"] == "resolved"
    assert resolved.json()["resolution_note"] == "called them"
    assert [e["id"] for e in (await web.client.get(API, headers=web.auth)).json()] == [web.seeded.second_escalation_id]
    resolved_list = await web.client.get(API, headers=web.auth, params={"state": "resolved"})
    assert [e["id"] for e in resolved_list.json()] == [esc]

    again = await web.client.post(f"{API}/{esc}/resolve", headers=web.auth, json={"note": "again"})
    assert again.status_code == 409
    assert "already resolved" in again.json()["error"]


async def test_take_errors(web: Web) -> None:
    esc = web.seeded.escalation_id
    unknown_user = await web.client.post(f"{API}/{esc}/take", headers=web.auth, json={"user": "nobody@x.example"})
    assert unknown_user.status_code == 422
    missing = await web.client.post(f"{API}/99999/take", headers=web.auth, json={"user": "ada@buyer.example"})
    assert missing.status_code == 404
    no_body = await web.client.post(f"{API}/{esc}/resolve", headers=web.auth, json={})
    assert no_body.status_code == 422
    assert no_body.json()["details"][0]["where"] == "body.note"


async def test_scorecard_from_the_event_log(web: Web) -> None:
    # ACME: PO-1001 sent, never confirmed, one reminder answered; PO-1002 confirmed 20 h after sending
    async with web.runtime.sessions() as session:
        po = await repository.get_by_number(session, "PO-1001")
        assert po is not None
        now = web.clock.now()
        record_event(
            session,
            po,
            kind="followup",
            field="reminder",
            new={"attempt": 1},
            at=now - timedelta(days=5),
            actor="followup",
        )
        record_event(
            session,
            po,
            kind="vendor_message",
            field="intent",
            new="auto_reply",
            at=now - timedelta(days=5),
            actor="vendor:ACME",
        )
        record_event(
            session,
            po,
            kind="vendor_message",
            field="intent",
            new="delayed",
            at=now - timedelta(days=4),
            actor="vendor:ACME",
        )
        record_event(
            session,
            po,
            kind="followup",
            field="reminder",
            new={"attempt": 2},
            at=now - timedelta(days=2),
            actor="followup",
        )
        record_event(
            session,
            po,
            kind="field_changed",
            field="eta",
            old=None,
            new="2026-11-17",
            at=now - timedelta(days=4),
            actor="vendor:ACME",
        )
        await session.commit()

    response = await web.client.get("/api/v1/vendors/ACME/scorecard", headers=web.auth)
    assert response.status_code == 200, response.text
    card = response.json()
    assert (card["pos_sent"], card["pos_confirmed"], card["confirmation_rate"]) == (2, 1, 0.5)
    assert card["median_hours_to_confirm"] == 20.0
    assert (card["followups_sent"], card["followups_answered"], card["response_rate"]) == (2, 1, 0.5)
    assert (card["pos_delayed"], card["average_delay_days"]) == (1, 7.0)  # asked 11-10, now expected 11-17

    bolt = (await web.client.get("/api/v1/vendors/BOLT/scorecard", headers=web.auth)).json()
    assert (bolt["pos_shipped"], bolt["on_time_shipment_rate"]) == (1, 1.0)  # shipped 11-18, asked for 11-25
    assert (await web.client.get("/api/v1/vendors/NOPE/scorecard", headers=web.auth)).status_code == 404
    narrow = (await web.client.get("/api/v1/vendors/ACME/scorecard", headers=web.auth, params={"days": 1})).json()
    assert narrow["pos_sent"] == 0
    assert narrow["confirmation_rate"] is None


async def test_scorecard_of_a_vendor_with_nothing(web: Web) -> None:
    async with web.runtime.sessions() as session:
        vendor = await repository.vendor_by_code(session, "BOLT")
        assert vendor is not None
        card = await vendor_scorecard(session, vendor, now=web.clock.now() - timedelta(days=400))
    assert card.pos_sent == 0
    assert card.response_rate is None
    assert card.median_hours_to_confirm is None


def test_event_descriptions_read_like_sentences() -> None:
    from models import POEvent

    event = POEvent(kind="field_changed", field="eta", old_value="2026-11-20", new_value="2026-11-27", actor="x")
    assert describe_event(event) == "ETA: 2026-11-20 → 2026-11-27"
    shipped = POEvent(kind="line_shipped", field="line 1 quantity_shipped", old_value="0", new_value="5", actor="x")
    assert describe_event(shipped) == "Line 1 quantity shipped: 0 → 5"
