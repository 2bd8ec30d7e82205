"""The PO state machine: which status may follow which, and why not when it may not.

Exceptions (late, delayed by the vendor, discrepancies, unresponsive, bounced contact) are flags
beside the status, not statuses: a late PO is still `sent` or `confirmed`.
"""

from __future__ import annotations

from enum import StrEnum


class POStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    ON_HOLD = "on_hold"


class ExceptionFlag(StrEnum):
    LATE = "late"
    VENDOR_DELAY = "vendor_delay"
    QUANTITY_DISCREPANCY = "quantity_discrepancy"
    PRICE_DISCREPANCY = "price_discrepancy"
    VENDOR_UNRESPONSIVE = "vendor_unresponsive"
    CONTACT_BOUNCED = "contact_bounced"


S = POStatus

# Goods that left the vendor cannot be cancelled any more, only received (or held while sorted out).
# Receipt may come straight from the ERP even if the vendor never said a word, hence sent -> received.
TRANSITIONS: dict[POStatus, frozenset[POStatus]] = {
    S.DRAFT: frozenset({S.APPROVED, S.CANCELLED, S.ON_HOLD}),
    S.APPROVED: frozenset({S.DRAFT, S.SENT, S.CANCELLED, S.ON_HOLD}),
    S.SENT: frozenset({S.CONFIRMED, S.SHIPPED, S.PARTIALLY_RECEIVED, S.RECEIVED, S.CANCELLED, S.ON_HOLD}),
    S.CONFIRMED: frozenset({S.SHIPPED, S.PARTIALLY_RECEIVED, S.RECEIVED, S.CANCELLED, S.ON_HOLD}),
    S.SHIPPED: frozenset({S.PARTIALLY_RECEIVED, S.RECEIVED, S.ON_HOLD}),
    S.PARTIALLY_RECEIVED: frozenset({S.RECEIVED, S.CLOSED, S.ON_HOLD}),
    S.RECEIVED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
    # resuming goes back to the status the PO was held from (checked in `check_transition`)
    S.ON_HOLD: frozenset({S.DRAFT, S.APPROVED, S.SENT, S.CONFIRMED, S.SHIPPED, S.PARTIALLY_RECEIVED, S.CANCELLED}),
}

TERMINAL: frozenset[POStatus] = frozenset({S.CLOSED, S.CANCELLED})
# statuses in which Liaison still keeps after the vendor
OPEN: frozenset[POStatus] = frozenset({S.SENT, S.CONFIRMED, S.SHIPPED, S.PARTIALLY_RECEIVED})
# statuses a vendor message may still change
VENDOR_ACTIVE: frozenset[POStatus] = frozenset({S.SENT, S.CONFIRMED, S.SHIPPED, S.PARTIALLY_RECEIVED, S.ON_HOLD})


def refusal_reason(current: POStatus, target: POStatus, *, held_from: POStatus | None = None) -> str | None:
    """Why `current -> target` is not allowed, or None when it is."""
    if current == target:
        return f"the PO is already {current.value}"
    if current in TERMINAL:
        return f"a {current.value} PO is final"
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "nothing"
        return f"from {current.value} the PO may go to {allowed}"
    if current == S.ON_HOLD and target != S.CANCELLED and held_from is not None and target != held_from:
        return f"a held PO resumes to the status it was held from ({held_from.value})"
    return None


def can_transition(current: POStatus, target: POStatus, *, held_from: POStatus | None = None) -> bool:
    return refusal_reason(current, target, held_from=held_from) is None
