"""What an ERP import carries: pydantic models that check each input record, and the plain records the
import plans and writes from (slotted dataclasses, so 100k POs stay well inside the memory budget)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import available_timezones

from babel.numbers import list_currencies
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from core.purchase_orders.lifecycle import POStatus

MAX_QUANTITY_DIGITS = 12  # NUMERIC(18, 6): twelve digits before the point, six after
MAX_DECIMALS = 6
MAX_PROBLEMS_KEPT = 10_000
_SHOWN_VALUE_CHARS = 40  # input is untrusted: never echo a huge value into the error list

Style = Literal["csv", "json"]
T = TypeVar("T")


# ----------------------------------------------------------------------------------------------
# problems


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One thing wrong with the file: where (CSV line or JSON path), which column or key, and what."""

    style: Style
    where: str  # "line 7" | "purchase_orders[3].lines[0]" | "file"
    column: str | None
    message: str

    @property
    def sort_key(self) -> tuple[int, ...]:
        """File order: by CSV line, or by record index (vendors before purchase orders)."""
        if self.style == "csv":
            return (int(self.where[5:]),) if self.where.startswith("line ") else (0,)
        section = 0 if self.where.startswith("vendors") else 1
        record = re.search(r"\[(\d+)\]", self.where)  # the record's index; within a record, file order
        return (section, int(record.group(1)) if record else -1)

    def __str__(self) -> str:
        if self.column is None:
            return f"{self.where}: {self.message}"
        if self.style == "csv":
            return f"{self.where}, column {self.column}: {self.message}"
        return f"{self.where}.{self.column}: {self.message}"


def csv_where(row: int) -> str:
    return f"line {row}"


def json_where(*path: str | int) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "$"


def shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_VALUE_CHARS else text[: _SHOWN_VALUE_CHARS - 3] + "..."


# ----------------------------------------------------------------------------------------------
# value checks shared by the CSV and JSON paths (each raises a PydanticCustomError with a plain message)


def _problem(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _problem("date", f"not a date (YYYY-MM-DD): {shown(value)}")


def parse_timestamp(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
        if moment is not None:
            if moment.tzinfo is None:
                raise _problem("timestamp", f"timestamp without a UTC offset: {shown(value)}")
            return moment
    raise _problem("timestamp", f"not an ISO 8601 timestamp: {shown(value)}")


def parse_decimal(value: Any) -> Decimal:
    """Quantities and prices: exact decimals, never negative, within NUMERIC(18, 6)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise _problem("number", f"not a number: {shown(value)}")
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise _problem("number", f"not a number: {shown(value)}") from None
    if not number.is_finite():
        raise _problem("number", f"not a number: {shown(value)}")
    if number < 0:
        raise _problem("negative", f"must not be negative: {shown(value)}")
    _sign, digits, exponent = number.normalize().as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    if exponent < -MAX_DECIMALS or len(digits) + exponent > MAX_QUANTITY_DIGITS:
        raise _problem("number", f"out of range (at most 12 digits and 6 decimals): {shown(value)}")
    return number


def parse_line_number(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise _problem("line", f"not a whole number: {shown(value)}")
    if not 1 <= value <= 100_000:
        raise _problem("line", f"must be between 1 and 100000: {shown(value)}")
    return value


def parse_status(value: Any) -> POStatus:
    if isinstance(value, str):
        try:
            return POStatus(value.strip().lower())
        except ValueError:
            pass
    allowed = ", ".join(s.value for s in POStatus)
    raise _problem("status", f"unknown status {shown(value)} (one of {allowed})")


@lru_cache(maxsize=1)
def currency_codes() -> frozenset[str]:
    return frozenset(list_currencies())


def parse_currency(value: Any) -> str:
    if isinstance(value, str):
        code = value.strip().upper()
        if len(code) == 3 and code in currency_codes():
            return code
    raise _problem("currency", f"not an ISO 4217 currency code: {shown(value)}")


_EMAIL = re.compile(r"[^@\s<>\"(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")


def parse_email(value: Any) -> str:
    """Addresses are compared lower-cased everywhere (contacts, domains, buyers)."""
    if isinstance(value, str) and len(value) <= 320 and _EMAIL.fullmatch(value.strip()):
        return value.strip().lower()
    raise _problem("email", f"not an email address: {shown(value)}")


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def parse_timezone(value: Any) -> str:
    if isinstance(value, str) and value.strip() in _timezones():
        return value.strip()
    raise _problem("timezone", f"unknown time zone: {shown(value)}")


def parse_country(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{2}", value.strip()):
        return value.strip().upper()
    raise _problem("country", f"not a two-letter country code: {shown(value)}")


def parse_message_id(value: Any) -> str:
    """Message-IDs are kept in header form, `<local@domain>`, as replies quote them in In-Reply-To."""
    if isinstance(value, str) and 3 <= len(value.strip()) <= 500 and not re.search(r"\s", value.strip()):
        text = value.strip()
        return text if text.startswith("<") and text.endswith(">") else f"<{text.strip('<>')}>"
    raise _problem("message_id", f"not a Message-ID: {shown(value)}")


IsoDate = Annotated[date, BeforeValidator(parse_date)]
Timestamp = Annotated[datetime, BeforeValidator(parse_timestamp)]
Quantity = Annotated[Decimal, BeforeValidator(parse_decimal)]
LineNumber = Annotated[int, BeforeValidator(parse_line_number)]
Status = Annotated[POStatus, BeforeValidator(parse_status)]
Currency = Annotated[str, BeforeValidator(parse_currency)]
Email = Annotated[str, BeforeValidator(parse_email)]
TimeZone = Annotated[str, BeforeValidator(parse_timezone)]
Country = Annotated[str, BeforeValidator(parse_country)]
MessageId = Annotated[str, BeforeValidator(parse_message_id)]
PONumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


Text20 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Text1000 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


# ----------------------------------------------------------------------------------------------
# input shapes: purchase_orders.json (FORMAT.md) and one CSV row


class _In(BaseModel):
    # ERP exports carry more than we use: extra keys are ignored, not errors
    model_config = ConfigDict(extra="ignore", frozen=True)


class VendorIn(_In):
    id: Code
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    emails: list[Email] = Field(default_factory=list, max_length=100)
    telegram_user_ids: list[StrictInt] = Field(default_factory=list, max_length=100)
    language: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=10)] = "en"
    timezone: TimeZone = "UTC"
    country: Country | None = None


class LineIn(_In):
    line: StrictInt
    sku: Text100 | None = None
    vendor_sku: Text100 | None = None
    description: Text500 = ""
    quantity: Quantity
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] = "pcs"
    unit_price: Quantity | None = None


class SentMessageIn(_In):
    channel: Literal["email", "chat", "telegram"]
    sent_at: Timestamp
    message_id: MessageId | None = None
    subject: Text1000 | None = None
    telegram_user_id: StrictInt | None = None
    telegram_chat_id: StrictInt | None = None
    telegram_message_id: StrictInt | None = None
    text: str | None = Field(default=None, max_length=20_000)

    @model_validator(mode="after")
    def _has_its_ids(self) -> SentMessageIn:
        if self.channel == "email" and self.message_id is None:
            raise _problem("sent_message", "an email needs its message_id")
        if self.channel != "email" and (
            self.telegram_message_id is None or (self.telegram_user_id is None and self.telegram_chat_id is None)
        ):
            raise _problem("sent_message", "a chat message needs telegram_user_id and telegram_message_id")
        return self

    def record(self) -> SentMessageRecord:
        if self.channel == "email":
            return SentMessageRecord("email", self.sent_at, self.message_id, self.subject, None, None, self.text)
        # a bot's private chat with a user has the user's id as its chat id
        chat = self.telegram_chat_id if self.telegram_chat_id is not None else self.telegram_user_id
        return SentMessageRecord(
            "telegram", self.sent_at, None, self.subject, chat, self.telegram_message_id, self.text
        )


class PurchaseOrderIn(_In):
    number: PONumber
    vendor_id: Code
    buyer_email: Email | None = None
    order_date: IsoDate | None = None
    promised_date: IsoDate | None = None
    status: Status
    currency: Currency = "EUR"
    vendor_reference: Text100 | None = None
    lines: list[LineIn] = Field(min_length=1, max_length=10_000)
    sent_messages: list[SentMessageIn] = Field(default_factory=list, max_length=1_000)


class CsvRowIn(_In):
    """One CSV row: a PO line with its PO's fields repeated. Empty cells arrive as None."""

    po_number: PONumber
    vendor_code: Code
    order_date: IsoDate | None = None
    promised_date: IsoDate | None = None
    currency: Currency
    status: Status
    buyer_email: Email | None = None
    vendor_reference: Text100 | None = None
    line: LineNumber
    sku: Text100 | None = None
    vendor_sku: Text100 | None = None
    description: Text500 | None = None
    quantity: Quantity
    unit: Text20 | None = None
    unit_price: Quantity | None = None


CSV_REQUIRED = ("po_number", "vendor_code", "currency", "status", "line", "quantity")
CSV_COLUMNS = tuple(CsvRowIn.model_fields)
CSV_PO_COLUMNS = (
    "vendor_code",
    "order_date",
    "promised_date",
    "currency",
    "status",
    "buyer_email",
    "vendor_reference",
)


# ----------------------------------------------------------------------------------------------
# validated records: what the importer plans and writes from


@dataclass(slots=True)
class LineRecord:
    line_no: int
    sku: str | None
    vendor_sku: str | None
    description: str
    unit: str
    unit_price: Decimal | None
    quantity: Decimal


@dataclass(slots=True)
class SentMessageRecord:
    channel: Literal["email", "telegram"]
    sent_at: datetime
    email_message_id: str | None
    subject: str | None
    telegram_chat_id: int | None
    telegram_message_id: int | None
    text: str | None

    @property
    def dedupe_key(self) -> str:
        if self.channel == "email":
            return f"out-email:{self.email_message_id}"
        return f"out-telegram:{self.telegram_chat_id}:{self.telegram_message_id}"


@dataclass(slots=True)
class PORecord:
    number: str
    vendor_code: str
    buyer_email: str | None
    order_date: date | None
    promised_date: date | None
    status: POStatus
    currency: str
    vendor_reference: str | None
    lines: list[LineRecord]
    sent_messages: list[SentMessageRecord] = field(default_factory=list)
    source: int = 0  # CSV line of its first row, or index in purchase_orders


@dataclass(slots=True)
class VendorRecord:
    code: str
    name: str
    emails: list[str]
    telegram_ids: list[int]
    language: str
    timezone: str
    country: str | None
    source: int = 0  # index in vendors


@dataclass(slots=True)
class ImportBatch:
    """Everything one file says, already checked record by record; `problems` lists what failed."""

    style: Style
    name: str
    vendors: list[VendorRecord] = field(default_factory=list)
    purchase_orders: list[PORecord] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    problems_not_kept: int = 0  # a hostile file cannot fill memory with problems
    # ids of vendors refused above: their POs are not reported again as having an unknown vendor
    refused_vendor_codes: set[str] = field(default_factory=set)

    def add(self, problem: ImportProblem) -> None:
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)
        else:
            self.problems_not_kept += 1

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.problems_not_kept


class Sharer:
    """Hands out one object per distinct value: units, currencies, quantities, prices and descriptions
    repeat across a large file, and sharing them keeps 100k POs' records ~90 MB smaller."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def __call__(self, value: T) -> T:
        if value is None:
            return value
        shared: T = self._seen.setdefault(value, value)
        return shared


def line_record(line: LineIn, share: Sharer) -> LineRecord:
    return LineRecord(
        line_no=line.line,
        sku=line.sku or None,
        vendor_sku=line.vendor_sku or None,
        description=share(line.description),
        unit=share(line.unit),
        unit_price=share(line.unit_price),
        quantity=share(line.quantity),
    )


def vendor_record(vendor: VendorIn, source: int) -> VendorRecord:
    return VendorRecord(
        code=vendor.id,
        name=vendor.name,
        emails=list(dict.fromkeys(vendor.emails)),
        telegram_ids=list(dict.fromkeys(vendor.telegram_user_ids)),
        language=vendor.language.lower(),
        timezone=vendor.timezone,
        country=vendor.country,
        source=source,
    )
