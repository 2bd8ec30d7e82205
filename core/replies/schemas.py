"""What the reply pipeline understood from one inbound message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Intent(StrEnum):
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    DELAYED = "delayed"
    CANCELLED = "cancelled"
    CHANGE_REQUEST = "change_request"
    QUESTION = "question"
    INVOICE = "invoice"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    UNRELATED = "unrelated"


class Carrier(StrEnum):
    UPS = "UPS"
    FEDEX = "FedEx"
    DHL = "DHL"
    USPS = "USPS"
    TNT = "TNT"
    DPD = "DPD"
    GLS = "GLS"
    ROYAL_MAIL = "Royal Mail"
    MAERSK = "Maersk"
    MSC = "MSC"
    CMA_CGM = "CMA CGM"
    HAPAG_LLOYD = "Hapag-Lloyd"
    OTHER = "Other"


@dataclass(frozen=True, slots=True)
class TrackingNumber:
    number: str  # upper case, no spaces or dashes
    carrier: Carrier | None
    check_digit_valid: bool | None = None  # None where the carrier has no check digit


@dataclass(frozen=True, slots=True)
class ExtractedDates:
    eta: date | None = None
    ship_date: date | None = None


@dataclass(frozen=True, slots=True)
class POMatch:
    po_number: str
    confidence: float
    evidence: tuple[str, ...]


@dataclass(slots=True)
class Understanding:
    intent: Intent
    intent_confidence: float
    matches: list[POMatch] = field(default_factory=list)
    candidates: list[POMatch] = field(default_factory=list)
    needs_review: bool = False
    review_reasons: list[str] = field(default_factory=list)
    eta: date | None = None
    ship_date: date | None = None
    tracking: list[TrackingNumber] = field(default_factory=list)
    carrier: Carrier | None = None
    # {po_number: {line_no: quantity}}
    quantities: dict[str, dict[int, float]] = field(default_factory=dict)
    trusted: bool = False
