"""SQL the reply pipeline needs: threads, conversations, a vendor's open POs, POs by number."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, event, func, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.util import identity_key

from core.outbox.service import insert_once, insert_once_id
from core.purchase_orders.lifecycle import VENDOR_ACTIVE
from core.replies.matching import LineInfo, POInfo
from models import Message, MessagePO, POEvent, POLine, PurchaseOrder

_PO_COLUMNS = (
    PurchaseOrder.id,
    PurchaseOrder.number,
    PurchaseOrder.vendor_id,
    PurchaseOrder.status,
    PurchaseOrder.vendor_reference,
)


async def _with_lines(session: AsyncSession, rows: Sequence[tuple[int, str, int, str, str | None]]) -> list[POInfo]:
    if not rows:
        return []
    ids = [r[0] for r in rows]
    lines: dict[int, list[LineInfo]] = defaultdict(list)
    stmt = select(
        POLine.po_id,
        POLine.line_no,
        POLine.sku,
        POLine.vendor_sku,
        POLine.description,
        POLine.quantity_ordered,
        POLine.unit,
    ).where(POLine.po_id.in_(ids))
    for po_id, line_no, sku, vsku, desc, qty, unit in (await session.execute(stmt)).all():
        lines[po_id].append(LineInfo(line_no, sku, vsku, desc or "", float(qty), unit or "pcs"))
    return [POInfo(r[0], r[1], r[2], r[3], r[4], tuple(sorted(lines[r[0]], key=lambda x: x.line_no))) for r in rows]


async def pos_by_numbers(session: AsyncSession, numbers: Iterable[str]) -> dict[str, POInfo]:
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    rows = (await session.execute(select(*_PO_COLUMNS).where(PurchaseOrder.number.in_(wanted)))).all()
    return {po.number: po for po in await _with_lines(session, rows)}


async def pos_by_ids(session: AsyncSession, ids: Iterable[int]) -> dict[int, POInfo]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = (await session.execute(select(*_PO_COLUMNS).where(PurchaseOrder.id.in_(wanted)))).all()
    return {po.id: po for po in await _with_lines(session, rows)}


async def vendor_open_pos(session: AsyncSession, vendor_id: int, *, limit: int = 200) -> list[POInfo]:
    stmt = (
        select(*_PO_COLUMNS)
        .where(PurchaseOrder.vendor_id == vendor_id, PurchaseOrder.status.in_([s.value for s in VENDOR_ACTIVE]))
        .order_by(PurchaseOrder.id)
        .limit(limit)
    )
    return await _with_lines(session, (await session.execute(stmt)).all())


async def po_ids_for_email_ids(session: AsyncSession, message_ids: Sequence[str]) -> list[int]:
    """POs linked to stored messages with these Message-IDs, in the order of `message_ids`."""
    if not message_ids:
        return []
    stmt = (
        select(Message.email_message_id, MessagePO.po_id)
        .join(MessagePO, MessagePO.message_id == Message.id)
        .where(Message.email_message_id.in_(list(message_ids)[:50]), MessagePO.role == "match")
    )
    by_id: dict[str, list[int]] = defaultdict(list)
    for mid, po_id in (await session.execute(stmt)).all():
        if mid is not None:
            by_id[mid].append(po_id)
    ordered: list[int] = []
    for mid in message_ids:
        for po_id in by_id.get(mid, []):
            if po_id not in ordered:
                ordered.append(po_id)
    return ordered


async def po_ids_for_telegram_message(session: AsyncSession, chat_id: int, message_id: int) -> list[int]:
    stmt = (
        select(MessagePO.po_id)
        .join(Message, MessagePO.message_id == Message.id)
        .where(
            Message.telegram_chat_id == chat_id,
            Message.telegram_message_id == message_id,
            Message.direction == "out",
            MessagePO.role == "match",
        )
    )
    return list(dict.fromkeys((await session.execute(stmt)).scalars()))


async def recent_conversation_po_ids(
    session: AsyncSession, chat_id: int, *, since: datetime, before: datetime, limit: int = 10
) -> list[int]:
    """POs of the latest messages in this chat (either direction), newest first."""
    stmt = (
        select(MessagePO.po_id, Message.received_at)
        .join(Message, MessagePO.message_id == Message.id)
        .where(
            Message.telegram_chat_id == chat_id,
            Message.received_at >= since,
            Message.received_at <= before,
            MessagePO.role == "match",
        )
        .order_by(Message.received_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return list(dict.fromkeys(po_id for po_id, _ in (await session.execute(stmt)).all()))


async def text_replied_to(
    session: AsyncSession, *, chat_id: int | None, telegram_message_id: int | None, email_message_ids: Sequence[str]
) -> str | None:
    """The text of our own outbound message an inbound one replies to (a bot message in the chat,
    or an email by Message-ID), newest first; None when there is none or it has no text."""
    stmt = select(Message.body_text).where(Message.direction == "out", Message.body_text.is_not(None))
    if chat_id is not None and telegram_message_id is not None:
        stmt = stmt.where(Message.telegram_chat_id == chat_id, Message.telegram_message_id == telegram_message_id)
    elif email_message_ids:
        stmt = stmt.where(Message.email_message_id.in_(list(email_message_ids)[:20]))
    else:
        return None
    text: str | None = (await session.execute(stmt.order_by(Message.id.desc()).limit(1))).scalar_one_or_none()
    return text


async def message_id_by_dedupe(session: AsyncSession, dedupe_key: str) -> int | None:
    return await session.scalar(select(Message.id).where(Message.dedupe_key == dedupe_key))


async def new_po_numbers(session: AsyncSession, after_id: int) -> list[tuple[int, str, str | None]]:
    stmt = (
        select(PurchaseOrder.id, PurchaseOrder.number, PurchaseOrder.vendor_reference)
        .where(PurchaseOrder.id > after_id)
        .order_by(PurchaseOrder.id)
    )
    return [(i, n, r) for i, n, r in (await session.execute(stmt)).all()]


# --- incremental reads for the in-memory read model (core/replies/read_model.py) ---------------------


async def watermarks(session: AsyncSession, extra: Sequence[Any] = ()) -> tuple[Any, ...]:
    """Highest PO, PO-event and message-link ids (plus `extra` scalar sub-queries), in one statement."""
    stmt = select(
        select(func.max(PurchaseOrder.id)).scalar_subquery(),
        select(func.max(POEvent.id)).scalar_subquery(),
        select(func.max(MessagePO.id)).scalar_subquery(),
        *extra,
    )
    return tuple((await session.execute(stmt)).one())


async def pos_after(session: AsyncSession, after_id: int) -> list[tuple[int, str, str | None, int, str]]:
    """(id, number, vendor reference, vendor id, status) of POs with an id above `after_id`."""
    stmt = (
        select(
            PurchaseOrder.id,
            PurchaseOrder.number,
            PurchaseOrder.vendor_reference,
            PurchaseOrder.vendor_id,
            PurchaseOrder.status,
        )
        .where(PurchaseOrder.id > after_id)
        .order_by(PurchaseOrder.id)
    )
    return [(i, n, r, v, s) for i, n, r, v, s in (await session.execute(stmt)).all()]


async def events_after(session: AsyncSession, after_id: int) -> list[tuple[int, int, str, int | None]]:
    """(id, PO id, kind, message id) of PO events above `after_id`: which POs changed since."""
    stmt = (
        select(POEvent.id, POEvent.po_id, POEvent.kind, POEvent.message_id)
        .where(POEvent.id > after_id)
        .order_by(POEvent.id)
    )
    return [(i, p, k, m) for i, p, k, m in (await session.execute(stmt)).all()]


LinkRow = tuple[int, int, int, str | None, int | None, int | None, str, datetime]


def _link_select() -> Any:
    return (
        select(
            MessagePO.id,
            MessagePO.message_id,
            MessagePO.po_id,
            Message.email_message_id,
            Message.telegram_chat_id,
            Message.telegram_message_id,
            Message.direction,
            Message.received_at,
        )
        .join(Message, MessagePO.message_id == Message.id)
        .where(MessagePO.role == "match")
        .order_by(MessagePO.id)
    )


async def links_after(session: AsyncSession, after_id: int) -> list[LinkRow]:
    """Match links above `after_id` with what threading needs of their message."""
    rows = (await session.execute(_link_select().where(MessagePO.id > after_id))).all()
    return [tuple(r) for r in rows]


async def links_of_messages(session: AsyncSession, message_ids: Iterable[int]) -> list[LinkRow]:
    wanted = sorted(set(message_ids))
    if not wanted:
        return []
    rows = (await session.execute(_link_select().where(MessagePO.message_id.in_(wanted)))).all()
    return [tuple(r) for r in rows]


async def open_pos_of_vendor(session: AsyncSession, vendor_id: int) -> list[POInfo]:
    """Every PO of the vendor that a vendor message may still change, with its lines."""
    stmt = select(*_PO_COLUMNS).where(
        PurchaseOrder.vendor_id == vendor_id, PurchaseOrder.status.in_([s.value for s in VENDOR_ACTIVE])
    )
    return await _with_lines(session, (await session.execute(stmt)).all())


async def all_open_pos(session: AsyncSession) -> list[POInfo]:
    """Every PO a vendor message may still change, of every vendor, with its lines: two statements."""
    active = [s.value for s in VENDOR_ACTIVE]
    rows = (await session.execute(select(*_PO_COLUMNS).where(PurchaseOrder.status.in_(active)))).all()
    lines: dict[int, list[LineInfo]] = defaultdict(list)
    stmt = select(
        POLine.po_id,
        POLine.line_no,
        POLine.sku,
        POLine.vendor_sku,
        POLine.description,
        POLine.quantity_ordered,
        POLine.unit,
    ).where(POLine.po_id.in_(select(PurchaseOrder.id).where(PurchaseOrder.status.in_(active))))
    for po_id, line_no, sku, vsku, desc, qty, unit in (await session.execute(stmt)).all():
        lines[po_id].append(LineInfo(line_no, sku, vsku, desc or "", float(qty), unit or "pcs"))
    return [POInfo(r[0], r[1], r[2], r[3], r[4], tuple(sorted(lines[r[0]], key=lambda x: x.line_no))) for r in rows]


async def insert_message(session: AsyncSession, values: dict[str, Any]) -> Message | None:
    """Store an inbound message in one statement; None when its dedupe key is stored already."""
    return await insert_once(session, Message, values)


async def insert_message_id(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """As `insert_message`, returning only the new id: no ORM object is built or held."""
    return await insert_once_id(session, Message, values)


# --- rows written in bulk at the end of a batch (PipelineContext(defer_flush=True) only) --------------

_LATER = "liaison.replies.rows_later"


def insert_later(session: AsyncSession, model: type[Any], values: dict[str, Any]) -> None:
    """Queue a row that nothing reads before the transaction ends (message links, acknowledgements):
    all rows queued for a table go in one executemany at the session's next flush or commit, instead
    of one statement (or one ORM object) each. A rollback drops them with the rest of the work."""
    later: dict[Table, list[dict[str, Any]]] = session.sync_session.info.setdefault(_LATER, {})
    later.setdefault(model.__table__, []).append(values)


def _write_later(session: Session) -> None:
    later: dict[Table, list[dict[str, Any]]] | None = session.info.pop(_LATER, None)
    for table, rows in (later or {}).items():
        session.execute(insert(table), rows)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    _write_later(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    _write_later(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_LATER, None)


# --- the ORM rows of POs a message changes ----------------------------------------------------------

# built once: an ORM select with a loader option costs more to build and cache-key than to run
_POS_WITH_LINES = (
    select(PurchaseOrder)
    .where(PurchaseOrder.id.in_(bindparam("ids", expanding=True)))
    .options(joinedload(PurchaseOrder.lines))
)


async def pos_to_change(session: AsyncSession, ids: Sequence[int]) -> list[PurchaseOrder]:
    """POs by id with their lines, in id order, to be changed: rows the session already holds with
    their lines cost no query, the rest come with one prebuilt statement (the reply pipeline does
    this for most messages, so building and cache-keying a select each time was measurable)."""
    held: dict[int, PurchaseOrder] = {}
    missing: list[int] = []
    identity_map = session.sync_session.identity_map
    for po_id in sorted(set(ids)):
        po = identity_map.get(identity_key(PurchaseOrder, po_id))
        state = inspect(po) if po is not None else None
        if po is not None and state is not None and not state.expired_attributes and "lines" not in state.unloaded:
            held[po_id] = po
        else:
            missing.append(po_id)
    if missing:
        for po in (await session.execute(_POS_WITH_LINES, {"ids": missing})).unique().scalars():
            held[po.id] = po
    return [held[i] for i in sorted(held)]
