"""The whole transition table: every allowed transition works and writes an event; every other is refused."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import IllegalTransitionError
from core.purchase_orders import repository
from core.purchase_orders.lifecycle import TRANSITIONS, POStatus, can_transition, refusal_reason
from core.purchase_orders.service import Actor, change_status
from tests.factories import make_po, make_vendor

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ALL_PAIRS = list(itertools.product(POStatus, POStatus))


def test_every_status_has_a_row() -> None:
    assert set(TRANSITIONS) == set(POStatus)


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS, ids=[f"{a.value}->{b.value}" for a, b in ALL_PAIRS])
def test_table_is_what_the_check_says(current: POStatus, target: POStatus) -> None:
    assert can_transition(current, target) == (target in TRANSITIONS[current] and current != target)


async def test_every_pair_on_the_database(session: AsyncSession) -> None:
    vendor = await make_vendor(session)
    allowed = refused = 0
    for current, target in ALL_PAIRS:
        po = await make_po(session, vendor, status=current.value)
        if current == POStatus.ON_HOLD:
            po.status_before_hold = target.value if target != POStatus.CANCELLED else POStatus.SENT.value
        before = len(await repository.events_for(session, po.id))
        if target in TRANSITIONS[current] and current != target:
            change_status(session, po, target, at=AT, actor=Actor("user:1"))
            await session.flush()
            events = await repository.events_for(session, po.id)
            assert po.status == target.value
            assert len(events) == before + 1
            assert (events[-1].kind, events[-1].old_value, events[-1].new_value) == (
                "status_changed",
                current.value,
                target.value,
            )
            allowed += 1
        else:
            with pytest.raises(IllegalTransitionError) as err:
                change_status(session, po, target, at=AT, actor=Actor("user:1"))
            assert err.value.reason
            assert po.status == current.value
            await session.flush()
            assert len(await repository.events_for(session, po.id)) == before
            refused += 1
    assert allowed == sum(len(v) for v in TRANSITIONS.values())
    assert allowed + refused == len(POStatus) ** 2


def test_hold_resumes_only_to_where_it_was() -> None:
    assert refusal_reason(POStatus.ON_HOLD, POStatus.SHIPPED, held_from=POStatus.CONFIRMED)
    assert refusal_reason(POStatus.ON_HOLD, POStatus.CONFIRMED, held_from=POStatus.CONFIRMED) is None
    assert refusal_reason(POStatus.ON_HOLD, POStatus.CANCELLED, held_from=POStatus.CONFIRMED) is None


async def test_hold_remembers_status(session: AsyncSession) -> None:
    vendor = await make_vendor(session)
    po = await make_po(session, vendor, status="confirmed")
    change_status(session, po, POStatus.ON_HOLD, at=AT, actor=Actor("user:1"))
    assert po.status_before_hold == "confirmed"
    with pytest.raises(IllegalTransitionError, match="held from"):
        change_status(session, po, POStatus.SHIPPED, at=AT, actor=Actor("user:1"))
    change_status(session, po, POStatus.CONFIRMED, at=AT, actor=Actor("user:1"))
    assert po.status_before_hold is None


def test_terminal_reason_is_explicit() -> None:
    assert refusal_reason(POStatus.CLOSED, POStatus.SENT) == "a closed PO is final"
