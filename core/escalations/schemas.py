"""Escalation reasons, severities, states and their service levels."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class EscalationReason(StrEnum):
    VENDOR_UNRESPONSIVE = "vendor_unresponsive"
    DATE_LATER_THAN_PROMISED = "date_later_than_promised"
    PARTIAL_SHIPMENT = "partial_shipment"
    QUANTITY_CHANGE = "quantity_change"
    PRICE_CHANGE = "price_change"
    CHANGE_REQUEST = "change_request"
    CANCELLATION = "cancellation"
    BOUNCE = "bounce"
    NEEDS_REVIEW = "needs_review"
    UNTRUSTED_SENDER = "untrusted_sender"
    DELIVERY_FAILED = "delivery_failed"
    VENDOR_QUESTION = "vendor_question"
    PROCESSING_FAILED = "processing_failed"
    LATE = "late"


class Severity(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class EscalationState(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_ON_VENDOR = "waiting_on_vendor"
    RESOLVED = "resolved"


DEFAULT_SEVERITY: dict[EscalationReason, Severity] = {
    EscalationReason.VENDOR_UNRESPONSIVE: Severity.NORMAL,
    EscalationReason.DATE_LATER_THAN_PROMISED: Severity.HIGH,
    EscalationReason.PARTIAL_SHIPMENT: Severity.NORMAL,
    EscalationReason.QUANTITY_CHANGE: Severity.HIGH,
    EscalationReason.PRICE_CHANGE: Severity.HIGH,
    EscalationReason.CHANGE_REQUEST: Severity.HIGH,
    EscalationReason.CANCELLATION: Severity.CRITICAL,
    EscalationReason.BOUNCE: Severity.HIGH,
    EscalationReason.NEEDS_REVIEW: Severity.NORMAL,
    EscalationReason.UNTRUSTED_SENDER: Severity.LOW,
    EscalationReason.DELIVERY_FAILED: Severity.HIGH,
    EscalationReason.VENDOR_QUESTION: Severity.NORMAL,
    EscalationReason.PROCESSING_FAILED: Severity.NORMAL,
    EscalationReason.LATE: Severity.HIGH,
}

# how long an escalation may stay unresolved before it goes up a level
SLA: dict[Severity, timedelta] = {
    Severity.LOW: timedelta(hours=48),
    Severity.NORMAL: timedelta(hours=24),
    Severity.HIGH: timedelta(hours=8),
    Severity.CRITICAL: timedelta(hours=2),
}
