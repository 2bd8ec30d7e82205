"""Read-side queries over purchase orders: filtered lists with a stable keyset cursor, and overview counts."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.errors import ValidationProblem
from core.escalations.repository import ACTIVE_STATES
from core.purchase_orders.lifecycle import OPEN, ExceptionFlag, POStatus
from models import Escalation, EscalationNote, Message, MessagePO, PurchaseOrder, User, Vendor

MAX_PAGE = 500
_MAX_SEARCH_CHARS = 64
_OPEN_VALUES = tuple(sorted(s.value for s in OPEN))


@dataclass(frozen=True, slots=True)
class POFilter:
    """What a list asks for; every field narrows, None means "any"."""

    statuses: tuple[POStatus, ...] = ()
    open_only: bool = False
    vendor_code: str | None = None
    buyer_id: int | None = None
    late: bool | None = None
    # "any" for a PO with at least one exception flag, or one flag by name
    exception: ExceptionFlag | str | None = None
    updated_since: datetime | None = None
    search: str | None = None  # part of the PO number or the vendor's reference


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the previous page ended: its last (updated_at, id). Opaque text to clients."""

    updated_at: datetime
    po_id: int

    def encode(self) -> str:
        raw = json.dumps([self.updated_at.isoformat(), self.po_id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            at_text, po_id = json.loads(raw)
            at = datetime.fromisoformat(at_text)
            if not isinstance(po_id, int) or at.tzinfo is None:
                raise ValueError
        except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
            raise ValidationProblem("the cursor is not one this service gave out") from None
        return cls(at.astimezone(UTC), po_id)


@dataclass(slots=True)
class POPage:
    items: list[PurchaseOrder]  # vendor and lines loaded
    next_cursor: str | None


def late_clause(today: date) -> ColumnElement[bool]:
    """Late: still open and either flagged late or past the date the goods are now expected."""
    expected = func.coalesce(PurchaseOrder.eta, PurchaseOrder.promised_date)
    return and_(PurchaseOrder.status.in_(_OPEN_VALUES), or_(PurchaseOrder.exc_late.is_(True), expected < today))


def any_exception_clause() -> ColumnElement[bool]:
    return or_(*(getattr(PurchaseOrder, f"exc_{flag.value}").is_(True) for flag in ExceptionFlag))


def _filtered(stmt: Select[PurchaseOrder], flt: POFilter, today: date) -> Select[PurchaseOrder]:
    if flt.statuses:
        stmt = stmt.where(PurchaseOrder.status.in_([s.value for s in flt.statuses]))
    if flt.open_only:
        stmt = stmt.where(PurchaseOrder.status.in_(_OPEN_VALUES))
    if flt.vendor_code:
        stmt = stmt.where(PurchaseOrder.vendor_id.in_(select(Vendor.id).where(Vendor.code == flt.vendor_code)))
    if flt.buyer_id is not None:
        stmt = stmt.where(PurchaseOrder.buyer_id == flt.buyer_id)
    if flt.late is True:
        stmt = stmt.where(late_clause(today))
    elif flt.late is False:
        stmt = stmt.where(~late_clause(today))
    if flt.exception == "any":
        stmt = stmt.where(any_exception_clause())
    elif flt.exception is not None:
        try:
            flag = ExceptionFlag(flt.exception)
        except ValueError:
            allowed = ", ".join(["any", *(f.value for f in ExceptionFlag)])
            raise ValidationProblem(f"unknown exception {flt.exception!r} (one of {allowed})") from None
        stmt = stmt.where(getattr(PurchaseOrder, f"exc_{flag.value}").is_(True))
    if flt.updated_since is not None:
        stmt = stmt.where(PurchaseOrder.updated_at >= flt.updated_since)
    if flt.search:
        needle = flt.search.strip()[:_MAX_SEARCH_CHARS]
        if needle:
            # LIKE wildcards typed by a person are taken literally
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped.lower()}%"
            stmt = stmt.where(
                or_(
                    func.lower(PurchaseOrder.number).like(pattern, escape="\\"),
                    func.lower(PurchaseOrder.vendor_reference).like(pattern, escape="\\"),
                )
            )
    return stmt


async def list_pos(
    session: AsyncSession,
    flt: POFilter,
    *,
    today: date,
    limit: int = 50,
    cursor: str | None = None,
    newest_first: bool = False,
) -> POPage:
    """One page ordered by (updated_at, id): oldest change first for ERP sync, newest first for people.

    Keyset paging stays stable while rows change: a PO updated meanwhile moves past the cursor and
    shows up again on a later page (which is what a sync wants) instead of shifting every page.
    """
    limit = max(1, min(limit, MAX_PAGE))
    stmt = _filtered(select(PurchaseOrder), flt, today)
    if cursor:
        after = Cursor.decode(cursor)
        at, ident = PurchaseOrder.updated_at, PurchaseOrder.id
        if newest_first:
            stmt = stmt.where(or_(at < after.updated_at, and_(at == after.updated_at, ident < after.po_id)))
        else:
            stmt = stmt.where(or_(at > after.updated_at, and_(at == after.updated_at, ident > after.po_id)))
    order = (
        (PurchaseOrder.updated_at.desc(), PurchaseOrder.id.desc())
        if newest_first
        else (PurchaseOrder.updated_at, PurchaseOrder.id)
    )
    stmt = (
        stmt.order_by(*order)
        .limit(limit + 1)
        .options(selectinload(PurchaseOrder.vendor), selectinload(PurchaseOrder.lines))
    )
    rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = Cursor(rows[-1].updated_at, rows[-1].id).encode() if more and rows else None
    return POPage(items=rows, next_cursor=next_cursor)


async def count_pos(session: AsyncSession, flt: POFilter, *, today: date) -> int:
    stmt = _filtered(select(PurchaseOrder), flt, today).with_only_columns(func.count(PurchaseOrder.id))
    return int(await session.scalar(stmt) or 0)


@dataclass(frozen=True, slots=True)
class OverviewCounts:
    open: int
    late: int
    awaiting_confirmation: int
    with_exceptions: int
    open_escalations: int
    overdue_escalations: int


async def overview_counts(session: AsyncSession, *, now: datetime, buyer_id: int | None = None) -> OverviewCounts:
    """The dashboard's headline numbers in one round trip per table."""
    today = now.date()
    open_ = PurchaseOrder.status.in_(_OPEN_VALUES)
    stmt = select(
        func.count(PurchaseOrder.id).filter(open_),
        func.count(PurchaseOrder.id).filter(late_clause(today)),
        func.count(PurchaseOrder.id).filter(PurchaseOrder.status == POStatus.SENT.value),
        func.count(PurchaseOrder.id).filter(and_(open_, any_exception_clause())),
    )
    if buyer_id is not None:
        stmt = stmt.where(PurchaseOrder.buyer_id == buyer_id)
    open_count, late, awaiting, exceptions = (await session.execute(stmt)).one()
    active = Escalation.state.in_(ACTIVE_STATES)
    esc_stmt = select(
        func.count(Escalation.id).filter(active),
        func.count(Escalation.id).filter(and_(active, Escalation.sla_due_at <= now)),
    )
    if buyer_id is not None:
        esc_stmt = esc_stmt.where(
            Escalation.po_id.in_(select(PurchaseOrder.id).where(PurchaseOrder.buyer_id == buyer_id))
        )
    open_esc, overdue = (await session.execute(esc_stmt)).one()
    return OverviewCounts(
        open=int(open_count),
        late=int(late),
        awaiting_confirmation=int(awaiting),
        with_exceptions=int(exceptions),
        open_escalations=int(open_esc),
        overdue_escalations=int(overdue),
    )


async def numbers_by_ids(session: AsyncSession, po_ids: Sequence[int]) -> dict[int, str]:
    if not po_ids:
        return {}
    rows = await session.execute(select(PurchaseOrder.id, PurchaseOrder.number).where(PurchaseOrder.id.in_(po_ids)))
    return {int(ident): str(value) for ident, value in rows}


async def vendors(session: AsyncSession, *, active_only: bool = True) -> list[Vendor]:
    stmt = select(Vendor).order_by(Vendor.name, Vendor.code)
    if active_only:
        stmt = stmt.where(Vendor.active.is_(True))
    return list((await session.execute(stmt)).scalars())


async def messages_for(session: AsyncSession, po_id: int, *, limit: int = 200) -> list[tuple[Message, str]]:
    """The messages linked to a PO (in and out, any channel) with the link's role, oldest first."""
    stmt = (
        select(Message, MessagePO.role)
        .join(MessagePO, MessagePO.message_id == Message.id)
        .where(MessagePO.po_id == po_id)
        .order_by(Message.received_at, Message.id)
        .limit(limit)
    )
    return [(message, role) for message, role in await session.execute(stmt)]


async def messages_by_ids(session: AsyncSession, message_ids: Sequence[int]) -> dict[int, Message]:
    if not message_ids:
        return {}
    rows = await session.execute(select(Message).where(Message.id.in_(message_ids)))
    return {m.id: m for m in rows.scalars()}


async def user_names(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.name, User.email).where(User.id.in_(user_ids)))
    return {ident: name or email or f"user {ident}" for ident, name, email in rows}


async def vendor_names(session: AsyncSession, vendor_ids: Sequence[int]) -> dict[int, str]:
    if not vendor_ids:
        return {}
    rows = await session.execute(select(Vendor.id, Vendor.name).where(Vendor.id.in_(vendor_ids)))
    return {int(ident): str(value) for ident, value in rows}


async def escalation_notes(session: AsyncSession, escalation_ids: Sequence[int]) -> dict[int, list[EscalationNote]]:
    if not escalation_ids:
        return {}
    stmt = (
        select(EscalationNote)
        .where(EscalationNote.escalation_id.in_(escalation_ids))
        .order_by(EscalationNote.at, EscalationNote.id)
    )
    out: dict[int, list[EscalationNote]] = {}
    for note in (await session.execute(stmt)).scalars():
        out.setdefault(note.escalation_id, []).append(note)
    return out
